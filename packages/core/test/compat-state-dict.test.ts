import '@tensorflow/tfjs-backend-cpu';
import { memory, setBackend } from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  ConvLSTM,
  loadStateDict,
  readTorchLayers,
  stateDict,
  writeTorchLayers,
} from '../src/compat/index.js';

beforeAll(async () => {
  await setBackend('cpu');
});

describe('PyTorch state-dict layout', () => {
  it('splits one [4C, Cin + C, kh, kw] convolution into the core kernels, gates i, f, o, g → i, f, c, o (hand table)', () => {
    // Cin = 1, C = 1, 1×1 kernel: rows are the gates i, f, o, g; columns input x, then hidden h.
    const weight = { shape: [4, 2, 1, 1], data: Float32Array.from([11, 12, 21, 22, 31, 32, 41, 42]) };
    const bias = { shape: [4], data: Float32Array.from([1, 2, 3, 4]) };
    const [layer] = readTorchLayers({ 'cell_list.0.conv.weight': weight, 'cell_list.0.conv.bias': bias });
    expect(Array.from(layer?.kernel ?? [])).toEqual([11, 21, 41, 31]);
    expect(Array.from(layer?.recurrentKernel ?? [])).toEqual([12, 22, 42, 32]);
    expect(Array.from(layer?.bias ?? [])).toEqual([1, 2, 4, 3]);
    const back = writeTorchLayers(layer === undefined ? [] : [layer]);
    expect(Array.from(back['cell_list.0.conv.weight']?.data ?? [])).toEqual(Array.from(weight.data));
    expect(Array.from(back['cell_list.0.conv.bias']?.data ?? [])).toEqual(Array.from(bias.data));
  });

  it('places kernel taps by (ky, kx) and channels by input-then-hidden (Cin = 2, C = 1, 1×2 kernel)', () => {
    // value = 100·gate + 10·channel + kx, with channels x0, x1, h0.
    const data = new Float32Array(4 * 3 * 2);
    for (let g = 0; g < 4; g++)
      for (let ch = 0; ch < 3; ch++)
        for (let x = 0; x < 2; x++) data[(g * 3 + ch) * 2 + x] = 100 * g + 10 * ch + x;
    const [layer] = readTorchLayers({ 'cell_list.0.conv.weight': { shape: [4, 3, 1, 2], data } });
    // core kernel [1, 2, 2, 4]: (kx, cin, gate) with gates i, f, c(=torch 3), o(=torch 2)
    expect(Array.from(layer?.kernel ?? [])).toEqual([
      0, 100, 300, 200, 10, 110, 310, 210, 1, 101, 301, 201, 11, 111, 311, 211,
    ]);
    expect(Array.from(layer?.recurrentKernel ?? [])).toEqual([20, 120, 320, 220, 21, 121, 321, 221]);
    expect(layer?.bias).toBeNull();
  });

  it('stateDict → loadStateDict round trips exactly, peepholes under w_ci/w_cf/w_co, with a prefix', () => {
    const a = new ConvLSTM(
      2,
      [3, 2],
      [
        [3, 3],
        [1, 3],
      ],
      2,
      true,
      true,
      false,
      { peephole: true, seed: 4 },
    );
    const b = new ConvLSTM(
      2,
      [3, 2],
      [
        [3, 3],
        [1, 3],
      ],
      2,
      true,
      true,
      false,
      { peephole: true, seed: 5 },
    );
    const dict = stateDict(a, { prefix: 'enc.' });
    expect(Object.keys(dict)).toEqual([
      'enc.cell_list.0.conv.weight',
      'enc.cell_list.0.conv.bias',
      'enc.cell_list.0.w_ci',
      'enc.cell_list.0.w_cf',
      'enc.cell_list.0.w_co',
      'enc.cell_list.1.conv.weight',
      'enc.cell_list.1.conv.bias',
      'enc.cell_list.1.w_ci',
      'enc.cell_list.1.w_cf',
      'enc.cell_list.1.w_co',
    ]);
    expect(dict['enc.cell_list.1.conv.weight']?.shape).toEqual([8, 5, 1, 3]);
    const before = memory().numTensors;
    loadStateDict(
      b,
      { ...dict, 'head.weight': { shape: [1], data: new Float32Array(1) } },
      { prefix: 'enc.' },
    );
    expect(memory().numTensors).toBe(before);
    const wa = a.getWeights();
    const wb = b.getWeights();
    wa.forEach((t, i) => {
      expect(Array.from(wb[i]?.dataSync() ?? [])).toEqual(Array.from(t.dataSync()));
    });
    for (const t of [...wa, ...wb]) t.dispose();
    expect(() => loadStateDict(b, dict)).toThrow(/missing cell_list\.0\.conv\.weight/);
    a.dispose();
    b.dispose();
  });
});
