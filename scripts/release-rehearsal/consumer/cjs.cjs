// The same program from CommonJS (require), as an older Node service would load the packages.
const { formatBackendReport, useNodeBackend } = require('@convlstm/backend-node');
const { ConvLSTM } = require('@convlstm/core');
const { getBackendProfile } = require('@convlstm/core/backend');
const { EncoderForecaster, MovingMnist, PRESETS, train } = require('@convlstm/train');
const { loadMnistDigits } = require('@convlstm/train/node');
const tf = require('@tensorflow/tfjs-core');

async function main() {
  const report = await useNodeBackend();
  console.log(`cjs: ${formatBackendReport(report)}`);
  // The backend package registered its profile (wasm, native CPU) through its own require of the
  // core's `./backend` entry: this entry must read the same registry as the one `ConvLSTM` reads.
  const profiled =
    report.backend === 'wasm' || (report.backend === 'tensorflow' && !report.native?.usingGpuDevice);
  if (profiled && Object.keys(getBackendProfile(report.backend)).length === 0) {
    throw new Error(`no backend profile for ${report.backend} as seen from CJS @convlstm/core/backend`);
  }
  const layer = new ConvLSTM({ inChannels: 1, hiddenChannels: [4], kernelSize: 3, seed: 1 });
  const { output } = layer.forward(tf.ones([1, 3, 8, 8, 1]));
  if (output.shape.join() !== '1,3,8,8,4') throw new Error(`forward: unexpected shape [${output.shape}]`);
  output.dispose();
  layer.dispose();
  const { train: digits } = loadMnistDigits();
  const model = new EncoderForecaster({ ...PRESETS['browser-tiny'].options, seed: 1 });
  const result = await train(model, new MovingMnist({ digits, seed: 1 }), {
    batchSize: 2,
    maxSteps: 1,
    optimizer: { name: 'rmsprop', learningRate: 1e-3 },
  });
  if (result.steps !== 1 || !Number.isFinite(result.lastLoss)) {
    throw new Error(`training step: steps ${result.steps}, loss ${result.lastLoss}`);
  }
  console.log(`cjs: forward ok, 1 training step on ${tf.getBackend()}: loss ${result.lastLoss.toFixed(4)}`);
}
main().catch((error) => {
  console.error(error);
  process.exit(1);
});
