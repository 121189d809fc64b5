import {
  backend_util,
  Conv2DBackpropFilter,
  type Conv2DBackpropFilterAttrs,
  type Conv2DBackpropFilterInputs,
  concat,
  type KernelConfig,
  matMul,
  pad,
  reshape,
  slice,
  stridedSlice,
  Tensor,
  type Tensor4D,
  type TensorInfo,
  tidy,
  transpose,
} from '@tensorflow/tfjs-core';

/**
 * `Conv2DBackpropFilter` for backends that lack it (wasm in TF.js 4.22), built from
 * kernels every backend has: the filter gradient of a 2-D convolution is
 * `im2col(x)ᵀ · dy`. Each of the `kh·kw` taps is a strided window of the padded input
 * `[N, OH, OW, Cin]`; stacked along channels they form the im2col matrix
 * `[N·OH·OW, kh·kw·Cin]`, whose column order is exactly the filter layout
 * `[kh, kw, Cin, Cout]`, so one large matMul (transposeA) gives the whole gradient —
 * one XNNPACK call instead of `kh·kw` small ones.
 *
 * Dilation is not an attribute of this kernel (TF.js' conv gradients reject dilation > 1).
 *
 * @param x input `[N, H, W, Cin]` (or `[N, Cin, H, W]` with `dataFormat: 'NCHW'`).
 * @param dy output gradient `[N, OH, OW, Cout]` (or NCHW).
 * @returns filter gradient `[kh, kw, Cin, Cout]`.
 */
export function conv2dBackpropFilterViaMatMul(
  x: Tensor4D,
  dy: Tensor4D,
  attrs: Conv2DBackpropFilterAttrs,
): Tensor4D {
  const { strides, pad: padding, dataFormat, dimRoundingMode, filterShape } = attrs;
  return tidy(() => {
    const channelsFirst = dataFormat === 'NCHW';
    const xs = channelsFirst ? transpose(x, [0, 2, 3, 1]) : x;
    const dys = channelsFirst ? transpose(dy, [0, 2, 3, 1]) : dy;
    const info = backend_util.computeConv2DInfo(
      xs.shape,
      filterShape,
      strides,
      1,
      padding,
      dimRoundingMode,
      false,
      'channelsLast',
    );
    const { filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw } = info;
    const { outHeight: oh, outWidth: ow, inChannels: cin, outChannels: cout, batchSize: n } = info;
    const { top, left } = info.padInfo;
    // Bottom/right padding so the last window of every tap is in range: for 'same'
    // this equals padInfo's, for 'valid' it is 0 (rows past the last window are unused).
    const needH = kh - 1 + (oh - 1) * sh + 1;
    const needW = kw - 1 + (ow - 1) * sw + 1;
    const bottom = Math.max(0, needH - top - xs.shape[1]);
    const right = Math.max(0, needW - left - xs.shape[2]);
    const xp =
      top === 0 && left === 0 && bottom === 0 && right === 0
        ? xs
        : pad(xs, [
            [0, 0],
            [top, bottom],
            [left, right],
            [0, 0],
          ]);
    const taps: Tensor[] = [];
    for (let i = 0; i < kh; i++) {
      for (let j = 0; j < kw; j++) {
        taps.push(
          sh === 1 && sw === 1
            ? slice(xp, [0, i, j, 0], [n, oh, ow, cin])
            : stridedSlice(
                xp,
                [0, i, j, 0],
                [n, i + (oh - 1) * sh + 1, j + (ow - 1) * sw + 1, cin],
                [1, sh, sw, 1],
              ),
        );
      }
    }
    const cols = reshape(taps.length === 1 ? (taps[0] as Tensor) : concat(taps, 3), [
      n * oh * ow,
      kh * kw * cin,
    ]);
    const grad = matMul(cols, reshape(dys, [n * oh * ow, cout]), true, false);
    return reshape(grad, [kh, kw, cin, cout]);
  });
}

// The engine hands kernels the op's own Tensor objects; only backend-internal calls
// pass bare TensorInfos, and no backend calls this kernel internally.
function asTensor4D(info: TensorInfo | undefined, name: string): Tensor4D {
  if (!(info instanceof Tensor) || info.rank !== 4) {
    throw new Error(
      `Conv2DBackpropFilter (wasm, @convlstm/backend-node): input '${name}' must be a rank-4 Tensor`,
    );
  }
  return info as Tensor4D;
}

/** The kernel config registered for the wasm backend. */
export const conv2dBackpropFilterConfig: KernelConfig = {
  kernelName: Conv2DBackpropFilter,
  backendName: 'wasm',
  kernelFunc: ({ inputs, attrs }): TensorInfo => {
    const { x, dy } = inputs as Conv2DBackpropFilterInputs;
    return conv2dBackpropFilterViaMatMul(
      asTensor4D(x, 'x'),
      asTensor4D(dy, 'dy'),
      attrs as unknown as Conv2DBackpropFilterAttrs,
    );
  },
};
