import { packageBuild } from '../../tsup.shared';

export default packageBuild({
  entry: {
    index: 'src/index.ts',
    'compat/index': 'src/compat/index.ts',
    'testing/index': 'src/testing/index.ts',
    'backend/index': 'src/backend.ts',
    'internal/index': 'src/internal.ts',
  },
  // CJS too: every entry shares one copy of the core's registries (backend profiles, gradients),
  // so a profile a backend registers through `./backend` is the one `ConvLSTM` reads.
  splitting: true,
});
