import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { ConvLSTM, type ConvLSTMOptions } from '@convlstm/core';
import { CONVLSTM_GATES } from '@convlstm/core/backend';
import {
  abs,
  add,
  addN,
  conv2d,
  depthToSpace,
  dispose,
  engine,
  getKernel,
  log,
  losses,
  maximum,
  mean,
  mul,
  neg,
  type Optimizer,
  profile,
  reshape,
  type Scalar,
  setBackend,
  sigmoid,
  softplus,
  square,
  sub,
  type Tensor,
  type Tensor4D,
  type Tensor5D,
  tidy,
  train,
  transpose,
  variable,
  variableGrads,
} from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { registerWasmInferenceKernels, registerWasmTrainingKernels } from '../src/index.js';
import { maxExcess, seededTensor } from './helpers.js';

type Backend = 'cpu' | 'wasm';

/** Gradients of `loss` w.r.t. every trainable variable it reads, computed on `backend`. */
function gradsOn(backend: Backend, loss: () => Scalar): Map<string, Float32Array> {
  engine().setBackend(backend);
  const { value, grads } = variableGrads(loss);
  const out = new Map<string, Float32Array>([['loss', value.dataSync() as Float32Array]]);
  for (const [name, g] of Object.entries(grads)) out.set(name, g.dataSync() as Float32Array);
  value.dispose();
  for (const g of Object.values(grads)) g.dispose();
  return out;
}

function expectSameGrads(actual: Map<string, Float32Array>, expected: Map<string, Float32Array>): void {
  expect([...actual.keys()].sort()).toEqual([...expected.keys()].sort());
  for (const [name, e] of expected) {
    const excess = maxExcess(actual.get(name) as Float32Array, e, 1e-3);
    expect(excess, `${name}: |wasm - cpu| beyond 1e-4 + 1e-3·|cpu|`).toBeLessThanOrEqual(1e-4);
  }
}

const LAYERS: { name: string; options: ConvLSTMOptions; spatial: number[] }[] = [
  {
    name: '1-D, peepholes',
    options: { inChannels: 2, hiddenChannels: 3, kernelSize: 3, spatialRank: 1 },
    spatial: [9],
  },
  {
    name: '1-D dilated, bidirectional',
    options: {
      inChannels: 2,
      hiddenChannels: 3,
      kernelSize: 3,
      spatialRank: 1,
      dilationRate: 2,
      bidirectional: true,
    },
    spatial: [9],
  },
  {
    name: '2-D, 2 layers, strides 2, peepholes',
    options: { inChannels: 3, hiddenChannels: [4, 3], kernelSize: 3, numLayers: 2, strides: 2 },
    spatial: [7, 6],
  },
  {
    name: '2-D dilated, no peepholes, 3x2 kernel, 1x1 recurrent',
    options: {
      inChannels: 2,
      hiddenChannels: 4,
      kernelSize: [3, 2],
      recurrentKernelSize: 1,
      dilationRate: 2,
      peephole: false,
    },
    spatial: [6, 6],
  },
  {
    name: '3-D, strides [1,2,2], peepholes',
    options: { inChannels: 2, hiddenChannels: 3, kernelSize: 3, spatialRank: 3, strides: [1, 2, 2] },
    spatial: [3, 5, 4],
  },
];

