import {
  add,
  concat,
  getBackend,
  mul,
  reshape,
  scalar,
  stack,
  sub,
  type Tensor,
  tensor,
  zeros,
} from '@tensorflow/tfjs-core';
import type { CellConfig } from './config.js';
import { convSame } from './conv.js';
import { canAccelerateConv, prepareConv } from './conv-accelerator.js';
import { canFuseSequence, runFusedDirection } from './fused-sequence.js';
import { projectInput, stepGates, stepGatesFromPreactivation } from './gates.js';
import {
  chooseGatewiseArithmetic,
  type GateWeights,
  projectInputGatewise,
  splitGateWeights,
  stepGatewise,
} from './gatewise.js';
import { recordingGradient } from './inference-gates.js';
import { hashSeed, SeededRandom } from './random.js';
import { reverseTime, unstackTime } from './time-axis.js';
import type { CellParams } from './weights.js';

/** One direction of one layer: its configuration and the tensors it reads. */
export interface DirectionCell {
  readonly config: CellConfig;
  readonly params: CellParams;
}

/** One layer of a stack: a forward cell and, when bidirectional, a backward one. */
export interface StackLayer {
  readonly forward: DirectionCell;
  readonly backward: DirectionCell | null;
}

/** How the stack runs; derived from the layer's options once. */
export interface StackBehaviour {
  readonly returnSequences: boolean;
  readonly goBackwards: boolean;
  readonly dropout: number;
  readonly recurrentDropout: number;
  /**
   * Where the input convolution runs: `'hoisted'` once over all N·T frames, `'concat'` per
   * step on `[x_t, h]` with the stacked kernel, `'auto'` (default) by {@link chooseMode}.
   */
  readonly mode?: StackMode;
  /** Gate arithmetic under one custom gradient with a hand-written backward (2-D, sigmoid/tanh). */
  readonly fused?: boolean;
  /** Gradient checkpointing through time: keep states every `k` steps, recompute in backward. 0: off. */
  readonly checkpointEvery?: number;
}

/** How a layer's input convolution is scheduled (see {@link StackBehaviour.mode}). */
export type StackMode = 'auto' | 'hoisted' | 'concat' | 'gatewise';

/** The schedules a layer can run (what `'auto'` resolves to). */
export type ResolvedMode = Exclude<StackMode, 'auto'>;

/** Whether a cell's input and recurrent convolutions can be merged into one per step. */
export function canConcat(config: CellConfig): boolean {
  return (
    config.inChannels > 0 &&
    config.kernelSize.every((k, i) => k === config.recurrentKernelSize[i]) &&
    config.strides.every((s) => s === 1) &&
    config.dilationRate.every((d) => d === 1)
  );
}

/** Whether the active backend's convolution accelerator takes this cell's recurrent convolution. */
function recurrentAccelerated(config: CellConfig): boolean {
  const ones = new Array<number>(config.spatialRank).fill(1);
  return canAccelerateConv({
    filterShape: [...config.recurrentKernelSize, config.hiddenChannels, 4 * config.hiddenChannels],
    spatialRank: config.spatialRank,
    strides: ones,
    dilations: ones,
  });
}

/**
 * The schedule `'auto'` picks, from measurements with apps/bench (same process, same shapes):
 * - inference where the backend accelerates the recurrent convolution (`registerConvAccelerator`;
 *   on wasm, Winograd for 5×5): `'hoisted'`, whose one stacked recurrent filter is prepared once
 *   and whose `[..., 4C]` pre-activations the inference gate kernel reads without a split.
 *   Shape (a) forward on wasm: 0.67 s vs 1.15 s for `'gatewise'`.
 * - wasm, forward only otherwise: `'gatewise'`. Four per-gate convolutions and no channel
 *   concat/split (100 ms vs 145 ms for `'concat'` on shape (c) with TF.js ops for the gates; with
 *   the inference gate kernel every schedule runs (c) in about 50 ms, gatewise among the fastest).
 * - wasm, under a gradient tape (`recorded`): `'concat'` where it applies. Autodiff through the
 *   gatewise schedule runs four filter and input gradients per step instead of one: shape (c)
 *   training step 578 ms vs 449 ms for `'concat'` (and (a) 9.7 s vs 8.6 s).
 * - elsewhere, with few input channels (16→64, 5×5) the hoisted convolution is inefficient —
 *   a thin `Cin` gives the convolution little work per output — and its per-step `zx` add costs
 *   as much as the concatenation it saves, so `[x_t, h]` through one stacked kernel wins; when
 *   `Cin > C` one large convolution over all N·T frames does most of the work and stays hoisted.
 */
