#!/usr/bin/env node
// The training-recipe study of the README: each row trains with the main job's budget (or
// --minutes), then evaluates on the fixed test set; one row changes one thing from the
// baseline unless it says otherwise. Rows run one after another (they share the machine's
// cores); a row whose run folder already has metrics.json is read, not retrained, so an
// interrupted study continues where it stopped. Prints the table in Markdown and writes it,
// with every row's figures, to <out>/study.md and <out>/study.json.
//
//   node scripts/recipe-study.mjs [--minutes 6] [--out runs/study] [--only name,name]
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { writeFileAtomic } from '@convlstm/files';

const { values } = parseArgs({
  options: {
    minutes: { type: 'string', default: '6' },
    out: { type: 'string', default: 'runs/study' },
    only: { type: 'string' },
  },
});
const minutes = Number(values.minutes);
if (!(minutes > 0)) {
  console.error(`--minutes ${values.minutes}: expected a number of minutes > 0`);
  process.exit(2);
}
const app = resolve(new URL('..', import.meta.url).pathname);
const out = resolve(values.out);

// The main job's recipe before the study (the baseline row), and one change per row.
const BASE = ['--preset', 'cpu-small', '--lr', '3e-3'];
const ROWS = [
  {
    name: 'baseline',
    what: 'cpu-small (1 layer, 24 channels, 3×3), BCE, Adam 3e-3 constant, batch 8',
    flags: [],
  },
  { name: 'cosine', what: 'cosine learning-rate decay over the budget', flags: ['--schedule', 'cosine'] },
  { name: 'l1', what: 'BCE + 1.0 · L1', flags: ['--l1-weight', '1'] },
  { name: 'l1x3', what: 'BCE + 3 · L1', flags: ['--l1-weight', '3'] },
  { name: 'mse-l1', what: 'MSE + 1.0 · L1 instead of BCE', flags: ['--loss', 'mse', '--l1-weight', '1'] },
  {
    name: 'rmsprop',
    what: "the paper's RMSProp (decay 0.9) at 1e-3",
    flags: ['--optimizer', 'rmsprop', '--lr', '1e-3'],
  },
  { name: 'deeper', what: '2 layers of 24 channels', flags: ['--layers', '24,24'] },
  { name: 'wider', what: '1 layer of 48 channels', flags: ['--layers', '48'] },
  { name: 'kernel5', what: '5×5 state-to-state kernel', flags: ['--state-kernel', '5'] },
  { name: 'batch16', what: 'batch 16', flags: ['--batch-size', '16'] },
  { name: 'batch4', what: 'batch 4', flags: ['--batch-size', '4'] },
  {
    name: 'cosine-l1x2',
    what: 'cosine + BCE + 2 · L1',
    flags: ['--schedule', 'cosine', '--l1-weight', '2'],
  },
  {
    name: 'cosine-l1x3',
    what: 'cosine + BCE + 3 · L1',
    flags: ['--schedule', 'cosine', '--l1-weight', '3'],
  },
  {
    name: 'combined-k5',
    what: 'cosine + BCE + 1 · L1 + 5×5 state kernel (the main job from 2026-11-30 on)',
    flags: ['--schedule', 'cosine', '--l1-weight', '1', '--state-kernel', '5'],
  },
  {
    name: 'combined',
    what: 'cosine + BCE + 1 · L1 (the first main job of the study)',
    flags: ['--schedule', 'cosine', '--l1-weight', '1'],
  },
];
const only = values.only?.split(',');
const rows = only === undefined ? ROWS : ROWS.filter((r) => only.includes(r.name));

const results = [];
for (const row of rows) {
  const dir = join(out, row.name);
  const metricsFile = join(dir, 'metrics.json');
  if (!existsSync(metricsFile)) {
    const args = [
      'dist/cli.js',
      'train',
      ...BASE,
      ...row.flags,
      '--minutes',
      String(minutes),
      '--test-size',
      '300',
      '--out',
      dir,
      '--force',
    ];
    console.log(`\n== ${row.name}: ${row.what}\n   node ${args.join(' ')}`);
    const run = spawnSync(process.execPath, args, { cwd: app, stdio: 'inherit' });
    if (run.status !== 0) {
      console.error(`row ${row.name} failed (exit ${run.status}); the study stops here`);
      process.exit(1);
    }
  }
  const m = JSON.parse(readFileSync(metricsFile, 'utf8'));
  results.push({
    ...row,
    flags: [...BASE, ...row.flags],
    steps: m.training.steps,
    model: m.model,
    baselines: m.baselines,
  });
}

const f = (v, d) => (typeof v === 'number' ? v.toFixed(d) : 'n/a');
const zeros = results[0]?.baselines?.zeros;
const lines = [
  `| row | change from the baseline | steps | MSE ↓ | MAE ↓ | SSIM ↑ | PSNR ↑ | CE ↓ |`,
  '|---|---|---|---|---|---|---|---|',
  ...results.map(
    (r) =>
      `| ${r.name} | ${r.what} | ${r.steps} | ${f(r.model.mse, 1)} | ${f(r.model.mae, 1)} | ${f(r.model.ssim, 3)} | ${f(r.model.psnr, 2)} | ${f(r.model.crossEntropy, 0)} |`,
  ),
];
if (zeros !== undefined)
  lines.push(
    `| *black frame* | | | ${f(zeros.mse, 1)} | ${f(zeros.mae, 1)} | ${f(zeros.ssim, 3)} | ${f(zeros.psnr, 2)} | ${f(zeros.crossEntropy, 0)} |`,
  );
const table = `${lines.join('\n')}\n`;
console.log(`\n${table}`);
await writeFileAtomic(join(out, 'study.md'), table);
await writeFileAtomic(join(out, 'study.json'), `${JSON.stringify({ minutes, rows: results }, null, 2)}\n`);
