import { packageBuild } from '../../tsup.shared';

// Node-only: signals, fsync and process exit codes have no browser meaning.
export default packageBuild({ entry: ['src/index.ts'], target: 'node20', platform: 'node' });
