import '@tensorflow/tfjs-backend-cpu';
import { SeededRandom } from '@convlstm/core/internal';
import { grad, memory, setBackend, type Tensor, tensor } from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  type ArrayBatch,
  baselinePredictions,
  bceFromLogits,
  clipByGlobalNorm,
  computeMetrics,
  EncoderForecaster,
  evaluate,
  learningRateAt,
  MovingMnist,
  meanAbsoluteError,
  meanAbsoluteErrorFromLogits,
  meanSquaredError,
  type SequenceSet,
  splitBatch,
  ssimFrame,
} from '../src/index.js';

const C1 = 0.0001;
const C2 = 0.0009;

beforeAll(async () => {
  await setBackend('cpu');
});

/** SSIM of one k×k window written out from the definition (sample variances, ÷ (k² − 1)). */
function windowSsim(a: number[], b: number[]): number {
  const n = a.length;
  const ma = a.reduce((s, v) => s + v, 0) / n;
  const mb = b.reduce((s, v) => s + v, 0) / n;
  let va = 0;
  let vb = 0;
  let cab = 0;
  for (let i = 0; i < n; i++) {
    va += ((a[i] as number) - ma) ** 2;
    vb += ((b[i] as number) - mb) ** 2;
    cab += ((a[i] as number) - ma) * ((b[i] as number) - mb);
  }
  va /= n - 1;
  vb /= n - 1;
  cab /= n - 1;
  return ((2 * ma * mb + C1) * (2 * cab + C2)) / ((ma * ma + mb * mb + C1) * (va + vb + C2));
}

function random(n: number, seed: number): Float32Array {
  const r = new SeededRandom(seed);
  return Float32Array.from({ length: n }, () => r.next());
}

