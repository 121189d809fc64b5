import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeGrayGif, decodeGrayPng, encodeGrayGif, framesFromArray } from '@convlstm/pictures';
import { fixedTestSet, readNpy, writeNpy } from '@convlstm/train/node';
import { afterAll, describe, expect, it } from 'vitest';
import { runEvaluate } from '../src/commands/evaluate.js';
import { runPredict } from '../src/commands/predict.js';
import { runTrain, trainConfig } from '../src/commands/train.js';
import { TRAIN_DEFAULTS } from '../src/config/specs.js';
import { METRICS } from '../src/report/metrics.js';
import { RUN_FILES } from '../src/run-folder.js';
import { captureContext } from './helpers.js';

const root = await mkdtemp(join(tmpdir(), 'mm-smoke-'));
afterAll(() => rm(root, { recursive: true, force: true }));
const TINY = {
  frameSize: 32,
  patchSize: 4,
  inputKernelSize: 3,
  layers: [{ hiddenChannels: 8, recurrentKernelSize: 3 }],
  inputFrames: 4,
  outputFrames: 4,
};
const PNG_SIGNATURE = [137, 80, 78, 71, 13, 10, 26, 10];

async function expectPng(path: string): Promise<{ width: number; height: number }> {
  const bytes = await readFile(path);
  expect(Array.from(bytes.subarray(0, 8))).toEqual(PNG_SIGNATURE);
  return decodeGrayPng(bytes);
}

