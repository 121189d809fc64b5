import { packageBuild } from '../../tsup.shared';

export default packageBuild({
  entry: { index: 'src/index.ts', 'internal/index': 'src/internal.ts' },
  // Neutral: the same build runs in Node and in a browser bundle (no node: imports, no Buffer).
  platform: 'neutral',
});
