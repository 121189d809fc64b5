export { type BaselineName, baselinePredictions } from './baselines.js';
export {
  CHECKPOINT_FILES,
  CheckpointError,
  disposeTrainingState,
  type LoadCheckpointOptions,
  type LoadedCheckpoint,
  loadCheckpoint,
  type NamedWeight,
  saveCheckpoint,
  type TrainingState,
} from './checkpoint.js';
export { clipByGlobalNorm } from './clip.js';
export {
  ChecksumMismatchError,
  type DownloadOptions,
  downloadFile,
  downloadMovingMnist,
} from './download.js';
export { type BaselineMetrics, type EvaluateOptions, type Evaluation, evaluate } from './evaluate.js';
export { bceFromLogits, type LossName, meanSquaredError } from './losses.js';
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
export { type DigitPool, type LoadMnistOptions, loadMnistDigits, MnistFormatError } from './mnist.js';
export { EncoderForecaster, type ForecastOutput } from './model.js';
export {
  countEncoderForecasterParams,
  type EncoderForecasterConfig,
  type EncoderForecasterOptions,
  type LayerSpec,
  resolveEncoderForecasterConfig,
} from './model-config.js';
export { MovingMnist, type MovingMnistOptions, type MovingMnistState } from './moving-mnist.js';
export {
  MOVING_MNIST_MD5,
  MOVING_MNIST_URL,
  type ReadMovingMnistOptions,
  readMovingMnistNpy,
} from './moving-mnist-npy.js';
export {
  encodeNpy,
  type NpyArray,
  type NpyDtype,
  NpyFormatError,
  parseNpy,
  readNpy,
  writeNpy,
} from './npy.js';
export {
  createOptimizer,
  type LrSchedule,
  learningRateAt,
  type OptimizerConfig,
  PAPER_OPTIMIZER,
} from './optimizer.js';
export { depthToSpace, spaceToDepth } from './patches.js';
export { PRESETS, type Preset, type PresetName } from './presets.js';
export {
  type ArrayBatch,
  batchToTensors,
  type SequenceSet,
  splitBatch,
  type TensorBatch,
} from './sequences.js';
export { type FixedTestSetOptions, fixedTestSet } from './test-set.js';
export {
  type CheckpointInfo,
  type StepInfo,
  type StopReason,
  type TrainCallbacks,
  TrainingDivergedError,
  type TrainOptions,
  type TrainResult,
  train,
  type ValidationInfo,
} from './train.js';
