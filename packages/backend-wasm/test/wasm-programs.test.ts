import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
// @ts-expect-error: a plain .mjs build script without type declarations
import { generatedSource } from '../scripts/build-wasm-programs.mjs';

const generated = join(dirname(fileURLToPath(import.meta.url)), '..', 'src', 'wasm-programs.ts');

describe('the committed WebAssembly programs', () => {
  it('are exactly what gates.wat and scripts/winograd.mjs compile to (edit those, then run scripts/build-wasm-programs.mjs)', () => {
    const fresh = generatedSource() as string;
    expect(readFileSync(generated, 'utf8')).toBe(fresh);
  });
});