export function chooseMode(
  config: CellConfig,
  requested: StackMode | undefined,
  recorded = false,
): ResolvedMode {
  if (requested === 'gatewise' || requested === 'hoisted') return requested;
  const backend = getBackend();
  if (requested !== 'concat' && !recorded && recurrentAccelerated(config)) return 'hoisted';
  if (requested !== 'concat' && backend === 'wasm') {
    return recorded && canConcat(config) ? 'concat' : 'gatewise';
  }
  if (!canConcat(config)) return 'hoisted';
  if (requested === 'concat') return requested;
  // tfjs-backend-webgpu 4.22 returns all-zero states on the concat schedule (caught by the
  // conformance suite in headless Chromium; not yet isolated to one kernel), so WebGPU stays hoisted.
  if (backend === 'webgpu') return 'hoisted';
  return config.inChannels <= config.hiddenChannels ? 'concat' : 'hoisted';
}

/** Per-call inputs, already validated by the caller. */
export interface StackCall {
  readonly initialH: readonly Tensor[] | null;
  readonly initialC: readonly Tensor[] | null;
  /** Per-sample valid lengths; steps `t >= lengths[n]` never change sample `n`'s state. */
  readonly lengths: readonly number[] | null;
  readonly training: boolean;
  /** Seed of this call's dropout masks. */
  readonly dropoutSeed: number;
  /** Spatial size of each layer's state, `[...S']`. */
  readonly stateSpatial: readonly (readonly number[])[];
}

/** Result of a stack run: output plus final states, one entry per layer and direction. */
export type StackResult = {
  output: Tensor;
  h: Tensor[];
  c: Tensor[];
};

function dropoutMask(shape: number[], rate: number, seed: number): Tensor {
  const size = shape.reduce((a, b) => a * b, 1);
  const values = new Float32Array(size);
  const random = new SeededRandom(seed);
  const keep = 1 / (1 - rate);
  for (let i = 0; i < size; i++) values[i] = random.next() < rate ? 0 : keep;
  return tensor(values, shape);
}

/** Steps mask `[N, 1, ..., 1]` for time `t`: 1 where the sample is still running. */
function stepMask(lengths: readonly number[], t: number, rank: number): Tensor {
  const values = Float32Array.from(lengths, (len) => (t < len ? 1 : 0));
  return tensor(values, [lengths.length, ...new Array<number>(rank + 1).fill(1)]);
}

/** What the gatewise schedule reads per direction: per-gate weights and projected inputs. */
interface GatewiseInputs {
  readonly weights: GateWeights;
  /** Per-gate `[N, T, ...S', C]`, or `null` for an input-free cell. */
  readonly zx: Tensor[] | null;
}

/** A direction's initial state. */
interface StartState {
  readonly h: Tensor;
  readonly c: Tensor;
  /** `h` is zeros (no `initialState`): the first step skips its recurrent convolution. */
  readonly zeroH: boolean;
}

/**
 * Runs one direction over a sequence, given all its projected inputs `zx [N, T, ...S', 4C]`
 * (or `null` for an input-free cell). Outputs come back in processing order.
 */
function runDirection(
  cell: DirectionCell,
  zx: Tensor | null,
  concatInput: Tensor | null,
  gatewise: GatewiseInputs | null,
  steps: number,
  reversed: boolean,
  start: StartState,
  lengths: readonly number[] | null,
  recurrentMask: Tensor | null,
): { outputs: Tensor[]; h: Tensor; c: Tensor } {
  const perStep = zx === null ? null : unstackTime(zx);
  const perGateStep = gatewise?.zx?.map((z) => unstackTime(z)) ?? null;
  const arithmetic = chooseGatewiseArithmetic(cell.config);
  const rank = cell.config.spatialRank;
  const ones = new Array<number>(rank).fill(1);
  // Concat schedule: one kernel [...k, Cin + C, 4C] over [x_t, h] per step.
  const frames = concatInput === null ? null : unstackTime(concatInput);
  const stacked =
    concatInput === null ? null : concat([cell.params.kernel as Tensor, cell.params.recurrentKernel], rank);
  // The recurrent filter, prepared once for every step where a backend accelerates it.
  const recurrent =
    gatewise === null && frames === null
      ? prepareConv({
          filter: cell.params.recurrentKernel,
          spatialRank: rank,
          strides: ones,
          dilations: ones,
        })
      : null;
  let h = start.h;
  let c = start.c;
  const outputs: Tensor[] = [];
  for (let k = 0; k < steps; k++) {
    const t = reversed ? steps - 1 - k : k;
    // null: the state is zero, so its convolution would add zeros.
    const hIn = k === 0 && start.zeroH ? null : recurrentMask === null ? h : mul(h, recurrentMask);
    let next: { h: Tensor; c: Tensor };
    if (gatewise !== null) {
      const zxt = perGateStep === null ? null : perGateStep.map((z) => z[t] as Tensor);
      next = stepGatewise(cell.config, cell.params, gatewise.weights, zxt, hIn, c, arithmetic);
    } else if (frames !== null && stacked !== null) {
      const frame = frames[t] as Tensor;
      let z =
        hIn === null
          ? convSame(frame, cell.params.kernel as Tensor, rank, ones, ones)
          : convSame(concat([frame, hIn], -1), stacked, rank, ones, ones);
      if (cell.params.bias !== null) z = add(z, cell.params.bias);
      next = stepGatesFromPreactivation(cell.config, cell.params, z, c);
    } else {
      next = stepGates(cell.config, cell.params, perStep ? (perStep[t] as Tensor) : null, hIn, c, recurrent);
    }
    if (lengths === null) {
      h = next.h;
      c = next.c;
      outputs.push(next.h);
    } else {
      // Padded steps keep the state and output zeros, so a padded batch gives each
      // sample exactly the state it would get alone.
      const m = stepMask(lengths, t, rank);
      const keep = sub(scalar(1), m);
      h = add(mul(m, next.h), mul(keep, h));
      c = add(mul(m, next.c), mul(keep, c));
      outputs.push(mul(m, next.h));
    }
  }
  return { outputs, h, c };
}

