import {
  concat,
  matMul,
  pad,
  reshape,
  slice,
  stridedSlice,
  type Tensor,
  tidy,
  transpose,
} from '@tensorflow/tfjs-core';

/** Geometry of one channels-last convolution, per spatial axis. */
export interface ConvGeometry {
  /** Kernel size per spatial axis. */
  readonly kernel: readonly number[];
  readonly strides: readonly number[];
  /** Output size per spatial axis. */
  readonly out: readonly number[];
  /** Padding before the first element, per spatial axis (negative: the first windows start inside). */
  readonly padBefore: readonly number[];
}

/** All kernel offsets, last axis fastest: the order of the filter's `[...k]` axes. */
function kernelOffsets(kernel: readonly number[]): number[][] {
  let offsets: number[][] = [[]];
  for (const k of kernel) {
    offsets = offsets.flatMap((o) => Array.from({ length: k }, (_, i) => [...o, i]));
  }
  return offsets;
}

/**
 * Filter gradient of a channels-last convolution (dilation 1) of any spatial rank:
 * `im2col(x)ᵀ · dy`. Each kernel tap is a strided window `[Cin, N, ...out]` of the
 * padded, channels-first input; stacked along axis 0 they form `im2col(x)ᵀ`
 * `[∏k·Cin, N·∏out]`, whose row order is the filter layout `[...k, Cin, Cout]`, so one
 * large matMul yields the whole gradient — one XNNPACK call instead of `∏k` small ones.
 *
 * @param x input `[N, ...S, Cin]`.
 * @param dy output gradient `[N, ...out, Cout]`.
 * @returns the filter gradient `[...k, Cin, Cout]`.
 */
export function filterGradViaMatMul(x: Tensor, dy: Tensor, g: ConvGeometry): Tensor {
  return tidy(() => {
    const rank = g.kernel.length;
    const n = x.shape[0] as number;
    const cin = x.shape[rank + 1] as number;
    const cout = dy.shape[rank + 1] as number;
    // TF.js' 3-D 'same' padding can be negative (it does not clamp at 0; its forward
    // kernels then start one element in), so a negative amount crops instead of pads.
    const before = g.padBefore.map((p) => Math.max(0, p));
    const shift = g.padBefore.map((p) => Math.max(0, -p));
    // Pad after so the last window of every tap is in range: for 'same' this is the
    // usual padding, for 'valid' 0 (input past the last window is never read).
    const after = g.kernel.map((k, a) =>
      Math.max(
        0,
        k +
          ((g.out[a] as number) - 1) * (g.strides[a] as number) -
          (g.padBefore[a] as number) -
          (x.shape[a + 1] as number),
      ),
    );
    // Channels first, so the taps stack along axis 0 straight into im2colᵀ
    // `[∏k·Cin, N·∏out]` and the matMul needs no transposed operand (TF.js wasm's
    // BatchMatMul is ~10× slower with transposeA or transposeB than without).
    const xc = transpose(x, [rank + 1, ...Array.from({ length: rank + 1 }, (_, i) => i)]);
    const padded = before.some((p) => p > 0) || after.some((p) => p > 0);
    const xp = padded
      ? pad(xc, [[0, 0], [0, 0], ...before.map((p, a) => [p, after[a]] as [number, number])])
      : xc;
    const unitStrides = g.strides.every((s) => s === 1);
    const taps = kernelOffsets(g.kernel).map((offset) => {
      const start = offset.map((o, a) => o + (shift[a] as number));
      const begin = [0, 0, ...start];
      if (unitStrides) return slice(xp, begin, [cin, n, ...g.out]);
      const end = [
        cin,
        n,
        ...start.map((o, a) => o + ((g.out[a] as number) - 1) * (g.strides[a] as number) + 1),
      ];
      return stridedSlice(xp, begin, end, [1, 1, ...g.strides]);
    });
    const rows = n * g.out.reduce((p, q) => p * q, 1);
    const colsT = reshape(taps.length === 1 ? (taps[0] as Tensor) : concat(taps, 0), [
      taps.length * cin,
      rows,
    ]);
    const grad = matMul(colsT, reshape(dy, [rows, cout]));
    return reshape(grad, [...g.kernel, cin, cout]);
  });
}
