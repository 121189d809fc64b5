import { packageBuild } from '../../tsup.shared';

export default packageBuild({
  entry: ['src/index.ts', 'src/node.ts'],
  // ESM only: h5wasm ships no CommonJS build.
  format: ['esm'],
  external: ['h5wasm', 'fflate', 'omggif'],
});
