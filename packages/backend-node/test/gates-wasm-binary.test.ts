import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
// @ts-expect-error: a plain .mjs build script without type declarations
import { generatedSource } from '../scripts/build-gates-wasm.mjs';

const generated = join(
  dirname(fileURLToPath(import.meta.url)),
  '..',
  'src',
  'wasm-kernels',
  'gates-wasm-binary.ts',
);

describe('the committed gate program', () => {
  it('is exactly what gates.wat compiles to (edit the .wat, then run scripts/build-gates-wasm.mjs)', async () => {
    const fresh = (await generatedSource()) as string;
    expect(readFileSync(generated, 'utf8')).toBe(fresh);
  });
});
