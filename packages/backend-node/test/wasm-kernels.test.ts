import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { SeededRandom } from '@convlstm/core';
import {
  Conv2DBackpropFilter,
  type Conv2DBackpropFilterAttrs,
  Conv3DBackpropFilterV2,
  Conv3DBackpropInputV2,
  engine,
  getKernel,
  memory,
  setBackend,
  type Tensor,
  type Tensor4D,
} from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { registerWasmTrainingKernels, WASM_TRAINING_KERNELS } from '../src/index.js';
import { maxExcess, seededTensor } from './helpers.js';

/** Runs one kernel on `backend` through the engine, as an op would. */
function runOn(
  backend: 'cpu' | 'wasm',
  kernel: string,
  inputs: Record<string, Tensor>,
  attrs: object,
  shape: readonly number[],
): Float32Array {
  const e = engine();
  e.setBackend(backend);
  const out = e.runKernel(kernel, inputs, attrs as never) as Tensor;
  try {
    expect(out.shape).toEqual(shape);
    return out.dataSync() as Float32Array;
  } finally {
    out.dispose();
  }
}

/** Runs `kernel` on cpu and wasm and expects the same values and no leaked tensor. */
function expectWasmMatchesCpu(
  kernel: string,
  inputs: Record<string, Tensor>,
  attrs: object,
  shape: readonly number[],
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
    it(`Conv2DBackpropFilter matches cpu: ${c.name}`, () => {
      const x = seededTensor(c.x, 10 + i) as Tensor4D;
      const dy = seededTensor(c.dy, 100 + i) as Tensor4D;
      expectWasmMatchesCpu(Conv2DBackpropFilter, { x, dy }, c.attrs, c.attrs.filterShape);
      x.dispose();
      dy.dispose();
    });
  }
});
