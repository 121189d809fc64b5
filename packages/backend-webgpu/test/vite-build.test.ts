import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'vite';
import { describe, expect, it } from 'vitest';

const packageDir = fileURLToPath(new URL('..', import.meta.url));
const WASM_FILES = [
  'tfjs-backend-wasm.wasm',
  'tfjs-backend-wasm-simd.wasm',
  'tfjs-backend-wasm-threaded-simd.wasm',
] as const;

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/** tfjs-backend-wasm's own binary, resolved the way this package's dependency is. */
function tfjsBinary(name: string): Uint8Array {
  const dist = fileURLToPath(new URL('.', import.meta.resolve('@tensorflow/tfjs-backend-wasm')));
  return readFileSync(join(dist, name));
}

// The consumer's view: the built package (dist/, through its "exports") in a project whose Vite
// build has no configuration at all. Before the package located its binaries itself, this build
// emitted no .wasm and the wasm backend fetched index.html in their place.
describe('a plain Vite build of a page that uses the built package', () => {
  it("emits tfjs-backend-wasm's three binaries and points the wasm backend at them", async () => {
    const entry = join(packageDir, 'dist', 'index.js');
    expect(existsSync(entry), `${entry} missing: run pnpm build`).toBe(true);
    const project = join(packageDir, 'test-artifacts', 'vite-consumer');
    rmSync(project, { recursive: true, force: true });
    mkdirSync(join(project, 'node_modules', '@convlstm'), { recursive: true });
    symlinkSync(packageDir, join(project, 'node_modules', '@convlstm', 'backend-webgpu'), 'dir');
    writeFileSync(
      join(project, 'index.html'),
      '<!doctype html>\n<script type="module" src="./main.js"></script>\n',
    );
    writeFileSync(
      join(project, 'main.js'),
      "import { useWebGPUBackend } from '@convlstm/backend-webgpu';\nuseWebGPUBackend().then((r) => console.log(r.backend));\n",
    );
    await build({
      root: project,
      configFile: false,
      logLevel: 'error',
      // Readable output keeps the assertions simple; minifying changes no asset handling.
      build: { outDir: 'out', emptyOutDir: true, minify: false },
    });

    const assets = join(project, 'out', 'assets');
    const files = readdirSync(assets);
    const scripts = files
      .filter((f) => f.endsWith('.js'))
      .map((f) => readFileSync(join(assets, f), 'utf8'))
      .join('\n');
    for (const name of WASM_FILES) {
      const stem = name.slice(0, -'.wasm'.length);
      const emitted = files.filter((f) => new RegExp(`^${stem}-[\\w-]{8}\\.wasm$`).test(f));
      expect(emitted, `${name} among ${files.join(', ')}`).toHaveLength(1);
      const asset = emitted[0] as string;
      // The very binary tfjs-backend-wasm 4.22 would load, not a stale or truncated copy.
      expect(sha256(readFileSync(join(assets, asset)))).toBe(sha256(tfjsBinary(name)));
      // setWasmPaths receives the emitted file's URL under tfjs' own file name.
      expect(scripts).toMatch(
        new RegExp(
          `"${escapeRegExp(name)}": new URL\\("[^"]*/${escapeRegExp(asset)}", import\\.meta\\.url\\)`,
        ),
      );
    }
    expect(scripts).not.toContain('../wasm/');
  }, 240_000);
});
