import './register-gradients.js';

export {
  type CellState,
  ConvLSTMArgumentError,
  type FrameTensor,
  type SequenceTensor,
  type SpatialRank,
} from '@convlstm/tensor';
export type { ActivationName } from './activations.js';
export { ConvLSTMCell } from './cell.js';
export type { ConvLSTMCellOptions, KernelSize } from './config.js';
export {
  ConvLSTM,
  type ConvLSTMLayerOverrides,
  type ConvLSTMOptions,
  type ConvLSTMOutput,
  type ConvLSTMState,
  type ForwardOptions,
} from './convlstm.js';
export type { Initializer, InitializerFn, InitializerName } from './initializers.js';
