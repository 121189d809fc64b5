import { defineConfig } from 'tsup';

export default defineConfig({
  entry: { index: 'src/index.ts', 'internal/index': 'src/internal.ts' },
  format: ['esm', 'cjs'],
  dts: true,
  // No source maps: the package ships its TypeScript sources (src/) for reading instead.
  sourcemap: false,
  clean: true,
  target: 'es2022',
  // Neutral: the same build runs in Node and in a browser bundle (no node: imports, no Buffer).
  platform: 'neutral',
  external: [/^@tensorflow\//, /^@convlstm\//],
});