describe('metrics', () => {
  it('computes per-frame MSE, MAE, PSNR and cross-entropy by the stated conventions', () => {
    // 2 sequences × 2 frames of 7×7; prediction 0.5 everywhere.
    const px = 49;
    const targetValues = [
      [0, 1],
      [0.5, 0.25],
    ];
    const targets = new Float32Array(4 * px);
    targetValues.flat().forEach((v, f) => {
      targets.fill(v, f * px, (f + 1) * px);
    });
    const preds = new Float32Array(4 * px).fill(0.5);
    const m = computeMetrics(preds, targets, { count: 2, frames: 2, height: 7, width: 7 });
    // Frame errors summed over the 49 pixels.
    const se = targetValues.map((row) => row.map((y) => px * (0.5 - y) ** 2));
    const ae = targetValues.map((row) => row.map((y) => px * Math.abs(0.5 - y)));
    const ce = targetValues.map((row) => row.map((y) => -px * (y * Math.log(0.5) + (1 - y) * Math.log(0.5))));
    const psnr = se.map((row) => row.map((s) => (s === 0 ? 100 : 10 * Math.log10(1 / (s / px)))));
    const lum = (a: number, b: number) => (2 * a * b + C1) / (a * a + b * b + C1);
    const ssim = targetValues.map((row) => row.map((y) => lum(0.5, y)));
    const perFrame = (v: number[][]) =>
      [0, 1].map((t) => ((v[0]?.[t] as number) + (v[1]?.[t] as number)) / 2);
    expect(m.count).toBe(2);
    for (const [key, v] of [
      ['mse', se],
      ['mae', ae],
      ['psnr', psnr],
      ['ssim', ssim],
    ] as const) {
      perFrame(v).forEach((x, t) => {
        expect(m.perFrame[key][t]).toBeCloseTo(x, 4);
      });
      expect(m[key]).toBeCloseTo((perFrame(v)[0] as number) / 2 + (perFrame(v)[1] as number) / 2, 4);
    }
    // Cross-entropy: summed over pixels and output frames, averaged over sequences.
    expect(m.crossEntropy).toBeCloseTo(
      ((ce[0]?.[0] ?? 0) + (ce[0]?.[1] ?? 0) + (ce[1]?.[0] ?? 0) + (ce[1]?.[1] ?? 0)) / 2,
      3,
    );
    expect(m.mse).toBeCloseTo((12.25 + 0 + 12.25 + 3.0625) / 4, 6);
  });

  it('SSIM averages the 7×7 windows of the definition, and is 1 for identical frames', () => {
    const a = random(64, 1);
    const b = random(64, 2);
    expect(ssimFrame(a, a, 8, 8)).toBeCloseTo(1, 6);
    let sum = 0;
    for (let y = 0; y < 2; y++)
      for (let x = 0; x < 2; x++) {
        const wa: number[] = [];
        const wb: number[] = [];
        for (let dy = 0; dy < 7; dy++)
          for (let dx = 0; dx < 7; dx++) {
            wa.push(a[(y + dy) * 8 + x + dx] as number);
            wb.push(b[(y + dy) * 8 + x + dx] as number);
          }
        sum += windowSsim(wa, wb);
      }
    expect(ssimFrame(a, b, 8, 8)).toBeCloseTo(sum / 4, 6);
    expect(() => ssimFrame(a, b, 6, 6)).toThrow(/7×7/);
  });

  it('cross-entropy stays finite for hard 0/1 predictions', () => {
    const m = computeMetrics(new Float32Array(49), new Float32Array(49).fill(1), {
      count: 1,
      frames: 1,
      height: 7,
      width: 7,
    });
    expect(m.crossEntropy).toBeCloseTo(-49 * Math.log(1e-7), 2);
  });

  it('baselines: zeros, last input frame, mean of the inputs', () => {
    const batch: ArrayBatch = {
      inputs: Float32Array.from([0, 1, 2, 3, 4, 5, 6, 7, 10, 20, 30, 40, 50, 60, 70, 80].map((v) => v / 100)),
      targets: new Float32Array(2 * 2 * 4),
      count: 2,
      inputFrames: 2,
      outputFrames: 2,
      height: 2,
      width: 2,
    };
    expect([...baselinePredictions('zeros', batch)]).toEqual(new Array(16).fill(0));
    const last = [...baselinePredictions('copyLast', batch)].map((v) => Math.round(v * 100));
    expect(last).toEqual([4, 5, 6, 7, 4, 5, 6, 7, 50, 60, 70, 80, 50, 60, 70, 80]);
    const mean = [...baselinePredictions('meanInputs', batch)].map((v) => Math.round(v * 100));
    expect(mean).toEqual([2, 3, 4, 5, 2, 3, 4, 5, 30, 40, 50, 60, 30, 40, 50, 60]);
  });

  it('evaluate scores the model and the baselines on the same sequences without leaking', async () => {
    const digits = { count: 1, size: 28 as const, pixels: random(784, 3) };
    const set: SequenceSet = new MovingMnist({
      digits,
      canvasSize: 28,
      numDigits: 1,
      inputFrames: 2,
      outputFrames: 2,
      seed: 1,
    }).nextSequences(3);
    const model = new EncoderForecaster({
      frameSize: 28,
      patchSize: 4,
      layers: [{ hiddenChannels: 2, recurrentKernelSize: 3 }],
      inputFrames: 2,
      outputFrames: 2,
      seed: 2,
    });
    const before = memory().numTensors;
    const result = await evaluate(model, set, { batchSize: 2 });
    expect(memory().numTensors).toBe(before);
    const batch = splitBatch(set);
    const shape = { count: 3, frames: 2, height: 28, width: 28 };
    expect(result.baselines.copyLast).toEqual(
      computeMetrics(baselinePredictions('copyLast', batch), batch.targets, shape),
    );
    expect(result.baselines.zeros.mse).toBeCloseTo(
      computeMetrics(new Float32Array(batch.targets.length), batch.targets, shape).mse,
      6,
    );
    const inputs = tensor(batch.inputs, [3, 2, 28, 28, 1]);
    const pred = model.predict(inputs as never);
    const direct = computeMetrics(pred.dataSync() as Float32Array, batch.targets, shape);
    expect(result.model.mse).toBeCloseTo(direct.mse, 4);
    expect(result.model.perFrame.ssim[1]).toBeCloseTo(direct.perFrame.ssim[1] as number, 5);
    inputs.dispose();
    pred.dispose();
    // An aborted signal stops it between batches with an AbortError, leaking nothing.
    const controller = new AbortController();
    let batches = 0;
    const stopped = await evaluate(model, set, {
      batchSize: 1,
      signal: controller.signal,
      onProgress: () => {
        batches++;
        controller.abort();
      },
    }).catch((e: unknown) => e);
    expect((stopped as Error).name).toBe('AbortError');
    expect(batches).toBe(1);
    expect(memory().numTensors).toBe(before);
    model.dispose();
  });
});

