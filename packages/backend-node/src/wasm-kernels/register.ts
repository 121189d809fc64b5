import { getKernel, type KernelConfig, registerKernel } from '@tensorflow/tfjs-core';
import { conv2dBackpropFilterConfig } from './conv2d-backprop-filter.js';

/**
 * Kernels the stock wasm backend of TF.js 4.22 lacks for a ConvLSTM training step.
 * Found by recording every kernel a full step runs on cpu (1-D/2-D/3-D cells, peepholes,
 * dilation, strides, bidirectional, Adam/RMSProp/SGD, and the loss ops of the training
 * package: log, sigmoid, softplus, mean, square, reshape/transpose, 1×1 conv) and
 * diffing that set against the wasm registry: only `Conv2DBackpropFilter` is missing
 * (wasm has Conv2DBackpropInput and the Conv3D backprop kernels).
 */
export const WASM_TRAINING_KERNELS: readonly KernelConfig[] = [conv2dBackpropFilterConfig];

/**
 * Registers {@link WASM_TRAINING_KERNELS} for the `'wasm'` backend. Idempotent: a kernel
 * already registered for wasm (by an earlier call, or natively by a later TF.js) is kept.
 * Registration needs no initialised backend, so this may run before `setBackend('wasm')`.
 *
 * @returns the names of the kernels this call registered (empty on repeated calls).
 */
export function registerWasmTrainingKernels(): string[] {
  const added: string[] = [];
  for (const config of WASM_TRAINING_KERNELS) {
    if (getKernel(config.kernelName, 'wasm') !== undefined) continue;
    registerKernel(config);
    added.push(config.kernelName);
  }
  return added;
}
