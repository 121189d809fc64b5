import '@tensorflow/tfjs-backend-cpu';
import { zeros } from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { assertInt, assertShape, ConvLSTMArgumentError, formatShape, toTuple } from '../src/index.js';

describe('shape assertions', () => {
  it('accept matching shapes and wildcard dimensions', () => {
    const x = zeros([2, 3, 4, 5, 1]);
    expect(() => assertShape(x, [null, null, 4, 5, 1], 'xs', '[N, T, H, W, C]')).not.toThrow();
    x.dispose();
  });

  it('name the argument, the expected and the received shape', () => {
    const x = zeros([2, 3, 4]);
    try {
      assertShape(x, [null, null, null, 1], 'x', '[N, H, W, C]');
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(ConvLSTMArgumentError);
      expect((e as Error).message).toBe(
        'Invalid x: expected shape [?, ?, ?, 1] ([N, H, W, C]), received shape [2, 3, 4].',
      );
    }
    x.dispose();
  });

  it('reject a disposed tensor, a wrong dtype and a non-tensor', () => {
    const x = zeros([1, 1], 'int32');
    expect(() => assertShape(x, [1, 1], 'x', '[A, B]')).toThrow(
      /expected dtype float32, received dtype int32/,
    );
    x.dispose();
    expect(() => assertShape(x, [1, 1], 'x', '[A, B]')).toThrow(/disposed/);
    expect(() => assertShape([1, 2], [1, 1], 'x', '[A, B]')).toThrow(/received \[1, 2\]/);
  });

  it('normalise int-or-tuple options', () => {
    expect(toTuple(3, 2, 'k')).toEqual([3, 3]);
    expect(toTuple([1, 2, 3], 3, 'k')).toEqual([1, 2, 3]);
    expect(() => toTuple([3, 3], 3, 'kernelSize')).toThrow(
      /Invalid kernelSize: expected a positive integer or 3 positive integers, received \[3, 3\]/,
    );
    expect(() => toTuple(0, 2, 'k')).toThrow(/received 0/);
    expect(() => assertInt(2.5, 'n')).toThrow(/received 2\.5/);
    expect(formatShape([null, 4])).toBe('[?, 4]');
  });
});
