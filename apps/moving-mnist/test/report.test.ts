import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeGrayGif, decodeGrayPng } from '@convlstm/pictures';
import type { Evaluation, Metrics } from '@convlstm/train';
import { afterAll, describe, expect, it } from 'vitest';
import { writeMetricCharts } from '../src/report/charts.js';
import { beatsBaselines, buildMetricsReport, METRICS, metricsToJson } from '../src/report/metrics.js';
import { writePreviews } from '../src/report/previews.js';
import { summaryTable } from '../src/report/summary.js';

const dir = await mkdtemp(join(tmpdir(), 'mm-report-'));
afterAll(() => rm(dir, { recursive: true, force: true }));

/** Metrics whose per-frame values grow linearly from `base`. */
function metrics(base: number): Metrics {
  const frames = (f: (t: number) => number): number[] => Array.from({ length: 10 }, (_, t) => f(t));
  const perFrame = {
    mse: frames((t) => base * (1 + t / 10)),
    mae: frames((t) => base * 2 * (1 + t / 10)),
    ssim: frames((t) => 1 - base * (1 + t / 10)),
    psnr: frames((t) => 30 - base * 10 * (1 + t / 10)),
    crossEntropy: frames((t) => base * 3 * (1 + t / 10)),
  };
  const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
  return {
    mse: mean(perFrame.mse),
    mae: mean(perFrame.mae),
    ssim: mean(perFrame.ssim),
    psnr: mean(perFrame.psnr),
    crossEntropy: mean(perFrame.crossEntropy),
    perFrame,
    count: 8,
  };
}

const good: Evaluation = {
  model: metrics(0.1),
  baselines: { zeros: metrics(0.4), copyLast: metrics(0.3), meanInputs: metrics(0.2) },
};
const bad: Evaluation = { ...good, model: metrics(0.25) };

describe('metrics report', () => {
  it('says per metric whether the model beats every baseline, in the right direction', () => {
    expect(beatsBaselines(good)).toEqual({
      mse: true,
      mae: true,
      ssim: true,
      psnr: true,
      crossEntropy: true,
    });
    expect(beatsBaselines(bad)).toEqual({
      mse: false,
      mae: false,
      ssim: false,
      psnr: false,
      crossEntropy: false,
    });
  });

  it('serialises with the documented keys and keeps non-finite numbers readable', () => {
    const report = buildMetricsReport({
      evaluation: { ...good, model: { ...good.model, psnr: Number.POSITIVE_INFINITY } },
      backend: 'cpu',
      testSet: {
        source: 'generated',
        description: 'fixedTestSet version 1',
        count: 8,
        inputFrames: 10,
        outputFrames: 10,
      },
      training: null,
      evaluationSeconds: 1,
    });
    const json = JSON.parse(metricsToJson(report));
    expect(Object.keys(json)).toEqual(
      expect.arrayContaining(['schema', 'testSet', 'model', 'baselines', 'beatsAllBaselines', 'training']),
    );
    expect(Object.keys(json.baselines)).toEqual(['zeros', 'copyLast', 'meanInputs']);
    expect(json.model.psnr).toBe('Infinity');
    expect(json.model.perFrame.mse).toHaveLength(10);
  });

  it('prints a table with a row per predictor and the MSE verdict', () => {
    const table = summaryTable(good);
    for (const name of ['model', 'zeros', 'copyLast', 'meanInputs', 'MSE', 'MAE', 'SSIM', 'PSNR', 'CE']) {
      expect(table).toContain(name);
    }
    expect(table).toContain('beats every baseline on test MSE');
    expect(summaryTable(bad)).toContain('does NOT beat every baseline on test MSE');
  });

  it('writes one readable chart per metric', async () => {
    const paths = await writeMetricCharts(dir, good);
    expect(paths.map((p) => p.slice(dir.length + 1))).toEqual(METRICS.map((m) => `metric-${m.file}.png`));
    const image = decodeGrayPng(await readFile(paths[0] as string));
    expect([image.width, image.height]).toEqual([640, 400]);
  });
});

describe('previews', () => {
  it('writes a side-by-side GIF with one frame per step and a 3-row PNG grid', async () => {
    const frame = (v: number) => ({ width: 8, height: 8, data: new Float32Array(64).fill(v) });
    const seq = {
      inputs: [0, 1, 2].map((k) => frame(k / 10)),
      truth: [3, 4].map((k) => frame(k / 10)),
      prediction: [5, 6].map((k) => frame(k / 10)),
    };
    const [gif, png] = await writePreviews(dir, 'p', seq, 1);
    const frames = decodeGrayGif(await readFile(gif as string));
    expect(frames).toHaveLength(3);
    const grid = decodeGrayPng(await readFile(png as string));
    // 3 rows of 8-px cells with 2-px gaps; labels widen, never heighten, the grid.
    expect(grid.height).toBe(2 + 3 * (8 + 2));
  });
});

/** A writable stream standing for a terminal (or not) that keeps what is written. */
