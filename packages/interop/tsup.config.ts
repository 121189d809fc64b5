import { packageBuild } from '../../tsup.shared';

export default packageBuild({
  entry: ['src/index.ts', 'src/node.ts', 'src/cli.ts'],
  // ESM only: h5wasm ships no CommonJS build, so a CJS entry could not load it.
  format: ['esm'],
  dts: { entry: ['src/index.ts', 'src/node.ts'] },
  external: ['h5wasm', 'fflate'],
});
