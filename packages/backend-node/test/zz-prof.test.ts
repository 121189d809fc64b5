import '@tensorflow/tfjs-core';
import { ConvLSTM } from '@convlstm/core';
import * as tf from '@tensorflow/tfjs-core';
import { it } from 'vitest';
import { useNodeBackend } from '../src/index.js';
import { seededTensor } from './helpers.js';

it('prof', async () => {
  await useNodeBackend({ backend: 'wasm' });
  const lstm = new ConvLSTM({ inChannels: 8, hiddenChannels: 16, kernelSize: 3, seed: 1 });
  const xs = seededTensor([4, 10, 32, 32, 8], 2) as tf.Tensor5D;
  const f = () => tf.variableGrads(() => tf.mean(tf.square(lstm.forward(xs).output)) as tf.Scalar);
  let s = performance.now();
  f();
  console.log('step1', performance.now() - s);
  s = performance.now();
  f();
  console.log('step2', performance.now() - s);
  const info = await tf.profile(() => {
    const r = f();
    return [r.value, ...Object.values(r.grads)];
  });
  const by = new Map<string, [number, number]>();
  for (const k of info.kernels) {
    const e = by.get(k.name) ?? [0, 0];
    e[0] += k.kernelTimeMs as number;
    e[1]++;
    by.set(k.name, e);
  }
  console.log(
    [...by]
      .sort((a, b) => b[1][0] - a[1][0])
      .slice(0, 16)
      .map(([n, [ms, c]]) => `${n} ${ms.toFixed(0)}ms x${c}`)
      .join('\n'),
  );
}, 300000);
