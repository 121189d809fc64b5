/**
 * Kernels that make tfjs-backend-wasm train ConvLSTM and run its inference fast, on any platform:
 * nothing here imports `node:*` or uses `Buffer`, so Node (`@convlstm/backend-node`) and the
 * browser (`@convlstm/backend-webgpu`'s wasm fallback) register the same kernels.
 */
export {
  conv2dBackpropFilterConfig,
  conv2dBackpropFilterViaMatMul,
} from './conv2d-backprop-filter.js';
export { conv2dBackpropInputConfig, conv2dBackpropInputViaConv2d } from './conv2d-backprop-input.js';
export { conv3dBackpropFilterConfig, conv3dBackpropFilterViaMatMul } from './conv3d-backprop-filter.js';
export { conv3dBackpropInputConfig, conv3dBackpropInputViaConv3d } from './conv3d-backprop-input.js';
export { fastConcatConfig } from './fast-concat.js';
export {
  collapseSlice,
  copySlice,
  fastSliceConfig,
  fastSplitVConfig,
  fastUnpackConfig,
  type SliceGeometry,
} from './fast-slice.js';
export { type ConvGeometry, filterGradViaMatMul } from './im2col-filter-grad.js';
export { gatesProgram, inferenceGatesConfig } from './inference-gates.js';
export {
  type RegisterWasmKernelsOptions,
  registerWasmInferenceKernels,
  registerWasmKernels,
  registerWasmTrainingKernels,
  unregisterWasmInferenceKernels,
  WASM_INFERENCE_KERNELS,
  WASM_PROFILE,
  WASM_SPEED_KERNELS,
  WASM_TRAINING_KERNELS,
  type WasmKernelsReport,
  withStockWasmKernels,
} from './register.js';
export { type BackpropInputGeometry, inputGradViaConv } from './transposed-conv.js';
export {
  decodeBase64,
  linkWasmPrograms,
  PROGRAM_NAMES,
  type ProgramName,
  wasmProgram,
  wasmProgramsSupported,
} from './wasm-program.js';
export {
  WINOGRAD_INPUT_KERNEL,
  WINOGRAD_OUTPUT_KERNEL,
  winogradAccelerator,
  winogradInputConfig,
  winogradOutputConfig,
} from './winograd.js';
