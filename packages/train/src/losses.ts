import {
  abs,
  add,
  broadcastTo,
  customGrad,
  div,
  exp,
  type GradSaveFunc,
  log1p,
  maximum,
  mean,
  mul,
  neg,
  relu,
  type Scalar,
  scalar,
  sigmoid,
  sign,
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
  return div(sum(mul(values, mask)), meanDenominator(values, mask)) as Scalar;
}

/**
 * `Σ w` of a masked mean as a scalar (`max(Σ w, 1)` as {@link maskedMean} divides by), or the
 * element count without a mask.
 */
function meanDenominator(like: Tensor, mask?: Tensor): Tensor {
  return mask === undefined ? scalar(like.size) : maximum(sum(broadcastTo(mask, like.shape)), scalar(1));
}

/**
 * A masked mean of `f(logits)` whose gradient w.r.t. `logits` is `dy · w · g(logits) / Σ w`,
 * written by hand: a few kernels over the output frames instead of the tape's through every op
 * (on native TensorFlow, `abs`' gradient alone is six). `grad` receives the saved `σ(logits)`.
 */
function lossWithGradient(
  logits: Tensor,
  targets: Tensor,
  mask: Tensor | undefined,
  value: (z: Tensor, p: Tensor, y: Tensor) => Tensor,
  grad: (p: Tensor, y: Tensor) => Tensor,
): Scalar {
  const run = customGrad((...args: (Tensor | GradSaveFunc)[]) => {
    const [z, save] = args as [Tensor, GradSaveFunc];
    const p = sigmoid(z);
    // Saved, not closed over: the caller's targets and mask may be freed before the backward runs.
    save(mask === undefined ? [p, targets] : [p, targets, mask]);
    return {
      value: maskedMean(value(z, p, targets), mask),
      gradFunc: (dy: Tensor, saved: Tensor[]) => {
        const [ps, y, m] = saved as [Tensor, Tensor, Tensor | undefined];
        const g = grad(ps, y);
        return mul(m === undefined ? g : mul(g, m), div(dy, meanDenominator(ps, m)));
      },
    };
  });
  return run(logits) as Scalar;
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
  // d/dz of the per-pixel term is σ(z) − y.
  return lossWithGradient(
    logits,
    targets,
    mask,
    (z, _p, y) => add(sub(relu(z), mul(z, y)), log1p(exp(neg(abs(z))))),
    (p, y) => sub(p, y),
  );
}

/**
 * Mean absolute error of the probabilities `σ(logits)` against `targets` (over `mask`'s 1s when
 * given): {@link meanAbsoluteError} of `sigmoid(logits)`, with its gradient w.r.t. the logits
 * written by hand (`sign(σ − y) · σ(1 − σ)`), for training steps that have the logits.
 */
export function meanAbsoluteErrorFromLogits(logits: Tensor, targets: Tensor, mask?: Tensor): Scalar {
  return lossWithGradient(
    logits,
    targets,
    mask,
    (_z, p, y) => abs(sub(p, y)),
    (p, y) => mul(sign(sub(p, y)), mul(p, sub(1, p))),
  );
}

/** Mean absolute error over all elements of `predictions` and `targets` (over `mask`'s 1s when given). */
export function meanAbsoluteError(predictions: Tensor, targets: Tensor, mask?: Tensor): Scalar {
  return maskedMean(abs(sub(predictions, targets)), mask);
}

/** Mean squared error over all elements of `predictions` and `targets` (over `mask`'s 1s when given). */
export function meanSquaredError(predictions: Tensor, targets: Tensor, mask?: Tensor): Scalar {
  return maskedMean(square(sub(predictions, targets)), mask);
}
