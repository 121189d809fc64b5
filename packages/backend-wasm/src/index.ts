/**
 * Kernels that make tfjs-backend-wasm train ConvLSTM and run its inference fast, on any platform:
 * nothing here imports `node:*` or uses `Buffer`, so Node (`@convlstm/backend-node`) and the
 * browser (`@convlstm/backend-webgpu`'s wasm fallback) register the same kernels.
 */
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
export { linkWasmPrograms, PROGRAM_NAMES, type ProgramName, wasmProgramsSupported } from './wasm-program.js';
