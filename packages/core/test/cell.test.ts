import '@tensorflow/tfjs-backend-cpu';
import { memory, setBackend, zeros } from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { ConvLSTMCell } from '../src/index.js';
import { initialize, SeededRandom } from '../src/internal.js';

beforeAll(async () => {
  await setBackend('cpu');
});

describe('weights', () => {
  it('follow the Keras ConvLSTM2D layout and count', () => {
    const cell = new ConvLSTMCell({
      inChannels: 3,
      hiddenChannels: 5,
      kernelSize: [3, 2],
      recurrentKernelSize: 1,
      seed: 1,
    });
    expect(cell.weightSpecs.map((s) => [s.name, s.shape])).toEqual([
      ['kernel', [3, 2, 3, 20]],
      ['recurrentKernel', [1, 1, 5, 20]],
      ['bias', [20]],
      ['peepholeI', [5]],
      ['peepholeF', [5]],
      ['peepholeO', [5]],
    ]);
    expect(cell.numParams).toBe(3 * 2 * 3 * 20 + 5 * 20 + 20 + 15);
    cell.dispose();
  });

  it('are seeded and initialise the forget-gate bias to 1 (unitForgetBias)', () => {
    const a = new ConvLSTMCell({ inChannels: 2, hiddenChannels: 4, kernelSize: 3, seed: 7 });
    const b = new ConvLSTMCell({ inChannels: 2, hiddenChannels: 4, kernelSize: 3, seed: 7 });
    const c = new ConvLSTMCell({ inChannels: 2, hiddenChannels: 4, kernelSize: 3, seed: 8 });
    const [ka, , biasA] = a.getWeights();
    const [kb] = b.getWeights();
    const [kc] = c.getWeights();
    expect(Array.from(ka?.dataSync() ?? [])).toEqual(Array.from(kb?.dataSync() ?? []));
    expect(Array.from(ka?.dataSync() ?? [])).not.toEqual(Array.from(kc?.dataSync() ?? []));
    expect(Array.from(biasA?.dataSync() ?? [])).toEqual([0, 0, 0, 0, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0]);
    for (const x of [...a.getWeights(), ...b.getWeights(), ka, kb, kc, biasA]) x?.dispose();
    for (const x of [a, b, c]) x.dispose();
  });

  it('orthogonal init has orthonormal columns; glorotUniform stays within its limit', () => {
    const shape = [3, 3, 4, 8]; // 36 x 8: columns orthonormal
    const q = initialize('orthogonal', shape, new SeededRandom(1));
    for (let a = 0; a < 8; a++) {
      for (let b = 0; b < 8; b++) {
        let dot = 0;
        for (let r = 0; r < 36; r++) dot += (q[r * 8 + a] as number) * (q[r * 8 + b] as number);
        expect(dot).toBeCloseTo(a === b ? 1 : 0, 5);
      }
    }
    const g = initialize('glorotUniform', shape, new SeededRandom(2));
    const limit = Math.sqrt(6 / (4 * 9 + 8 * 9));
    expect(Math.max(...g.map(Math.abs))).toBeLessThanOrEqual(limit);
    expect(Math.max(...g.map(Math.abs))).toBeGreaterThan(0.9 * limit);
  });
});

describe('input-free cell (the forecaster first layer)', () => {
  it('steps from its state alone and rejects an input', () => {
    const cell = new ConvLSTMCell({ inChannels: 0, hiddenChannels: 3, kernelSize: 3, seed: 1 });
    expect(cell.weightSpecs[0]?.name).toBe('recurrentKernel');
    const h = zeros([1, 4, 4, 3]);
    const c = zeros([1, 4, 4, 3]);
    const before = memory().numTensors;
    const next = cell.step(null, { h, c } as never);
    expect(next.h.shape).toEqual([1, 4, 4, 3]);
    // With zero state and zero peepholes, c' = σ(b_i)·tanh(b_c) = 0.5·tanh(0) = 0.
    expect(Math.max(...Array.from(next.c.dataSync()).map(Math.abs))).toBe(0);
    next.h.dispose();
    next.c.dispose();
    expect(memory().numTensors).toBe(before);
    expect(() => cell.step(h as never, { h, c } as never)).toThrow(/inChannels = 0/);
    expect(() => cell.step(null)).toThrow(/input-free/);
    for (const x of [h, c, cell]) x.dispose();
  });
});
