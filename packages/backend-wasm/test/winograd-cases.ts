import { ConvLSTM } from '@convlstm/core';
import { CONVLSTM_GATES } from '@convlstm/core/backend';
import { randomizeCell } from '@convlstm/core/testing';
import {
  engine,
  memory,
  profile,
  type Scalar,
  sum,
  type Tensor,
  tidy,
  variableGrads,
} from '@tensorflow/tfjs-core';
import { expect, it } from 'vitest';
import { WINOGRAD_INPUT_KERNEL, WINOGRAD_OUTPUT_KERNEL, winogradAccelerator } from '../src/internal.js';
import { seededTensor } from './helpers.js';

/** A "same" 5×5 correlation at stride 1 in float64, loop by loop: the reference. */
function referenceConv(x: Tensor, filter: Tensor): Float64Array {
  const [n, h, w, cin] = x.shape as [number, number, number, number];
  const cout = filter.shape[3] as number;
  const xs = x.dataSync();
  const ks = filter.dataSync();
  const y = new Float64Array(n * h * w * cout);
  for (let b = 0; b < n; b++)
    for (let i = 0; i < h; i++)
      for (let j = 0; j < w; j++)
        for (let ki = 0; ki < 5; ki++)
          for (let kj = 0; kj < 5; kj++) {
            const r = i + ki - 2;
            const c = j + kj - 2;
            if (r < 0 || r >= h || c < 0 || c >= w) continue;
            for (let ci = 0; ci < cin; ci++) {
              const v = xs[((b * h + r) * w + c) * cin + ci] as number;
              const kBase = ((ki * 5 + kj) * cin + ci) * cout;
              const yBase = ((b * h + i) * w + j) * cout;
              for (let o = 0; o < cout; o++)
                y[yBase + o] = (y[yBase + o] as number) + v * (ks[kBase + o] as number);
            }
          }
  return y;
}

const SPEC = { spatialRank: 2 as const, strides: [1, 1], dilations: [1, 1] };

/** Winograd's tests; call inside a `describe` whose `beforeAll` made wasm the backend. */
export function defineWinogradTests(): void {
  it('computes a 5×5 "same" convolution like a float64 reference, odd and even sizes, borders included', () => {
    const failures: string[] = [];
    // [N, H, W, Cin, Cout]: a lone pixel, odd sizes (a last tile half outside), windows that are
    // all border, interior tiles, many channels.
    const shapes = [
      [1, 1, 1, 4, 4],
      [2, 5, 7, 4, 8],
      [1, 9, 2, 16, 4],
      [3, 12, 12, 8, 12],
      [2, 16, 16, 64, 32],
    ];
    for (const [seed, shape] of shapes.entries()) {
      const [n, h, w, cin, cout] = shape as [number, number, number, number, number];
      const x = seededTensor([n, h, w, cin], 10 + seed);
      const filter = seededTensor([5, 5, cin, cout], 20 + seed, 0.3);
      const expected = referenceConv(x, filter);
      const before = memory().numTensors;
      const y = tidy(() => winogradAccelerator.prepare({ filter, ...SPEC }).apply(x));
      expect(memory().numTensors).toBe(before + 1);
      expect(y.shape).toEqual([n, h, w, cout]);
      const actual = y.dataSync();
      let scale = 0;
      let error = 0;
      expected.forEach((e, i) => {
        scale = Math.max(scale, Math.abs(e));
        error = Math.max(error, Math.abs((actual[i] as number) - e));
      });
      // Winograd's transforms scale values by up to 5 and back: about 1e-6 of the output's range
      // in float32, against 1e-7 for a direct convolution.
      if (!(error <= 1e-5 * scale))
        failures.push(`[${shape}]: max error ${error} for outputs up to ${scale}`);
      for (const t of [x, filter, y]) t.dispose();
    }
    expect(failures).toEqual([]);
  });

  it('accepts only what F(2×2, 5×5) computes: 2-D 5×5, stride 1, no dilation, channels divisible by 4', () => {
    const probe = (filterShape: number[], extra: Partial<typeof SPEC> = {}) =>
      winogradAccelerator.supports({ ...SPEC, ...extra, filterShape });
    expect(probe([5, 5, 8, 32])).toBe(true);
    expect(probe([3, 3, 8, 32])).toBe(false);
    expect(probe([5, 5, 6, 32])).toBe(false);
    expect(probe([5, 5, 8, 30])).toBe(false);
    expect(probe([5, 5, 8, 32], { strides: [2, 2] })).toBe(false);
    expect(probe([5, 5, 8, 32], { dilations: [1, 2] })).toBe(false);
    expect(probe([5, 8, 32], { spatialRank: 1 as never, strides: [1], dilations: [1] })).toBe(false);
  });

  it('rejects bad kernel inputs naming the input, and allocates nothing when it does', () => {
    const odd = seededTensor([1, 4, 4, 3], 1);
    const rank3 = seededTensor([4, 4, 4], 2);
    const m = seededTensor([4, 4], 3);
    const before = memory().numTensors;
    expect(() => engine().runKernel(WINOGRAD_INPUT_KERNEL, { x: odd })).toThrow(
      /channels must be a multiple of 4, got 3/,
    );
    expect(() => engine().runKernel(WINOGRAD_INPUT_KERNEL, { x: rank3 })).toThrow(
      /input 'x' must be a rank-4 float32 tensor, got float32 \[4,4,4\]/,
    );
    const products = Object.fromEntries(Array.from({ length: 36 }, (_, i) => [`m${i}`, m]));
    expect(() =>
      engine().runKernel(WINOGRAD_OUTPUT_KERNEL, products, { batch: 1, height: 6, width: 6 }),
    ).toThrow(/input 'm0' must have shape \[9,4\], got \[4,4\]/);
    const { m35: _, ...missing } = products;
    expect(() =>
      engine().runKernel(WINOGRAD_OUTPUT_KERNEL, missing, { batch: 1, height: 4, width: 4 }),
    ).toThrow(/input 'm35' is missing/);
    expect(memory().numTensors).toBe(before);
    for (const t of [odd, rank3, m]) t.dispose();
  });

  it('runs a 5×5 ConvLSTM forward on the hoisted schedule through it, but never under a gradient tape', async () => {
    const model = new ConvLSTM({ inChannels: 4, hiddenChannels: 8, kernelSize: 5, seed: 2 });
    model.allCells.forEach((cell, i) => {
      randomizeCell(cell, 70 + i);
    });
    const xs = seededTensor([2, 3, 7, 6, 4], 4);
    const before = memory().numTensors;
    const inference = await profile(() => {
      tidy(() => {
        model.forward(xs as never).output.dataSync();
      });
      return [] as Tensor[];
    });
    // Input projection once, recurrent convolution for the 2 steps after the zero-state first one.
    const names = inference.kernels.map((k) => k.name);
    expect(names.filter((k) => k === WINOGRAD_INPUT_KERNEL).length).toBe(1 + 2);
    expect(names.filter((k) => k === CONVLSTM_GATES).length).toBe(3);
    expect(names).not.toContain('Conv2D');
    expect(memory().numTensors).toBe(before);
    const taped = await profile(() => {
      const { value, grads } = variableGrads(
        () => sum(model.forward(xs as never).output) as Scalar,
        model.trainableWeights,
      );
      for (const g of [value, ...Object.values(grads)]) g.dispose();
      return [] as Tensor[];
    });
    expect(taped.kernelNames).not.toContain(WINOGRAD_INPUT_KERNEL);
    xs.dispose();
    model.dispose();
  });
}
