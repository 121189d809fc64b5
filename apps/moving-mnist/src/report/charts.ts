import { join } from 'node:path';
import { renderLineChart, type Series, writeRgbPng } from '@convlstm/pictures';
import type { Evaluation } from '@convlstm/train';
import { BASELINES, METRICS } from './metrics.js';

/** Writes `metric-<name>.png` for every metric: model and baselines vs lead time. Returns the paths. */
export async function writeMetricCharts(dir: string, evaluation: Evaluation): Promise<string[]> {
  const paths: string[] = [];
  for (const m of METRICS) {
    const series: Series[] = [
      { name: 'model', values: evaluation.model.perFrame[m.key], thickness: 3 },
      ...BASELINES.map((b) => ({ name: b, values: evaluation.baselines[b].perFrame[m.key] })),
    ];
    const image = renderLineChart({
      title: `${m.label} per lead time (${m.better} is better)`,
      xLabel: 'lead time (frames after the last input)',
      yLabel: m.label,
      series,
    });
    const path = join(dir, `metric-${m.file}.png`);
    await writeRgbPng(path, image);
    paths.push(path);
  }
  return paths;
}

/** A loss point of the training curve. */
export interface LossPoint {
  readonly step: number;
  readonly loss: number;
}

/**
 * Writes the training-loss curve: raw per-step loss (thin), its moving average (thick) and
 * validation loss if any.
 */
export async function writeLossChart(
  path: string,
  train: readonly LossPoint[],
  validation: readonly LossPoint[],
  lossName: string,
): Promise<void> {
  // A trailing window mean (about 1/15 of the run): unlike an EMA seeded with the first loss,
  // it does not lag behind on short runs.
  const window = Math.max(1, Math.round(train.length / 15));
  const smoothed: number[] = [];
  let sum = 0;
  train.forEach((p, i) => {
    sum += p.loss;
    if (i >= window) sum -= (train[i - window] as LossPoint).loss;
    smoothed.push(sum / Math.min(i + 1, window));
  });
  const steps = train.map((p) => p.step);
  const series: Series[] = [
    {
      name: 'train (per step)',
      values: train.map((p) => p.loss),
      x: steps,
      color: [170, 200, 225],
      thickness: 1,
      markers: false,
    },
    {
      name: 'train (moving average)',
      values: smoothed,
      x: steps,
      color: [0, 114, 178],
      thickness: 2,
      markers: false,
    },
  ];
  if (validation.length > 0) {
    series.push({
      name: 'validation',
      values: validation.map((p) => p.loss),
      x: validation.map((p) => p.step),
      color: [213, 94, 0],
      markers: true,
    });
  }
  await writeRgbPng(
    path,
    renderLineChart({ title: 'Training loss', xLabel: 'step', yLabel: `${lossName} loss`, series }),
  );
}
