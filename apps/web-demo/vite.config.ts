import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

// Workspace packages are read from source (the `@convlstm/source` export condition), so the
// demo needs no package build. `base: './'` keeps the built page working from any folder.
export default defineConfig({
  base: './',
  // No SPA fallback: a missing public/checkpoint/config.json must be a 404, not index.html.
  appType: 'mpa',
  resolve: { conditions: ['@convlstm/source', 'browser', 'module', 'import', 'default'] },
  build: {
    target: 'es2022',
    chunkSizeWarningLimit: 4000,
    // Four pages: the demo, the benchmark (bench.html, see scripts/bench-browser.mjs), a model
    // converted by @convlstm/interop (converted.html) and the radar nowcast (radar.html).
    rollupOptions: {
      input: {
        main: fileURLToPath(new URL('index.html', import.meta.url)),
        bench: fileURLToPath(new URL('bench.html', import.meta.url)),
        converted: fileURLToPath(new URL('converted.html', import.meta.url)),
        radar: fileURLToPath(new URL('radar.html', import.meta.url)),
      },
    },
  },
  // The demo's worker (src/worker.ts) is a module worker: ES output keeps `import.meta.url`, by
  // which its bundled wasm binaries are found.
  worker: { format: 'es' },
  server: { host: '127.0.0.1' },
  preview: { host: '127.0.0.1' },
});
