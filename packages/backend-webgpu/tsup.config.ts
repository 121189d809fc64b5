import { packageBuild } from '../../tsup.shared';

// `#tfjs-gradients` stays an import, resolved by the consumer through package.json "imports"
// (tfjs-core's gradients for bundlers, nothing under Node).
export default packageBuild({ entry: { index: 'src/index.ts' }, external: [/^#/] });
