import {
  backend_util,
  Conv3DBackpropInputV2,
  type Conv3DBackpropInputV2Attrs,
  type Conv3DBackpropInputV2Inputs,
  conv3d,
  expandDims,
  type KernelConfig,
  pad,
  reshape,
  reverse,
  slice,
  type Tensor,
  type Tensor5D,
  type TensorInfo,
  tidy,
  transpose,
} from '@tensorflow/tfjs-core';
import { asTensor } from './tensor-input.js';

/** Puts `s - 1` zeros between the elements of `t` along `axis` (a strided conv's upsampling). */
function spread(t: Tensor, axis: number, s: number): Tensor {
  if (s === 1) return t;
  const shape = t.shape;
  const size = shape[axis] as number;
  const widened = pad(
    expandDims(t, axis + 1),
    [...shape, 1].map((_, i) => (i === axis + 1 ? [0, s - 1] : [0, 0])) as [number, number][],
  );
  const merged = reshape(
    widened,
    shape.map((d, i) => (i === axis ? d * s : d)),
  );
  return slice(
    merged,
    shape.map(() => 0),
    shape.map((d, i) => (i === axis ? (size - 1) * s + 1 : d)),
  );
}

/**
 * `Conv3DBackpropInputV2` as a stride-1 "full" correlation of the upsampled `dy` with
 * the spatially flipped, channel-swapped filter, run by the (correct) wasm `Conv3D`.
 * Replaces the wasm backend's own kernel of TF.js 4.22, which returns varying, wrong
 * values (its output buffer is accumulated into without being cleared).
 *
 * Per axis, `dx[i] = Σ_k dy_up[i + padBefore - k] · w[k]`; with `k' = K - 1 - k` this is
 * a correlation of `dy_up` padded by `K - 1 - padBefore` before, and by whatever makes
 * the output exactly `inShape` after.
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
  return tidy(() => {
    const kernel = [info.filterDepth, info.filterHeight, info.filterWidth];
    const strides = [info.strideDepth, info.strideHeight, info.strideWidth];
    const input = [info.inDepth, info.inHeight, info.inWidth];
    const padBefore = [info.padInfo.front, info.padInfo.top, info.padInfo.left];
    let up: Tensor = dy;
    strides.forEach((s, a) => {
      up = spread(up, a + 1, s);
    });
    const before = kernel.map((k, a) => k - 1 - (padBefore[a] as number));
    const after = kernel.map(
      (k, a) => (input[a] as number) + k - 1 - (before[a] as number) - (up.shape[a + 1] as number),
    );
    // Negative amounts crop instead of pad (never for TF's 'same'/'valid', kept for safety).
    const padded = pad(up, [
      [0, 0],
      ...before.map((b, a) => [Math.max(0, b), Math.max(0, after[a] as number)] as [number, number]),
      [0, 0],
    ]);
    const cropBegin = [0, ...before.map((b) => Math.max(0, -b)), 0];
    const cropSize = [-1, ...kernel.map((k, a) => (input[a] as number) + k - 1), -1];
    const windowed =
      before.some((b) => b < 0) || after.some((b) => b < 0) ? slice(padded, cropBegin, cropSize) : padded;
    const flipped = transpose(reverse(filter, [0, 1, 2]), [0, 1, 2, 4, 3]) as Tensor5D;
    return conv3d(windowed as Tensor5D, flipped, 1, 'valid');
  });
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
