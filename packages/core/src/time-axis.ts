import { reshape, slice, type Tensor, unstack } from '@tensorflow/tfjs-core';

/*
 * Time-axis views of sequences `[N, T, ...rest]`. The wasm backend slices tensors of rank > 4
 * on a slow generic path (an `unstack` of a [4, 3, 16, 16, 256] sequence took seconds); folded
 * to rank 3 `[N, T, prod(rest)]` the same copies take microseconds. Reshapes are free.
 */

function folded(x: Tensor): { flat: Tensor; rest: number[] } {
  const [n, t, ...rest] = x.shape as number[];
  const size = rest.reduce((a, b) => a * b, 1);
  return { flat: reshape(x, [n as number, t as number, size]), rest };
}

/** The `T` frames `[N, ...rest]` of a sequence `[N, T, ...rest]`. */
export function unstackTime(x: Tensor): Tensor[] {
  const { flat, rest } = folded(x);
  const n = x.shape[0] as number;
  return unstack(flat, 1).map((frame) => reshape(frame, [n, ...rest]));
}

/** Steps `[t0, t0 + k)` of a sequence `[N, T, ...rest]`, as `[N, k, ...rest]`. */
export function sliceTime(x: Tensor, t0: number, k: number): Tensor {
  const { flat, rest } = folded(x);
  const n = x.shape[0] as number;
  return reshape(slice(flat, [0, t0, 0], [n, k, -1]), [n, k, ...rest]);
}

/** Step `t` of a sequence `[N, T, ...rest]`, as `[N, ...rest]`. */
export function frameAt(x: Tensor, t: number): Tensor {
  const { flat, rest } = folded(x);
  const n = x.shape[0] as number;
  return reshape(slice(flat, [0, t, 0], [n, 1, -1]), [n, ...rest]);
}
