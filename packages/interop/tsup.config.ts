import { packageBuild } from '../../tsup.shared';

export default packageBuild({
  entry: ['src/index.ts', 'src/node.ts', 'src/cli.ts'],
  dts: { entry: ['src/index.ts', 'src/node.ts'] },
  external: ['h5wasm', 'fflate'],
});
