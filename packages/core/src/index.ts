import './register-gradients.js';

export {
  type CellState,
  ConvLSTMArgumentError,
  type FrameTensor,
  type SequenceTensor,
  type SpatialRank,
} from '@convlstm/tensor';
export { type ActivationName, tanhViaSigmoid } from './activations.js';
export {
  type BackendProfile,
  getBackendProfile,
  registerBackendProfile,
  type Schedule,
  type ScheduleContext,
  unregisterBackendProfile,
} from './backend-profile.js';
export { ConvLSTMCell } from './cell.js';
export type { ConvLSTMCellOptions, KernelSize } from './config.js';
export type { ConvAccelerator, ConvRequest, ConvShape, PreparedConv } from './conv-accelerator.js';
export {
  ConvLSTM,
  type ConvLSTMLayerOverrides,
  type ConvLSTMOptions,
  type ConvLSTMOutput,
  type ConvLSTMState,
  type ForwardOptions,
} from './convlstm.js';
export type { Initializer, InitializerFn, InitializerName } from './initializers.js';
export {
  CONVLSTM_GATES,
  CONVLSTM_GATES_GRAD,
  type GatesGradInputs,
  type GatesInputs,
} from './kernel-names.js';
