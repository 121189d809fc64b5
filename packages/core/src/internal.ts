/**
 * The core's building blocks for the other `@convlstm` packages (layers, backends, training,
 * interop). Not part of the public API: no semver promise, anything here may change in a minor
 * release. Applications use `@convlstm/core`.
 */
import './register-gradients.js';

export { ACTIVATIONS, activate } from './activations.js';
export { type CellConfig, resolveCellConfig, SHARED_CELL_OPTION_KEYS } from './config.js';
export { convSame, dilateKernel, sameOutputSize } from './conv.js';
export {
  type GateValues,
  gateArithmetic,
  gateStep,
  type PeepholeParams,
  projectInput,
  recurrentConv,
} from './gates.js';
export { initialize } from './initializers.js';
export { GATES_GRAD_INPUTS, GATES_GRAD_SAVED } from './kernel-names.js';
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
