import { defineConfig } from 'tsup';

export default defineConfig({
  entry: { index: 'src/index.ts' },
  format: ['esm', 'cjs'],
  dts: true,
  // No source maps: the package ships its TypeScript sources (src/) for reading instead.
  sourcemap: false,
  clean: true,
  target: 'es2022',
  platform: 'node',
  // optional-module.ts resolves packages relative to import.meta.url; the CJS build needs its shim.
  shims: true,
  external: [/^@tensorflow\//, /^@convlstm\//],
});
