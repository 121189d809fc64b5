import {
  add,
  engine,
  getBackend,
  getKernel,
  mul,
  type NamedTensorMap,
  split,
  type Tensor,
  tanh,
  zeros,
} from '@tensorflow/tfjs-core';
import { type ActivationName, activate } from './activations.js';
import { getBackendProfile } from './backend-profile.js';
import type { CellConfig } from './config.js';
import { convSame, convSameWithBias } from './conv.js';
import { type PreparedConv, prepareConv } from './conv-accelerator.js';
import { CONVLSTM_GATES, CONVLSTM_GATES_GRAD } from './kernel-names.js';
import { recordingGradient } from './recording.js';
import type { CellParams } from './weights.js';

/*
 * Eq. 3 of Shi et al. (2015), the one place it is written in TF.js ops:
 *   i = σ(W_xi∗x + W_hi∗h + w_ci∘c + b_i)
 *   f = σ(W_xf∗x + W_hf∗h + w_cf∘c + b_f)
 *   g = tanh(W_xc∗x + W_hc∗h + b_c)
 *   c' = f∘c + i∘g
 *   o = σ(W_xo∗x + W_ho∗h + w_co∘c' + b_o)
 *   h' = o∘tanh(c')
 * The convolutions (`projectInput`, `recurrentConv`) give the stacked pre-activations
 * `z [N, ...S, 4C]`; `gateArithmetic` does the rest. Backends may run the rest as one kernel
 * (`CONVLSTM_GATES` in kernel-names.ts); its WGSL and wasm programs live in the backend packages.
 */

/** The peephole weights a step reads (`null` for a cell without them). */
export type PeepholeParams = Pick<CellParams, 'peepholeI' | 'peepholeF' | 'peepholeO'>;

/** Every value of one step; the hand-written backward (`custom-gradient.ts`) reads them all. */
export interface GateValues {
  readonly i: Tensor;
  readonly f: Tensor;
  /** The candidate `g = tanh(z_g)`. */
  readonly g: Tensor;
  readonly o: Tensor;
  /** The new cell state `c'`. */
  readonly c: Tensor;
  /** `tanh(c')`. */
  readonly tanhC: Tensor;
  /** The new hidden state `h' = o∘tanh(c')`. */
  readonly h: Tensor;
}

/**
 * The input-to-state half of eq. 3 for a batch of frames `x [M, ...S, Cin]`: `W_x ∗ x + b`,
 * all four gates stacked `[M, ...S', 4C]`. It does not depend on the state, so the hoisted
 * schedule runs it once over all N·T frames.
 */
export function projectInput(config: CellConfig, params: CellParams, x: Tensor): Tensor {
  if (params.kernel === null) throw new Error('projectInput: the cell has no input kernel');
  const { spatialRank, strides, dilationRate: dilations } = config;
  const fast = prepareConv({ filter: params.kernel, spatialRank, strides, dilations });
  if (fast !== null) return params.bias === null ? fast.apply(x) : add(fast.apply(x), params.bias);
  return params.bias === null
    ? convSame(x, params.kernel, spatialRank, strides, dilations)
    : convSameWithBias(x, params.kernel, params.bias, spatialRank, strides, dilations);
}

/** `W_h ∗ h` `[N, ...S, 4C]` for `h [N, ...S, C]`, through the prepared filter where a backend accelerates it. */
export function recurrentConv(
  config: CellConfig,
  params: CellParams,
  h: Tensor,
  prepared: PreparedConv | null,
): Tensor {
  if (prepared !== null) return prepared.apply(h);
  const ones = new Array<number>(config.spatialRank).fill(1);
  return convSame(h, params.recurrentKernel, config.spatialRank, ones, ones);
}

/** The recurrent filter prepared once per call where the active backend accelerates it, else `null`. */
export function prepareRecurrent(config: CellConfig, params: CellParams): PreparedConv | null {
  const ones = new Array<number>(config.spatialRank).fill(1);
  return prepareConv({
    filter: params.recurrentKernel,
    spatialRank: config.spatialRank,
    strides: ones,
    dilations: ones,
  });
}

