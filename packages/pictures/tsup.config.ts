import { packageBuild } from '../../tsup.shared';

// Node only: images are read and written as files.
export default packageBuild({
  entry: { index: 'src/index.ts' },
  platform: 'node',
  external: ['pngjs', 'omggif'],
});
