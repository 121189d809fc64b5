/**
 * The browser-safe part of @convlstm/train: the model, presets, the Moving MNIST generator,
 * losses, optimisers, metrics and evaluation. Nothing here imports `node:*`; the MNIST file
 * loaders, `.npy` I/O, downloads, checkpoints and the training loop stay in the package root.
 */
export { type BaselineName, baselinePredictions } from './baselines.js';
export { clipByGlobalNorm } from './clip.js';
export { type BaselineMetrics, type EvaluateOptions, type Evaluation, evaluate } from './evaluate.js';
export { bceFromLogits, type LossName, meanAbsoluteError, meanSquaredError } from './losses.js';
export {
  CROSS_ENTROPY_EPSILON,
  computeMetrics,
  type Metrics,
  MetricsAccumulator,
  type PerFrameMetrics,
  PSNR_MSE_FLOOR,
  type SequenceShape,
  SSIM_WINDOW,
  ssimFrame,
} from './metrics.js';
export type { DigitPool } from './mnist.js';
export { EncoderForecaster, type ForecastOutput } from './model.js';
export {
  countEncoderForecasterParams,
  type EncoderForecasterConfig,
  type EncoderForecasterOptions,
  frameShape,
  type LayerSpec,
  resolveEncoderForecasterConfig,
} from './model-config.js';
export { MovingMnist, type MovingMnistOptions, type MovingMnistState } from './moving-mnist.js';
export {
  createOptimizer,
  getOptimizerState,
  isOwnedOptimizerTensor,
  type LrSchedule,
  learningRateAt,
  type OptimizerConfig,
  PAPER_OPTIMIZER,
  setOptimizerState,
} from './optimizer.js';
export { depthToSpace, spaceToDepth } from './patches.js';
export { PRESETS, type Preset, type PresetName } from './presets.js';
export {
  type ArrayBatch,
  batchToTensors,
  type SequenceSet,
  type SequenceStream,
  type StreamState,
  splitBatch,
  type TensorBatch,
} from './sequences.js';
