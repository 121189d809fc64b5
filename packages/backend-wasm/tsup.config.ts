import { defineConfig } from 'tsup';

export default defineConfig({
  entry: { index: 'src/index.ts' },
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'es2022',
  // Neutral: the same build runs in Node and in a browser bundle (no node: imports, no Buffer).
  platform: 'neutral',
  external: [/^@tensorflow\//, /^@convlstm\//],
});
