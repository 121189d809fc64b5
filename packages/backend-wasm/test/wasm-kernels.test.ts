import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { SeededRandom } from '@convlstm/core/internal';
import {
  Conv2DBackpropFilter,
  type Conv2DBackpropFilterAttrs,
  Conv2DBackpropInput,
  Conv3DBackpropFilterV2,
  Conv3DBackpropInputV2,
  concat,
  engine,
  getKernel,
  memory,
  setBackend,
  slice,
  type Tensor,
  type Tensor4D,
  tensor,
  tidy,
  unstack,
} from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { registerWasmTrainingKernels, WASM_TRAINING_KERNELS, withStockWasmKernels } from '../src/index.js';
import { collapseSlice, fastConcatConfig } from '../src/internal.js';
import { maxExcess, seededTensor } from './helpers.js';

/** Runs one kernel on `backend` through the engine, as an op would. */
function runOn(
  backend: 'cpu' | 'wasm',
  kernel: string,
  inputs: Record<string, Tensor>,
  attrs: object,
  shape: readonly number[] | readonly (readonly number[])[],
): Float32Array {
  const e = engine();
  e.setBackend(backend);
  const result = e.runKernel(kernel, inputs, attrs as never) as Tensor | Tensor[];
  const outs = Array.isArray(result) ? result : [result];
  try {
    // Several outputs (Unpack, SplitV): compare shapes one by one, values end to end.
    if (Array.isArray(result)) expect(outs.map((t) => t.shape)).toEqual(shape);
    else expect(result.shape).toEqual(shape);
    return Float32Array.from(outs.flatMap((t) => Array.from(t.dataSync() as Float32Array)));
  } finally {
    for (const t of outs) t.dispose();
  }
}

/** Runs `kernel` on cpu and wasm and expects the same values and no leaked tensor. */
function expectWasmMatchesCpu(
  kernel: string,
  inputs: Record<string, Tensor>,
  attrs: object,
  shape: readonly number[] | readonly (readonly number[])[],
): void {
  const before = memory().numTensors;
  const expected = runOn('cpu', kernel, inputs, attrs, shape);
  const actual = runOn('wasm', kernel, inputs, attrs, shape);
  // Twice: a kernel reading uncleared memory gives different values the second time.
  const again = runOn('wasm', kernel, inputs, attrs, shape);
  expect(memory().numTensors).toBe(before);
  expect(maxExcess(actual, expected, 1e-5)).toBeLessThanOrEqual(1e-5);
  expect(maxExcess(again, expected, 1e-5)).toBeLessThanOrEqual(1e-5);
}

/** Output size of a 2-D conv, as TF defines it. */
function outSize(size: number, k: number, s: number, pad: 'same' | 'valid'): number {
  return pad === 'same' ? Math.ceil(size / s) : Math.floor((size - k) / s) + 1;
}

