import {
  abs,
  add,
  broadcastTo,
  div,
  exp,
  log1p,
  maximum,
  mean,
  mul,
  neg,
  relu,
  type Scalar,
  scalar,
  square,
  sub,
  sum,
  type Tensor,
} from '@tensorflow/tfjs-core';

/**
 * Mean of `values` over the elements where `mask` is 1 (`mask` 0/1, broadcastable to `values`),
 * or over all elements without a mask. An all-zero mask gives 0, not NaN.
 */
function maskedMean(values: Tensor, mask?: Tensor): Scalar {
  if (mask === undefined) return mean(values) as Scalar;
  const weights = broadcastTo(mask, values.shape);
  return div(sum(mul(values, weights)), maximum(sum(weights), scalar(1))) as Scalar;
}

/** Training losses: `'bce'` (the paper's cross-entropy, from logits) or `'mse'` (on probabilities). */
export type LossName = 'bce' | 'mse';

/**
 * Per-pixel binary cross-entropy from logits, averaged over all elements:
 * `mean(max(z, 0) − z·y + log(1 + exp(−|z|)))`, which equals `−[y·log σ(z) + (1−y)·log(1−σ(z))]`
 * without overflow for large `|z|`. Shi et al. (2015) minimise this cross-entropy (they report
 * its sum per sequence; the mean differs by a constant factor). With `mask` (0/1, e.g.
 * `[N, Tout, H, W, 1]` like the targets) the mean runs over the pixels where it is 1 only, so
 * no-data pixels never count.
 */
export function bceFromLogits(logits: Tensor, targets: Tensor, mask?: Tensor): Scalar {
  return maskedMean(add(sub(relu(logits), mul(logits, targets)), log1p(exp(neg(abs(logits))))), mask);
}

/** Mean absolute error over all elements of `predictions` and `targets` (over `mask`'s 1s when given). */
export function meanAbsoluteError(predictions: Tensor, targets: Tensor, mask?: Tensor): Scalar {
  return maskedMean(abs(sub(predictions, targets)), mask);
}

/** Mean squared error over all elements of `predictions` and `targets` (over `mask`'s 1s when given). */
export function meanSquaredError(predictions: Tensor, targets: Tensor, mask?: Tensor): Scalar {
  return maskedMean(square(sub(predictions, targets)), mask);
}