/**
 * Runs a stack of ConvLSTM layers over `xs [N, T, ...S, Cin]`. The input convolution
 * is hoisted out of the time loop: one convolution over all N·T frames per layer.
 * Call inside `tidy`.
 */
export function runStack(
  layers: readonly StackLayer[],
  behaviour: StackBehaviour,
  xs: Tensor | null,
  batch: number,
  steps: number,
  call: StackCall,
): StackResult {
  let input = xs;
  const hs: Tensor[] = [];
  const cs: Tensor[] = [];
  let lastOutput: Tensor | null = null;
  layers.forEach((layer, l) => {
    if (input !== null && l > 0 && call.training && behaviour.dropout > 0) {
      const shape = [batch, 1, ...input.shape.slice(2)];
      input = mul(input, dropoutMask(shape, behaviour.dropout, hashSeed(call.dropoutSeed, l, 1)));
    }
    const directions = layer.backward === null ? [layer.forward] : [layer.forward, layer.backward];
    const sequences: Tensor[] = [];
    const finals: Tensor[] = [];
    directions.forEach((cell, d) => {
      const index = hs.length;
      const spatial = call.stateSpatial[l] as readonly number[];
      const stateShape = [batch, ...spatial, cell.config.hiddenChannels];
      const h0 = call.initialH?.[index] ?? zeros(stateShape);
      const c0 = call.initialC?.[index] ?? zeros(stateShape);
      const reversed = behaviour.goBackwards !== (d === 1);
      const recurrentMask =
        call.training && behaviour.recurrentDropout > 0
          ? dropoutMask(stateShape, behaviour.recurrentDropout, hashSeed(call.dropoutSeed, l, 2 + d))
          : null;
      const fused =
        (behaviour.fused === true || (behaviour.checkpointEvery ?? 0) > 0) &&
        canFuseSequence(cell.config) &&
        call.lengths === null &&
        recurrentMask === null;
      const mode = fused ? 'hoisted' : chooseMode(cell.config, behaviour.mode, recordingGradient());
      let zx: Tensor | null = null;
      let gatewise: GatewiseInputs | null = null;
      if (mode === 'gatewise') {
        const weights = splitGateWeights(cell.params);
        let perGate: Tensor[] | null = null;
        if (input !== null && cell.config.inChannels > 0) {
          const frames = reshape(input, [batch * steps, ...input.shape.slice(2)]);
          perGate = projectInputGatewise(cell.config, weights, frames).map((z) =>
            reshape(z, [batch, steps, ...z.shape.slice(1)]),
          );
        }
        gatewise = { weights, zx: perGate };
      }
      if (input !== null && cell.config.inChannels > 0 && mode === 'hoisted') {
        const frames = reshape(input, [batch * steps, ...input.shape.slice(2)]);
        const projected = projectInput(cell.config, cell.params, frames);
        zx = reshape(projected, [batch, steps, ...projected.shape.slice(1)]);
      }
      let seq: Tensor;
      if (fused) {
        const every = behaviour.checkpointEvery ?? 0;
        const run = runFusedDirection(
          cell.params,
          zx !== null && reversed ? reverseTime(zx) : zx,
          steps,
          h0,
          c0,
          every > 0 ? every : steps,
          every > 0,
        );
        hs.push(run.h);
        cs.push(run.c);
        finals.push(run.h);
        seq = run.sequence;
      } else {
        const concatInput = mode === 'concat' ? input : null;
        const run = runDirection(
          cell,
          zx,
          concatInput,
          gatewise,
          steps,
          reversed,
          { h: h0, c: c0, zeroH: call.initialH?.[index] === undefined },
          call.lengths,
          recurrentMask,
        );
        hs.push(run.h);
        cs.push(run.c);
        finals.push(run.h);
        seq = stack(run.outputs, 1);
      }
      // The backward half of a bidirectional layer is re-aligned with the input's time order.
      sequences.push(d === 1 ? reverseTime(seq) : seq);
    });
    input = sequences.length === 1 ? (sequences[0] as Tensor) : concat(sequences, -1);
    lastOutput = behaviour.returnSequences
      ? input
      : finals.length === 1
        ? (finals[0] as Tensor)
        : concat(finals, -1);
  });
  return { output: lastOutput as unknown as Tensor, h: hs, c: cs };
}
