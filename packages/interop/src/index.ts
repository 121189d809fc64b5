/**
 * `@convlstm/interop`: ConvLSTM weights from and to PyTorch (`.pt`, `.safetensors`) and Keras
 * (`.keras`, `.h5`). Browser-safe: everything works on bytes; file access is in `./node`.
 */
export { DTYPE_BYTES, type FloatDType, halfToFloat } from './dtypes.js';
export { InteropFormatError } from './errors.js';
export {
  formatFromName,
  type ReadOptions,
  readWeights,
  sniffFormat,
  type WeightFormat,
  type WriteOptions,
  writeWeights,
} from './formats.js';
export { type KerasReadOptions, readKerasArchive, readKerasH5, writeKerasWeights } from './keras.js';
export {
  DEFAULT_LIMITS,
  type ReadLimits,
  type TensorReadOptions,
} from './limits.js';
export { ALLOWED_GLOBALS, UnpicklingError, unpickle } from './pickle.js';
export { readSafetensors, type SafetensorsContents, writeSafetensors } from './safetensors.js';
export {
  type ConvLSTMStack,
  createConvLSTM,
  describeStack,
  type StackLayer,
  stackFromConvLSTM,
  stackFromStateDict,
  stackToStateDict,
  withDropped,
} from './stack.js';
export { readTfjs, type TfjsFiles, type TfjsModelJson, writeTfjs } from './tfjs.js';
export { readTorch, type TorchContents } from './torch.js';
