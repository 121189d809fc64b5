import { add, clipByValue, mul, relu, scalar, sigmoid, sub, type Tensor, tanh } from '@tensorflow/tfjs-core';

/**
 * Activation names accepted by the cells. `hardSigmoid` is tfjs-layers'
 * piecewise-linear `clip(0.2·x + 0.5, 0, 1)` (its ConvLSTM default), offered
 * so Keras models reproduce exactly; the paper uses `sigmoid` and `tanh`.
 */
export type ActivationName = 'tanh' | 'sigmoid' | 'hardSigmoid' | 'relu' | 'linear';

export const ACTIVATIONS: readonly ActivationName[] = ['tanh', 'sigmoid', 'hardSigmoid', 'relu', 'linear'];

/** Applies a named activation element-wise. */
export function activate(name: ActivationName, x: Tensor): Tensor {
  switch (name) {
    case 'tanh':
      return tanh(x);
    case 'sigmoid':
      return sigmoid(x);
    case 'hardSigmoid':
      return clipByValue(add(mul(x, scalar(0.2)), scalar(0.5)), 0, 1);
    case 'relu':
      return relu(x);
    case 'linear':
      return x;
  }
}

/**
 * `tanh(x) = 2σ(2x) − 1`, exact to float32 rounding (~1e-7) and differentiable. For backends whose
 * `Sigmoid` kernel is much faster than their `Tanh` (a backend's profile offers it as `tanh`).
 */
export function tanhViaSigmoid(x: Tensor): Tensor {
  const two = scalar(2);
  return sub(mul(sigmoid(mul(x, two)), two), scalar(1));
}
