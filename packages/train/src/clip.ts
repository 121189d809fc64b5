import {
  add,
  div,
  maximum,
  mul,
  type Scalar,
  sqrt,
  square,
  sum,
  type Tensor,
  tidy,
} from '@tensorflow/tfjs-core';

/**
 * Global-norm gradient clipping (Pascanu et al. 2013, TF's `clip_by_global_norm`):
 * `norm = sqrt(Σ_i ‖g_i‖²)`; when `maxNorm` is given and `norm > maxNorm`, every gradient is
 * scaled by `maxNorm / norm`. Returns new tensors (the caller disposes them) and the norm before clipping.
 */
export function clipByGlobalNorm(
  grads: readonly Tensor[],
  maxNorm: number | null,
): { grads: Tensor[]; norm: Scalar } {
  return tidy(() => {
    // Pairwise adds, not one addN: tfjs-backend-webgpu runs addN as one program with a storage
    // buffer per input, which fails past the device's limit (8 by default; a one-layer model has 13 weights).
    const norm = sqrt(grads.map((g) => sum(square(g))).reduce((a, b) => add(a, b))) as Scalar;
    const scale = maxNorm === null ? null : div(maxNorm, maximum(norm, maxNorm));
    return { grads: grads.map((g) => (scale === null ? g.clone() : mul(g, scale))), norm };
  });
}
