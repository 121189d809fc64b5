import {
  backend_util,
  Conv2DBackpropFilter,
  type Conv2DBackpropFilterAttrs,
  type Conv2DBackpropFilterInputs,
  type KernelConfig,
  type Tensor4D,
  type TensorInfo,
  tidy,
  transpose,
} from '@tensorflow/tfjs-core';
import { filterGradViaMatMul } from './im2col-filter-grad.js';
import { asTensor } from './tensor-input.js';

/**
 * `Conv2DBackpropFilter`, which the wasm backend of TF.js 4.22 lacks, from kernels it
 * has (pad, strided slices, concat, one matMul; see {@link filterGradViaMatMul}).
 * Dilation is not an attribute of this kernel: TF.js' conv gradients reject dilation > 1.
 *
 * @param x input `[N, H, W, Cin]` (`[N, Cin, H, W]` with `dataFormat: 'NCHW'`).
 * @param dy output gradient `[N, OH, OW, Cout]` (or NCHW).
 * @returns the filter gradient `[kh, kw, Cin, Cout]`.
 */
export function conv2dBackpropFilterViaMatMul(
  x: Tensor4D,
  dy: Tensor4D,
  attrs: Conv2DBackpropFilterAttrs,
): Tensor4D {
  const { strides, pad, dataFormat, dimRoundingMode, filterShape } = attrs;
  return tidy(() => {
    const channelsFirst = dataFormat === 'NCHW';
    const xs = channelsFirst ? transpose(x, [0, 2, 3, 1]) : x;
    const dys = channelsFirst ? transpose(dy, [0, 2, 3, 1]) : dy;
    const info = backend_util.computeConv2DInfo(xs.shape, filterShape, strides, 1, pad, dimRoundingMode);
    return filterGradViaMatMul(xs, dys, {
      kernel: [info.filterHeight, info.filterWidth],
      strides: [info.strideHeight, info.strideWidth],
      out: [info.outHeight, info.outWidth],
      padBefore: [info.padInfo.top, info.padInfo.left],
    }) as Tensor4D;
  });
}

/** Registered for wasm by {@link registerWasmTrainingKernels}. */
export const conv2dBackpropFilterConfig: KernelConfig = {
  kernelName: Conv2DBackpropFilter,
  backendName: 'wasm',
  kernelFunc: ({ inputs, attrs }): TensorInfo => {
    const { x, dy } = inputs as Conv2DBackpropFilterInputs;
    return conv2dBackpropFilterViaMatMul(
      asTensor(x, 4, Conv2DBackpropFilter, 'x') as Tensor4D,
      asTensor(dy, 4, Conv2DBackpropFilter, 'dy') as Tensor4D,
      attrs as unknown as Conv2DBackpropFilterAttrs,
    );
  },
};
