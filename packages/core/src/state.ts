import {
  assertShape,
  ConvLSTMArgumentError,
  describeValue,
  FRAME_LAYOUT,
  type SpatialRank,
} from '@convlstm/tensor';
import type { Tensor } from '@tensorflow/tfjs-core';

/**
 * Checks one `{h, c}` state against the expected `[N, ...S, C]`, naming the argument,
 * the expected and the received shape and dtype.
 */
export function assertState(
  state: unknown,
  expected: readonly number[],
  rank: SpatialRank,
  argument: string,
): asserts state is { h: Tensor; c: Tensor } {
  if (typeof state !== 'object' || state === null) {
    throw new ConvLSTMArgumentError(argument, 'an object { h, c }', describeValue(state));
  }
  const s = state as { h?: unknown; c?: unknown };
  assertShape(s.h, expected, `${argument}.h`, FRAME_LAYOUT[rank]);
  assertShape(s.c, expected, `${argument}.c`, FRAME_LAYOUT[rank]);
}
