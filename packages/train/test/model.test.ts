import '@tensorflow/tfjs-backend-cpu';
import {
  type RefArray,
  randomizeCell,
  randomValues,
  refArray,
  refCellStep,
  refWeights,
} from '@convlstm/core/testing';
import {
  memory,
  mul,
  type Scalar,
  setBackend,
  type Tensor,
  type Tensor5D,
  tensor,
  tensor5d,
  tidy,
  variableGrads,
} from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { bceFromLogits, EncoderForecaster } from '../src/index.js';

const FRAME = 8;
const P = 2;

/** Plain-loop space-to-depth of frame `t` of sequence `n`: `[1, H/p, W/p, p²]`, channel `py·p + px`. */
function refPatches(data: Float32Array, n: number, t: number, frames: number): RefArray {
  const side = FRAME / P;
  const out = refArray([1, side, side, P * P]);
  for (let y = 0; y < FRAME; y++)
    for (let x = 0; x < FRAME; x++) {
      const v = data[((n * frames + t) * FRAME + y) * FRAME + x] as number;
      const ch = (y % P) * P + (x % P);
      out.data[((Math.floor(y / P) * side + Math.floor(x / P)) * P * P + ch) as number] = v;
    }
  return out;
}

describe('EncoderForecaster', () => {
  beforeAll(async () => {
    await setBackend('cpu');
  });

  it('matches a plain-loop reference of Fig. 3 (patches, encoder, input-free forecaster, 1×1 output)', () => {
    const layers = [
      { hiddenChannels: 3, recurrentKernelSize: 3 },
      { hiddenChannels: 2, recurrentKernelSize: 1 },
    ];
    const model = new EncoderForecaster({
      frameSize: FRAME,
      patchSize: P,
      inputKernelSize: 3,
      layers,
      inputFrames: 3,
      outputFrames: 2,
      seed: 1,
    });
    const cells = model.cells;
    cells.forEach((cell, i) => {
      randomizeCell(cell, 10 + i);
    });
    const outK = randomValues(5 * 4, 77);
    const outB = randomValues(4, 78);
    const weights = model.getWeights();
    const n = weights.length;
    weights[n - 2]?.dispose();
    weights[n - 1]?.dispose();
    weights[n - 2] = tensor(outK, [1, 1, 5, 4]);
    weights[n - 1] = tensor(outB, [4]);
    model.setWeights(weights);
    for (const w of weights) w.dispose();

    const N = 2;
    const data = new Float32Array(N * 3 * FRAME * FRAME).map((_, i) => ((i * 7919) % 101) / 100);
    const inputs = tensor5d(data, [N, 3, FRAME, FRAME, 1]);
    const { logits, probabilities } = model.forward(inputs);
    expect(logits.shape).toEqual([N, 2, FRAME, FRAME, 1]);
    const got = logits.dataSync();
    const gotP = probabilities.dataSync();

    const side = FRAME / P;
    const enc = model.encoder.allCells.map((c) => ({ cfg: c.config, w: refWeights(c) }));
    const fc = model.forecaster.allCells.map((c) => ({ cfg: c.config, w: refWeights(c) }));
    for (let b = 0; b < N; b++) {
      let states = layers.map((l) => ({
        h: refArray([1, side, side, l.hiddenChannels]),
        c: refArray([1, side, side, l.hiddenChannels]),
      }));
      for (let t = 0; t < 3; t++) {
        let x: RefArray = refPatches(data, b, t, 3);
        states = states.map((s, l) => {
          const e = enc[l] as (typeof enc)[number];
          const next = refCellStep(e.cfg, e.w, x, s.h, s.c);
          x = next.h;
          return next;
        });
      }
      for (let t = 0; t < 2; t++) {
        let below: RefArray | null = null;
        states = states.map((s, l) => {
          const f = fc[l] as (typeof fc)[number];
          const next = refCellStep(f.cfg, f.w, below, s.h, s.c);
          below = next.h;
          return next;
        });
        for (let py = 0; py < side; py++)
          for (let px = 0; px < side; px++)
            for (let ch = 0; ch < P * P; ch++) {
              let z = outB[ch] as number;
              let k = 0;
              for (const s of states) {
                const C = s.h.shape[3] as number;
                for (let c = 0; c < C; c++) {
                  z += (s.h.data[(py * side + px) * C + c] as number) * (outK[(k + c) * 4 + ch] as number);
                }
                k += C;
              }
              const y = py * P + Math.floor(ch / P);
              const xx = px * P + (ch % P);
              const idx = ((b * 2 + t) * FRAME + y) * FRAME + xx;
              expect(got[idx]).toBeCloseTo(z, 4);
              expect(gotP[idx]).toBeCloseTo(1 / (1 + Math.exp(-z)), 5);
            }
      }
    }
    inputs.dispose();
    logits.dispose();
    probabilities.dispose();
    model.dispose();
  });

  it('has gradients that match central finite differences through patches, both stacks and the output', () => {
    const model = new EncoderForecaster({
      frameSize: FRAME,
      patchSize: P,
      inputKernelSize: 3,
      layers: [
        { hiddenChannels: 2, recurrentKernelSize: 3 },
        { hiddenChannels: 2, recurrentKernelSize: 1 },
      ],
      inputFrames: 2,
      outputFrames: 2,
      seed: 5,
    });
    model.cells.forEach((cell, i) => {
      randomizeCell(cell, 40 + i);
    });
    const n = 2 * 2 * FRAME * FRAME;
    const inputs = tensor5d(
      randomValues(n, 1, 0.5).map((v) => v + 0.5),
      [2, 2, FRAME, FRAME, 1],
    );
    const targets = tensor5d(
      randomValues(n, 2, 0.5).map((v) => (v > 0 ? 1 : 0)),
      [2, 2, FRAME, FRAME, 1],
    );
    const vars = [...model.trainableWeights];
    // The summed (not mean) cross-entropy, so gradients stand well above float32 round-off.
    const loss = (): Scalar => mul(bceFromLogits(model.predictLogits(inputs), targets), n);
    const lossAt = (): number => tidy(() => loss().dataSync()[0] as number);
    const { grads, value } = variableGrads(loss, vars);
    value.dispose();
    const eps = 2e-2;
    // One entry of: encoder 0 kernel, encoder 1 recurrent kernel, forecaster 0 peephole F, output kernel.
    const names = model.weightNames;
    for (const name of [
      'encoder/0/kernel',
      'encoder/1/recurrentKernel',
      'forecaster/0/peepholeF',
      'output/kernel',
    ]) {
      const i = names.indexOf(name);
      const v = vars[i] as (typeof vars)[number];
      const original = v.dataSync().slice();
      const at = 1;
      const shift = (d: number) => {
        const next = original.slice();
        next[at] = (next[at] as number) + d;
        v.assign(tensor(next, v.shape));
      };
      shift(eps);
      const up = lossAt();
      shift(-eps);
      const down = lossAt();
      shift(0);
      const numeric = (up - down) / (2 * eps);
      const analytic = (grads[v.name] as Tensor).dataSync()[at] as number;
      expect(Math.abs(analytic)).toBeGreaterThan(5e-4);
      expect(Math.abs(analytic - numeric)).toBeLessThan(1.5e-3 + 0.02 * Math.abs(numeric));
    }
    for (const g of Object.values(grads)) g.dispose();
    inputs.dispose();
    targets.dispose();
    model.dispose();
  });

  it('predicts any number of output frames and leaks no tensor', () => {
    const model = new EncoderForecaster({
      frameSize: FRAME,
      patchSize: P,
      layers: [{ hiddenChannels: 2, recurrentKernelSize: 3 }],
      inputFrames: 2,
      outputFrames: 2,
    });
    const inputs = tensor5d(new Float32Array(2 * FRAME * FRAME).fill(0.5), [1, 2, FRAME, FRAME, 1]);
    const before = memory().numTensors;
    const out = model.predict(inputs, 5);
    expect(out.shape).toEqual([1, 5, FRAME, FRAME, 1]);
    out.dispose();
    expect(memory().numTensors).toBe(before);
    inputs.dispose();
    model.dispose();
  });

  it('with the persistence skip, starts as persistence and adds logit(last frame) to the network’s logits', () => {
    const options = {
      frameSize: FRAME,
      patchSize: P,
      inputKernelSize: 3,
      layers: [{ hiddenChannels: 2, recurrentKernelSize: 3 }],
      inputFrames: 3,
      outputFrames: 4,
      seed: 5,
    };
    const skip = new EncoderForecaster({ ...options, residual: true });
    const plain = new EncoderForecaster(options);
    expect(skip.config.residual).toBe(true);
    expect('residual' in plain.config).toBe(false);
    const n = 2;
    const px = FRAME * FRAME;
    const data = randomValues(n * 3 * px, 11).map((v) => Math.abs(v) % 1);
    data[0 * 3 * px + 2 * px] = 0; // exact 0 and 1 in the last frame: clipped to [ε, 1 − ε]
    data[1 * 3 * px + 2 * px + 1] = 1;
    const inputs = tensor5d(Float32Array.from(data), [n, 3, FRAME, FRAME, 1]);
    const last = (b: number, i: number) =>
      Math.min(1 - 1e-3, Math.max(1e-3, data[(b * 3 + 2) * px + i] as number));
    // Untrained: the zero output convolution leaves the last frame, at every lead time.
    const start = skip.predict(inputs).dataSync();
    for (let b = 0; b < n; b++)
      for (let t = 0; t < 4; t++)
        for (let i = 0; i < px; i++) expect(start[(b * 4 + t) * px + i]).toBeCloseTo(last(b, i), 5);
    // With the same weights (the plain model's output convolution is random), the logits differ by
    // logit(last frame).
    const weights = plain.getWeights();
    skip.setWeights(weights);
    for (const w of weights) w.dispose();
    const a = skip.predictLogits(inputs);
    const b0 = plain.predictLogits(inputs);
    const got = a.dataSync();
    const ref = b0.dataSync();
    for (let b = 0; b < n; b++)
      for (let t = 0; t < 4; t++)
        for (let i = 0; i < px; i++) {
          const k = (b * 4 + t) * px + i;
          const l = last(b, i);
          expect((got[k] as number) - (ref[k] as number)).toBeCloseTo(Math.log(l / (1 - l)), 4);
        }
    for (const t of [inputs, a, b0]) t.dispose();
    skip.dispose();
    plain.dispose();
    expect(() => new EncoderForecaster({ ...options, residual: 'yes' as unknown as boolean })).toThrow(
      /options\.residual: expected a boolean/,
    );
  });

  it('rejects bad inputs and options with clear errors', () => {
    expect(() => new EncoderForecaster({ layers: [], frameSize: 8, patchSize: 2 })).toThrow(/layers/);
    expect(
      () =>
        new EncoderForecaster({
          layers: [{ hiddenChannels: 2, recurrentKernelSize: 3 }],
          frameSize: 10,
          patchSize: 4,
        }),
    ).toThrow(/patchSize/);
    expect(
      () =>
        new EncoderForecaster({
          layers: [{ hiddenChannels: 2, recurrentKernelSize: 3 }],
          hidden: 3,
        } as never),
    ).toThrow(/unknown option "hidden"/);
    const model = new EncoderForecaster({
      frameSize: FRAME,
      patchSize: P,
      layers: [{ hiddenChannels: 2, recurrentKernelSize: 3 }],
    });
    const bad = tensor5d(new Float32Array(4 * 4 * 2), [1, 2, 4, 4, 1]) as Tensor5D;
    expect(() => model.predict(bad)).toThrow(/inputs/);
    bad.dispose();
    model.dispose();
  });
});
