import {
  abs,
  add,
  exp,
  log1p,
  mean,
  mul,
  neg,
  relu,
  type Scalar,
  square,
  sub,
  type Tensor,
} from '@tensorflow/tfjs-core';

/** Training losses: `'bce'` (the paper's cross-entropy, from logits) or `'mse'` (on probabilities). */
export type LossName = 'bce' | 'mse';

/**
 * Per-pixel binary cross-entropy from logits, averaged over all elements:
 * `mean(max(z, 0) − z·y + log(1 + exp(−|z|)))`, which equals `−[y·log σ(z) + (1−y)·log(1−σ(z))]`
 * without overflow for large `|z|`. Shi et al. (2015) minimise this cross-entropy (they report
 * its sum per sequence; the mean differs by a constant factor).
 */
export function bceFromLogits(logits: Tensor, targets: Tensor): Scalar {
  return mean(add(sub(relu(logits), mul(logits, targets)), log1p(exp(neg(abs(logits)))))) as Scalar;
}

/** Mean squared error over all elements of `predictions` and `targets`. */
export function meanSquaredError(predictions: Tensor, targets: Tensor): Scalar {
  return mean(square(sub(predictions, targets))) as Scalar;
}
