import { packageBuild } from '../../tsup.shared';

// Node only: file descriptors, fsync and renames have no browser meaning.
export default packageBuild({ entry: ['src/index.ts'], target: 'node20', platform: 'node' });
