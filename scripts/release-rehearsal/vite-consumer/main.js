// A consumer's page, built by a Vite project with no configuration: the backend as the
// browser allows (check-page.mjs hides WebGPU and WebGL, so wasm), then a few training steps
// of a tiny ConvLSTM that reconstructs its input. The outcome lands on window.__result.
import { useWebGPUBackend } from '@convlstm/backend-webgpu';
import { ConvLSTM } from '@convlstm/core';
import * as tf from '@tensorflow/tfjs-core';

const STEPS = 5;

async function main() {
  const report = await useWebGPUBackend();
  const layer = new ConvLSTM({ inChannels: 1, hiddenChannels: [4], kernelSize: 3, seed: 1 });
  const head = tf.variable(tf.randomNormal([1, 1, 4, 1], 0, 0.3, 'float32', 2));
  const xs = tf.randomUniform([2, 4, 8, 8, 1], 0, 1, 'float32', 3); // [N, T, H, W, C]
  const target = tf.reshape(xs, [8, 8, 8, 1]);
  const vars = [...layer.trainableWeights, head];
  const before = vars.map((v) => v.dataSync().slice());
  const optimizer = tf.train.adam(0.05);
  const losses = [];
  for (let step = 0; step < STEPS; step++) {
    const loss = optimizer.minimize(
      () => {
        const { output } = layer.forward(xs);
        const frames = tf.reshape(output, [8, 8, 8, 4]);
        return tf.losses.meanSquaredError(target, tf.conv2d(frames, head, 1, 'same'));
      },
      true,
      vars,
    );
    losses.push((await loss.data())[0]);
    loss.dispose();
  }
  const changed = vars.some((v, i) => v.dataSync().some((x, j) => x !== before[i][j]));
  return { backend: tf.getBackend(), report, losses, changed };
}

main().then(
  (result) => {
    window.__result = result;
    document.getElementById('out').textContent = JSON.stringify(result, null, 2);
  },
  (error) => {
    window.__result = { error: String(error?.stack ?? error) };
    document.getElementById('out').textContent = window.__result.error;
  },
);
