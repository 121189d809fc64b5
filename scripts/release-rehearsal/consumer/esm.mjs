// A consumer's first program, from ESM: the packages as npm installs them, nothing from the
// workspace. Exits non-zero (with the reason) unless a forward and a training step work.
import { formatBackendReport, useNodeBackend } from '@convlstm/backend-node';
import { ConvLSTM } from '@convlstm/core';
import { EncoderForecaster, MovingMnist, PRESETS, train } from '@convlstm/train';
import { loadMnistDigits } from '@convlstm/train/node';
import * as tf from '@tensorflow/tfjs-core';

const report = await useNodeBackend();
console.log(`esm: ${formatBackendReport(report)}`);
const layer = new ConvLSTM({ inChannels: 1, hiddenChannels: [4], kernelSize: 3, seed: 1 });
const { output } = layer.forward(tf.ones([1, 3, 8, 8, 1]));
if (output.shape.join() !== '1,3,8,8,4') throw new Error(`forward: unexpected shape [${output.shape}]`);
output.dispose();
layer.dispose();

const { train: digits } = loadMnistDigits();
const data = new MovingMnist({ digits, seed: 1 });
const model = new EncoderForecaster({ ...PRESETS['browser-tiny'].options, seed: 1 });
const before = model.getWeights().map((w) => w.dataSync().slice());
const result = await train(model, data, {
  batchSize: 2,
  maxSteps: 1,
  optimizer: { name: 'adam', learningRate: 1e-3 },
});
const after = model.getWeights().map((w) => w.dataSync());
const changed = after.some((w, i) => w.some((v, j) => v !== before[i][j]));
if (result.steps !== 1 || !Number.isFinite(result.lastLoss) || !changed) {
  throw new Error(
    `training step: steps ${result.steps}, loss ${result.lastLoss}, weights changed ${changed}`,
  );
}
console.log(`esm: forward ok, 1 training step on ${tf.getBackend()}: loss ${result.lastLoss.toFixed(4)}`);
