#!/usr/bin/env node
// Per-lead-time charts of several runs on the same test set: one PNG per metric (MSE, MAE,
// SSIM) with a line per run and the all-black frame's test-set value as a flat reference line
// (metrics.json keeps baselines as test-set averages only). For the README's showcase vs main
// job figures.
//
//   node scripts/compare-runs.mjs --out docs NAME=RUN_DIR_OR_METRICS_JSON ...
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { writeFileAtomic } from '@convlstm/files';
import { encodeRgbPng, renderLineChart } from '@convlstm/pictures';

const { values, positionals } = parseArgs({
  options: { out: { type: 'string', default: '.' } },
  allowPositionals: true,
});
if (positionals.length === 0) {
  console.error('usage: compare-runs.mjs --out DIR NAME=RUN_DIR_OR_METRICS_JSON ...');
  process.exit(2);
}
const runs = positionals.map((arg) => {
  const eq = arg.indexOf('=');
  if (eq <= 0) {
    console.error(`${arg}: expected NAME=RUN_DIR_OR_METRICS_JSON`);
    process.exit(2);
  }
  const given = arg.slice(eq + 1);
  const path = existsSync(given) && statSync(given).isDirectory() ? join(given, 'metrics.json') : given;
  let metrics;
  try {
    metrics = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    console.error(`${path}: ${error.message}`);
    process.exit(1);
  }
  if (!metrics?.model?.perFrame) {
    console.error(`${path}: not a moving-mnist metrics.json (no model.perFrame)`);
    process.exit(1);
  }
  return { name: arg.slice(0, eq), metrics };
});
const METRICS = [
  ['mse', 'MSE per frame (lower is better)'],
  ['mae', 'MAE per frame (lower is better)'],
  ['ssim', 'SSIM (higher is better)'],
];
for (const [key, label] of METRICS) {
  const frames = runs[0].metrics.model.perFrame[key].length;
  const x = Array.from({ length: frames }, (_, i) => i + 1);
  const black = runs[0].metrics.baselines.zeros[key];
  const chart = renderLineChart({
    title: `${key.toUpperCase()} by lead time, fixed test set (${runs[0].metrics.testSet.count} sequences)`,
    xLabel: 'predicted frame',
    yLabel: label,
    series: [
      ...runs.map((r) => ({ name: r.name, values: r.metrics.model.perFrame[key], x })),
      { name: 'all-black frame (test-set mean)', values: x.map(() => black), x },
    ],
  });
  const file = join(values.out, `lead-${key}.png`);
  await writeFileAtomic(file, encodeRgbPng(chart));
  console.log(`wrote ${file}`);
}
