import { add, engine, getBackend, getKernel, mul, split, type Tensor, zeros } from '@tensorflow/tfjs-core';
import { activate } from './activations.js';
import type { CellConfig } from './config.js';
import { convSame } from './conv.js';
import { type PreparedConv, prepareConv } from './conv-accelerator.js';
import { canRunInferenceGates, runInferenceGates } from './inference-gates.js';
import type { CellParams } from './weights.js';

/**
 * The input-to-state half of eq. 3 for a batch of frames `x [M, ...S, Cin]`:
 * `W_x ∗ x + b`, all four gates stacked `[M, ...S', 4C]`. It does not depend on the
 * state, so a sequence layer runs it once over all N·T frames.
 */
export function projectInput(config: CellConfig, params: CellParams, x: Tensor): Tensor {
  if (params.kernel === null) throw new Error('projectInput: the cell has no input kernel');
  const { spatialRank, strides, dilationRate: dilations } = config;
  const fast = prepareConv({ filter: params.kernel, spatialRank, strides, dilations });
  const zx = fast !== null ? fast.apply(x) : convSame(x, params.kernel, spatialRank, strides, dilations);
  return params.bias === null ? zx : add(zx, params.bias);
}

/**
 * The extension point for backend bindings: a kernel of this name registered for the active
 * backend replaces the gate arithmetic of every step (sigmoid gates, tanh candidate/output).
 * Inputs `z [N, ...S, 4C]` (gates i, f, c, o), `c [N, ...S, C]`, `peepholeI/F/O [C]` (zeros when
 * the cell has none); outputs `[h', c']`. Its gradient must be registered too.
 * `@convlstm/backend-webgpu` provides it as one WGSL program.
 */
export const FUSED_GATES_KERNEL = 'ConvLSTMGatesForward';

const ONES: Record<number, readonly number[]> = { 1: [1], 2: [1, 1], 3: [1, 1, 1] };

/**
 * One step of eq. 3 of Shi et al. (2015) given the projected input `zx` (or `null`
 * for an input-free cell):
 *   i = σ(zx_i + W_hi∗h + w_ci∘c),  f = σ(zx_f + W_hf∗h + w_cf∘c),  g = tanh(zx_c + W_hc∗h),
 *   c' = f∘c + i∘g,  o = σ(zx_o + W_ho∗h + w_co∘c'),  h' = o∘tanh(c').
 * `h` is `null` when the previous state is known to be zero (the first step of a sequence
 * without initial state), which skips the recurrent convolution. `recurrent` is the recurrent
 * filter prepared by a backend's accelerator (see `prepareConv`), when one applies.
 */
export function stepGates(
  config: CellConfig,
  params: CellParams,
  zx: Tensor | null,
  h: Tensor | null,
  c: Tensor,
  recurrent: PreparedConv | null = null,
): { h: Tensor; c: Tensor } {
  let z: Tensor;
  if (h === null) {
    // A state known to be zero contributes nothing: no recurrent convolution to run.
    if (zx !== null) z = zx;
    else {
      const zero = zeros([...c.shape.slice(0, -1), 4 * config.hiddenChannels]);
      z = params.bias === null ? zero : add(zero, params.bias);
    }
  } else {
    const ones = ONES[config.spatialRank] as readonly number[];
    z =
      recurrent !== null
        ? recurrent.apply(h)
        : convSame(h, params.recurrentKernel, config.spatialRank, ones, ones);
    // The inference kernel adds the projected input itself: one kernel fewer per step.
    if (zx !== null && canRunInferenceGates(config)) return runInferenceGates(params, z, zx, c);
    if (zx !== null) z = add(z, zx);
    else if (params.bias !== null) z = add(z, params.bias);
  }
  return stepGatesFromPreactivation(config, params, z, c);
}

/**
 * The gate half of eq. 3 given all four pre-activations `z [N, ...S', 4C]` (convolutions
 * and bias already summed) and the cell state `c [N, ...S', C]`.
 */
export function stepGatesFromPreactivation(
  config: CellConfig,
  params: CellParams,
  z: Tensor,
  c: Tensor,
): { h: Tensor; c: Tensor } {
  if (
    config.recurrentActivation === 'sigmoid' &&
    config.activation === 'tanh' &&
    getKernel(FUSED_GATES_KERNEL, getBackend()) !== undefined
  ) {
    // A backend binding registered one program for the whole gate arithmetic (and its gradient);
    // peephole-free cells pass zero peepholes, which is exactly the peephole-free step.
    const none = params.peepholeI === null ? zeros([config.hiddenChannels]) : null;
    const [h, cNext] = engine().runKernel(FUSED_GATES_KERNEL, {
      z,
      c,
      peepholeI: params.peepholeI ?? (none as Tensor),
      peepholeF: params.peepholeF ?? (none as Tensor),
      peepholeO: params.peepholeO ?? (none as Tensor),
    }) as [Tensor, Tensor];
    return { h, c: cNext };
  }
  if (canRunInferenceGates(config)) return runInferenceGates(params, z, null, c);
  const [zi, zf, zg, zo] = split(z, 4, -1) as [Tensor, Tensor, Tensor, Tensor];
  const gate = (pre: Tensor, peep: Tensor | null, cell: Tensor): Tensor =>
    activate(config.recurrentActivation, peep === null ? pre : add(pre, mul(peep, cell)));
  const i = gate(zi, params.peepholeI, c);
  const f = gate(zf, params.peepholeF, c);
  const g = activate(config.activation, zg);
  const cNext = add(mul(f, c), mul(i, g));
  const o = gate(zo, params.peepholeO, cNext);
  return { h: mul(o, activate(config.activation, cNext)), c: cNext };
}
