import './gradients.js';

// The wasm kernels moved to @convlstm/backend-wasm (platform-neutral, also used by the browser's
// wasm fallback); re-exported so code importing them from here keeps working.
export {
  type BackpropInputGeometry,
  collapseSlice,
  conv2dBackpropFilterConfig,
  conv2dBackpropFilterViaMatMul,
  copySlice,
  fastConcatConfig,
  fastSliceConfig,
  fastSplitVConfig,
  fastUnpackConfig,
  gatesProgram,
  inferenceGatesConfig,
  inputGradViaConv,
  linkWasmPrograms,
  type RegisterWasmKernelsOptions,
  registerWasmInferenceKernels,
  registerWasmKernels,
  registerWasmTrainingKernels,
  type SliceGeometry,
  unregisterWasmInferenceKernels,
  WASM_INFERENCE_KERNELS,
  WASM_SPEED_KERNELS,
  WASM_TRAINING_KERNELS,
  type WasmKernelsReport,
  WINOGRAD_INPUT_KERNEL,
  WINOGRAD_OUTPUT_KERNEL,
  wasmProgramsSupported,
  winogradAccelerator,
  winogradInputConfig,
  winogradOutputConfig,
  withStockWasmKernels,
} from '@convlstm/backend-wasm';
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
