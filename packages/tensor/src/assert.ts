import type { Tensor } from '@tensorflow/tfjs-core';
import { ConvLSTMArgumentError, describeValue, formatShape } from './errors.js';

/** A dimension constraint: a fixed size, or `null` for any size. */
export type DimSpec = number | null;

/** Throws unless `value` is a tf.Tensor. */
export function assertTensor(value: unknown, argument: string, layout: string): asserts value is Tensor {
  const ok =
    typeof value === 'object' && value !== null && 'shape' in value && 'dtype' in value && 'dataId' in value;
  if (!ok) throw new ConvLSTMArgumentError(argument, `a tensor ${layout}`, describeValue(value));
  if ((value as Tensor).isDisposed) {
    throw new ConvLSTMArgumentError(argument, `a live tensor ${layout}`, 'a disposed tensor');
  }
}

/**
 * Throws a {@link ConvLSTMArgumentError} unless `t` has the given rank and every
 * non-null entry of `expected` matches; `layout` names the axes, e.g. `[N, T, H, W, C]`.
 */
export function assertShape(
  t: unknown,
  expected: readonly DimSpec[],
  argument: string,
  layout: string,
  dtype: 'float32' | null = 'float32',
): asserts t is Tensor {
  assertTensor(t, argument, layout);
  const shape = t.shape;
  const mismatch = shape.length !== expected.length || expected.some((d, i) => d !== null && shape[i] !== d);
  if (mismatch) {
    throw new ConvLSTMArgumentError(
      argument,
      `shape ${formatShape(expected)} (${layout})`,
      `shape ${formatShape(shape)}`,
    );
  }
  if (dtype !== null && t.dtype !== dtype) {
    throw new ConvLSTMArgumentError(argument, `dtype ${dtype}`, `dtype ${t.dtype}`);
  }
}

/** Throws unless `value` is an integer >= `min` (default 1). */
export function assertInt(value: unknown, argument: string, min = 1): asserts value is number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
    throw new ConvLSTMArgumentError(argument, `an integer >= ${min}`, describeValue(value));
  }
}

/** Throws unless `value` is a finite number in `[lo, hi)`. */
export function assertRate(value: unknown, argument: string): asserts value is number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value >= 1) {
    throw new ConvLSTMArgumentError(argument, 'a number in [0, 1)', describeValue(value));
  }
}

/**
 * Normalises an int-or-tuple option (kernel size, strides, dilation) to a tuple
 * of `n` positive integers, throwing a clear error otherwise.
 */
export function toTuple(value: unknown, n: number, argument: string): number[] {
  const expected = `a positive integer or ${n} positive integers`;
  if (typeof value === 'number') {
    assertIntLike(value, argument, expected);
    return new Array<number>(n).fill(value);
  }
  if (Array.isArray(value) && value.length === n) {
    for (const v of value) assertIntLike(v, argument, expected);
    return [...(value as number[])];
  }
  throw new ConvLSTMArgumentError(argument, expected, describeValue(value));
}

function assertIntLike(v: unknown, argument: string, expected: string): void {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) {
    throw new ConvLSTMArgumentError(argument, expected, describeValue(v));
  }
}

/**
 * Checks that `value` is an options object (or `undefined`) whose keys are all in `known`: an
 * unknown key — a typo, or an option of another API passed here — is an error naming the
 * expected keys, never silently ignored.
 */
export function assertKnownKeys(value: unknown, known: readonly string[], argument: string): void {
  if (value === undefined) return;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ConvLSTMArgumentError(
      argument,
      `an options object with keys among ${known.join(', ')}`,
      describeValue(value),
    );
  }
  for (const key of Object.keys(value)) {
    if (!known.includes(key)) {
      throw new ConvLSTMArgumentError(
        `${argument}.${key}`,
        `one of the known options: ${known.join(', ')}`,
        `unknown option "${key}"`,
      );
    }
  }
}
