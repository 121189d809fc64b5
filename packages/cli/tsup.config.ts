import { defineConfig } from 'tsup';

// Node-only: signals, fsync and process exit codes have no browser meaning.
export default defineConfig({
  entry: ['src/index.ts'],
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'node20',
  platform: 'node',
});
