import type { SpatialRank } from '@convlstm/tensor';
import {
  add,
  conv1d,
  conv2d,
  conv3d,
  expandDims,
  fused,
  pad,
  reshape,
  slice,
  type Tensor,
  type Tensor1D,
  type Tensor3D,
  type Tensor4D,
  type Tensor5D,
} from '@tensorflow/tfjs-core';
import { getBackendProfile } from './backend-profile.js';
import { recordingGradient } from './recording.js';

/** Output size of a "same" convolution: `ceil(size / stride)`. */
export function sameOutputSize(size: number, stride: number): number {
  return Math.ceil(size / stride);
}

/**
 * Spreads a kernel `[...k, Cin, Cout]` with `d - 1` zeros between taps along each
 * spatial axis, so a dilated convolution runs as a plain one. TF.js' conv gradients
 * reject dilation > 1; built from pad/reshape/slice, this one is differentiable
 * everywhere, on every backend.
 */
export function dilateKernel(kernel: Tensor, dilations: readonly number[]): Tensor {
  let k = kernel;
  dilations.forEach((d, axis) => {
    if (d === 1) return;
    const shape = k.shape;
    const size = shape[axis] as number;
    const spread = expandDims(k, axis + 1);
    const paddings = spread.shape.map((_, i) => (i === axis + 1 ? [0, d - 1] : [0, 0])) as [number, number][];
    const merged = reshape(pad(spread, paddings), [
      ...shape.slice(0, axis),
      size * d,
      ...shape.slice(axis + 1),
    ]);
    const begin = shape.map(() => 0);
    const sizes = shape.map((s, i) => (i === axis ? (size - 1) * d + 1 : s));
    k = slice(merged, begin, sizes);
  });
  return k;
}

/**
 * A channels-last "same" convolution of rank 1, 2 or 3 (`x [M, ...S, Cin]`,
 * `kernel [...k, Cin, Cout]`); size-preserving for odd and even kernels, as TF pads.
 */
export function convSame(
  x: Tensor,
  kernel: Tensor,
  rank: SpatialRank,
  strides: readonly number[],
  dilations: readonly number[],
): Tensor {
  const k = dilations.some((d) => d > 1) ? dilateKernel(kernel, dilations) : kernel;
  switch (rank) {
    case 1:
      return conv1d(x as Tensor3D, k as Tensor3D, strides[0] as number, 'same');
    case 2:
      return conv2d(x as Tensor4D, k as Tensor4D, strides as [number, number], 'same');
    case 3:
      return conv3d(x as Tensor5D, k as Tensor5D, strides as [number, number, number], 'same');
  }
}

/**
 * {@link convSame} plus a per-channel `bias [Cout]`. In 2-D the bias goes into the convolution
 * kernel itself (TF.js' fused conv2d) while no gradient is recorded: on wasm XNNPACK adds it while
 * writing the output, where a separate broadcast `Add` over all N·T frames cost a quarter of the
 * convolution's time (bench shape (c)). Under a gradient tape the fused conv2d's gradient is the
 * slower one on native TensorFlow, so there it is only used where the backend's profile says
 * `fusedBiasGradient` (wasm).
 */
export function convSameWithBias(
  x: Tensor,
  kernel: Tensor,
  bias: Tensor,
  rank: SpatialRank,
  strides: readonly number[],
  dilations: readonly number[],
): Tensor {
  const unfused =
    rank !== 2 ||
    dilations.some((d) => d > 1) ||
    (recordingGradient() && getBackendProfile().fusedBiasGradient !== true);
  if (unfused) return add(convSame(x, kernel, rank, strides, dilations), bias);
  return fused.conv2d({
    x: x as Tensor4D,
    filter: kernel as Tensor4D,
    strides: strides as [number, number],
    pad: 'same',
    bias: bias as Tensor1D,
  });
}
