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
export { tfjsBackendName, type UseNodeBackendOptions, useNodeBackend } from './use-node-backend.js';
export {
  conv2dBackpropFilterConfig,
  conv2dBackpropFilterViaMatMul,
} from './wasm-kernels/conv2d-backprop-filter.js';
export { fastConcatConfig } from './wasm-kernels/fast-concat.js';
export {
  collapseSlice,
  copySlice,
  fastSliceConfig,
  fastSplitVConfig,
  fastUnpackConfig,
  type SliceGeometry,
} from './wasm-kernels/fast-slice.js';
export { gatesProgram, inferenceGatesConfig } from './wasm-kernels/inference-gates.js';
export {
  registerWasmInferenceKernels,
  registerWasmTrainingKernels,
  unregisterWasmInferenceKernels,
  WASM_INFERENCE_KERNELS,
  WASM_SPEED_KERNELS,
  WASM_TRAINING_KERNELS,
  withStockWasmKernels,
} from './wasm-kernels/register.js';
export { type BackpropInputGeometry, inputGradViaConv } from './wasm-kernels/transposed-conv.js';
export { wasmProgramsSupported } from './wasm-kernels/wasm-program.js';
export {
  WINOGRAD_INPUT_KERNEL,
  WINOGRAD_OUTPUT_KERNEL,
  winogradAccelerator,
  winogradInputConfig,
  winogradOutputConfig,
} from './wasm-kernels/winograd.js';
export {
  createThreadedWasmBackend,
  defaultWasmThreads,
  MAX_WASM_THREADS,
  type WasmPackageLike,
  wasmThreadsSupported,
} from './wasm-threads.js';
