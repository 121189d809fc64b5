/**
 * The core's building blocks that other `@convlstm` packages share (layers, training, interop,
 * benchmarks): exactly what they import, nothing more. Not part of the public API: no semver
 * promise, anything here may change in a minor release. Applications use `@convlstm/core`;
 * backend packages use `@convlstm/core/backend`.
 */
import './register-gradients.js';

export { ACTIVATIONS } from './activations.js';
export { type CellConfig, resolveCellConfig, SHARED_CELL_OPTION_KEYS } from './config.js';
export { convSame, sameOutputSize } from './conv.js';
export { gateArithmetic, projectInput } from './gates.js';
export { initialize } from './initializers.js';
export { hashSeed, SeededRandom } from './random.js';
export { type DirectionCell, runStack, type StackBehaviour, type StackLayer } from './sequence.js';
export {
  type CellParams,
  type CellWeightName,
  cellWeightSpecs,
  countCellParams,
  initialCellValues,
} from './weights.js';
