import { engine, getBackend, getKernel, type NamedTensorMap, type Tensor } from '@tensorflow/tfjs-core';
import type { CellConfig } from './config.js';
import type { CellParams } from './weights.js';

/**
 * The extension point for inference on a backend: a kernel of this name registered for the
 * active backend runs a whole step's gate arithmetic (eq. 3 after the convolutions) in one call
 * whenever no gradient is being recorded, so it needs no gradient of its own.
 * `@convlstm/backend-node` registers one for wasm.
 *
 * Inputs (all `float32`):
 * - the gate pre-activations, either `z [N, ...S, 4C]` (gates i, f, c, o stacked on the last
 *   axis) or `zi`, `zf`, `zg`, `zo` `[N, ...S, C]` (one tensor per gate);
 * - optionally a second term added to them first, laid out either way (`x` or `xi`…`xo`): the
 *   projected input when `z` holds the recurrent convolution, which saves the add kernels;
 * - `c [N, ...S, C]`: the previous cell state;
 * - optionally `peepholeI`, `peepholeF`, `peepholeO` `[C]` (all three or none): `w_ci`, `w_cf`, `w_co`.
 *
 * Outputs, in order: `h' [N, ...S, C]`, `c' [N, ...S, C]`, with sigmoid gates and tanh
 * candidate and output.
 */
export const INFERENCE_GATES_KERNEL = 'ConvLSTMGatesInference';

/** Whether ops run now are recorded for a gradient (inside `tf.grad`, `variableGrads`, `minimize`). */
export function recordingGradient(): boolean {
  return engine().state.gradientDepth > 0;
}

/**
 * Whether a step of this cell may run {@link INFERENCE_GATES_KERNEL} now: the active backend has
 * one, the activations are the paper's, and nothing is being recorded for a gradient.
 */
export function canRunInferenceGates(config: CellConfig): boolean {
  return (
    config.recurrentActivation === 'sigmoid' &&
    config.activation === 'tanh' &&
    !recordingGradient() &&
    getKernel(INFERENCE_GATES_KERNEL, getBackend()) !== undefined
  );
}

/** Stacked `[N, ...S, 4C]` or one tensor per gate. */
export type GatePreactivations = Tensor | readonly Tensor[];

function named(prefix: 'z' | 'x', value: GatePreactivations): NamedTensorMap {
  if (!Array.isArray(value)) return { [prefix]: value as Tensor };
  const [i, f, g, o] = value as readonly Tensor[];
  return { [`${prefix}i`]: i, [`${prefix}f`]: f, [`${prefix}g`]: g, [`${prefix}o`]: o } as NamedTensorMap;
}

/** One step's gates through {@link INFERENCE_GATES_KERNEL}: `z (+ x)` and `c` to `h'`, `c'`. */
export function runInferenceGates(
  params: CellParams,
  z: GatePreactivations,
  x: GatePreactivations | null,
  c: Tensor,
): { h: Tensor; c: Tensor } {
  const inputs: NamedTensorMap = { ...named('z', z), ...(x === null ? {} : named('x', x)), c };
  if (params.peepholeI !== null && params.peepholeF !== null && params.peepholeO !== null) {
    Object.assign(inputs, {
      peepholeI: params.peepholeI,
      peepholeF: params.peepholeF,
      peepholeO: params.peepholeO,
    });
  }
  const [h, cNext] = engine().runKernel(INFERENCE_GATES_KERNEL, inputs) as [Tensor, Tensor];
  return { h, c: cNext };
}
