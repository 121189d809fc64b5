import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

/**
 * Tests read workspace packages from source (the `@convlstm/source` export condition),
 * so they need no build step and always see the current code.
 */
const conditions = ['@convlstm/source', 'node', 'import', 'default'];

export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions, externalConditions: ['node'] } },
  test: {
    include: ['test/**/*.test.ts'],
    // Training needs tfjs-core's gradients, which the core leaves to the platform (see its README).
    setupFiles: [fileURLToPath(new URL('./vitest.setup.ts', import.meta.url))],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // The JSON report feeds scripts/test-summary.mjs, which prints the closing line of a whole run.
    reporters: ['default', 'json'],
    outputFile: { json: 'test-results.json' },
  },
});
