import {
  backend_util,
  Conv3DBackpropInputV2,
  type Conv3DBackpropInputV2Attrs,
  type Conv3DBackpropInputV2Inputs,
  conv3d,
  type KernelConfig,
  type Tensor5D,
  type TensorInfo,
} from '@tensorflow/tfjs-core';
import { asTensor } from './tensor-input.js';
import { inputGradViaConv } from './transposed-conv.js';

/**
 * `Conv3DBackpropInputV2` through the wasm `Conv3D` (see {@link inputGradViaConv}).
 * Replaces the wasm backend's own kernel of TF.js 4.22, which returns varying, wrong
 * values (its output buffer is accumulated into without being cleared).
 *
 * @param dy output gradient `[N, OD, OH, OW, Cout]`.
 * @param filter `[kd, kh, kw, Cin, Cout]`.
 * @returns the input gradient `[N, D, H, W, Cin]` (`attrs.inputShape`).
 */
export function conv3dBackpropInputViaConv3d(
  dy: Tensor5D,
  filter: Tensor5D,
  attrs: Conv3DBackpropInputV2Attrs,
): Tensor5D {
  const info = backend_util.computeConv3DInfo(attrs.inputShape, filter.shape, attrs.strides, 1, attrs.pad);
  return inputGradViaConv(
    dy,
    filter,
    {
      kernel: [info.filterDepth, info.filterHeight, info.filterWidth],
      strides: [info.strideDepth, info.strideHeight, info.strideWidth],
      input: [info.inDepth, info.inHeight, info.inWidth],
      padBefore: [info.padInfo.front, info.padInfo.top, info.padInfo.left],
    },
    (x, w) => conv3d(x as Tensor5D, w as Tensor5D, 1, 'valid'),
  ) as Tensor5D;
}

/** Registered for wasm (replacing the stock kernel) by {@link registerWasmTrainingKernels}. */
export const conv3dBackpropInputConfig: KernelConfig = {
  kernelName: Conv3DBackpropInputV2,
  backendName: 'wasm',
  kernelFunc: ({ inputs, attrs }): TensorInfo => {
    const { dy, filter } = inputs as Conv3DBackpropInputV2Inputs;
    return conv3dBackpropInputViaConv3d(
      asTensor(dy, 5, Conv3DBackpropInputV2, 'dy') as Tensor5D,
      asTensor(filter, 5, Conv3DBackpropInputV2, 'filter') as Tensor5D,
      attrs as unknown as Conv3DBackpropInputV2Attrs,
    );
  },
};
