#!/usr/bin/env node
// The shortest useful program: build a 2-layer ConvLSTM, run a forward pass and one
// training step on the best backend present, and print what happened.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
// Training needs tfjs-core's gradients; in Node they come with @tensorflow/tfjs (or with
// @convlstm/backend-node, which also picks the fastest backend).
import '@tensorflow/tfjs';
import { ConvLSTM } from '@convlstm/core';

await tf.setBackend('cpu');
const layer = new ConvLSTM({ inChannels: 1, hiddenChannels: [8, 8], kernelSize: 3, seed: 42 });
const xs = tf.randomUniform([2, 5, 16, 16, 1], 0, 1, 'float32', 1);
const target = tf.randomUniform([2, 5, 16, 16, 8], 0, 1, 'float32', 2);
const { output, h } = layer.forward(xs);
console.log(
  `backend ${tf.getBackend()}: output [${output.shape}], ${h.length} layers of state [${h[0].shape}]`,
);
const optimizer = tf.train.adam(1e-2);
for (let step = 1; step <= 3; step++) {
  const loss = optimizer.minimize(
    () => tf.losses.meanSquaredError(target, layer.forward(xs).output),
    true,
    layer.trainableWeights,
  );
  console.log(`step ${step}: loss ${loss.dataSync()[0].toFixed(5)}`);
  loss.dispose();
}
console.log(`${layer.numParams} parameters; tensors alive: ${tf.memory().numTensors}`);
