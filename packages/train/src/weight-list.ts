import { assertShape, ConvLSTMArgumentError, describeValue, formatShape } from '@convlstm/tensor';
import type { Tensor } from '@tensorflow/tfjs-core';

/** Checks a weight list against expected shapes, naming the first offending weight. */
export function assertNamedWeights(
  weights: unknown,
  shapes: readonly (readonly number[])[],
  names: readonly string[],
  argument: string,
): asserts weights is Tensor[] {
  if (!Array.isArray(weights) || weights.length !== shapes.length) {
    throw new ConvLSTMArgumentError(
      argument,
      `${shapes.length} tensors (${names.join(', ')})`,
      Array.isArray(weights) ? `${weights.length} entries` : describeValue(weights),
    );
  }
  shapes.forEach((shape, i) => {
    assertShape(weights[i], shape, `${argument}[${i}] (${names[i]})`, formatShape(shape));
  });
}
