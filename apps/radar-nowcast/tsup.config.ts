import { defineConfig } from 'tsup';

// ESM only (@convlstm/radar's h5wasm has no CommonJS build); TF.js and the workspace packages stay
// external so one tfjs-core instance is shared.
export default defineConfig({
  entry: { cli: 'src/cli.ts', index: 'src/index.ts' },
  format: ['esm'],
  dts: { entry: { index: 'src/index.ts' } },
  sourcemap: true,
  clean: true,
  target: 'node20',
  platform: 'node',
  external: [/^@tensorflow\//, /^@convlstm\//, 'pngjs', 'omggif', 'h5wasm', 'fflate'],
});
