import type { Tensor } from '@tensorflow/tfjs-core';

/*
 * Every kernel the core runs that TF.js itself does not define, with its inputs, attributes and
 * outputs (TF.js' `kernel_names.ts` pattern). Backends import these names and register what they
 * provide for their backend (`registerKernel`); the core runs a kernel only where one is
 * registered for the active backend and falls back to TF.js ops elsewhere.
 */

/**
 * One ConvLSTM step's gate arithmetic (eq. 3 of Shi et al. 2015 after the convolutions), with
 * the paper's activations (sigmoid gates, tanh candidate and output):
 *   i = σ(z_i + w_ci∘c), f = σ(z_f + w_cf∘c), g = tanh(z_g), c' = f∘c + i∘g,
 *   o = σ(z_o + w_co∘c'), h' = o∘tanh(c'),   with z = z (+ x).
 *
 * Inputs ({@link GatesInputs}, all `float32`); attributes: none; outputs, in order: `h'`, `c'`,
 * both `[N, ...S, C]`.
 *
 * The core runs it whenever no gradient is recorded, and under a gradient tape only where the
 * backend also registers {@link CONVLSTM_GATES_GRAD}: the gradient of this kernel is the core's
 * (`register-gradients.ts`) and runs that one. Under a tape the core passes the full form: no
 * `x`, and all three peepholes (zeros for a cell without them).
 */
export const CONVLSTM_GATES = 'ConvLSTMGates';

/** Inputs of {@link CONVLSTM_GATES}. */
export interface GatesInputs {
  /** Pre-activations `[N, ...S, 4C]`, gates stacked i, f, c (candidate), o on the last axis. */
  z: Tensor;
  /** Optional second term `[N, ...S, 4C]` added to `z` (the projected input when `z` is the recurrent convolution). */
  x?: Tensor;
  /** The previous cell state `[N, ...S, C]`. */
  c: Tensor;
  /** Peephole weights `w_ci`, `w_cf`, `w_co`, each `[C]`: all three or none. */
  peepholeI?: Tensor;
  peepholeF?: Tensor;
  peepholeO?: Tensor;
}

/** Input names of {@link CONVLSTM_GATES}' full form, the form its gradient saves. */
export const GATES_GRAD_SAVED = ['z', 'c', 'peepholeI', 'peepholeF', 'peepholeO'] as const;

/**
 * The backward of {@link CONVLSTM_GATES} for one step (optional: a backend that registers it lets
 * the core use the gate kernel under a gradient tape).
 *
 * Inputs ({@link GatesGradInputs}, all `float32`): the forward's full form — `z [N, ...S, 4C]`,
 * `c [N, ...S, C]`, `peepholeI/F/O [C]` — then `dh`, `dcNext` `[N, ...S, C]`, the gradients
 * flowing into `h'` and `c'`. Attributes: none. Outputs, in order: `dz [N, ...S, 4C]`,
 * `dc [N, ...S, C]` and the per-position peephole partials `[3, N, ...S, C]` (i, f, o), which the
 * core sums over every axis but the last.
 */
export const CONVLSTM_GATES_GRAD = 'ConvLSTMGatesGrad';

/** Inputs of {@link CONVLSTM_GATES_GRAD}. */
export interface GatesGradInputs {
  z: Tensor;
  c: Tensor;
  peepholeI: Tensor;
  peepholeF: Tensor;
  peepholeO: Tensor;
  dh: Tensor;
  dcNext: Tensor;
}

/** Input names of {@link CONVLSTM_GATES_GRAD}, in order. */
export const GATES_GRAD_INPUTS = [...GATES_GRAD_SAVED, 'dh', 'dcNext'] as const;
