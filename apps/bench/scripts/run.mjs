// Bundles the TypeScript benchmark (reading workspace packages from source) and runs it.
// TF.js packages stay external so one copy of the engine and its registries is shared
// (@convlstm/backend-node's source imports @tensorflow/tfjs for tfjs-core's gradients).
import { spawnSync } from 'node:child_process';
import { mkdirSync, renameSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outDir = join(root, '.cache');
mkdirSync(outDir, { recursive: true });
const tmp = join(outDir, `bench.${process.pid}.mjs`);
const out = join(outDir, 'bench.mjs');

const tfjsEntry = /^@tensorflow\/tfjs(-[a-z-]+)?$/;
await build({
  entryPoints: [join(root, process.env.BENCH_ENTRY ?? 'src/main.ts')],
  outfile: tmp,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  conditions: ['@convlstm/source'],
  logLevel: 'error',
  banner: {
    js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);",
  },
  plugins: [
    {
      name: 'tfjs-external',
      setup(b) {
        b.onResolve({ filter: /^@tensorflow\// }, (args) =>
          tfjsEntry.test(args.path) ? { path: args.path, external: true } : undefined,
        );
      },
    },
  ],
});
renameSync(tmp, out);
const result = spawnSync(process.execPath, ['--max-old-space-size=8192', out, ...process.argv.slice(2)], {
  stdio: 'inherit',
  cwd: process.cwd(),
});
process.exit(result.status ?? 1);
