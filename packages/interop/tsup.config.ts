import { defineConfig } from 'tsup';

export default defineConfig({
  entry: ['src/index.ts', 'src/node.ts', 'src/cli.ts'],
  format: ['esm', 'cjs'],
  dts: { entry: ['src/index.ts', 'src/node.ts'] },
  // No source maps: the package ships its TypeScript sources (src/) for reading instead.
  sourcemap: false,
  clean: true,
  target: 'es2022',
  external: [/^@tensorflow\//, /^@convlstm\//, 'h5wasm', 'fflate'],
});
