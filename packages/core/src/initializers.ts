import { ConvLSTMArgumentError, describeValue } from '@convlstm/tensor';
import type { SeededRandom } from './random.js';

/** Built-in weight initialisers, named as in tfjs-layers. */
export type InitializerName = 'glorotUniform' | 'orthogonal' | 'zeros' | 'ones' | 'heNormal';

/** A custom initialiser: fill a tensor of `shape` using the seeded `random` stream. */
export type InitializerFn = (shape: readonly number[], random: SeededRandom) => Float32Array;

export type Initializer = InitializerName | InitializerFn;

const NAMES: readonly InitializerName[] = ['glorotUniform', 'orthogonal', 'zeros', 'ones', 'heNormal'];

export function assertInitializer(value: unknown, argument: string): asserts value is Initializer {
  if (typeof value === 'function') return;
  if (typeof value === 'string' && (NAMES as readonly string[]).includes(value)) return;
  throw new ConvLSTMArgumentError(argument, `one of ${NAMES.join(', ')} or a function`, describeValue(value));
}

/** Fan-in and fan-out of a convolution kernel `[...k, Cin, Cout]`, as Keras computes them. */
function fans(shape: readonly number[]): [number, number] {
  if (shape.length < 2) {
    const n = shape[0] ?? 1;
    return [n, n];
  }
  const receptive = shape.slice(0, -2).reduce((a, b) => a * b, 1);
  return [(shape.at(-2) ?? 1) * receptive, (shape.at(-1) ?? 1) * receptive];
}

/** Draws initial values for a weight of `shape`. */
export function initialize(init: Initializer, shape: readonly number[], random: SeededRandom): Float32Array {
  const size = shape.reduce((a, b) => a * b, 1);
  if (typeof init === 'function') {
    const out = init(shape, random);
    if (out.length !== size) {
      throw new ConvLSTMArgumentError('initializer', `${size} values`, `${out.length} values`);
    }
    return out;
  }
  const out = new Float32Array(size);
  switch (init) {
    case 'zeros':
      return out;
    case 'ones':
      return out.fill(1);
    case 'glorotUniform': {
      const [fanIn, fanOut] = fans(shape);
      const limit = Math.sqrt(6 / Math.max(1, fanIn + fanOut));
      for (let i = 0; i < size; i++) out[i] = (2 * random.next() - 1) * limit;
      return out;
    }
    case 'heNormal': {
      const [fanIn] = fans(shape);
      const std = Math.sqrt(2 / Math.max(1, fanIn));
      for (let i = 0; i < size; i++) out[i] = random.normal() * std;
      return out;
    }
    case 'orthogonal':
      return orthogonal(shape, random);
  }
}

/**
 * Orthogonal init as Keras does it: a `[prod(shape[:-1]), shape[-1]]` matrix with
 * orthonormal columns (or rows, whichever are fewer), by modified Gram-Schmidt.
 */
function orthogonal(shape: readonly number[], random: SeededRandom): Float32Array {
  const cols = shape.at(-1) ?? 1;
  const rows = shape.slice(0, -1).reduce((a, b) => a * b, 1);
  const out = new Float32Array(rows * cols);
  if (rows === 0 || cols === 0) return out;
  // Orthonormalise the `k` short vectors of length `len`, then lay them out.
  const transpose = rows < cols;
  const k = transpose ? rows : cols;
  const len = transpose ? cols : rows;
  const v = new Float64Array(k * len);
  for (let i = 0; i < v.length; i++) v[i] = random.normal();
  for (let a = 0; a < k; a++) {
    const va = a * len;
    for (let b = 0; b < a; b++) {
      const vb = b * len;
      let dot = 0;
      for (let j = 0; j < len; j++) dot += (v[va + j] as number) * (v[vb + j] as number);
      for (let j = 0; j < len; j++) v[va + j] = (v[va + j] as number) - dot * (v[vb + j] as number);
    }
    let norm = 0;
    for (let j = 0; j < len; j++) norm += (v[va + j] as number) ** 2;
    norm = Math.sqrt(norm) || 1;
    for (let j = 0; j < len; j++) v[va + j] = (v[va + j] as number) / norm;
  }
  for (let a = 0; a < k; a++) {
    for (let j = 0; j < len; j++) {
      const value = v[a * len + j] as number;
      if (transpose) out[a * cols + j] = value;
      else out[j * cols + a] = value;
    }
  }
  return out;
}
