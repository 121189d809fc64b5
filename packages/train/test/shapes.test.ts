import '@tensorflow/tfjs-backend-cpu';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type RefArray,
  randomizeCell,
  randomValues,
  refArray,
  refCellStep,
  refWeights,
} from '@convlstm/core/testing';
import { memory, setBackend, tensor, tensor5d } from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type ArrayBatch,
  bceFromLogits,
  computeMetrics,
  EncoderForecaster,
  frameShape,
  meanSquaredError,
  resolveEncoderForecasterConfig,
  type SequenceStream,
  type StreamState,
  ssimFrame,
  train,
} from '../src/index.js';
import { loadCheckpoint, saveCheckpoint } from '../src/node.js';

let dir: string;
beforeAll(async () => {
  await setBackend('cpu');
  dir = await mkdtemp(join(tmpdir(), 'convlstm-shapes-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('non-square, multi-channel encoder-forecaster', () => {
  const H = 4;
  const W = 6;
  const C = 2;
  const P = 2;

  /** Plain-loop space-to-depth of frame `t` of sequence `n`: channel `(py·p + px)·C + c`. */
  function refPatches(data: Float32Array, n: number, t: number, frames: number): RefArray {
    const out = refArray([1, H / P, W / P, P * P * C]);
    for (let y = 0; y < H; y++)
      for (let x = 0; x < W; x++)
        for (let c = 0; c < C; c++) {
          const v = data[(((n * frames + t) * H + y) * W + x) * C + c] as number;
          const ch = ((y % P) * P + (x % P)) * C + c;
          out.data[(Math.floor(y / P) * (W / P) + Math.floor(x / P)) * P * P * C + ch] = v;
        }
    return out;
  }

  it('matches a plain-loop reference of Fig. 3 on 4 × 6 frames of 2 channels', () => {
    const model = new EncoderForecaster({
      height: H,
      width: W,
      channels: C,
      patchSize: P,
      inputKernelSize: 3,
      layers: [{ hiddenChannels: 3, recurrentKernelSize: 3 }],
      inputFrames: 2,
      outputFrames: 2,
      seed: 3,
    });
    for (const [i, cell] of model.cells.entries()) randomizeCell(cell, 20 + i);
    const outK = randomValues(3 * 4, 5);
    const outB = randomValues(4, 6);
    const weights = model.getWeights();
    const n = weights.length;
    weights[n - 2]?.dispose();
    weights[n - 1]?.dispose();
    weights[n - 2] = tensor(outK, [1, 1, 3, 4]);
    weights[n - 1] = tensor(outB, [4]);
    model.setWeights(weights);
    for (const w of weights) w.dispose();

    const before = memory().numTensors;
    const data = new Float32Array(2 * H * W * C).map((_, i) => ((i * 7919) % 101) / 100);
    const inputs = tensor5d(data, [1, 2, H, W, C]);
    const logits = model.predictLogits(inputs);
    expect(logits.shape).toEqual([1, 2, H, W, 1]);
    const got = logits.dataSync();

    const rows = H / P;
    const cols = W / P;
    const enc = model.encoder.allCells.map((c) => ({ cfg: c.config, w: refWeights(c) }))[0];
    const fc = model.forecaster.allCells.map((c) => ({ cfg: c.config, w: refWeights(c) }))[0];
    if (!enc || !fc) throw new Error('no cells');
    let state = { h: refArray([1, rows, cols, 3]), c: refArray([1, rows, cols, 3]) };
    for (let t = 0; t < 2; t++)
      state = refCellStep(enc.cfg, enc.w, refPatches(data, 0, t, 2), state.h, state.c);
    for (let t = 0; t < 2; t++) {
      state = refCellStep(fc.cfg, fc.w, null, state.h, state.c);
      for (let py = 0; py < rows; py++)
        for (let px = 0; px < cols; px++)
          for (let ch = 0; ch < P * P; ch++) {
            let z = outB[ch] as number;
            for (let c = 0; c < 3; c++)
              z += (state.h.data[(py * cols + px) * 3 + c] as number) * (outK[c * 4 + ch] as number);
            const y = py * P + Math.floor(ch / P);
            const x = px * P + (ch % P);
            expect(got[(t * H + y) * W + x]).toBeCloseTo(z, 4);
          }
    }
    inputs.dispose();
    logits.dispose();
    expect(memory().numTensors).toBe(before);
    model.dispose();
  });

  it('keeps square single-channel configs as before and round-trips the others', () => {
    const layers = [{ hiddenChannels: 2, recurrentKernelSize: 3 }];
    const square = resolveEncoderForecasterConfig({ frameSize: 16, layers });
    expect(Object.keys(square)).not.toContain('height');
    expect(Object.keys(square)).not.toContain('channels');
    expect(resolveEncoderForecasterConfig({ height: 16, width: 16, layers })).toEqual(square);
    const radar = resolveEncoderForecasterConfig({ height: 48, width: 32, channels: 2, layers });
    expect(frameShape(radar)).toEqual({ height: 48, width: 32, channels: 2 });
    expect(resolveEncoderForecasterConfig(radar)).toEqual(radar);
    expect(() => resolveEncoderForecasterConfig({ height: 48, layers })).toThrow(/Invalid options.width/);
    expect(() => resolveEncoderForecasterConfig({ height: 48, width: 30, layers })).toThrow(
      /Invalid options.patchSize: expected a divisor of the frame width 30/,
    );
    expect(() => resolveEncoderForecasterConfig({ frameSize: 32, height: 48, width: 32, layers })).toThrow(
      /Invalid options.frameSize/,
    );
  });

  it('saves and loads a checkpoint of a non-square model', async () => {
    const model = new EncoderForecaster({
      height: 8,
      width: 12,
      channels: 2,
      patchSize: 2,
      layers: [{ hiddenChannels: 2, recurrentKernelSize: 3 }],
      inputFrames: 2,
      outputFrames: 3,
    });
    const path = join(dir, 'ckpt');
    await saveCheckpoint(path, model);
    const loaded = await loadCheckpoint(path);
    expect(loaded.config).toEqual(model.config);
    const a = model.getWeights();
    const b = loaded.model.getWeights();
    for (const [i, w] of a.entries())
      expect(Array.from(w.dataSync())).toEqual(Array.from(b[i]?.dataSync() ?? []));
    for (const w of [...a, ...b]) w.dispose();
    model.dispose();
    loaded.model.dispose();
  });
});

describe('masks in losses and metrics', () => {
  it('averages the losses over the masked-in pixels only', () => {
    const logits = tensor5d([0.5, -1, 2, 3], [1, 1, 2, 2, 1]);
    const targets = tensor5d([1, 0, 0, 1], [1, 1, 2, 2, 1]);
    const mask = tensor5d([1, 1, 0, 1], [1, 1, 2, 2, 1]);
    // Hand-written cross-entropy of the three masked-in pixels.
    const bce = (z: number, y: number) =>
      -(y * Math.log(1 / (1 + Math.exp(-z))) + (1 - y) * Math.log(1 - 1 / (1 + Math.exp(-z))));
    const loss = bceFromLogits(logits, targets, mask);
    expect(loss.dataSync()[0]).toBeCloseTo((bce(0.5, 1) + bce(-1, 0) + bce(3, 1)) / 3, 5);
    const mse = meanSquaredError(logits, targets, mask);
    expect(mse.dataSync()[0]).toBeCloseTo((0.25 + 1 + 4) / 3, 5);
    const none = bceFromLogits(logits, targets, tensor5d([0, 0, 0, 0], [1, 1, 2, 2, 1]));
    expect(none.dataSync()[0]).toBe(0);
    for (const t of [logits, targets, mask, loss, mse, none]) t.dispose();
  });

  it('counts only valid pixels in MSE, MAE and PSNR, and only fully valid windows in SSIM', () => {
    const h = 9;
    const w = 10;
    const pred = Float32Array.from({ length: h * w }, (_, i) => ((i * 37) % 11) / 10);
    const targ = Float32Array.from({ length: h * w }, (_, i) => ((i * 53) % 7) / 6);
    const mask = new Uint8Array(h * w).fill(1);
    mask[0] = 0;
    mask[h * w - 1] = 0;
    // A wild prediction where there is no data must not count.
    pred[0] = 50;
    let se = 0;
    let ae = 0;
    for (let i = 1; i < h * w - 1; i++) {
      se += ((pred[i] as number) - (targ[i] as number)) ** 2;
      ae += Math.abs((pred[i] as number) - (targ[i] as number));
    }
    const m = computeMetrics(pred, targ, { count: 1, frames: 1, height: h, width: w }, mask);
    expect(m.mse).toBeCloseTo(se, 4);
    expect(m.mae).toBeCloseTo(ae, 4);
    expect(m.psnr).toBeCloseTo(10 * Math.log10(1 / (se / (h * w - 2))), 4);
    // The windows avoiding both corners: all 7×7 windows but the two that hold a corner pixel.
    const all: number[] = [];
    for (let y = 0; y + 7 <= h; y++)
      for (let x = 0; x + 7 <= w; x++) {
        const crop = (a: Float32Array) =>
          Float32Array.from({ length: 49 }, (_, k) => a[(y + Math.floor(k / 7)) * w + x + (k % 7)] as number);
        const hasCorner = (y === 0 && x === 0) || (y + 7 === h && x + 7 === w);
        if (!hasCorner) all.push(ssimFrame(crop(pred), crop(targ), 7, 7));
      }
    expect(m.ssim).toBeCloseTo(all.reduce((a, b) => a + b, 0) / all.length, 6);
  });
});

/** A tiny stream of non-square two-channel sequences with a mask, for the training loop. */
class ToyStream implements SequenceStream {
  readonly inputFrames = 2;
  readonly outputFrames = 2;
  readonly height = 4;
  readonly width = 6;
  readonly channels = 2;
  private position = 0;
  constructor(
    readonly seed: number,
    private readonly maskedTarget: number,
  ) {}
  nextBatch(count: number): ArrayBatch {
    const px = this.height * this.width;
    const inputs = new Float32Array(count * this.inputFrames * px * this.channels).map(
      (_, i) => ((i * 31 + this.position * 7) % 17) / 16,
    );
    const targets = new Float32Array(count * this.outputFrames * px).map(
      (_, i) => ((i * 13 + this.position) % 5) / 4,
    );
    const mask = new Uint8Array(targets.length).map((_, i) => (i % px < 6 ? 0 : 1));
    for (let i = 0; i < targets.length; i++) if (mask[i] === 0) targets[i] = this.maskedTarget;
    this.position += count;
    return {
      inputs,
      targets,
      mask,
      count,
      inputFrames: 2,
      outputFrames: 2,
      height: 4,
      width: 6,
      channels: 2,
    };
  }
  getState(): StreamState {
    return { seed: this.seed, position: this.position };
  }
  setState(state: StreamState): void {
    this.position = state.position;
  }
}

describe('training on any SequenceStream', () => {
  it('trains a non-square two-channel model; masked-out targets never change the result; nothing leaks', async () => {
    const run = async (maskedTarget: number) => {
      const model = new EncoderForecaster({
        height: 4,
        width: 6,
        channels: 2,
        patchSize: 2,
        layers: [{ hiddenChannels: 2, recurrentKernelSize: 3 }],
        inputFrames: 2,
        outputFrames: 2,
        seed: 9,
      });
      const before = memory().numTensors;
      const losses: number[] = [];
      await train(model, new ToyStream(1, maskedTarget), {
        batchSize: 2,
        maxSteps: 3,
        callbacks: { onStep: (s) => void losses.push(s.loss) },
      });
      expect(memory().numTensors).toBe(before);
      const w = model.getWeights();
      const flat = w.flatMap((t) => Array.from(t.dataSync()));
      for (const t of w) t.dispose();
      model.dispose();
      return { losses, flat };
    };
    const a = await run(0);
    const b = await run(1);
    expect(a.losses).toHaveLength(3);
    expect(a.losses).toEqual(b.losses);
    expect(a.flat).toEqual(b.flat);
    // A model that does not fit the stream's frames is refused before any step.
    const wrong = new EncoderForecaster({
      frameSize: 4,
      patchSize: 2,
      layers: [{ hiddenChannels: 2, recurrentKernelSize: 3 }],
    });
    await expect(train(wrong, new ToyStream(1, 0), { maxSteps: 1 })).rejects.toThrow(
      /Invalid data: expected 4×4×1 frames/,
    );
    wrong.dispose();
  });
});
