import '@tensorflow/tfjs-backend-cpu';
import { addN, type Scalar, setBackend, square, sum, train, type Variable } from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { ConvLSTMCell } from '../src/index.js';

beforeAll(async () => {
  await setBackend('cpu');
});

function squaredNorm(vars: readonly Variable[]): number {
  return vars.reduce((n, v) => n + (sum(square(v)).dataSync()[0] as number), 0);
}

describe('public weight lists', () => {
  it('are a Variable[] that optimizer.minimize takes as its varList (this file type-checks only then), and training moves them', () => {
    const cell = new ConvLSTMCell({ inChannels: 2, hiddenChannels: 3, kernelSize: 3, seed: 4 });
    const before = squaredNorm(cell.trainableWeights);
    const optimizer = train.sgd(0.1);
    // Weight decay alone: the gradient of Σw² is 2w, so one step scales each weight by 0.8.
    const loss = optimizer.minimize(
      () => addN(cell.trainableWeights.map((w) => sum(square(w)))) as Scalar,
      true,
      cell.trainableWeights,
    );
    expect(loss?.dataSync()[0]).toBeCloseTo(before, 3);
    expect(squaredNorm(cell.trainableWeights)).toBeCloseTo(before * 0.64, 3);
    loss?.dispose();
    optimizer.dispose();
    cell.dispose();
  });

  it('are fresh arrays: changing one changes no cell', () => {
    const cell = new ConvLSTMCell({ inChannels: 1, hiddenChannels: 2, kernelSize: 1, seed: 1 });
    const list = cell.trainableWeights;
    const count = list.length;
    list.pop();
    expect(cell.trainableWeights).toHaveLength(count);
    expect(cell.trainableWeights).not.toBe(cell.trainableWeights);
    cell.dispose();
  });
});
