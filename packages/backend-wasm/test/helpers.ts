import { SeededRandom } from '@convlstm/core/internal';
import { type Tensor, tensor } from '@tensorflow/tfjs-core';

/** A tensor of seeded uniform values in [-scale, scale). */
export function seededTensor(shape: number[], seed: number, scale = 1): Tensor {
  const r = new SeededRandom(seed);
  const size = shape.reduce((a, b) => a * b, 1);
  return tensor(
    Float32Array.from({ length: size }, () => (2 * r.next() - 1) * scale),
    shape,
  );
}

/** Largest `|a - e| - rtol·|e|` over all elements; `<= atol` means close. */
export function maxExcess(actual: ArrayLike<number>, expected: ArrayLike<number>, rtol: number): number {
  if (actual.length !== expected.length) return Number.POSITIVE_INFINITY;
  let worst = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i] as number;
    const e = expected[i] as number;
    const d = Math.abs(a - e) - rtol * Math.abs(e);
    if (!(d <= worst)) worst = Number.isNaN(d) ? Number.POSITIVE_INFINITY : d;
  }
  return worst;
}
