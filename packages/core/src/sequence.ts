import { ConvLSTMArgumentError } from '@convlstm/tensor';
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
import { getBackendProfile, type Schedule } from './backend-profile.js';
import type { CellConfig } from './config.js';
import { convSame, convSameWithBias } from './conv.js';
import { canAccelerateConv, type PreparedConv } from './conv-accelerator.js';
import { handwrittenGradientUnsupported, runHandwrittenDirection } from './custom-gradient.js';
import { gateStep, prepareRecurrent, projectInput, recurrentConv } from './gates.js';
import { hashSeed, SeededRandom } from './random.js';
import { recordingGradient } from './recording.js';
import { reverseTime, unstackTime } from './time-axis.js';
import type { CellParams } from './weights.js';

/*
 * The one time loop. Every layer and direction runs `runDirection`: per step a pre-activation
 * from its schedule (hoisted or concat), then `gateStep` (eq. 3's gates: a backend's kernel or
 * TF.js ops). The hand-written gradient (and checkpointing through time) is the one other
 * strategy: the same convolutions and gate arithmetic in segments under a custom gradient.
 */

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

/** The schedules a layer can be asked for: one of {@link Schedule}, or `'auto'` ({@link chooseSchedule}). */
export type StackMode = 'auto' | Schedule;

/** How the stack runs; derived from the layer's options once (already validated). */
export interface StackBehaviour {
  readonly returnSequences: boolean;
  readonly goBackwards: boolean;
  readonly dropout: number;
  readonly recurrentDropout: number;
  readonly mode: StackMode;
  /**
   * Autodiff through every op, the hand-written backward (2-D, sigmoid/tanh only), or `'auto'`:
   * the hand-written one while recording where the backend's profile prefers it and the layer
   * can take it ({@link runsHandwritten}).
   */
  readonly gradient: 'auto' | 'autodiff' | 'handwritten';
  /** Gradient checkpointing through time: keep states every `k` steps, recompute in backward. 0: off. */
  readonly checkpointEvery: number;
}

/**
 * Whether a direction runs the hand-written gradient now: always with `gradient: 'handwritten'`;
 * with `'auto'` only while a gradient is recorded, where the backend's profile prefers it, the
 * cell takes it and the call has nothing it lacks (a `'concat'` mode, recurrent dropout,
 * per-sample lengths).
 */
export function runsHandwritten(
  behaviour: StackBehaviour,
  config: CellConfig,
  recording: boolean,
  hasLengths: boolean,
): boolean {
  if (behaviour.gradient !== 'auto') return behaviour.gradient === 'handwritten';
  if (!recording || hasLengths || behaviour.mode === 'concat' || behaviour.recurrentDropout > 0) return false;
  if (handwrittenGradientUnsupported(config) !== null) return false;
  return getBackendProfile().preferredGradient?.(config) === 'handwritten';
}

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
 * The schedule a cell runs now. An explicit `'concat'` runs hoisted where concat cannot apply
 * (other kernel sizes, strides, dilation, an input-free cell); one the backend's profile marks
 * broken is refused. `'auto'`, from measurements with apps/bench:
 * - `'hoisted'` where the backend accelerates the recurrent convolution (no gradient recorded):
 *   its one stacked recurrent filter is prepared once per call;
 * - else `'hoisted'` where concat cannot apply or the backend marks it broken;
 * - else the backend profile's `preferredSchedule`, where it has one;
 * - else `'concat'` when `Cin <= C` (a thin `Cin` gives the hoisted convolution little work per
 *   output, and its per-step add costs as much as the concatenation it saves), `'hoisted'` when
 *   one large convolution over all N·T frames does most of the work.
 */
export function chooseSchedule(
  config: CellConfig,
  requested: StackMode,
  recording = recordingGradient(),
): Schedule {
  const profile = getBackendProfile();
  if (requested !== 'auto') {
    const schedule = requested === 'concat' && !canConcat(config) ? 'hoisted' : requested;
    const broken = profile.brokenSchedules?.[schedule];
    if (broken !== undefined) {
      throw new ConvLSTMArgumentError(
        'options.mode',
        `a schedule that works on backend '${getBackend()}' ('auto' avoids it)`,
        `'${schedule}': ${broken}`,
      );
    }
    return schedule;
  }
  if (!recording && recurrentAccelerated(config)) return 'hoisted';
  if (!canConcat(config) || profile.brokenSchedules?.concat !== undefined) return 'hoisted';
  const preferred = profile.preferredSchedule?.(config, { recording });
  if (preferred !== undefined) return preferred;
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
  /** Keep every layer's output sequence (see {@link StackResult.layers}). */
  readonly returnAllLayers: boolean;
}

