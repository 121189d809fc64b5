import {
  expandDims,
  pad,
  reshape,
  reverse,
  slice,
  type Tensor,
  tidy,
  transpose,
} from '@tensorflow/tfjs-core';

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

/** Geometry of the forward convolution whose input gradient is wanted. */
export interface BackpropInputGeometry {
  readonly kernel: readonly number[];
  readonly strides: readonly number[];
  /** Spatial size of the forward input `[...S]`. */
  readonly input: readonly number[];
  /** Padding before the first element per axis, as the forward kernel used it (may be negative). */
  readonly padBefore: readonly number[];
}

/**
 * Input gradient of a channels-last convolution (dilation 1) of spatial rank 2 or 3, as a
 * stride-1 'valid' correlation of the upsampled `dy` with the spatially flipped,
 * channel-swapped filter, run by the backend's forward convolution (XNNPACK on wasm).
 *
 * Per axis, `dx[i] = Σ_k dy_up[i + padBefore - k] · w[k]`; with `k' = K - 1 - k` this is
 * a correlation of `dy_up` padded by `K - 1 - padBefore` before and by whatever makes the
 * output exactly `input` after (negative amounts crop).
 *
 * @param dy `[N, ...out, Cout]`; @param filter `[...k, Cin, Cout]`.
 * @param conv the forward convolution: `(x, w) => conv(x, w, stride 1, 'valid')`.
 * @returns `[N, ...input, Cin]`.
 */
export function inputGradViaConv(
  dy: Tensor,
  filter: Tensor,
  g: BackpropInputGeometry,
  conv: (x: Tensor, w: Tensor) => Tensor,
): Tensor {
  return tidy(() => {
    const rank = g.kernel.length;
    let up = dy;
    g.strides.forEach((s, a) => {
      up = spread(up, a + 1, s);
    });
    const before = g.kernel.map((k, a) => k - 1 - (g.padBefore[a] as number));
    const after = g.kernel.map(
      (k, a) => (g.input[a] as number) + k - 1 - (before[a] as number) - (up.shape[a + 1] as number),
    );
    const padded = pad(up, [
      [0, 0],
      ...before.map((b, a) => [Math.max(0, b), Math.max(0, after[a] as number)] as [number, number]),
      [0, 0],
    ]);
    const crop = before.some((b) => b < 0) || after.some((b) => b < 0);
    const windowed = crop
      ? slice(
          padded,
          [0, ...before.map((b) => Math.max(0, -b)), 0],
          [-1, ...g.kernel.map((k, a) => (g.input[a] as number) + k - 1), -1],
        )
      : padded;
    const spatialAxes = Array.from({ length: rank }, (_, i) => i);
    const flipped = transpose(reverse(filter, spatialAxes), [...spatialAxes, rank + 1, rank]);
    return conv(windowed, flipped);
  });
}
