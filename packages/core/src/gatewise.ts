import { add, getBackend, mul, scalar, sigmoid, split, sub, type Tensor } from '@tensorflow/tfjs-core';
import { activate } from './activations.js';
import type { CellConfig } from './config.js';
import { convSame, convSameWithBias } from './conv.js';
import { canRunInferenceGates, runInferenceGates } from './inference-gates.js';
import type { CellParams } from './weights.js';

/*
 * The gatewise schedule: every gate (i, f, c, o) gets its own input and recurrent convolution,
 * so no step ever concatenates `[x_t, h]` or splits `[..., 4C]` along the channel axis. On
 * tfjs-backend-wasm those two ops copy channel-interleaved data in JavaScript and cost more than
 * the convolution itself (profile of bench shape (c): Concat 93 ms, SplitV 37 ms, Conv2D 68 ms
 * of a 275 ms forward); XNNPACK runs the four narrower convolutions at the same GFLOP/s.
 */

/** A cell's weights cut once per call into the four gates `i, f, c, o`. */
export interface GateWeights {
  /** Per-gate input kernels `[...k, Cin, C]`; `null` for an input-free cell. */
  readonly kernel: readonly Tensor[] | null;
  /** Per-gate recurrent kernels `[...k_r, C, C]`. */
  readonly recurrent: readonly Tensor[];
  /** Per-gate biases `[C]`. */
  readonly bias: readonly Tensor[] | null;
}

export function splitGateWeights(params: CellParams): GateWeights {
  return {
    kernel: params.kernel === null ? null : split(params.kernel, 4, -1),
    recurrent: split(params.recurrentKernel, 4, -1),
    bias: params.bias === null ? null : split(params.bias, 4, -1),
  };
}

/**
 * The input half of eq. 3 per gate for frames `x [M, ...S, Cin]`: four `[M, ...S', C]`
 * (bias included), each from its own convolution.
 */
export function projectInputGatewise(config: CellConfig, weights: GateWeights, x: Tensor): Tensor[] {
  if (weights.kernel === null) throw new Error('projectInputGatewise: the cell has no input kernel');
  const { spatialRank, strides, dilationRate } = config;
  return weights.kernel.map((k, g) =>
    weights.bias === null
      ? convSame(x, k, spatialRank, strides, dilationRate)
      : convSameWithBias(x, k, weights.bias[g] as Tensor, spatialRank, strides, dilationRate),
  );
}

/**
 * `tanh(x) = 2σ(2x) − 1`. tfjs-backend-wasm computes `Tanh` with scalar libm calls (1.8 ms
 * on 65k floats, 13× its XNNPACK `Sigmoid`), so on wasm the identity is the faster tanh; its
 * absolute error stays at float32 rounding (~1e-7).
 */
export function tanhViaSigmoid(x: Tensor): Tensor {
  const two = scalar(2);
  return sub(mul(sigmoid(mul(x, two)), two), scalar(1));
}

/** How a gatewise step runs its gate arithmetic. */
export type GatewiseArithmetic =
  /** One `ConvLSTMGatesInference` kernel call (`INFERENCE_GATES_KERNEL`). */
  | 'fused'
  /** TF.js ops, with `tanh` as {@link tanhViaSigmoid} (faster on wasm). */
  | 'sigmoid-tanh'
  /** TF.js ops as written in eq. 3. */
  | 'ops';

/** The arithmetic a gatewise step of this cell should use now. */
export function chooseGatewiseArithmetic(config: CellConfig): GatewiseArithmetic {
  if (canRunInferenceGates(config)) return 'fused';
  return getBackend() === 'wasm' ? 'sigmoid-tanh' : 'ops';
}

/**
 * One step of eq. 3 on the gatewise schedule. `zx` are the gate pre-activations from the input
 * (or `null` for an input-free cell); `h` is `null` when the previous state is known to be zero,
 * which skips the recurrent convolutions (the first step of a sequence without initial state).
 */
export function stepGatewise(
  config: CellConfig,
  params: CellParams,
  weights: GateWeights,
  zx: readonly Tensor[] | null,
  h: Tensor | null,
  c: Tensor,
  arithmetic: GatewiseArithmetic,
): { h: Tensor; c: Tensor } {
  const ones = new Array<number>(config.spatialRank).fill(1);
  const recurrent = (g: number): Tensor =>
    convSame(h as Tensor, weights.recurrent[g] as Tensor, config.spatialRank, ones, ones);
  const pre = (g: number): Tensor => {
    const fromInput = zx === null ? null : (zx[g] as Tensor);
    if (h === null) {
      if (fromInput !== null) return fromInput;
      // Input-free cell from a zero state: the pre-activation is the bias (or zero).
      const zero = mul(c, scalar(0));
      return weights.bias === null ? zero : add(zero, weights.bias[g] as Tensor);
    }
    const zh = recurrent(g);
    if (fromInput !== null) return add(zh, fromInput);
    return weights.bias === null ? zh : add(zh, weights.bias[g] as Tensor);
  };
  const gates = [0, 1, 2, 3];
  if (arithmetic === 'fused') {
    // The kernel adds the projected input itself: no per-gate add kernels.
    if (h !== null && zx !== null) return runInferenceGates(params, gates.map(recurrent), zx, c);
    return runInferenceGates(params, gates.map(pre), null, c);
  }
  const tanhLike = (x: Tensor): Tensor =>
    config.activation === 'tanh' && arithmetic === 'sigmoid-tanh'
      ? tanhViaSigmoid(x)
      : activate(config.activation, x);
  const gate = (z: Tensor, peep: Tensor | null, cell: Tensor): Tensor =>
    activate(config.recurrentActivation, peep === null ? z : add(z, mul(peep, cell)));
  const i = gate(pre(0), params.peepholeI, c);
  const f = gate(pre(1), params.peepholeF, c);
  const g = tanhLike(pre(2));
  const cNext = add(mul(f, c), mul(i, g));
  const o = gate(pre(3), params.peepholeO, cNext);
  return { h: mul(o, tanhLike(cNext)), c: cNext };
}
