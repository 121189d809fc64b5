import '@tensorflow/tfjs-backend-cpu';
import {
  concat,
  conv2d,
  grads,
  memory,
  mul,
  reshape,
  setBackend,
  sum,
  type Tensor,
  type Tensor4D,
  tensor,
  tidy,
  unstack,
} from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
// The package entry registers TF.js gradients (tfjs-core's Node build does not).
import '../src/index.js';
import { randomValues } from '../src/testing/index.js';
import { winogradConv2d, winogradPlan } from '../src/winograd.js';

function rand(shape: number[], seed: number): Tensor {
  return tensor(
    randomValues(
      shape.reduce((a, b) => a * b, 1),
      seed,
    ),
    shape,
  );
}

/** Hand-written 1-D correlation `y_j = Σ_k d_{j+k} g_k`, the identity F(m, r) must reproduce. */
function correlate(d: number[], g: number[], m: number): number[] {
  return Array.from({ length: m }, (_, j) => g.reduce((acc, gk, k) => acc + (d[j + k] as number) * gk, 0));
}

describe('Winograd F(m, r)', () => {
  beforeAll(async () => {
    await setBackend('cpu');
  });

  for (const [m, r] of [
    [2, 3],
    [4, 3],
    [2, 5],
    [3, 2],
    [2, 7],
  ] as const) {
    it(`F(${m}, ${r}) transforms reproduce 1-D correlation`, () => {
      const plan = winogradPlan(m, r);
      const d = Array.from(randomValues(plan.alpha, 10 + m * r));
      const g = Array.from(randomValues(r, 20 + m * r));
      const gg = plan.g.map((row) => row.reduce((acc, x, k) => acc + x * (g[k] as number), 0));
      const bd = plan.bt.map((row) => row.reduce((acc, x, k) => acc + x * (d[k] as number), 0));
      const y = plan.at.map((row) =>
        row.reduce((acc, x, k) => acc + x * (gg[k] as number) * (bd[k] as number), 0),
      );
      const expected = correlate(d, g, m);
      y.forEach((v, j) => {
        expect(v).toBeCloseTo(expected[j] as number, 10);
      });
    });
  }

  const cases: [string, number, number, number[], number, number][] = [
    // name, m, r, x shape, Cout, groups
    ['F(2,5) 8×8, 4 groups', 2, 5, [2, 8, 8, 3], 8, 4],
    ['F(2,5) odd 7×5 (ragged tiles)', 2, 5, [1, 7, 5, 2], 3, 1],
    ['F(4,3) 9×6, 2 groups', 4, 3, [2, 9, 6, 4], 6, 2],
    ['F(3,2) even kernel', 3, 2, [1, 5, 7, 2], 2, 1],
  ];
  for (const [name, m, r, shape, cout, groups] of cases) {
    it(`${name}: values and gradients equal the direct "same" convolution`, () => {
      const before = memory().numTensors;
      const plan = winogradPlan(m, r);
      const x = rand(shape, 1);
      const k = rand([r, r, shape[3] as number, cout], 2);
      // A weighted sum, so every output position and channel carries its own gradient.
      const weights = rand([...shape.slice(0, 3), cout], 3);
      tidy(() => {
        const direct = (a: Tensor, b: Tensor): Tensor => conv2d(a as Tensor4D, b as Tensor4D, 1, 'same');
        const wino = (a: Tensor, b: Tensor): Tensor => {
          const y = winogradConv2d(a, b, plan, groups);
          // (tfjs-core's Unpack gradient fails on a size-1 axis, so one group is reshaped.)
          const parts = groups === 1 ? [reshape(y, y.shape.slice(1))] : unstack(y);
          // Back to [N, H, W, Cout] by concatenating the groups along channels.
          return concat(parts, -1);
        };
        const a = direct(x, k).arraySync();
        const b = wino(x, k);
        expect(b.shape).toEqual([...shape.slice(0, 3), cout]);
        const flatA = (a as number[][][][]).flat(3);
        const flatB = (b.arraySync() as number[][][][]).flat(3);
        flatA.forEach((v, i) => {
          expect(Math.abs(v - (flatB[i] as number))).toBeLessThan(2e-5 * Math.max(1, Math.abs(v)));
        });
        const [gx1, gk1] = grads((p: Tensor, q: Tensor) => sum(mul(direct(p, q), weights)))([x, k]);
        const [gx2, gk2] = grads((p: Tensor, q: Tensor) => sum(mul(wino(p, q), weights)))([x, k]);
        const close = (u: Tensor, v: Tensor): void => {
          const du = u.dataSync();
          const dv = v.dataSync();
          du.forEach((val, i) => {
            expect(Math.abs(val - (dv[i] as number))).toBeLessThan(1e-4);
          });
        };
        close(gx1 as Tensor, gx2 as Tensor);
        close(gk1 as Tensor, gk2 as Tensor);
      });
      for (const t of [x, k, weights]) t.dispose();
      expect(memory().numTensors).toBe(before);
    });
  }
});
