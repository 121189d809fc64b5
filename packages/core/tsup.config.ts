import { defineConfig } from 'tsup';

export default defineConfig({
  entry: {
    index: 'src/index.ts',
    'compat/index': 'src/compat/index.ts',
    'testing/index': 'src/testing/index.ts',
    'internal/index': 'src/internal.ts',
  },
  format: ['esm', 'cjs'],
  dts: true,
  // No source maps: the package ships its TypeScript sources (src/) for reading instead.
  sourcemap: false,
  clean: true,
  target: 'es2022',
  external: [/^@tensorflow\//, /^@convlstm\//],
});