/** `activate`, with the backend's faster exact `tanh` where its profile has one. */
function activation(name: ActivationName, x: Tensor): Tensor {
  if (name === 'tanh') return (getBackendProfile().tanh ?? tanh)(x);
  return activate(name, x);
}

/**
 * The gate half of eq. 3 in TF.js ops: pre-activations `z [N, ...S, 4C]` (convolutions and bias
 * summed) and the cell state `c [N, ...S, C]` to every value of the step.
 */
export function gateArithmetic(
  config: Pick<CellConfig, 'activation' | 'recurrentActivation'>,
  peepholes: PeepholeParams,
  z: Tensor,
  c: Tensor,
): GateValues {
  const [zi, zf, zg, zo] = split(z, 4, -1) as [Tensor, Tensor, Tensor, Tensor];
  const gate = (pre: Tensor, peephole: Tensor | null, cell: Tensor): Tensor =>
    activation(config.recurrentActivation, peephole === null ? pre : add(pre, mul(peephole, cell)));
  const i = gate(zi, peepholes.peepholeI, c);
  const f = gate(zf, peepholes.peepholeF, c);
  const g = activation(config.activation, zg);
  const cNext = add(mul(f, c), mul(i, g));
  const o = gate(zo, peepholes.peepholeO, cNext);
  const tanhC = activation(config.activation, cNext);
  return { i, f, g, o, c: cNext, tanhC, h: mul(o, tanhC) };
}

/**
 * How a step of this cell may run {@link CONVLSTM_GATES} now: `'inference'` (no gradient
 * recorded), `'differentiable'` (recorded, and the backend has the gradient kernel), or `null`
 * (TF.js ops: no kernel here, other activations, or a tape without the gradient kernel).
 */
export function gateKernelUse(config: CellConfig): 'inference' | 'differentiable' | null {
  if (config.recurrentActivation !== 'sigmoid' || config.activation !== 'tanh') return null;
  const backend = getBackend();
  if (getKernel(CONVLSTM_GATES, backend) === undefined) return null;
  if (!recordingGradient()) return 'inference';
  return getKernel(CONVLSTM_GATES_GRAD, backend) !== undefined ? 'differentiable' : null;
}

/**
 * One step's gates: pre-activations `z (+ x)` `[N, ...S, 4C]` and the cell state `c [N, ...S, C]`
 * to `h'`, `c'` — through the backend's {@link CONVLSTM_GATES} kernel where it applies, else
 * {@link gateArithmetic}. `x` is a second term (the projected input) the kernel adds itself.
 */
export function gateStep(
  config: CellConfig,
  params: CellParams,
  z: Tensor,
  x: Tensor | null,
  c: Tensor,
): { h: Tensor; c: Tensor } {
  const use = gateKernelUse(config);
  if (use === null) {
    const values = gateArithmetic(config, params, x === null ? z : add(z, x), c);
    return { h: values.h, c: values.c };
  }
  const inputs: NamedTensorMap = { c };
  const peepholes = params.peepholeI !== null && params.peepholeF !== null && params.peepholeO !== null;
  if (use === 'inference') {
    inputs.z = z;
    if (x !== null) inputs.x = x;
    if (peepholes) {
      Object.assign(inputs, {
        peepholeI: params.peepholeI,
        peepholeF: params.peepholeF,
        peepholeO: params.peepholeO,
      });
    }
  } else {
    // The full form: the gradient saves exactly these inputs.
    inputs.z = x === null ? z : add(z, x);
    const none = peepholes ? null : zeros([config.hiddenChannels]);
    Object.assign(inputs, {
      peepholeI: params.peepholeI ?? none,
      peepholeF: params.peepholeF ?? none,
      peepholeO: params.peepholeO ?? none,
    });
  }
  const [h, cNext] = engine().runKernel(CONVLSTM_GATES, inputs) as [Tensor, Tensor];
  return { h, c: cNext };
}
