export { fusedGates, hasFusedGates, type Peepholes } from './fused-gates.js';
export { GatesBackwardProgram } from './gates-backward-program.js';
export { GatesForwardProgram } from './gates-forward-program.js';
export { BACKWARD_INPUTS, FORWARD_INPUTS, GATES_BACKWARD, GATES_FORWARD } from './kernel-names.js';
export { gatesBackward, registerFusedGates, WEBGPU_BACKEND } from './register-fused-gates.js';
export {
  type BackendAttempt,
  type BrowserBackendName,
  type BrowserBackendReport,
  type UseWebGPUBackendOptions,
  useWebGPUBackend,
} from './use-webgpu-backend.js';
