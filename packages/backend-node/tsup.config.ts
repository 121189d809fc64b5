import { packageBuild } from '../../tsup.shared';

export default packageBuild({
  entry: { index: 'src/index.ts' },
  platform: 'node',
  // optional-module.ts resolves packages relative to import.meta.url; the CJS build needs its shim.
  shims: true,
});