describe('a ConvLSTM training step on wasm equals cpu', () => {
  beforeAll(async () => {
    registerWasmTrainingKernels();
    registerWasmInferenceKernels();
    expect(await setBackend('wasm')).toBe(true);
    expect(getKernel('Conv2DBackpropFilter', 'wasm')).toBeDefined();
    expect(await setBackend('cpu')).toBe(true);
  });

  for (const [i, layer] of LAYERS.entries()) {
    it(`forward + variableGrads: ${layer.name}`, () => {
      const lstm = new ConvLSTM<1 | 2 | 3>({ ...layer.options, seed: 7 + i });
      const xs = seededTensor([2, 3, ...layer.spatial, layer.options.inChannels], 50 + i);
      const target = lstm.forward(xs as never).output;
      const t = tidy(() => seededTensor(target.shape, 90 + i, 0.5));
      target.dispose();
      const loss = () => mean(square(sub(lstm.forward(xs as never).output, t))) as Scalar;
      const expected = gradsOn('cpu', loss);
      const actual = gradsOn('wasm', loss);
      expect(expected.size).toBe(lstm.trainableWeights.length + 1);
      expectSameGrads(actual, expected);
      lstm.dispose();
      xs.dispose();
      t.dispose();
    });
  }

  it('inference runs one gate kernel per step, and a step under a gradient tape runs TF.js ops', async () => {
    engine().setBackend('wasm');
    const lstm = new ConvLSTM<2>({ inChannels: 2, hiddenChannels: 3, kernelSize: 3, seed: 4 });
    const xs = seededTensor([1, 3, 5, 5, 2], 12) as Tensor5D;
    // Kernel names copied at once: tf.profile reuses its result object between calls.
    const kernelsOf = async (f: () => Tensor): Promise<string[]> => {
      const info = await profile(f);
      const names = info.kernels.map((k) => k.name);
      dispose(info.result as Tensor);
      return names;
    };
    const count = (names: string[], kernel: string): number => names.filter((n) => n === kernel).length;
    try {
      const inference = await kernelsOf(() => {
        const { output, h, c } = lstm.forward(xs);
        dispose([...h, ...c]);
        return output;
      });
      // Each of the 3 steps' gate arithmetic is one kernel, whatever schedule 'auto' picked.
      expect(count(inference, CONVLSTM_GATES)).toBe(3);
      expect(count(inference, 'Sigmoid')).toBe(0);
      expect(count(inference, 'Tanh')).toBe(0);
      const taped = await kernelsOf(() => {
        const { value, grads } = variableGrads(() => mean(lstm.forward(xs).output) as Scalar);
        dispose(Object.values(grads));
        return value;
      });
      // The kernel has no gradient: under a tape the gates are TF.js ops.
      expect(count(taped, CONVLSTM_GATES)).toBe(0);
      expect(count(taped, 'Sigmoid')).toBeGreaterThanOrEqual(3 * 3);
    } finally {
      lstm.dispose();
      xs.dispose();
      engine().setBackend('cpu');
    }
  });

  const optimizers: { name: string; make: () => Optimizer }[] = [
    { name: 'Adam', make: () => train.adam(0.01) },
    { name: 'RMSProp', make: () => train.rmsprop(0.01, 0.9, 0.1) },
  ];
  for (const opt of optimizers) {
    it(`two ${opt.name} steps give the same weights`, () => {
      const weightsAfter = (backend: Backend): Float32Array[] => {
        engine().setBackend(backend);
        const lstm = new ConvLSTM<2>({ inChannels: 2, hiddenChannels: 3, kernelSize: 3, seed: 3 });
        const xs = seededTensor([2, 3, 5, 5, 2], 8) as Tensor5D;
        const optimizer = opt.make();
        for (let s = 0; s < 2; s++) {
          optimizer.minimize(() => mean(square(lstm.forward(xs).output)) as Scalar);
        }
        const out = lstm.trainableWeights.map((w) => w.dataSync() as Float32Array);
        optimizer.dispose();
        lstm.dispose();
        xs.dispose();
        return out;
      };
      const expected = weightsAfter('cpu');
      const actual = weightsAfter('wasm');
      expect(actual.length).toBe(expected.length);
      expected.forEach((e, k) => {
        expect(maxExcess(actual[k] as Float32Array, e, 1e-3), `weight ${k}`).toBeLessThanOrEqual(1e-4);
      });
    });
  }

  it('the training package ops: sigmoid cross-entropy pieces, 1x1 conv, depth-to-space reshape', () => {
    const x = variable(seededTensor([2, 4, 4, 8], 1), true, 'x');
    const w = variable(seededTensor([1, 1, 8, 4], 2), true, 'w1x1');
    const labels = tidy(() => sigmoid(seededTensor([2, 8, 8, 1], 3, 3)));
    // log σ(s) is written as -softplus(-s): tf.logSigmoid's gradient (TF.js 4.22) fails on
    // every backend when its input is not a variable ("Cannot read properties of undefined").
    const loss = (): Scalar => {
      const y = conv2d(x as Tensor4D, w as Tensor4D, 1, 'same');
      // depth-to-space (block 2) as reshape + transpose: differentiable, unlike tf.depthToSpace.
      const s = reshape(transpose(reshape(y, [2, 4, 4, 2, 2, 1]), [0, 1, 3, 2, 4, 5]), [2, 8, 8, 1]);
      const p = sigmoid(s);
      const manual = mean(
        sub(softplus(s), mul(labels, s)), // stable binary cross-entropy with logits
      );
      const viaLog = mean(
        add(mul(labels, log(add(p, 1e-6))), mul(sub(1, labels), log(add(sub(1, p), 1e-6)))),
      );
      const viaLogSigmoid = mean(abs(sub(neg(softplus(neg(s))), maximum(s, 0))));
      return addN([manual, viaLog, viaLogSigmoid, losses.sigmoidCrossEntropy(labels, s)]) as Scalar;
    };
    const expected = gradsOn('cpu', loss);
    const actual = gradsOn('wasm', loss);
    expectSameGrads(actual, expected);
    // The forward-only op, for the record: wasm has DepthToSpace.
    const d = depthToSpace(x as Tensor4D, 2) as Tensor;
    expect(d.shape).toEqual([2, 8, 8, 2]);
    for (const t of [d, x, w, labels]) t.dispose();
  });
});
