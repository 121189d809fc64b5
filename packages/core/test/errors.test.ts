import '@tensorflow/tfjs-backend-cpu';
import { memory, ones, setBackend, type Tensor, tensor, zeros } from '@tensorflow/tfjs-core';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ConvLSTM, ConvLSTMArgumentError, ConvLSTMCell } from '../src/index.js';

let before = 0;
const live: Tensor[] = [];
const t = (shape: number[], dtype: 'float32' | 'int32' = 'float32'): Tensor => {
  const x = zeros(shape, dtype);
  live.push(x);
  return x;
};

/** Expects a ConvLSTMArgumentError naming `argument` and mentioning both shapes/values. */
function expectArgError(f: () => unknown, argument: string, expected: RegExp, received: RegExp): void {
  let error: unknown;
  try {
    f();
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(ConvLSTMArgumentError);
  const err = error as ConvLSTMArgumentError;
  expect(err.argument).toBe(argument);
  expect(err.expected).toMatch(expected);
  expect(err.received).toMatch(received);
  expect(err.message).toContain(argument);
}

beforeAll(async () => {
  await setBackend('cpu');
});
beforeEach(() => {
  before = memory().numTensors;
});
afterEach(() => {
  for (const x of live.splice(0)) x.dispose();
  // Every rejected call must leave no tensor behind.
  expect(memory().numTensors).toBe(before);
});

describe('options are validated before any tensor is made', () => {
  it('rejects non-positive and non-integer sizes', () => {
    expectArgError(
      () => new ConvLSTMCell({ inChannels: 2, hiddenChannels: 0, kernelSize: 3 }),
      'options.hiddenChannels',
      /integer >= 1/,
      /^0$/,
    );
    expectArgError(
      () => new ConvLSTMCell({ inChannels: 1.5, hiddenChannels: 2, kernelSize: 3 }),
      'options.inChannels',
      /integer >= 0/,
      /1\.5/,
    );
    expectArgError(
      () => new ConvLSTMCell({ inChannels: 1, hiddenChannels: 2, kernelSize: -3 }),
      'options.kernelSize',
      /positive integer/,
      /-3/,
    );
  });

  it('rejects kernel, stride and dilation tuples of the wrong length', () => {
    expectArgError(
      () => new ConvLSTMCell({ inChannels: 1, hiddenChannels: 2, kernelSize: [3, 3], spatialRank: 3 }),
      'options.kernelSize',
      /3 positive integers/,
      /\[3, 3\]/,
    );
    expectArgError(
      () => new ConvLSTMCell({ inChannels: 1, hiddenChannels: 2, kernelSize: 3, strides: [1, 2, 1] }),
      'options.strides',
      /2 positive integers/,
      /\[1, 2, 1\]/,
    );
    expectArgError(
      () => new ConvLSTMCell({ inChannels: 1, hiddenChannels: 2, kernelSize: 3, dilationRate: [2] }),
      'options.dilationRate',
      /2 positive integers/,
      /\[2\]/,
    );
    expectArgError(
      () =>
        new ConvLSTMCell({ inChannels: 1, hiddenChannels: 2, kernelSize: 3, dilationRate: 2, strides: 2 }),
      'options.dilationRate',
      /strides > 1/,
      /dilationRate/,
    );
  });

  it('rejects unknown options, bad activations, bad rates and mismatched layer lists', () => {
    expectArgError(
      () => new ConvLSTMCell({ inChannels: 1, hiddenChannels: 2, kernelSize: 3, kernal: 3 } as never),
      'options.kernal',
      /known option/,
      /kernal/,
    );
    expectArgError(
      () =>
        new ConvLSTMCell({ inChannels: 1, hiddenChannels: 2, kernelSize: 3, activation: 'gelu' as never }),
      'options.activation',
      /tanh/,
      /gelu/,
    );
    expectArgError(
      () => new ConvLSTM({ inChannels: 1, hiddenChannels: 2, kernelSize: 3, dropout: 1 }),
      'options.dropout',
      /\[0, 1\)/,
      /^1$/,
    );
    expectArgError(
      () => new ConvLSTM({ inChannels: 1, hiddenChannels: [2, 3], numLayers: 3, kernelSize: 3 }),
      'options.hiddenChannels',
      /3 numbers/,
      /\[2, 3\]/,
    );
  });
});

describe('call arguments are checked before any convolution', () => {
  const cell = () => new ConvLSTMCell({ inChannels: 2, hiddenChannels: 3, kernelSize: 3, seed: 1 });

  it('cell.step: wrong rank, wrong channels, wrong dtype', () => {
    const c = cell();
    try {
      expectArgError(
        () => c.step(t([2, 5, 5]) as never),
        'x',
        /\[\?, \?, \?, 2\].*\[N, H, W, C\]/,
        /\[2, 5, 5\]/,
      );
      expectArgError(() => c.step(t([2, 5, 5, 4]) as never), 'x', /\[\?, \?, \?, 2\]/, /\[2, 5, 5, 4\]/);
      expectArgError(() => c.step(t([2, 5, 5, 2], 'int32') as never), 'x', /float32/, /int32/);
      expectArgError(() => c.step('frames' as never), 'x', /tensor/, /"frames"/);
    } finally {
      c.dispose();
    }
  });

  it('cell.step: a state whose batch, channels, spatial size or dtype do not match', () => {
    const c = cell();
    try {
      const x = t([2, 5, 5, 2]);
      expectArgError(
        () => c.step(x as never, { h: t([3, 5, 5, 3]), c: t([2, 5, 5, 3]) } as never),
        'state.h',
        /\[2, 5, 5, 3\]/,
        /\[3, 5, 5, 3\]/,
      );
      expectArgError(
        () => c.step(x as never, { h: t([2, 5, 5, 3]), c: t([2, 5, 5, 4]) } as never),
        'state.c',
        /\[2, 5, 5, 3\]/,
        /\[2, 5, 5, 4\]/,
      );
      expectArgError(
        () => c.step(x as never, { h: t([2, 4, 5, 3]), c: t([2, 5, 5, 3]) } as never),
        'state.h',
        /\[2, 5, 5, 3\]/,
        /\[2, 4, 5, 3\]/,
      );
      expectArgError(
        () => c.step(x as never, { h: t([2, 5, 5, 3], 'int32'), c: t([2, 5, 5, 3]) } as never),
        'state.h',
        /float32/,
        /int32/,
      );
      expectArgError(() => c.step(x as never, [] as never), 'state.h', /tensor/, /undefined/);
    } finally {
      c.dispose();
    }
  });

  it("forward: unknown options and the input-free stack's arguments", () => {
    const layer = new ConvLSTM({ inChannels: 2, hiddenChannels: 3, kernelSize: 3, seed: 1 });
    const xs = t([1, 2, 4, 4, 2]);
    const h = t([1, 4, 4, 3]);
    // The state where a Keras or PyTorch user passes it: refused, naming where it goes.
    expectArgError(
      () => layer.forward(xs as never, { h: [h], c: [h] } as never),
      'options.h',
      /known options: initialState, lengths, training, steps, returnAllLayers/,
      /unknown option "h"/,
    );
    expectArgError(() => layer.forward(xs as never, { steps: 2 }), 'options.steps', /absent/, /2/);
    layer.dispose();
    const free = new ConvLSTM({ inChannels: 0, hiddenChannels: [3, 2], kernelSize: 3, seed: 1 });
    const state = { h: [h, t([1, 4, 4, 2])], c: [h, t([1, 4, 4, 2])] };
    expectArgError(
      () => free.forward(xs as never, { steps: 2, initialState: state }),
      'xs',
      /null/,
      /tensor of shape/,
    );
    expectArgError(
      () => free.forward(null, { initialState: state }),
      'options.steps',
      /number of steps/,
      /undefined/,
    );
    expectArgError(
      () => free.forward(null, { steps: 0, initialState: state }),
      'options.steps',
      /integer/,
      /0/,
    );
    expectArgError(
      () => free.forward(null, { steps: 2 }),
      'options.initialState',
      /starts from a given state/,
      /undefined/,
    );
    expectArgError(
      () => free.forward(null, { steps: 2, initialState: { h: [t([1, 4, 4, 2]), h], c: state.c } }),
      'options.initialState.h[0]',
      /3\]/,
      /2\]/,
    );
    // A second layer's state of the wrong size is named too.
    expectArgError(
      () => free.forward(null, { steps: 2, initialState: { h: [h, h], c: [h, h] } }),
      'options.initialState[1].h',
      /2\]/,
      /3\]/,
    );
    free.dispose();
  });

  it('forward: empty sequence, lengths out of range, initial state of the wrong size', () => {
    const layer = new ConvLSTM({ inChannels: 1, hiddenChannels: [2, 3], kernelSize: 3, seed: 2 });
    try {
      expectArgError(
        () => layer.forward(t([2, 0, 4, 4, 1]) as never),
        'xs',
        /non-empty/,
        /\[2, 0, 4, 4, 1\]/,
      );
      expectArgError(
        () => layer.forward(t([2, 3, 4, 4]) as never),
        'xs',
        /\[N, T, H, W, C\]/,
        /\[2, 3, 4, 4\]/,
      );
      const xs = t([2, 3, 4, 4, 1]);
      expectArgError(
        () => layer.forward(xs as never, { lengths: [3, 4] }),
        'options.lengths[1]',
        /\[0, 3\]/,
        /^4$/,
      );
      expectArgError(
        () => layer.forward(xs as never, { lengths: [3] }),
        'options.lengths',
        /2 integers/,
        /\[3\]/,
      );
      expectArgError(
        () => layer.forward(xs as never, { lengths: [1.5, 2] }),
        'options.lengths[0]',
        /integer/,
        /1\.5/,
      );
      const h = [t([2, 4, 4, 2]), t([2, 4, 4, 2])];
      const c = [t([2, 4, 4, 2]), t([2, 4, 4, 3])];
      expectArgError(
        () => layer.forward(xs as never, { initialState: { h, c } }),
        'options.initialState[1].h',
        /\[2, 4, 4, 3\]/,
        /\[2, 4, 4, 2\]/,
      );
      expectArgError(
        () => layer.forward(xs as never, { initialState: { h: [h[0] as Tensor], c } }),
        'options.initialState',
        /2 tensors each/,
        /object/,
      );
    } finally {
      layer.dispose();
    }
  });

  it('setWeights: wrong count or shape, and nothing is assigned', () => {
    const layer = new ConvLSTM({ inChannels: 1, hiddenChannels: 2, kernelSize: 3, seed: 3 });
    try {
      const original = layer.getWeights();
      live.push(...original);
      expectArgError(() => layer.setWeights(original.slice(1)), 'weights', /6 tensors/, /5 tensors/);
      const bad = [...original.slice(0, 5), t([3])];
      const good = [ones([3, 3, 1, 8]), ...original.slice(1, 5)];
      live.push(good[0] as Tensor);
      expectArgError(() => layer.setWeights([...good, t([3])]), 'weights[5] (peepholeO)', /\[2\]/, /\[3\]/);
      expectArgError(() => layer.setWeights(bad), 'weights[5] (peepholeO)', /\[2\]/, /\[3\]/);
      // The rejected lists were checked whole before any assignment: the kernel is unchanged.
      const after = layer.getWeights();
      live.push(...after);
      expect(Array.from(after[0]?.dataSync() ?? [])).toEqual(Array.from(original[0]?.dataSync() ?? []));
      const cellWeights = layer.allCells[0]?.getWeights() ?? [];
      live.push(...cellWeights);
      const bogus = tensor([1]);
      live.push(bogus);
      expectArgError(
        () => layer.allCells[0]?.setWeights([bogus, ...cellWeights.slice(1)]),
        'weights[0] (kernel)',
        /\[3, 3, 1, 8\]/,
        /\[1\]/,
      );
    } finally {
      layer.dispose();
    }
  });
});
