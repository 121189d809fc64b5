/**
 * @convlstm/train: the Shi et al. (2015) encoder-forecaster, presets, the Moving MNIST generator,
 * losses, optimisers, the training loop, metrics, evaluation and the checkpoint codec on bytes.
 * Nothing here imports `node:*`, so it runs alike in Node, browsers and workers; files,
 * downloads and the bundled MNIST digits are in `@convlstm/train/node`.
 */
export { type BaselineName, baselinePredictions } from './baselines.js';
export {
  CHECKPOINT_FILES,
  CHECKPOINT_FORMAT,
  CheckpointError,
  type CheckpointFiles,
  type CheckpointSource,
  checkpointFilesSource,
  decodeCheckpoint,
  disposeTrainingState,
  encodeCheckpoint,
  type LoadCheckpointOptions,
  type LoadedCheckpoint,
  type NamedWeight,
  type TrainingState,
} from './checkpoint-codec.js';
export { clipByGlobalNorm } from './clip.js';
export { type BaselineMetrics, type EvaluateOptions, type Evaluation, evaluate } from './evaluate.js';
export {
  bceFromLogits,
  type LossName,
  meanAbsoluteError,
  meanAbsoluteErrorFromLogits,
  meanSquaredError,
} from './losses.js';
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
export { type DigitPool, MnistFormatError, parseIdxImages, splitDigits } from './mnist.js';
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
export { encodeNpy, type NpyArray, type NpyDtype, NpyFormatError, parseNpy } from './npy.js';
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
export {
  type CheckpointInfo,
  type CheckpointStore,
  type DivergenceOptions,
  type StepInfo,
  type StopReason,
  type TrainCallbacks,
  TrainingDivergedError,
  type TrainOptions,
  type TrainResult,
  train,
  type ValidationInfo,
} from './train.js';
