// Everything browser-safe, then what needs Node (files, network, the training loop).
export * from './browser.js';
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
export { type DownloadMovingMnistOptions, downloadMovingMnist } from './download.js';
export { type LoadMnistOptions, loadMnistDigits, MnistFormatError } from './mnist.js';
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
export { type FixedTestSetOptions, fixedTestSet } from './test-set.js';
export {
  type CheckpointInfo,
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
