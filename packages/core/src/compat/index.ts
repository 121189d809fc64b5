/**
 * `@convlstm/core/compat`: the seed PyTorch notebook's API (`ConvLSTMCell`, `ConvLSTM`,
 * channels-first `[B, C, H, W]` / `[B, T, C, H, W]`), ported with its bugs fixed and
 * delegating to the core's channels-last layers.
 */
import '../register-gradients.js';

export { ConvLSTMCell } from './cell.js';
export { type CompatForwardResult, ConvLSTM } from './convlstm.js';
export type { StatePair } from './layout.js';
export type { CompatOptions, Kernel2D } from './options.js';
export {
  coreToTorchConv,
  loadStateDict,
  type PortableLayer,
  portableLayer,
  portableLayers,
  readTorchLayers,
  type StateDict,
  type StateDictOptions,
  type StateDictTensor,
  stateDict,
  torchConvToCore,
  torchLayerKeys,
  writeTorchLayers,
} from './state-dict.js';
