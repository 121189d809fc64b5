import {
  backend_util,
  Conv3DBackpropFilterV2,
  type Conv3DBackpropFilterV2Attrs,
  type Conv3DBackpropFilterV2Inputs,
  type KernelConfig,
  type Tensor5D,
  type TensorInfo,
} from '@tensorflow/tfjs-core';
import { filterGradViaMatMul } from './im2col-filter-grad.js';
import { asTensor } from './tensor-input.js';

/**
 * `Conv3DBackpropFilterV2` from pad, strided slices, concat and one matMul. Replaces the
 * wasm backend's own kernel of TF.js 4.22, which returns wrong values with strides
 * (its output buffer is accumulated into without being cleared).
 *
 * @param x input `[N, D, H, W, Cin]`.
 * @param dy output gradient `[N, OD, OH, OW, Cout]`.
 * @returns the filter gradient `[kd, kh, kw, Cin, Cout]`.
 */
export function conv3dBackpropFilterViaMatMul(
  x: Tensor5D,
  dy: Tensor5D,
  attrs: Conv3DBackpropFilterV2Attrs,
): Tensor5D {
  const info = backend_util.computeConv3DInfo(x.shape, attrs.filterShape, attrs.strides, 1, attrs.pad);
  return filterGradViaMatMul(x, dy, {
    kernel: [info.filterDepth, info.filterHeight, info.filterWidth],
    strides: [info.strideDepth, info.strideHeight, info.strideWidth],
    out: [info.outDepth, info.outHeight, info.outWidth],
    padBefore: [info.padInfo.front, info.padInfo.top, info.padInfo.left],
  }) as Tensor5D;
}

/** Registered for wasm (replacing the stock kernel) by {@link registerWasmTrainingKernels}. */
export const conv3dBackpropFilterConfig: KernelConfig = {
  kernelName: Conv3DBackpropFilterV2,
  backendName: 'wasm',
  kernelFunc: ({ inputs, attrs }): TensorInfo => {
    const { x, dy } = inputs as Conv3DBackpropFilterV2Inputs;
    return conv3dBackpropFilterViaMatMul(
      asTensor(x, 5, Conv3DBackpropFilterV2, 'x') as Tensor5D,
      asTensor(dy, 5, Conv3DBackpropFilterV2, 'dy') as Tensor5D,
      attrs as unknown as Conv3DBackpropFilterV2Attrs,
    );
  },
};
