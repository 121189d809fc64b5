import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { Evaluation, Metrics } from '@convlstm/train';
import { afterAll, describe, expect, it } from 'vitest';
import { CSV_COLUMNS, CsvLog } from '../src/csv-log.js';
import { decodeGrayGif, decodeGrayPng } from '../src/images/index.js';
import { ProgressBar } from '../src/progress.js';
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
function capture(tty: { isTTY: boolean; columns?: number }): { stream: Writable; text: () => string } {
  let text = '';
  const stream = Object.assign(
    new Writable({
      write(chunk, _e, done) {
        text += String(chunk);
        done();
      },
    }),
    tty,
  );
  return { stream, text: () => text };
}

describe('progress and CSV', () => {
  it('shows step, loss, throughput and an ETA from the nearer budget', () => {
    let now = 0;
    const { stream, text } = capture({ isTTY: false });
    const bar = new ProgressBar({
      totalSteps: 100,
      totalMs: 1_000_000,
      stream,
      now: () => now,
      plainEverySeconds: 0,
    });
    now = 10_000;
    bar.update({ step: 50, loss: 0.5, seqPerSec: 4 });
    expect(text()).toContain('step 50/100');
    expect(text()).toContain('loss 0.5000');
    expect(text()).toContain('4.0 seq/s');
    expect(text()).toContain('ETA 0:10'); // half the steps in 10 s: 10 s left (the time budget is further away)
    expect(text().endsWith('\n')).toBe(true); // plain lines, no carriage returns, off a TTY
    expect(text()).not.toContain('\r');
  });

  it('redraws one line on a TTY and ends it on done()', () => {
    const { stream, text } = capture({ isTTY: true, columns: 200 });
    let now = 0;
    const bar = new ProgressBar({ totalSteps: 4, stream, now: () => now });
    for (let step = 1; step <= 4; step++) {
      now += 1000;
      bar.update({ step, loss: 0.2, seqPerSec: 8 });
    }
    bar.done();
    expect(text().split('\r').length - 1).toBe(4);
    expect(text().trimEnd().split('\n')).toHaveLength(1);
    expect(text()).toContain('step 4/4');
    expect(text().endsWith('\n')).toBe(true);
  });

  it('writes a header and one row per call, in order', async () => {
    const log = new CsvLog(join(dir, 'm.csv'));
    void log.append({ kind: 'train', step: 1, loss: 0.25 });
    void log.append({ kind: 'validation', step: 1, val_loss: 0.5 });
    await log.flush();
    const lines = (await readFile(join(dir, 'm.csv'), 'utf8')).trim().split('\n');
    expect(lines[0]).toBe(CSV_COLUMNS.join(','));
    expect(lines).toHaveLength(3);
    expect(lines[1]?.split(',')[CSV_COLUMNS.indexOf('loss')]).toBe('0.25');
    expect(lines[2]?.split(',')[0]).toBe('validation');
  });

  it('keeps a write error for flush instead of crashing the training loop', async () => {
    const blocker = join(dir, 'not-a-dir');
    await writeFile(blocker, 'x');
    const log = new CsvLog(join(blocker, 'm.csv'));
    void log.append({ kind: 'train', step: 1 });
    await expect(log.flush()).rejects.toThrow();
  });
});
