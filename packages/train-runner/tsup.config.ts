import { packageBuild } from '../../tsup.shared';

// Node only: it writes the run's files and listens to the process' signals.
export default packageBuild({
  entry: { index: 'src/index.ts' },
  platform: 'node',
});
