import { reshape, reverse, split, type Tensor, unstack } from '@tensorflow/tfjs-core';

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
  // tfjs-core's Unpack gradient fails on a size-1 axis (it receives one tensor, not a list).
  if (x.shape[1] === 1) return [squeezeTime(x)];
  const { flat, rest } = folded(x);
  const n = x.shape[0] as number;
  return unstack(flat, 1).map((frame) => reshape(frame, [n, ...rest]));
}

/** Consecutive pieces `[N, sizes[i], ...rest]` of a sequence `[N, T, ...rest]` (one kernel). */
export function splitTime(x: Tensor, sizes: readonly number[]): Tensor[] {
  const { flat, rest } = folded(x);
  const n = x.shape[0] as number;
  return split(flat, [...sizes], 1).map((piece, i) => reshape(piece, [n, sizes[i] as number, ...rest]));
}

/** A one-step sequence `[N, 1, ...rest]` as a frame `[N, ...rest]`. */
export function squeezeTime(x: Tensor): Tensor {
  const [n, , ...rest] = x.shape as number[];
  return reshape(x, [n as number, ...rest]);
}

/**
 * A sequence `[N, T, ...rest]` in reversed time. Reversed as a rank-3 view: besides being
 * faster on wasm, tfjs-backend-webgpu 4.22's `Reverse` fails on rank-5 tensors.
 */
export function reverseTime(x: Tensor): Tensor {
  const { flat } = folded(x);
  return reshape(reverse(flat, 1), x.shape);
}
