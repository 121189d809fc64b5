import '@tensorflow/tfjs-backend-cpu';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { memory, setBackend, type Tensor, tensor, tensor5d } from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type DigitPool,
  disposeTrainingState,
  EncoderForecaster,
  type EncoderForecasterOptions,
  MovingMnist,
  type OptimizerConfig,
  type StepInfo,
  TrainingDivergedError,
  train,
} from '../src/index.js';
import { checkpointFolder, loadCheckpoint } from '../src/node.js';

let dir: string;
let digits: DigitPool;

beforeAll(async () => {
  await setBackend('cpu');
  dir = await mkdtemp(join(tmpdir(), 'convlstm-train-'));
  // Three synthetic 28×28 "digits": a disc, a bar and a cross; deterministic and fast.
  const pixels = new Float32Array(3 * 784);
  for (let y = 0; y < 28; y++)
    for (let x = 0; x < 28; x++) {
      pixels[y * 28 + x] = (y - 14) ** 2 + (x - 14) ** 2 < 64 ? 1 : 0;
      pixels[784 + y * 28 + x] = Math.abs(x - 14) < 3 && y > 4 && y < 24 ? 1 : 0;
      pixels[1568 + y * 28 + x] = Math.abs(x - y) < 2 || Math.abs(x + y - 27) < 2 ? 0.8 : 0;
    }
  digits = { count: 3, size: 28, pixels };
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/**
 * 32×32 frames in 8×8 patches (4×4×64), 2 → 2 frames, one layer of 4 channels with a 1×1 input
 * kernel: the cpu backend's filter gradient is slow, so the tests keep it small.
 */
const TINY: EncoderForecasterOptions = {
  frameSize: 32,
  patchSize: 8,
  inputKernelSize: 1,
  layers: [{ hiddenChannels: 4, recurrentKernelSize: 3 }],
  inputFrames: 2,
  outputFrames: 2,
  seed: 7,
};
const data = (seed = 5) =>
  new MovingMnist({ digits, canvasSize: 32, numDigits: 1, inputFrames: 2, outputFrames: 2, speed: 2, seed });

function tidyDispose(tensors: Tensor[]): void {
  for (const t of tensors) t.dispose();
}

async function weightsOf(model: EncoderForecaster): Promise<Float32Array[]> {
  const ws = model.getWeights();
  const out = await Promise.all(ws.map(async (w) => (await w.data()) as Float32Array));
  for (const w of ws) w.dispose();
  return out;
}

describe('train', () => {
  it('reduces the loss and leaks no tensor over a run with validation, early stopping and checkpoints', async () => {
    const model = new EncoderForecaster(TINY);
    const val = data(99).nextSequences(2);
    const before = memory().numTensors;
    const steps: StepInfo[] = [];
    const validations: number[] = [];
    const result = await train(model, data(), {
      batchSize: 2,
      maxSteps: 12,
      optimizer: { name: 'adam', learningRate: 0.02 },
      clipNorm: 5,
      validation: { set: val, everySteps: 4 },
      earlyStopping: { patience: 5, restoreBest: true },
      checkpoint: { store: checkpointFolder(join(dir, 'run1')), everySteps: 4 },
      callbacks: {
        onStep: (s) => {
          steps.push(s);
        },
        onValidation: (v) => {
          validations.push(v.loss);
        },
      },
    });
    expect(memory().numTensors).toBe(before);
    expect(result.stopReason).toBe('maxSteps');
    expect(result.steps).toBe(12);
    expect(steps.map((s) => s.step)).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
    const first = steps.slice(0, 3).reduce((a, s) => a + s.loss, 0) / 3;
    const last = steps.slice(-3).reduce((a, s) => a + s.loss, 0) / 3;
    expect(last).toBeLessThan(first);
    expect(validations.length).toBe(3);
    expect(steps.every((s) => s.seqPerSec > 0 && s.lr === 0.02 && Number.isFinite(s.gradNorm))).toBe(true);
    expect((await readdir(join(dir, 'run1'))).sort()).toEqual(['best', 'latest']);
    expect(result.lastCheckpoint).toBe(join(dir, 'run1', 'latest'));
    model.dispose();
  });

  it('follows the learning-rate schedule and stops on the epoch limit', async () => {
    const model = new EncoderForecaster(TINY);
    const lrs: number[] = [];
    const result = await train(model, data(), {
      batchSize: 2,
      maxEpochs: 2,
      stepsPerEpoch: 3,
      schedule: { kind: 'step', everySteps: 2, factor: 0.5 },
      optimizer: { name: 'rmsprop', learningRate: 0.004 },
      callbacks: { onStep: (s) => void lrs.push(s.lr) },
    });
    expect(result.stopReason).toBe('maxEpochs');
    expect(lrs).toEqual([0.004, 0.004, 0.002, 0.002, 0.001, 0.001]);
    model.dispose();
  });

  it('adds l1Weight · mean|σ(z) − y| to the loss, as computed by hand on the same batch', async () => {
    const model = new EncoderForecaster(TINY);
    const batch = data().nextBatch(2);
    const inputs = tensor5d(batch.inputs, [2, 2, 32, 32, 1]);
    const logits = model.predictLogits(inputs, 2);
    const z = logits.dataSync();
    const y = batch.targets;
    let bce = 0;
    let l1 = 0;
    for (let i = 0; i < z.length; i++) {
      const zi = z[i] as number;
      const yi = y[i] as number;
      const p = 1 / (1 + Math.exp(-zi));
      bce += Math.max(zi, 0) - zi * yi + Math.log1p(Math.exp(-Math.abs(zi)));
      l1 += Math.abs(p - yi);
    }
    tidyDispose([inputs, logits]);
    const losses: number[] = [];
    await train(model, data(), {
      batchSize: 2,
      maxSteps: 1,
      l1Weight: 0.5,
      callbacks: { onStep: (s) => void losses.push(s.loss) },
    });
    expect(losses[0]).toBeCloseTo(bce / z.length + (0.5 * l1) / z.length, 5);
    model.dispose();
  });

  it('weighs pixels by target value with targetWeights: Σ w·bce / Σ w, computed by hand', async () => {
    const model = new EncoderForecaster(TINY);
    const batch = data().nextBatch(2);
    const inputs = tensor5d(batch.inputs, [2, 2, 32, 32, 1]);
    const logits = model.predictLogits(inputs, 2);
    const z = logits.dataSync();
    tidyDispose([inputs, logits]);
    const y = batch.targets;
    let weighted = 0;
    let total = 0;
    for (let i = 0; i < z.length; i++) {
      const zi = z[i] as number;
      const yi = y[i] as number;
      const w = yi >= 0.75 ? 9 : yi >= 0.25 ? 3 : 1;
      weighted += w * (Math.max(zi, 0) - zi * yi + Math.log1p(Math.exp(-Math.abs(zi))));
      total += w;
    }
    expect(y.some((v) => v >= 0.75)).toBe(true);
    const losses: number[] = [];
    await train(model, data(), {
      batchSize: 2,
      maxSteps: 1,
      targetWeights: { thresholds: [0.25, 0.75], weights: [3, 9] },
      callbacks: { onStep: (s) => void losses.push(s.loss) },
    });
    expect(losses[0]).toBeCloseTo(weighted / total, 5);
    await expect(
      train(model, data(), { maxSteps: 1, targetWeights: { thresholds: [0.5, 0.2], weights: [2, 3] } }),
    ).rejects.toThrow(/options.targetWeights.thresholds\[1\]/);
    await expect(
      train(model, data(), { maxSteps: 1, targetWeights: { thresholds: [0.5], weights: [2, 3] } }),
    ).rejects.toThrow(/options.targetWeights.weights/);
    model.dispose();
  });

  it('decays a cosine schedule over a time budget by the training time elapsed', async () => {
    const model = new EncoderForecaster(TINY);
    const lrs: number[] = [];
    await train(model, data(), {
      batchSize: 2,
      maxSteps: 2,
      // A budget of a microsecond is spent before the first step: the rate is already the floor.
      schedule: { kind: 'cosine', totalMinutes: 1e-8, minLearningRate: 1e-4 },
      optimizer: { name: 'adam', learningRate: 1e-2 },
      callbacks: { onStep: (s) => void lrs.push(s.lr) },
    });
    expect(lrs).toEqual([1e-4, 1e-4]);
    model.dispose();
  });

  for (const optimizer of [{ name: 'rmsprop' }, { name: 'adam', learningRate: 0.003 }] as OptimizerConfig[]) {
    it(`resumes exactly: N steps = N/2, checkpoint, load into fresh objects, N/2 (${optimizer.name})`, async () => {
      const N = 6;
      const straight = new EncoderForecaster(TINY);
      await train(straight, data(), { batchSize: 2, maxSteps: N, optimizer });
      const expected = await weightsOf(straight);
      straight.dispose();

      const ckpt = join(dir, `resume-${optimizer.name}`);
      const half = new EncoderForecaster(TINY);
      await train(half, data(), {
        batchSize: 2,
        maxSteps: N / 2,
        optimizer,
        checkpoint: { store: checkpointFolder(ckpt) },
      });
      half.dispose();

      const before = memory().numTensors;
      const loaded = await loadCheckpoint(join(ckpt, 'latest'));
      expect(loaded.resume?.step).toBe(N / 2);
      expect(loaded.resume?.generator).toEqual({ seed: 5, position: (N / 2) * 2 });
      const result = await train(loaded.model, data(), {
        batchSize: 2,
        maxSteps: N,
        optimizer,
        resume: loaded.resume,
      });
      expect(result.steps).toBe(N);
      const got = await weightsOf(loaded.model);
      // Bit for bit, Adam included (its β powers are saved with the moments).
      expect(got).toEqual(expected);
      disposeTrainingState(loaded.resume);
      loaded.model.dispose();
      expect(memory().numTensors).toBe(before);
    });
  }

  it('stops on a NaN loss with a clear error, keeping the weights and the last good checkpoint', async () => {
    const model = new EncoderForecaster(TINY);
    const ckpt = join(dir, 'nan');
    let poisoned: Float32Array[] = [];
    const before = memory().numTensors;
    const error = await train(model, data(), {
      batchSize: 2,
      maxSteps: 10,
      checkpoint: { store: checkpointFolder(ckpt), everySteps: 1 },
      callbacks: {
        onCheckpoint: async (c) => {
          if (c.step !== 2) return;
          // Poison the output bias once step 2 is safely on disk: the next loss is NaN.
          const ws = model.getWeights();
          const n = ws.length;
          (ws[n - 1] as Tensor).dispose();
          ws[n - 1] = tensor(new Float32Array((ws[n - 2]?.shape[3] as number) ?? 1).fill(Number.NaN));
          model.setWeights(ws);
          for (const w of ws) w.dispose();
          poisoned = await weightsOf(model);
        },
      },
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TrainingDivergedError);
    expect(String(error)).toMatch(/diverged at step 3: loss NaN/);
    expect(String(error)).toContain(join(ckpt, 'latest'));
    expect(memory().numTensors).toBe(before);
    // No update was applied in the failing step.
    const after = await weightsOf(model);
    expect(after).toEqual(poisoned);
    const last = await loadCheckpoint(join(ckpt, 'latest'));
    expect(last.resume?.step).toBe(2);
    const good = await weightsOf(last.model);
    expect(good.every((w) => w.every(Number.isFinite))).toBe(true);
    disposeTrainingState(last.resume);
    last.model.dispose();
    model.dispose();
  });

  it('stops when the loss stays far above its recent level, keeping the last checkpoint written before', async () => {
    const model = new EncoderForecaster(TINY);
    const ckpt = join(dir, 'blowup');
    const saved: number[] = [];
    const losses: number[] = [];
    const error = await train(model, data(), {
      batchSize: 2,
      maxSteps: 20,
      optimizer: { name: 'rmsprop', learningRate: 1e-4 },
      checkpoint: { store: checkpointFolder(ckpt), everySteps: 1 },
      callbacks: {
        onStep: (s) => void losses.push(s.loss),
        onCheckpoint: async (c) => {
          saved.push(c.step);
          if (c.step !== 2) return;
          // Once step 2 is on disk, make every pixel certain to be white: the BCE jumps ~100×.
          const ws = model.getWeights();
          const n = ws.length;
          (ws[n - 1] as Tensor).dispose();
          ws[n - 1] = tensor(new Float32Array((ws[n - 2]?.shape[3] as number) ?? 1).fill(30));
          model.setWeights(ws);
          for (const w of ws) w.dispose();
        },
      },
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TrainingDivergedError);
    // Steps 3 and 4 are above the level (no checkpoint); step 5 is the third in a row.
    expect(String(error)).toMatch(/diverged at step 5: loss .* over 10× its recent level .* for 3 steps/);
    expect(losses.slice(2).every((l) => l > 10 * Math.max(...losses.slice(0, 2)))).toBe(true);
    expect(saved).toEqual([1, 2]);
    expect(String(error)).toContain(`the last good checkpoint is ${join(ckpt, 'latest')}`);
    const last = await loadCheckpoint(join(ckpt, 'latest'));
    expect(last.resume?.step).toBe(2);
    disposeTrainingState(last.resume);
    last.model.dispose();
    model.dispose();
  });

  it('rejects bad options before training', async () => {
    const model = new EncoderForecaster(TINY);
    await expect(train(model, data(), {})).rejects.toThrow(/maxSteps, maxEpochs, maxMinutes/);
    await expect(train(model, data(), { maxSteps: 1, loss: 'l1' as never })).rejects.toThrow(/options.loss/);
    await expect(train(model, data(), { maxSteps: 1, l1Weight: -1 })).rejects.toThrow(/options.l1Weight/);
    await expect(train(model, data(), { maxSteps: 1, schedule: { kind: 'cosine' } })).rejects.toThrow(
      /options.schedule.totalSteps/,
    );
    await expect(train(model, data(), { maxSteps: 1, optimizer: { name: 'sgd' } as never })).rejects.toThrow(
      /rmsprop/,
    );
    const wrong = new MovingMnist({ digits, canvasSize: 28, inputFrames: 2, outputFrames: 2 });
    await expect(train(model, wrong, { maxSteps: 1 })).rejects.toThrow(/32×32/);
    model.dispose();
  });
});
