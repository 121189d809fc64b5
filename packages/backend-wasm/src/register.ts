import {
  type BackendProfile,
  canConcat,
  getBackendProfile,
  registerBackendProfile,
  tanhViaSigmoid,
  unregisterBackendProfile,
} from '@convlstm/core/backend';
import { assertKnownKeys, ConvLSTMArgumentError, describeValue } from '@convlstm/tensor';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import {
  engine,
  getKernel,
  type KernelConfig,
  registerKernel,
  unregisterKernel,
} from '@tensorflow/tfjs-core';
import { conv2dBackpropFilterConfig } from './conv2d-backprop-filter.js';
import { conv2dBackpropInputConfig } from './conv2d-backprop-input.js';
import { conv3dBackpropFilterConfig } from './conv3d-backprop-filter.js';
import { conv3dBackpropInputConfig } from './conv3d-backprop-input.js';
import { fastConcatConfig } from './fast-concat.js';
import {
  fastSliceConfig,
  fastSplitVConfig,
  fastUnpackConfig,
  rememberStockKernel,
  stockKernel,
} from './fast-slice.js';
import { fastSumConfig } from './fast-sum.js';
import { inferenceGatesConfig } from './inference-gates.js';
import { linkWasmPrograms, wasmProgramsSupported } from './wasm-program.js';
import { winogradAccelerator, winogradInputConfig, winogradOutputConfig } from './winograd.js';

/**
 * Kernels registered for `'wasm'` so a ConvLSTM training step runs there (TF.js 4.22).
 * Found by recording every kernel a full step runs on cpu (1-D/2-D/3-D cells, peepholes,
 * dilation, strides, bidirectional, Adam/RMSProp/SGD, and the loss ops of the training
 * package: log, sigmoid, softplus, mean, square, reshape/transpose, 1×1 conv), diffing
 * that set against the wasm registry, then comparing every wasm kernel of the step with
 * cpu:
 * - `Conv2DBackpropFilter` is missing;
 * - `Conv3DBackpropInputV2` and `Conv3DBackpropFilterV2` exist but return wrong values
 *   (their output buffer is accumulated into without being cleared), so they are replaced.
 *
 * Speed: the stock `Conv2DBackpropInput` is a plain loop (most of a training step), so
 * it is replaced by a correlation run by XNNPACK's `Conv2D`. `Slice` (and `Unpack`, `SplitV`, which call it) copy rank ≥ 5 tensors element
 * by element through a TensorBuffer — seconds per time step of a ConvLSTM sequence —
 * so they are replaced by run-by-run copies of the same values. `Concat` round-trips every
 * input through JavaScript arrays (slower than the convolution after a `[x_t, h]` concat), so it
 * is replaced by row copies between heap views. `Sum` over leading axes (bias and peephole
 * gradients) transposes and loops in plain code, so it runs as one matMul with a row of ones.
 */
export const WASM_TRAINING_KERNELS: readonly KernelConfig[] = [
  conv2dBackpropFilterConfig,
  conv2dBackpropInputConfig,
  conv3dBackpropFilterConfig,
  conv3dBackpropInputConfig,
  fastSliceConfig,
  fastUnpackConfig,
  fastSplitVConfig,
  fastConcatConfig,
  fastSumConfig,
];

/**
 * What the core should know about tfjs-backend-wasm, from measurements with apps/bench:
 * - `tanh`: its `Tanh` kernel is scalar libm (much slower than its XNNPACK `Sigmoid`), so the
 *   TF.js-op gate arithmetic (under a gradient tape) computes `tanh` as `2σ(2x) − 1`;
 * - `preferredSchedule`: `'concat'` wherever it applies, for inference (with the gate kernel) and
 *   under a tape, even for `Cin > C`, once `Concat`/`Slice` are the heap-copy kernels below;
 * - `fusedBiasGradient`: a training step keeps the bias inside the convolution (its broadcast
 *   `Add` and that add's gradient cost more here than the fused conv2d's gradient);
 * - `preferredGradient`: the hand-written backward (one filter-gradient matMul per layer over
 *   all steps instead of one per step, and no tape bookkeeping per op) trained the main job's
 *   model faster than autodiff with the gate kernels.
 */
