#!/usr/bin/env node
// Copies tfjs-backend-wasm's three binaries into wasm/ beside src/ and dist/, where
// use-webgpu-backend.ts finds them with `new URL('../wasm/…', import.meta.url)`: bundlers see
// that pattern and emit the files, so a user's bundle needs no configuration. Run by `build` and
// by the workspace's postinstall (the web demo reads src/ without a build).
import { copyFileSync, mkdirSync, renameSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const pkg = join(here, '..');
let tfjsWasm;
try {
  tfjsWasm = dirname(
    createRequire(join(pkg, 'package.json')).resolve('@tensorflow/tfjs-backend-wasm/package.json'),
  );
} catch (error) {
  // The workspace's postinstall passes --if-present: an install filtered to other packages is fine.
  if (!process.argv.includes('--if-present')) throw error;
  console.log('backend-webgpu: @tensorflow/tfjs-backend-wasm is not installed; no wasm/ copied');
  process.exit(0);
}
const out = join(pkg, 'wasm');
mkdirSync(out, { recursive: true });
for (const name of [
  'tfjs-backend-wasm.wasm',
  'tfjs-backend-wasm-simd.wasm',
  'tfjs-backend-wasm-threaded-simd.wasm',
]) {
  // Beside, then renamed: a reader never sees half a binary.
  copyFileSync(join(tfjsWasm, 'dist', name), join(out, `${name}.tmp`));
  renameSync(join(out, `${name}.tmp`), join(out, name));
}
