import { assertShape, ConvLSTMArgumentError, describeValue, formatShape } from '@convlstm/tensor';
import { type Tensor, type Tensor4D, type Tensor5D, transpose } from '@tensorflow/tfjs-core';

/** The seed's channels-first frame layout. */
export const FRAME_CF = '[B, C, H, W]';

/** A channels-first state pair `[h, c]`, each `[B, C, H, W]` (the seed's `(h, c)` tuple). */
export type StatePair = readonly [Tensor4D, Tensor4D];

/** `[B, C, H, W]` → `[B, H, W, C]`. */
export function frameToLast(x: Tensor): Tensor4D {
  return transpose(x, [0, 2, 3, 1]) as Tensor4D;
}

/** `[B, H, W, C]` → `[B, C, H, W]`. */
export function frameToFirst(x: Tensor): Tensor4D {
  return transpose(x, [0, 3, 1, 2]) as Tensor4D;
}

/** `[B, T, C, H, W]` (or `[T, B, C, H, W]` when not batch-first) → `[B, T, H, W, C]`. */
export function sequenceToLast(x: Tensor, batchFirst: boolean): Tensor5D {
  return transpose(x, batchFirst ? [0, 1, 3, 4, 2] : [1, 0, 3, 4, 2]) as Tensor5D;
}

/** `[B, T, H, W, C]` → `[B, T, C, H, W]`. */
export function sequenceToFirst(x: Tensor): Tensor5D {
  return transpose(x, [0, 1, 4, 2, 3]) as Tensor5D;
}

/** Throws unless every dimension of `t` is at least 1 (TF.js ops misbehave on empty tensors). */
export function assertNonEmpty(t: Tensor, argument: string, layout: string): void {
  if (t.shape.some((d) => d < 1)) {
    throw new ConvLSTMArgumentError(
      argument,
      `a non-empty tensor ${layout}`,
      `shape ${formatShape(t.shape)}`,
    );
  }
}

/** Checks one `[h, c]` pair against the expected channels-first shape. */
export function assertStatePair(
  state: unknown,
  expected: readonly number[],
  argument: string,
): asserts state is StatePair {
  if (!Array.isArray(state) || state.length !== 2) {
    throw new ConvLSTMArgumentError(
      argument,
      `a pair [h, c] of tensors ${formatShape(expected)} ${FRAME_CF}`,
      describeValue(state),
    );
  }
  assertShape(state[0], expected, `${argument}[0] (h)`, FRAME_CF);
  assertShape(state[1], expected, `${argument}[1] (c)`, FRAME_CF);
}