describe('wasm training kernels', () => {
  beforeAll(async () => {
    registerWasmTrainingKernels();
    expect(await setBackend('wasm')).toBe(true);
    expect(await setBackend('cpu')).toBe(true);
  });

  it('registers each kernel once, and only for wasm', () => {
    expect(registerWasmTrainingKernels()).toEqual([]);
    for (const k of WASM_TRAINING_KERNELS) {
      expect(getKernel(k.kernelName, 'wasm')?.kernelFunc).toBe(k.kernelFunc);
      expect(getKernel(k.kernelName, 'cpu')?.kernelFunc).not.toBe(k.kernelFunc);
    }
  });

  const random3 = new SeededRandom(77);
  const pick = (lo: number, hi: number) => lo + Math.floor(random3.next() * (hi - lo + 1));
  for (let i = 0; i < 10; i++) {
    const pad = i % 2 === 0 ? 'same' : 'valid';
    const k = [pick(1, 3), pick(1, 3), pick(1, 3)];
    const s = i < 2 ? [1, 1, 1] : [pick(1, 2), pick(1, 3), pick(1, 3)];
    const n = pick(1, 2);
    const size = k.map((kk) => pick(kk, 6));
    const cin = pick(1, 4);
    const cout = pick(1, 4);
    const out = size.map((d, a) => outSize(d, k[a] as number, s[a] as number, pad));
    const xShape = [n, ...size, cin] as [number, number, number, number, number];
    const fShape = [...k, cin, cout] as [number, number, number, number, number];
    const dyShape = [n, ...out, cout];
    const label = `x [${xShape}] k ${k.join('x')}→${cout} strides ${s} ${pad}`;
    it(`Conv3DBackpropFilterV2 matches cpu: ${label}`, () => {
      const x = seededTensor(xShape, 300 + i);
      const dy = seededTensor(dyShape, 400 + i);
      expectWasmMatchesCpu(
        Conv3DBackpropFilterV2,
        { x, dy },
        { strides: s, pad, filterShape: fShape },
        fShape,
      );
      x.dispose();
      dy.dispose();
    });
    it(`Conv3DBackpropInputV2 matches cpu: ${label}`, () => {
      const filter = seededTensor(fShape, 500 + i);
      const dy = seededTensor(dyShape, 600 + i);
      expectWasmMatchesCpu(
        Conv3DBackpropInputV2,
        { dy, filter },
        { strides: s, pad, inputShape: xShape },
        xShape,
      );
      filter.dispose();
      dy.dispose();
    });
  }

  // Random shapes; the cpu backend's own implementation is the reference.
  const random = new SeededRandom(2024);
  const int = (lo: number, hi: number) => lo + Math.floor(random.next() * (hi - lo + 1));
  const cases: { name: string; x: number[]; attrs: Conv2DBackpropFilterAttrs; dy: number[] }[] = [];
  for (let i = 0; i < 16; i++) {
    const pad = i % 2 === 0 ? 'same' : 'valid';
    const kh = int(1, 4);
    const kw = int(1, 4);
    const sh = i < 4 ? 1 : int(1, 3);
    const sw = i < 4 ? 1 : int(1, 3);
    const n = int(1, 3);
    const h = int(kh, 9);
    const w = int(kw, 9);
    const cin = int(1, 5);
    const cout = int(1, 6);
    const nchw = i % 5 === 4;
    const oh = outSize(h, kh, sh, pad);
    const ow = outSize(w, kw, sw, pad);
    cases.push({
      name: `x [${n},${h},${w},${cin}] k ${kh}x${kw}→${cout} strides ${sh},${sw} ${pad}${nchw ? ' NCHW' : ''}`,
      x: nchw ? [n, cin, h, w] : [n, h, w, cin],
      dy: nchw ? [n, cout, oh, ow] : [n, oh, ow, cout],
      attrs: {
        strides: [sh, sw],
        pad,
        dataFormat: nchw ? 'NCHW' : 'NHWC',
        filterShape: [kh, kw, cin, cout],
      },
    });
  }
  cases.push({
    name: 'explicit padding [[0,0],[2,1],[0,3],[0,0]], strides 2',
    x: [2, 7, 6, 3],
    dy: [2, 4, 4, 2],
    attrs: {
      strides: 2,
      pad: [
        [0, 0],
        [2, 1],
        [0, 3],
        [0, 0],
      ],
      dataFormat: 'NHWC',
      filterShape: [3, 2, 3, 2],
    },
  });

  for (const [i, c] of cases.entries()) {
    it(`Conv2DBackpropFilter and Conv2DBackpropInput match cpu: ${c.name}`, () => {
      const x = seededTensor(c.x, 10 + i) as Tensor4D;
      const dy = seededTensor(c.dy, 100 + i) as Tensor4D;
      expectWasmMatchesCpu(Conv2DBackpropFilter, { x, dy }, c.attrs, c.attrs.filterShape);
      const filter = seededTensor(c.attrs.filterShape, 200 + i);
      const inputAttrs = { ...c.attrs, inputShape: c.x };
      expectWasmMatchesCpu(Conv2DBackpropInput, { dy, filter }, inputAttrs, c.x);
      filter.dispose();
      x.dispose();
      dy.dispose();
    });
  }

  // Slice, Unpack, SplitV: random ranks 1–6 (the stock kernels are only slow, from rank 5).
  const random4 = new SeededRandom(99);
  const draw = (lo: number, hi: number) => lo + Math.floor(random4.next() * (hi - lo + 1));
  for (let i = 0; i < 12; i++) {
    const rank = 1 + (i % 6);
    const shape = Array.from({ length: rank }, () => draw(1, 5));
    const begin = shape.map((d) => draw(0, d - 1));
    const size = shape.map((d, a) =>
      random4.next() < 0.4 ? d - (begin[a] as number) : draw(1, d - (begin[a] as number)),
    );
    const axis = draw(0, rank - 1);
    const label = `[${shape}] rank ${rank}`;
    it(`Slice, Unpack and SplitV match cpu: ${label}`, () => {
      const x = seededTensor(shape, 700 + i);
      expectWasmMatchesCpu('Slice', { x }, { begin, size }, size);
      const parts = shape.filter((_, a) => a !== axis);
      expectWasmMatchesCpu(
        'Unpack',
        { value: x },
        { axis },
        Array.from({ length: shape[axis] as number }, () => parts),
      );
      const d = shape[axis] as number;
      const first = draw(0, d);
      const splits = first === d ? [d] : [first, d - first];
      const splitShapes = splits.map((n) => shape.map((e, a) => (a === axis ? n : e)));
      expectWasmMatchesCpu('SplitV', { x }, { numOrSizeSplits: splits, axis }, splitShapes);
      x.dispose();
    });
  }

  // Concat: 1–4 inputs of random ranks 1–5 along a random axis, one of them sometimes empty.
  const random5 = new SeededRandom(123);
  const pickConcat = (lo: number, hi: number) => lo + Math.floor(random5.next() * (hi - lo + 1));
  for (let i = 0; i < 10; i++) {
    const rank = 1 + (i % 5);
    const base = Array.from({ length: rank }, () => pickConcat(1, 5));
    const axis = pickConcat(0, rank - 1);
    const count = 1 + (i % 4);
    const shapes = Array.from({ length: count }, (_, j) =>
      base.map((d, a) => (a === axis ? (i % 3 === 0 && j === 1 ? 0 : pickConcat(1, 40)) : d)),
    );
    const outShape = base.map((d, a) => (a === axis ? shapes.reduce((n, s) => n + (s[a] as number), 0) : d));
    it(`Concat matches cpu: ${count} × rank ${rank} along axis ${axis} (${shapes.map((s) => `[${s}]`).join(' ')})`, () => {
      const xs = shapes.map((s, j) => seededTensor(s, 900 + 10 * i + j));
      expectWasmMatchesCpu('Concat', xs as unknown as Record<string, Tensor>, { axis }, outShape);
      for (const x of xs) x.dispose();
    });
  }

  it('Concat keeps int32 values exact', () => {
    const a = tensor([1, 2, 3, 4], [2, 2], 'int32');
    const b = tensor([5, 6], [2, 1], 'int32');
    setBackend('wasm');
    const c = concat([a, b], 1);
    expect(Array.from(c.dataSync())).toEqual([1, 2, 5, 3, 4, 6]);
    expect(c.dtype).toBe('int32');
    for (const t of [a, b, c]) t.dispose();
  });

  it('withStockWasmKernels swaps the speed-only kernels for the call and restores them', async () => {
    const fast = fastConcatConfig.kernelFunc;
    const conv = getKernel('Conv2DBackpropFilter', 'wasm')?.kernelFunc;
    let inside: unknown;
    await withStockWasmKernels(() => {
      inside = getKernel('Concat', 'wasm')?.kernelFunc;
      // The training kernel wasm lacks stays.
      expect(getKernel('Conv2DBackpropFilter', 'wasm')?.kernelFunc).toBe(conv);
    });
    expect(inside).toBeDefined();
    expect(inside).not.toBe(fast);
    expect(getKernel('Concat', 'wasm')?.kernelFunc).toBe(fast);
    await expect(
      withStockWasmKernels(() => {
        throw new Error('inside');
      }),
    ).rejects.toThrow('inside');
    expect(getKernel('Concat', 'wasm')?.kernelFunc).toBe(fast);
    // Same values either way.
    setBackend('wasm');
    const a = seededTensor([2, 3, 4], 5);
    const b = seededTensor([2, 3, 2], 6);
    const joined = (): number[] => tidy(() => Array.from(concat([a, b], -1).dataSync()));
    const before = memory().numTensors;
    const quick = joined();
    const slow = await withStockWasmKernels(joined);
    expect(memory().numTensors).toBe(before);
    expect(slow).toEqual(quick);
    for (const t of [a, b]) t.dispose();
  });

  it('Sum over leading axes (one matMul) and every other reduction (stock kernel) equal the float64 sums', () => {
    const cases: [number[], number[], boolean, number[]][] = [
      [[80, 16, 16, 24], [0, 1, 2], false, [24]],
      [[10, 8, 4, 4, 96], [0, 1, 2, 3], false, [96]],
      [[1, 80, 4, 24], [1, 2], false, [1, 24]],
      [[1, 80, 4, 24], [0, 1, 2], true, [1, 1, 1, 24]],
      [[64, 3, 5], [-3], false, [3, 5]],
      [[3, 80, 24], [1], false, [3, 24]],
      [[80, 24], [1], false, [80]],
      [[80, 24], [0, 1], false, []],
      [[4, 6, 5], [0, 1], false, [5]],
    ];
    cases.forEach(([shape, axis, keepDims, out], i) => {
      const x = seededTensor(shape, 40 + i, 2);
      const values = x.dataSync() as Float32Array;
      // The float64 sum of every output element, and Σ|x| over its inputs (the rounding scale).
      const axes = axis.map((a) => (a < 0 ? a + shape.length : a));
      const kept = shape.map((_, d) => d).filter((d) => !axes.includes(d));
      const size = kept.reduce((n, d) => n * (shape[d] as number), 1);
      const exact = new Float64Array(size);
      const scale = new Float64Array(size);
      const index = new Array<number>(shape.length).fill(0);
      for (const v of values) {
        const o = kept.reduce((acc, d) => acc * (shape[d] as number) + (index[d] as number), 0);
        exact[o] = (exact[o] as number) + v;
        scale[o] = (scale[o] as number) + Math.abs(v);
        for (let d = shape.length - 1; d >= 0; d--) {
          index[d] = (index[d] as number) + 1;
          if ((index[d] as number) < (shape[d] as number)) break;
          index[d] = 0;
        }
      }
      const before = memory().numTensors;
      engine().setBackend('wasm');
      const result = engine().runKernel('Sum', { x }, { axis, keepDims } as never) as Tensor;
      engine().setBackend('cpu');
      expect(result.shape, `case ${i}`).toEqual(out);
      const got = result.dataSync();
      result.dispose();
      expect(memory().numTensors).toBe(before);
      exact.forEach((e, o) => {
        expect(Math.abs((got[o] as number) - e), `case ${i}, element ${o}`).toBeLessThanOrEqual(
          1e-6 * (scale[o] as number) + 1e-6,
        );
      });
      x.dispose();
    });
  });

  it('Slice merges whole inner axes into long runs', () => {
    expect(
      collapseSlice({ shape: [4, 10, 32, 32, 64], begin: [0, 3, 0, 0, 0], size: [4, 1, 32, 32, 64] }),
    ).toEqual({
      shape: [4, 10 * 65536],
      begin: [0, 3 * 65536],
      size: [4, 65536],
    });
    // Nothing to merge when the inner axis is cut.
    expect(collapseSlice({ shape: [3, 4], begin: [1, 1], size: [2, 2] })).toEqual({
      shape: [3, 4],
      begin: [1, 1],
      size: [2, 2],
    });
    // Size-1 axes disappear.
    expect(collapseSlice({ shape: [1, 5, 1, 4], begin: [0, 2, 0, 1], size: [1, 2, 1, 3] })).toEqual({
      shape: [5, 4],
      begin: [2, 1],
      size: [2, 3],
    });
  });

  it('string tensors still slice on wasm (through the stock kernel)', () => {
    engine().setBackend('wasm');
    const t = tensor([
      ['a', 'b', 'c'],
      ['d', 'e', 'f'],
    ]);
    const s1 = slice(t, [0, 1], [2, 2]);
    expect(s1.arraySync()).toEqual([
      ['b', 'c'],
      ['e', 'f'],
    ]);
    const [u0, u1] = unstack(t);
    expect(u1?.arraySync()).toEqual(['d', 'e', 'f']);
    for (const x of [t, s1, u0, u1]) x?.dispose();
    engine().setBackend('cpu');
  });
});
