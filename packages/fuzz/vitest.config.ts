import { fileURLToPath } from 'node:url';
import { defineConfig, mergeConfig } from 'vitest/config';
import shared from '../../vitest.shared';

export default mergeConfig(
  shared,
  defineConfig({
    test: { setupFiles: [fileURLToPath(new URL('./test/setup.ts', import.meta.url))] },
  }),
);
