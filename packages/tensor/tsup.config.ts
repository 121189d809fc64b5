import { defineConfig } from 'tsup';

export default defineConfig({
  entry: ['src/index.ts'],
  format: ['esm', 'cjs'],
  dts: true,
  // No source maps: the package ships its TypeScript sources (src/) for reading instead.
  sourcemap: false,
  clean: true,
  target: 'es2022',
  external: [/^@tensorflow\//],
});
