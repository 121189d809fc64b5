import { packageBuild } from '../../tsup.shared';

export default packageBuild({
  entry: { index: 'src/index.ts', browser: 'src/browser.ts' },
  shims: true,
  external: [/^mnist$/],
});
