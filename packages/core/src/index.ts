import './register-gradients.js';

export {
  type CellState,
  ConvLSTMArgumentError,
  type FrameTensor,
  type SequenceTensor,
  type SpatialRank,
} from '@convlstm/tensor';
export { ACTIVATIONS, type ActivationName, activate } from './activations.js';
export { ConvLSTMCell } from './cell.js';
export {
  type CellConfig,
  type ConvLSTMCellOptions,
  type KernelSize,
  resolveCellConfig,
  SHARED_CELL_OPTION_KEYS,
} from './config.js';
export { convSame, dilateKernel, sameOutputSize } from './conv.js';
export {
  type ConvAccelerator,
  type ConvRequest,
  type ConvShape,
  canAccelerateConv,
  getConvAccelerator,
  type PreparedConv,
  prepareConv,
  registerConvAccelerator,
  unregisterConvAccelerator,
} from './conv-accelerator.js';
export {
  ConvLSTM,
  type ConvLSTMLayerOverrides,
  type ConvLSTMOptions,
  type ConvLSTMOutput,
  type ConvLSTMState,
  type ForwardOptions,
} from './convlstm.js';
export { FUSED_GATES_KERNEL, projectInput, stepGates, stepGatesFromPreactivation } from './gates.js';
export {
  canRunInferenceGates,
  type GatePreactivations,
  INFERENCE_GATES_KERNEL,
  recordingGradient,
  runInferenceGates,
} from './inference-gates.js';
export { type Initializer, type InitializerFn, type InitializerName, initialize } from './initializers.js';
export { hashSeed, SeededRandom } from './random.js';
export {
  canConcat,
  chooseMode,
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
