import type { Scalar, Tensor } from '@tensorflow/tfjs-core';

/** Training losses. */
export type LossName = 'bce' | 'mse';

export function bceFromLogits(_logits: Tensor, _targets: Tensor): Scalar {
  throw new Error('not implemented yet');
}

export function meanSquaredError(_predictions: Tensor, _targets: Tensor): Scalar {
  throw new Error('not implemented yet');
}
