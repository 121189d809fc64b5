import { defineConfig } from 'vite';

// Workspace packages are read from source (the `@convlstm/source` export condition), so the
// demo needs no package build. `base: './'` keeps the built page working from any folder.
export default defineConfig({
  base: './',
  // No SPA fallback: a missing public/checkpoint/config.json must be a 404, not index.html.
  appType: 'mpa',
  resolve: { conditions: ['@convlstm/source', 'browser', 'module', 'import', 'default'] },
  build: { target: 'es2022', chunkSizeWarningLimit: 4000 },
  server: { host: '127.0.0.1' },
  preview: { host: '127.0.0.1' },
});
