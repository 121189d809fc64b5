/**
 * The kernels' configs and op-level implementations behind `registerWasmKernels`, for other
 * `@convlstm` packages, tests and benchmarks. Not part of the public API: no semver promise.
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
export { fastSumConfig, leadingReduction } from './fast-sum.js';
export { type ConvGeometry, filterGradViaMatMul } from './im2col-filter-grad.js';
export { gatesProgram, inferenceGatesConfig } from './inference-gates.js';
export { withoutEmscriptenProcessHandlers } from './process-handlers.js';
export { type BackpropInputGeometry, inputGradViaConv } from './transposed-conv.js';
export { decodeBase64, wasmProgram } from './wasm-program.js';
export {
  WINOGRAD_INPUT_KERNEL,
  WINOGRAD_OUTPUT_KERNEL,
  winogradAccelerator,
  winogradInputConfig,
  winogradOutputConfig,
} from './winograd.js';
