import { defineConfig } from 'tsup';

// The CLI runs from dist/: TF.js and the workspace packages are resolved from node_modules
// (one tfjs-core instance shared with @convlstm/train and @convlstm/backend-node, whose
// kernel and gradient registries are process-wide), so they stay external.
export default defineConfig({
  entry: { cli: 'src/cli.ts', index: 'src/index.ts' },
  format: ['esm', 'cjs'],
  dts: { entry: { index: 'src/index.ts' } },
  sourcemap: true,
  clean: true,
  target: 'node20',
  platform: 'node',
  // import.meta.url (the bundled model's folder) in the CommonJS build too.
  shims: true,
  external: [/^@tensorflow\//, /^@convlstm\//],
});
