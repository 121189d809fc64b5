import type { Evaluation, Metrics } from '@convlstm/train';
import { BASELINES, beatsBaselines, METRICS } from './metrics.js';

function cell(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  const abs = Math.abs(value);
  if (abs !== 0 && (abs >= 1e5 || abs < 1e-3)) return value.toExponential(3);
  return value.toFixed(abs >= 100 ? 2 : 4);
}

/**
 * The summary table printed after training and evaluation: one row per predictor (model
 * and each baseline), one column per metric, best value of each column marked `*`, and a
 * closing line saying whether the model beats every baseline on test MSE.
 */
export function summaryTable(evaluation: Evaluation): string {
  const rows: { name: string; metrics: Metrics }[] = [
    { name: 'model', metrics: evaluation.model },
    ...BASELINES.map((b) => ({ name: b, metrics: evaluation.baselines[b] })),
  ];
  const header = [
    '',
    ...METRICS.map((m) => `${m.label} (${m.better === 'lower' ? 'lower' : 'higher'} better)`),
  ];
  const body = rows.map((r) => [
    r.name,
    ...METRICS.map((m) => {
      const values = rows.map((x) => x.metrics[m.key]);
      const best = m.better === 'lower' ? Math.min(...values) : Math.max(...values);
      return `${cell(r.metrics[m.key])}${r.metrics[m.key] === best ? '*' : ' '}`;
    }),
  ]);
  const widths = header.map((h, c) => Math.max(h.length, ...body.map((r) => (r[c] as string).length)));
  const format = (r: string[]): string =>
    r.map((v, c) => (c === 0 ? v.padEnd(widths[c] as number) : v.padStart(widths[c] as number))).join('  ');
  const beats = beatsBaselines(evaluation);
  const mse = evaluation.model.mse;
  const worstGap = Math.min(...BASELINES.map((b) => evaluation.baselines[b].mse - mse));
  const verdict = beats.mse
    ? `The model beats every baseline on test MSE (margin to the best baseline: ${cell(worstGap)}).`
    : `The model does NOT beat every baseline on test MSE (best baseline is ${cell(-worstGap)} lower).`;
  return [
    `Test set: ${evaluation.model.count} sequences. * = best in column.`,
    format(header),
    format(widths.map((w) => '-'.repeat(w))),
    ...body.map(format),
    verdict,
  ].join('\n');
}
