/**
 * Name of the fused forward kernel of one ConvLSTM step's gate arithmetic.
 *
 * Inputs (all `float32`):
 * - `z [N, ...S, 4C]`: pre-activations `W_x∗x + W_h∗h + b`, gates stacked i, f, c, o on the last axis;
 * - `c [N, ...S, C]`: the previous cell state;
 * - `peepholeI`, `peepholeF`, `peepholeO` `[C]`: the peephole weights `w_ci`, `w_cf`, `w_co`
 *   (pass zeros for a cell without peepholes: the result is then exactly the peephole-free step).
 *
 * Attributes: none. Activations are the paper's: sigmoid gates, tanh candidate and output.
 *
 * Outputs, in order: `h' [N, ...S, C]`, `c' [N, ...S, C]`.
 */
export const GATES_FORWARD = 'ConvLSTMGatesForward';

/**
 * Name of the fused backward kernel. Gate activations are recomputed from `z` and `c`
 * (element-wise, cheaper than keeping four extra `[N, ...S, C]` tensors alive per step).
 *
 * Inputs (all `float32`): `z`, `c`, `peepholeI`, `peepholeF`, `peepholeO` as for {@link GATES_FORWARD},
 * then `dh [N, ...S, C]` and `dcNext [N, ...S, C]`, the gradients flowing into `h'` and `c'`.
 *
 * Attributes: none.
 *
 * Outputs, in order: `dz [N, ...S, 4C]`, `dc [N, ...S, C]`, and the per-position peephole
 * partials `[3, N, ...S, C]` (i, f, o), which summed over every axis but the last give the
 * peephole gradients.
 */
export const GATES_BACKWARD = 'ConvLSTMGatesBackward';

/** The input names of {@link GATES_FORWARD}, in the order the program binds them. */
export const FORWARD_INPUTS = ['z', 'c', 'peepholeI', 'peepholeF', 'peepholeO'] as const;

/** The input names of {@link GATES_BACKWARD}, in the order the program binds them. */
export const BACKWARD_INPUTS = [...FORWARD_INPUTS, 'dh', 'dcNext'] as const;