/** Result of a stack run: output plus final states, one entry per layer and direction. */
export type StackResult = {
  output: Tensor;
  h: Tensor[];
  c: Tensor[];
  /** Each layer's output sequence `[N, T, ...S'_l, C_l]` (both directions concatenated), when asked for. */
  layers?: Tensor[];
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

/** A direction's initial state. */
interface StartState {
  readonly h: Tensor;
  readonly c: Tensor;
  /** `h` is zeros (no `initialState`): the first step skips its recurrent convolution. */
  readonly zeroH: boolean;
}

/**
 * A step's pre-activation from its schedule: `z` plus an optional second term `x` the gate step
 * adds (the gate kernel adds it itself). `h` is `null` when the state is known to be zero.
 */
type Preactivation = (t: number, h: Tensor | null, c: Tensor) => { z: Tensor; x: Tensor | null };

/** Hoisted: the projected input `zx [N, T, ...S', 4C]` (`null` for an input-free cell) plus `W_h ∗ h`. */
function hoisted(cell: DirectionCell, zx: Tensor | null): Preactivation {
  const perStep = zx === null ? null : unstackTime(zx);
  const recurrent: PreparedConv | null = prepareRecurrent(cell.config, cell.params);
  const { params } = cell;
  return (t, h, c) => {
    const zxt = perStep === null ? null : (perStep[t] as Tensor);
    if (h === null) {
      // A zero state contributes nothing: no recurrent convolution to run.
      if (zxt !== null) return { z: zxt, x: null };
      const zero = zeros([...c.shape.slice(0, -1), 4 * cell.config.hiddenChannels]);
      return { z: params.bias === null ? zero : add(zero, params.bias), x: null };
    }
    const zh = recurrentConv(cell.config, params, h, recurrent);
    if (zxt !== null) return { z: zh, x: zxt };
    return { z: params.bias === null ? zh : add(zh, params.bias), x: null };
  };
}

/** Concat: one convolution of `[x_t, h]` with the stacked kernel `[...k, Cin + C, 4C]`, bias inside. */
function concatenated(cell: DirectionCell, input: Tensor): Preactivation {
  const { config, params } = cell;
  const rank = config.spatialRank;
  const ones = new Array<number>(rank).fill(1);
  const frames = unstackTime(input);
  const kernel = params.kernel as Tensor;
  const stacked = concat([kernel, params.recurrentKernel], rank);
  const conv = (x: Tensor, k: Tensor): Tensor =>
    params.bias === null
      ? convSame(x, k, rank, ones, ones)
      : convSameWithBias(x, k, params.bias, rank, ones, ones);
  return (t, h) => {
    const frame = frames[t] as Tensor;
    return { z: h === null ? conv(frame, kernel) : conv(concat([frame, h], -1), stacked), x: null };
  };
}

/** Runs one direction over `steps` steps. Outputs come back in processing order. */
function runDirection(
  cell: DirectionCell,
  preactivation: Preactivation,
  steps: number,
  reversed: boolean,
  start: StartState,
  lengths: readonly number[] | null,
  recurrentMask: Tensor | null,
): { outputs: Tensor[]; h: Tensor; c: Tensor } {
  const rank = cell.config.spatialRank;
  let h = start.h;
  let c = start.c;
  const outputs: Tensor[] = [];
  for (let k = 0; k < steps; k++) {
    const t = reversed ? steps - 1 - k : k;
    const hIn = k === 0 && start.zeroH ? null : recurrentMask === null ? h : mul(h, recurrentMask);
    const { z, x } = preactivation(t, hIn, c);
    const next = gateStep(cell.config, cell.params, z, x, c);
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
 * Runs a stack of ConvLSTM layers over `xs [N, T, ...S, Cin]` (`null` for an input-free first
 * layer, driven for `steps` steps). Call inside `tidy`; the caller has validated everything.
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
  const layerOutputs: Tensor[] = [];
  let lastOutput: Tensor | null = null;
  const recording = recordingGradient();
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
      const handwritten = runsHandwritten(behaviour, cell.config, recording, call.lengths !== null);
      const schedule = handwritten ? 'hoisted' : chooseSchedule(cell.config, behaviour.mode, recording);
      let zx: Tensor | null = null;
      if (input !== null && cell.config.inChannels > 0 && schedule === 'hoisted') {
        const frames = reshape(input, [batch * steps, ...input.shape.slice(2)]);
        const projected = projectInput(cell.config, cell.params, frames);
        zx = reshape(projected, [batch, steps, ...projected.shape.slice(1)]);
      }
      let run: { sequence: Tensor; h: Tensor; c: Tensor };
      if (handwritten) {
        const every = behaviour.checkpointEvery;
        run = runHandwrittenDirection(
          cell.params,
          zx !== null && reversed ? reverseTime(zx) : zx,
          steps,
          h0,
          c0,
          every > 0 ? every : steps,
          every > 0,
        );
      } else {
        const recurrentMask =
          call.training && behaviour.recurrentDropout > 0
            ? dropoutMask(stateShape, behaviour.recurrentDropout, hashSeed(call.dropoutSeed, l, 2 + d))
            : null;
        const preactivation = schedule === 'concat' ? concatenated(cell, input as Tensor) : hoisted(cell, zx);
        const start = { h: h0, c: c0, zeroH: call.initialH?.[index] === undefined };
        const out = runDirection(cell, preactivation, steps, reversed, start, call.lengths, recurrentMask);
        run = { sequence: stack(out.outputs, 1), h: out.h, c: out.c };
      }
      hs.push(run.h);
      cs.push(run.c);
      finals.push(run.h);
      // The backward half of a bidirectional layer is re-aligned with the input's time order.
      sequences.push(d === 1 ? reverseTime(run.sequence) : run.sequence);
    });
    input = sequences.length === 1 ? (sequences[0] as Tensor) : concat(sequences, -1);
    if (call.returnAllLayers) layerOutputs.push(input);
    lastOutput = behaviour.returnSequences
      ? input
      : finals.length === 1
        ? (finals[0] as Tensor)
        : concat(finals, -1);
  });
  const result: StackResult = { output: lastOutput as unknown as Tensor, h: hs, c: cs };
  if (call.returnAllLayers) result.layers = layerOutputs;
  return result;
}
