import '@tensorflow/tfjs-backend-cpu';
import { grad, memory, setBackend, tensor, tidy } from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { tanhViaSigmoid } from '../src/backend.js';

describe('tanh through sigmoid (offered as a backend profile tanh)', () => {
  beforeAll(async () => {
    await setBackend('cpu');
  });

  // Dense near zero (where 2σ(2x) − 1 cancels), plus saturation on both sides.
  const xs = [-30, -8, -2.5, -1, -0.3, -1e-3, -1e-6, 0, 1e-6, 1e-3, 0.3, 1, 2.5, 8, 30];

  it('matches Math.tanh to float32 rounding, and its derivative 1 − tanh²', () => {
    const before = memory().numTensors;
    const [values, slopes] = tidy(() => {
      const x = tensor(xs);
      return [tanhViaSigmoid(x).dataSync(), grad((v) => tanhViaSigmoid(v))(x).dataSync()];
    });
    xs.forEach((x, i) => {
      const t = Math.tanh(x);
      expect(Math.abs((values[i] as number) - t)).toBeLessThan(3e-7);
      expect(Math.abs((slopes[i] as number) - (1 - t * t))).toBeLessThan(3e-7);
    });
    expect(memory().numTensors).toBe(before);
  });
});