describe('losses, clipping and schedules', () => {
  it('bceFromLogits equals the textbook cross-entropy and stays finite for huge logits', () => {
    const z = [-3, -0.5, 0, 2, 15];
    const y = [0, 1, 0.5, 1, 0];
    const expected =
      z.reduce((s, zi, i) => {
        const p = 1 / (1 + Math.exp(-zi));
        const yi = y[i] as number;
        return s - (yi * Math.log(p) + (1 - yi) * Math.log(1 - p));
      }, 0) / z.length;
    const loss = bceFromLogits(tensor(z), tensor(y));
    expect(loss.dataSync()[0]).toBeCloseTo(expected, 4);
    const big = bceFromLogits(tensor([1000, -1000]), tensor([0, 1]));
    expect(big.dataSync()[0]).toBeCloseTo(1000, 2);
    expect(meanSquaredError(tensor([1, 2]), tensor([0, 0])).dataSync()[0]).toBeCloseTo(2.5, 6);
    expect(meanAbsoluteError(tensor([1, -2, 0.5]), tensor([0, 0, 1])).dataSync()[0]).toBeCloseTo(3.5 / 3, 6);
    // Masked: only the elements where the mask is 1 count.
    expect(
      meanAbsoluteError(tensor([1, -2, 0.5]), tensor([0, 0, 1]), tensor([1, 0, 1])).dataSync()[0],
    ).toBeCloseTo(0.75, 6);
  });

  it('the logit losses have the gradients of their definitions (central differences in float64), masked or not', () => {
    const z = [-3, -0.5, 0.2, 2, 6, -1.5];
    const y = [0, 1, 0.5, 1, 0, 0];
    // Weights as target weights make them: not only 0/1.
    const w = [1, 0, 2, 1, 0.5, 3];
    const sig = (v: number) => 1 / (1 + Math.exp(-v));
    const bce = (zs: number[], ws: number[] | null) =>
      zs.reduce((s, zi, i) => {
        const p = sig(zi);
        const yi = y[i] as number;
        return s - (ws?.[i] ?? 1) * (yi * Math.log(p) + (1 - yi) * Math.log(1 - p));
      }, 0) / (ws === null ? zs.length : ws.reduce((a, b) => a + b, 0));
    const l1 = (zs: number[], ws: number[] | null) =>
      zs.reduce((s, zi, i) => s + (ws?.[i] ?? 1) * Math.abs(sig(zi) - (y[i] as number)), 0) /
      (ws === null ? zs.length : ws.reduce((a, b) => a + b, 0));
    const cases: [string, (a: number[], b: number[] | null) => number, (l: Tensor, m?: Tensor) => Tensor][] =
      [
        ['bce', bce, (l, m) => bceFromLogits(l, tensor(y), m)],
        ['l1', l1, (l, m) => meanAbsoluteErrorFromLogits(l, tensor(y), m)],
      ];
    const before = memory().numTensors;
    for (const [name, reference, loss] of cases) {
      for (const weights of [null, w]) {
        const mask = weights === null ? undefined : tensor(weights);
        expect(loss(tensor(z), mask).dataSync()[0], `${name} value`).toBeCloseTo(reference(z, weights), 5);
        const g = grad((l: Tensor) => loss(l, mask))(tensor(z));
        const h = 1e-6;
        const numeric = z.map((_, i) => {
          const up = z.map((v, j) => (j === i ? v + h : v));
          const down = z.map((v, j) => (j === i ? v - h : v));
          return (reference(up, weights) - reference(down, weights)) / (2 * h);
        });
        const analytic = [...g.dataSync()];
        numeric.forEach((n, i) => {
          expect(analytic[i], `${name} d/dz[${i}] (weights ${weights !== null})`).toBeCloseTo(n, 5);
        });
        g.dispose();
        mask?.dispose();
      }
    }
    // Only the tensors the `tensor(...)` literals above made are left (the test does not track them).
    expect(memory().numTensors - before).toBeLessThan(40);
  });

  it('clips by the global norm over all gradients', () => {
    const g = [tensor([3, 0]), tensor([[0, 4]])];
    const clipped = clipByGlobalNorm(g, 1);
    expect(clipped.norm.dataSync()[0]).toBeCloseTo(5, 6);
    expect([...(clipped.grads[0]?.dataSync() ?? [])]).toEqual([expect.closeTo(0.6, 6), 0]);
    expect([...(clipped.grads[1]?.dataSync() ?? [])]).toEqual([0, expect.closeTo(0.8, 6)]);
    const untouched = clipByGlobalNorm(g, 10);
    expect([...(untouched.grads[0]?.dataSync() ?? [])]).toEqual([3, 0]);
  });

  it('learning-rate schedules', () => {
    expect(learningRateAt(0.1, { kind: 'constant' }, 99)).toBe(0.1);
    expect(learningRateAt(0.1, { kind: 'step', everySteps: 10, factor: 0.5 }, 25)).toBeCloseTo(0.025, 12);
    expect(learningRateAt(0.1, { kind: 'cosine', totalSteps: 100, minLearningRate: 0.01 }, 0)).toBeCloseTo(
      0.1,
      12,
    );
    expect(learningRateAt(0.1, { kind: 'cosine', totalSteps: 100, minLearningRate: 0.01 }, 50)).toBeCloseTo(
      0.055,
      12,
    );
    expect(learningRateAt(0.1, { kind: 'cosine', totalSteps: 100 }, 500)).toBeCloseTo(0, 12);
    // A time budget: progress is the elapsed fraction of it (here a quarter: (1 + cos(π/4)) / 2).
    expect(learningRateAt(0.1, { kind: 'cosine', totalMinutes: 8 }, 3, 2)).toBeCloseTo(
      (0.1 * (1 + Math.SQRT1_2)) / 2,
      12,
    );
    // Both budgets: whichever is further along sets the rate.
    const both = { kind: 'cosine', totalSteps: 100, totalMinutes: 10 } as const;
    expect(learningRateAt(0.1, both, 50, 1)).toBeCloseTo(0.05, 12);
    expect(learningRateAt(0.1, both, 10, 5)).toBeCloseTo(0.05, 12);
    expect(learningRateAt(0.1, both, 10, 20)).toBeCloseTo(0, 12);
  });
});