describe('train → evaluate → predict on the cpu backend (tiny model, few steps)', () => {
  const run = join(root, 'run');

  it('train writes every artefact of the run folder', async () => {
    const ctx = captureContext();
    // The cpu backend is plain JS: a tiny model on 32×32 frames, 4 → 4, keeps this to seconds.
    const config = {
      ...trainConfig({
        ...TRAIN_DEFAULTS,
        preset: 'browser-tiny',
        steps: 2,
        batchSize: 2,
        backend: 'cpu',
        testSize: 4,
        evalBatchSize: 4,
        validateEvery: 1,
        validationSize: 2,
        out: run,
      }),
      modelOverrides: TINY,
    };
    const outcome = await runTrain(config, ctx);
    expect(ctx.out()).toMatch(/The model (beats|does NOT beat) every baseline on test MSE/);

    const files = await readdir(run);
    for (const name of [
      RUN_FILES.config,
      RUN_FILES.metrics,
      RUN_FILES.csv,
      RUN_FILES.loss,
      RUN_FILES.gif,
      RUN_FILES.grid,
      RUN_FILES.checkpoint,
      ...METRICS.map((m) => `metric-${m.file}.png`),
    ]) {
      expect(files).toContain(name);
    }
    const metrics = JSON.parse(await readFile(join(run, RUN_FILES.metrics), 'utf8'));
    expect(metrics.schema).toBe('convlstm-moving-mnist/metrics@1');
    for (const who of [
      metrics.model,
      metrics.baselines.zeros,
      metrics.baselines.copyLast,
      metrics.baselines.meanInputs,
    ]) {
      for (const m of METRICS) {
        expect(who).toHaveProperty(m.key);
        expect(who.perFrame[m.key]).toHaveLength(TINY.outputFrames);
      }
    }
    expect(metrics.testSet.count).toBe(4);
    expect(metrics.training.steps).toBe(2);
    expect(typeof metrics.beatsAllBaselines.mse).toBe('boolean');
    expect(outcome.report?.beatsAllBaselines.mse).toBe(metrics.beatsAllBaselines.mse);

    const config2 = JSON.parse(await readFile(join(run, RUN_FILES.config), 'utf8'));
    expect(config2.options.steps).toBe(2);
    const csv = (await readFile(join(run, RUN_FILES.csv), 'utf8')).trim().split('\n');
    expect(csv.filter((l) => l.startsWith('train,'))).toHaveLength(2);
    expect(csv.filter((l) => l.startsWith('validation,')).length).toBeGreaterThan(0);

    expect(await expectPng(join(run, RUN_FILES.loss))).toMatchObject({ width: 640, height: 400 });
    for (const m of METRICS) await expectPng(join(run, `metric-${m.file}.png`));
    const grid = await expectPng(join(run, RUN_FILES.grid));
    expect(grid.width).toBeGreaterThan(4 * 32);
    expect(grid.height).toBe(2 + 3 * (32 + 2));
    expect(decodeGrayGif(await readFile(join(run, RUN_FILES.gif)))).toHaveLength(4);
  });

  it('evaluate re-evaluates the checkpoint to the same model metrics', async () => {
    const ctx = captureContext();
    const out = join(root, 'eval');
    const { report } = await runEvaluate(
      {
        checkpoint: join(run, RUN_FILES.checkpoint),
        out,
        testSize: 4,
        testSet: null,
        evalBatchSize: 4,
        backend: 'cpu',
        force: false,
      },
      ctx,
    );
    const trained = JSON.parse(await readFile(join(run, RUN_FILES.metrics), 'utf8'));
    expect(report?.model.mse).toBeCloseTo(trained.model.mse, 5);
    expect(report?.baselines.copyLast.mse).toBeCloseTo(trained.baselines.copyLast.mse, 10);
    expect(await readdir(out)).toEqual(
      expect.arrayContaining([RUN_FILES.metrics, RUN_FILES.gif, RUN_FILES.grid]),
    );
  });

  it('evaluate reads a time-major uint8 test file like mnist_test_seq.npy', async () => {
    // Srivastava's layout [T, N, H, W] uint8, built from the generated set so values are known.
    const set = fixedTestSet({ version: 1, count: 3, canvasSize: 32, inputFrames: 4, outputFrames: 4 });
    const frame = 32 * 32;
    const timeMajor = new Uint8Array(8 * 3 * frame);
    for (let n = 0; n < 3; n++) {
      for (let t = 0; t < 8; t++) {
        for (let i = 0; i < frame; i++) {
          timeMajor[(t * 3 + n) * frame + i] = Math.round(
            (set.data[(n * 8 + t) * frame + i] as number) * 255,
          );
        }
      }
    }
    const file = join(root, 'test_seq.npy');
    await writeNpy(file, { data: timeMajor, shape: [8, 3, 32, 32], dtype: 'uint8' });
    const { report } = await runEvaluate(
      {
        checkpoint: join(run, RUN_FILES.checkpoint),
        out: join(root, 'eval-file'),
        testSize: 2,
        testSet: file,
        evalBatchSize: 2,
        backend: 'cpu',
        force: false,
      },
      captureContext(),
    );
    expect(report?.testSet).toMatchObject({
      source: 'file',
      description: file,
      count: 2,
      inputFrames: 4,
      outputFrames: 4,
    });
    expect(report?.model.perFrame.mse).toHaveLength(4);
  });

  it('predict reads .npy and .gif inputs and writes PNGs, a GIF and prediction.npy', async () => {
    const set = fixedTestSet({ version: 1, count: 2, canvasSize: 32, inputFrames: 4, outputFrames: 4 });
    const npyIn = join(root, 'in.npy');
    await writeNpy(npyIn, { data: set.data, shape: [2, 8, 32, 32, 1], dtype: 'float32' });
    const outA = join(root, 'pred-npy');
    await runPredict(
      {
        checkpoint: join(run, RUN_FILES.checkpoint),
        input: npyIn,
        out: outA,
        outputFrames: null,
        maxImages: 1,
        evalBatchSize: 2,
        backend: 'cpu',
        force: false,
      },
      captureContext(),
    );
    const npy = await readNpy(join(outA, 'prediction.npy'));
    expect(npy.shape).toEqual([2, 4, 32, 32, 1]);
    const seq0 = await readdir(join(outA, 'seq-000'));
    expect(seq0).toEqual(
      expect.arrayContaining(['input-01.png', 'truth-04.png', 'prediction-04.png', 'prediction.gif']),
    );
    expect(await readdir(outA)).not.toContain('seq-001'); // --max-images 1

    const gifIn = join(root, 'in.gif');
    const { writeFile } = await import('node:fs/promises');
    await writeFile(gifIn, encodeGrayGif(framesFromArray(set.data, 4, 32, 32)));
    const outB = join(root, 'pred-gif');
    await runPredict(
      {
        checkpoint: join(run, RUN_FILES.checkpoint),
        input: gifIn,
        out: outB,
        outputFrames: 3,
        maxImages: 16,
        evalBatchSize: 2,
        backend: 'cpu',
        force: false,
      },
      captureContext(),
    );
    const files = await readdir(outB);
    expect(files).toEqual(
      expect.arrayContaining(['prediction.npy', 'prediction-03.png', 'prediction.gif', 'prediction.png']),
    );
    expect(files).not.toContain('truth-01.png');
    expect((await readNpy(join(outB, 'prediction.npy'))).shape).toEqual([1, 3, 32, 32, 1]);
  });
});
