import './gradients.js';

export {
  isNodeBackendName,
  NODE_BACKEND_ORDER,
  NODE_BACKEND_PACKAGES,
  type NodeBackendName,
  TFJS_BACKEND_NAMES,
} from './backend-name.js';
export { loadOptionalModule, type OptionalModule } from './optional-module.js';
export {
  formatBackendReport,
  type NativeBackendDetails,
  type NodeBackendReport,
  NodeBackendUnavailableError,
  type SkippedBackend,
  type SkipReason,
  type WasmBackendDetails,
} from './report.js';
export {
  NATIVE_CPU_PROFILE,
  tfjsBackendName,
  type UseNodeBackendOptions,
  useNodeBackend,
} from './use-node-backend.js';
export {
  createThreadedWasmBackend,
  defaultWasmThreads,
  MAX_WASM_THREADS,
  type WasmPackageLike,
  wasmThreadsSupported,
} from './wasm-threads.js';