export const WASM_PROFILE: BackendProfile = {
  tanh: tanhViaSigmoid,
  fusedBiasGradient: true,
  preferredSchedule: (config) => (canConcat(config) ? 'concat' : undefined),
  preferredGradient: () => 'handwritten',
};

/**
 * Registers {@link WASM_TRAINING_KERNELS} for the `'wasm'` backend, replacing the stock
 * kernels of the same name, and {@link WASM_PROFILE} as the core's profile of `'wasm'`.
 * Idempotent. Needs no initialised backend, so it may run before `setBackend('wasm')`; the wasm
 * backend package need not even be loaded.
 *
 * @returns the names of the kernels this call (re)registered (empty on repeated calls).
 */
export function registerWasmTrainingKernels(): string[] {
  registerBackendProfile('wasm', WASM_PROFILE);
  const added: string[] = [];
  for (const config of WASM_TRAINING_KERNELS) {
    const current = getKernel(config.kernelName, 'wasm');
    if (current?.kernelFunc === config.kernelFunc) continue;
    if (current !== undefined) {
      rememberStockKernel(config.kernelName, current.kernelFunc);
      unregisterKernel(config.kernelName, 'wasm');
    }
    // A replacement that falls back to the stock kernel keeps its setup (binding the wasm export
    // it calls), which the engine runs when the backend initialises.
    const setupFunc = config.setupFunc ?? current?.setupFunc;
    registerKernel(setupFunc === undefined ? config : { ...config, setupFunc });
    added.push(config.kernelName);
  }
  return added;
}

/** The kernels {@link registerWasmTrainingKernels} replaces only for speed (the stock ones are correct). */
export const WASM_SPEED_KERNELS: readonly string[] = [
  fastSliceConfig.kernelName,
  fastUnpackConfig.kernelName,
  fastSplitVConfig.kernelName,
  fastConcatConfig.kernelName,
  fastSumConfig.kernelName,
];

/**
 * Runs `fn` with TF.js' stock wasm kernels in place of the speed-only replacements
 * ({@link WASM_SPEED_KERNELS}), then restores them, also when `fn` throws. For benchmarks that
 * compare against what plain TF.js does; the correctness replacements stay registered.
 */
export async function withStockWasmKernels<T>(fn: () => T | Promise<T>): Promise<T> {
  const swapped: KernelConfig[] = [];
  for (const config of WASM_TRAINING_KERNELS) {
    const stock = stockKernel(config.kernelName);
    if (!WASM_SPEED_KERNELS.includes(config.kernelName) || stock === undefined) continue;
    const registered = getKernel(config.kernelName, 'wasm');
    if (registered?.kernelFunc !== config.kernelFunc) continue;
    unregisterKernel(config.kernelName, 'wasm');
    const setupFunc = registered.setupFunc;
    registerKernel({
      kernelName: config.kernelName,
      backendName: 'wasm',
      kernelFunc: stock,
      ...(setupFunc === undefined ? {} : { setupFunc }),
    });
    // Restored as it was registered (with the stock setup it may carry).
    swapped.push(registered);
  }
  try {
    return await fn();
  } finally {
    for (const config of swapped) {
      unregisterKernel(config.kernelName, 'wasm');
      registerKernel(config);
    }
  }
}

/** Kernels that speed up ConvLSTM inference on wasm (the core uses them when registered). */
export const WASM_INFERENCE_KERNELS: readonly KernelConfig[] = [
  inferenceGatesConfig,
  winogradInputConfig,
  winogradOutputConfig,
];

/**
 * Registers {@link WASM_INFERENCE_KERNELS} for `'wasm'`, and {@link winogradAccelerator} as the
 * core's convolution accelerator there, when this runtime has WebAssembly SIMD. Idempotent. The
 * programs link to the backend's heap on first use; {@link registerWasmKernels} links them up front.
 *
 * @returns the names of the kernels registered by this call (empty on repeated calls or without SIMD).
 */
export function registerWasmInferenceKernels(): string[] {
  if (!wasmProgramsSupported()) return [];
  const added: string[] = [];
  for (const config of WASM_INFERENCE_KERNELS) {
    if (getKernel(config.kernelName, 'wasm') !== undefined) continue;
    registerKernel(config);
    added.push(config.kernelName);
  }
  if (getBackendProfile('wasm').convAccelerator === undefined) {
    registerBackendProfile('wasm', { convAccelerator: winogradAccelerator });
  }
  return added;
}

