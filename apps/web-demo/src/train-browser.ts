// The browser-safe half of @convlstm/train. Its package root also exports the Node-only MNIST
// loader and checkpoint writer (node:fs, node:module), which break a page in Vite's dev server,
// so the demo imports the two pure modules it needs from their sources. Replace with a
// `@convlstm/train/browser` entry once the package offers one.
export type { DigitPool } from '../../../packages/train/src/mnist.js';
export { EncoderForecaster } from '../../../packages/train/src/model.js';
export type {
  EncoderForecasterConfig,
  EncoderForecasterOptions,
} from '../../../packages/train/src/model-config.js';
export { MovingMnist } from '../../../packages/train/src/moving-mnist.js';
