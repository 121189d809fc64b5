import './gradients.js';

export { GatesBackwardProgram } from './gates-backward-program.js';
export { GatesForwardProgram } from './gates-forward-program.js';
export { hasGatesKernel, type Peepholes, runGatesKernel } from './gates-kernel.js';
export { registerWebGPUKernels, registerWebGPUProfile, WEBGPU_BACKEND } from './register-kernels.js';
export {
  type BackendAttempt,
  type BrowserBackendName,
  type BrowserBackendReport,
  type UseWebGPUBackendOptions,
  useWebGPUBackend,
} from './use-webgpu-backend.js';
