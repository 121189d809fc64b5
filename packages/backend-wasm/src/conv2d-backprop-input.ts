import {
  backend_util,
  Conv2DBackpropInput,
  type Conv2DBackpropInputAttrs,
  type Conv2DBackpropInputInputs,
  conv2d,
  type KernelConfig,
  type Tensor4D,
  type TensorInfo,
  tidy,
  transpose,
} from '@tensorflow/tfjs-core';
import { asTensor } from './tensor-input.js';
import { inputGradViaConv } from './transposed-conv.js';

/**
 * `Conv2DBackpropInput` through the wasm `Conv2D` (XNNPACK; see {@link inputGradViaConv}).
 * The stock wasm kernel is correct but a plain loop: about 60 % of a ConvLSTM training
 * step on wasm went there; XNNPACK's convolution is several times faster.
 *
 * @param dy output gradient `[N, OH, OW, Cout]` (`[N, Cout, OH, OW]` with `dataFormat: 'NCHW'`).
 * @param filter `[kh, kw, Cin, Cout]`.
 * @returns the input gradient of shape `attrs.inputShape`.
 */
export function conv2dBackpropInputViaConv2d(
  dy: Tensor4D,
  filter: Tensor4D,
  attrs: Conv2DBackpropInputAttrs,
): Tensor4D {
  const { strides, pad, dataFormat, dimRoundingMode, inputShape } = attrs;
  return tidy(() => {
    const channelsFirst = dataFormat === 'NCHW';
    const shape = (
      channelsFirst ? [inputShape[0], inputShape[2], inputShape[3], inputShape[1]] : inputShape
    ) as [number, number, number, number];
    const dys = channelsFirst ? transpose(dy, [0, 2, 3, 1]) : dy;
    const info = backend_util.computeConv2DInfo(shape, filter.shape, strides, 1, pad, dimRoundingMode);
    const dx = inputGradViaConv(
      dys,
      filter,
      {
        kernel: [info.filterHeight, info.filterWidth],
        strides: [info.strideHeight, info.strideWidth],
        input: [info.inHeight, info.inWidth],
        padBefore: [info.padInfo.top, info.padInfo.left],
      },
      (x, w) => conv2d(x as Tensor4D, w as Tensor4D, 1, 'valid'),
    ) as Tensor4D;
    return channelsFirst ? transpose(dx, [0, 3, 1, 2]) : dx;
  });
}

/** Registered for wasm (replacing the stock kernel) by {@link registerWasmTrainingKernels}. */
export const conv2dBackpropInputConfig: KernelConfig = {
  kernelName: Conv2DBackpropInput,
  backendName: 'wasm',
  kernelFunc: ({ inputs, attrs }): TensorInfo => {
    const { dy, filter } = inputs as Conv2DBackpropInputInputs;
    return conv2dBackpropInputViaConv2d(
      asTensor(dy, 4, Conv2DBackpropInput, 'dy') as Tensor4D,
      asTensor(filter, 4, Conv2DBackpropInput, 'filter') as Tensor4D,
      attrs as unknown as Conv2DBackpropInputAttrs,
    );
  },
};