/**
 * Removes {@link WASM_INFERENCE_KERNELS} and the Winograd accelerator from `'wasm'`, so the core
 * runs TF.js ops and convolutions there. (`unregisterBackendProfile('wasm', 'convAccelerator')`
 * of `@convlstm/core` removes only the accelerator.)
 */
export function unregisterWasmInferenceKernels(): void {
  for (const config of WASM_INFERENCE_KERNELS) {
    if (getKernel(config.kernelName, 'wasm')?.kernelFunc === config.kernelFunc) {
      unregisterKernel(config.kernelName, 'wasm');
    }
  }
  if (getBackendProfile('wasm').convAccelerator === winogradAccelerator) {
    unregisterBackendProfile('wasm', 'convAccelerator');
  }
}

/** Options of {@link registerWasmKernels}. */
export interface RegisterWasmKernelsOptions {
  /**
   * The wasm backend to link the inference programs to. Default: the engine's initialised
   * `'wasm'` backend (`tf.engine().registry.wasm`), i.e. call this after `await tf.setBackend('wasm')`.
   */
  backend?: BackendWasm;
  /**
   * Register the inference kernels (the one-kernel gate step and Winograd 5×5 convolutions).
   * Default `true`; `false` removes them, leaving TF.js ops for inference.
   */
  inferenceKernels?: boolean;
}

const REGISTER_OPTION_KEYS: readonly (keyof RegisterWasmKernelsOptions)[] = ['backend', 'inferenceKernels'];

/** What {@link registerWasmKernels} registered. */
export interface WasmKernelsReport {
  /** Training kernels this call (re)registered for wasm (empty when registered before). */
  readonly addedKernels: readonly string[];
  /**
   * The inference kernels are registered and linked to the backend's heap; the core uses them
   * whenever no gradient is recorded.
   */
  readonly inferenceKernels: boolean;
  /** Present when the inference kernels were asked for but cannot run here: why. The core then runs TF.js ops. */
  readonly inferenceKernelsError?: string;
}

/**
 * The one call a platform makes once the wasm backend is initialised: registers
 * {@link WASM_TRAINING_KERNELS} (so ConvLSTM trains on wasm), then {@link WASM_INFERENCE_KERNELS}
 * with the Winograd convolution accelerator, and links their WebAssembly programs to the
 * backend's heap ({@link linkWasmPrograms}). When linking fails (no WebAssembly SIMD, an
 * unexpected tfjs-backend-wasm), the inference kernels are removed again and the report says
 * why; training kernels need no SIMD and stay. Idempotent. `useNodeBackend` of
 * `@convlstm/backend-node` and `useWebGPUBackend` of `@convlstm/backend-webgpu` call it when they
 * end on wasm.
 *
 * @throws ConvLSTMArgumentError on bad options (an unknown key included).
 * @throws Error when no backend is given and the engine has no initialised `'wasm'` backend.
 */
export async function registerWasmKernels(
  options: RegisterWasmKernelsOptions = {},
): Promise<WasmKernelsReport> {
  assertKnownKeys(options, REGISTER_OPTION_KEYS, 'options');
  if (options.inferenceKernels !== undefined && typeof options.inferenceKernels !== 'boolean') {
    throw new ConvLSTMArgumentError(
      'options.inferenceKernels',
      'a boolean',
      describeValue(options.inferenceKernels),
    );
  }
  const backend = options.backend ?? (engine().registry.wasm as BackendWasm | undefined);
  if (backend === undefined) {
    throw new Error(
      "registerWasmKernels: the engine has no initialised 'wasm' backend (expected it after `await tf.setBackend('wasm')`, or options.backend); received none",
    );
  }
  const addedKernels = registerWasmTrainingKernels();
  if (options.inferenceKernels === false) {
    unregisterWasmInferenceKernels();
    return { addedKernels, inferenceKernels: false };
  }
  registerWasmInferenceKernels();
  try {
    await linkWasmPrograms(backend);
    return { addedKernels, inferenceKernels: true };
  } catch (e) {
    unregisterWasmInferenceKernels();
    return {
      addedKernels,
      inferenceKernels: false,
      inferenceKernelsError: e instanceof Error ? e.message : String(e),
    };
  }
}
