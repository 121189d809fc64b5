import { createRequire } from 'node:module';
import '@tensorflow/tfjs-core';
import { ConvLSTM } from '@convlstm/core';
import {
  cast,
  conv2d,
  conv3d,
  engine,
  getGradient,
  getKernel,
  mean,
  memory,
  registerKernel,
  type Scalar,
  square,
  type Tensor,
  type Tensor4D,
  type Tensor5D,
  tensor,
  unregisterKernel,
  variableGrads,
} from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { maxExcess, seededTensor } from '../../backend-wasm/test/helpers.js';
import { useNodeBackend } from '../src/index.js';
import { nativeAddonProblem } from './native-addon.js';

const problem = nativeAddonProblem();
if (problem !== null) console.log(`[skip] native tensorflow backend: ${problem}`);

/** What this file reads from tfjs-node's own module (it re-exports all of TF.js). */
interface TfjsNodeApi {
  engine(): unknown;
  getKernel(name: string, backend: string): unknown;
  getGradient(name: string): unknown;
}

function on<T>(backend: 'cpu' | 'tensorflow', f: () => T): T {
  engine().setBackend(backend);
  return f();
}

describe.skipIf(problem !== null)('the native tensorflow backend', () => {
  let tfnode: TfjsNodeApi;
  beforeAll(async () => {
    const report = await useNodeBackend({ backend: 'tensorflow' });
    expect(report.native).toEqual({ gpuPackage: false, usingGpuDevice: false });
    tfnode = createRequire(import.meta.url)('@tensorflow/tfjs-node') as TfjsNodeApi;
  });

  it('a Cast to the same dtype shares the data (no TensorFlow copy); other casts convert', () => {
    const x = tensor([1.5, -2.25, 3], [3], 'float32');
    const before = memory().numTensors;
    const buffers = memory().numDataBuffers;
    const same = cast(x, 'float32');
    // A new tensor on the same data: no buffer allocated, and each outlives the other's disposal.
    expect(memory().numDataBuffers).toBe(buffers);
    expect(same.dataId).toBe(x.dataId);
    x.dispose();
    expect([...same.dataSync()]).toEqual([1.5, -2.25, 3]);
    const ints = cast(same, 'int32');
    expect(ints.dtype).toBe('int32');
    expect([...ints.dataSync()]).toEqual([1, -2, 3]);
    same.dispose();
    ints.dispose();
    expect(memory().numTensors).toBe(before - 1);
  });

  it('shares one engine and one kernel/gradient registry with our tfjs-core', () => {
    expect(tfnode.engine()).toBe(engine());
    // tfjs-node's native kernels are visible through our tfjs-core...
    expect(getKernel('Conv2D', 'tensorflow')).toBe(tfnode.getKernel('Conv2D', 'tensorflow'));
    // ...core's gradients through tfjs-node's copy of the API...
    expect(tfnode.getGradient('Conv2D')).toBe(getGradient('Conv2D'));
    // ...and a kernel registered here is seen there.
    const probe = {
      kernelName: 'ConvLSTMRegistryProbe',
      backendName: 'tensorflow',
      kernelFunc: () => ({}) as never,
    };
    registerKernel(probe);
    try {
      expect(tfnode.getKernel('ConvLSTMRegistryProbe', 'tensorflow')).toBe(probe);
    } finally {
      unregisterKernel('ConvLSTMRegistryProbe', 'tensorflow');
    }
  });

  it('conv2d and conv3d match the cpu backend (strides, same/valid, dilation)', () => {
    const x = seededTensor([2, 9, 8, 3], 1) as Tensor4D;
    const k = seededTensor([3, 3, 3, 5], 2) as Tensor4D;
    for (const [strides, pad, dilation] of [
      [1, 'same', 1],
      [2, 'same', 1],
      [2, 'valid', 1],
      [1, 'same', 2],
      [1, 'valid', 2],
    ] as const) {
      const run = () => {
        const y = conv2d(x, k, strides, pad, 'NHWC', dilation);
        const v = y.dataSync();
        y.dispose();
        return v;
      };
      expect(
        maxExcess(on('tensorflow', run), on('cpu', run), 1e-5),
        `${strides} ${pad} ${dilation}`,
      ).toBeLessThan(1e-5);
    }
    const x3 = seededTensor([1, 5, 6, 6, 2], 3) as Tensor5D;
    const k3 = seededTensor([3, 3, 3, 2, 4], 4) as Tensor5D;
    const run3 = () => conv3d(x3, k3, [1, 2, 2], 'same').dataSync();
    expect(maxExcess(on('tensorflow', run3), on('cpu', run3), 1e-5)).toBeLessThan(1e-5);
    for (const t of [x, k, x3, k3]) t.dispose();
  });

  it('a ConvLSTM training step gives the same gradients as cpu', () => {
    const lstm = new ConvLSTM({
      inChannels: 2,
      hiddenChannels: [4, 3],
      kernelSize: 3,
      numLayers: 2,
      seed: 5,
    });
    const xs = seededTensor([2, 3, 7, 6, 2], 6) as Tensor5D;
    const grads = (backend: 'cpu' | 'tensorflow') =>
      on(backend, () => {
        const { grads: g } = variableGrads(() => mean(square(lstm.forward(xs).output)) as Scalar);
        const out = new Map(Object.entries(g).map(([n, t]: [string, Tensor]) => [n, t.dataSync()]));
        for (const t of Object.values(g)) t.dispose();
        return out;
      });
    const expected = grads('cpu');
    const actual = grads('tensorflow');
    expect(expected.size).toBe(lstm.trainableWeights.length);
    for (const [name, e] of expected) {
      expect(maxExcess(actual.get(name) ?? [], e, 1e-3), name).toBeLessThanOrEqual(1e-4);
    }
    lstm.dispose();
    xs.dispose();
  });
});
