import './register-gradients.js';

export {
  type CellState,
  ConvLSTMArgumentError,
  type FrameTensor,
  type SequenceTensor,
  type SpatialRank,
} from '@convlstm/tensor';
export { ACTIVATIONS, type ActivationName, activate, tanhViaSigmoid } from './activations.js';
export {
  type BackendProfile,
  getBackendProfile,
  registerBackendProfile,
  type Schedule,
  type ScheduleContext,
  unregisterBackendProfile,
} from './backend-profile.js';
export { ConvLSTMCell } from './cell.js';
export {
  type CellConfig,
  type ConvLSTMCellOptions,
  type KernelSize,
  resolveCellConfig,
  SHARED_CELL_OPTION_KEYS,
} from './config.js';
export { convSame, dilateKernel, sameOutputSize } from './conv.js';
export type { ConvAccelerator, ConvRequest, ConvShape, PreparedConv } from './conv-accelerator.js';
export {
  ConvLSTM,
  type ConvLSTMLayerOverrides,
  type ConvLSTMOptions,
  type ConvLSTMOutput,
  type ConvLSTMState,
  type ForwardOptions,
} from './convlstm.js';
export {
  type GateValues,
  gateArithmetic,
  gateStep,
  type PeepholeParams,
  projectInput,
  recurrentConv,
} from './gates.js';
export { type Initializer, type InitializerFn, type InitializerName, initialize } from './initializers.js';
export {
  CONVLSTM_GATES,
  CONVLSTM_GATES_GRAD,
  GATES_GRAD_INPUTS,
  GATES_GRAD_SAVED,
  type GatesGradInputs,
  type GatesInputs,
} from './kernel-names.js';
export { hashSeed, SeededRandom } from './random.js';
export {
  canConcat,
  chooseSchedule,
  type DirectionCell,
  runStack,
  type StackBehaviour,
  type StackCall,
  type StackLayer,
  type StackMode,
  type StackResult,
} from './sequence.js';
export {
  assertWeightList,
  type CellParams,
  type CellWeightName,
  cellWeightSpecs,
  countCellParams,
  initialCellValues,
  type WeightSpec,
} from './weights.js';
