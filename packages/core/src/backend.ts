/**
 * The backend contract (TF.js' `kernel_names` pattern): what a backend package registers for
 * its TF.js backend so the core runs faster there, and the core never names a backend.
 *
 * - Kernels, registered with TF.js' own `registerKernel` under these names:
 *   {@link CONVLSTM_GATES} (one step's gate arithmetic) and {@link CONVLSTM_GATES_GRAD} (its
 *   backward, through which the core's registered gradient of the forward runs).
 * - A profile ({@link registerBackendProfile}): a convolution accelerator, a faster exact
 *   `tanh`, the schedule `'auto'` prefers, schedules that are broken there.
 *
 * Applications do not need this entry: they install a backend package, which imports it.
 */
import './register-gradients.js';

export { tanhViaSigmoid } from './activations.js';
export {
  type BackendProfile,
  getBackendProfile,
  registerBackendProfile,
  type Schedule,
  type ScheduleContext,
  unregisterBackendProfile,
} from './backend-profile.js';
export type { CellConfig } from './config.js';
export type { ConvAccelerator, ConvRequest, ConvShape, PreparedConv } from './conv-accelerator.js';
export {
  CONVLSTM_GATES,
  CONVLSTM_GATES_GRAD,
  GATES_GRAD_INPUTS,
  GATES_GRAD_SAVED,
  type GatesGradInputs,
  type GatesInputs,
} from './kernel-names.js';
export { canConcat } from './sequence.js';
