import {
  assertInt,
  assertKnownKeys,
  assertRate,
  assertShape,
  ConvLSTMArgumentError,
  describeValue,
  FRAME_LAYOUT,
  SEQUENCE_LAYOUT,
  type SequenceTensor,
  type SpatialRank,
} from '@convlstm/tensor';
import { type Tensor, tidy, type Variable } from '@tensorflow/tfjs-core';
import { ConvLSTMCell } from './cell.js';
import { type ConvLSTMCellOptions, type KernelSize, SHARED_CELL_OPTION_KEYS } from './config.js';
import { sameOutputSize } from './conv.js';
import { handwrittenGradientUnsupported } from './custom-gradient.js';
import { hashSeed } from './random.js';
import { runStack, type StackBehaviour, type StackLayer, type StackMode } from './sequence.js';
import { assertState } from './state.js';

/** Per-layer overrides of the shared cell options. */
export interface ConvLSTMLayerOverrides {
  kernelSize?: KernelSize;
  recurrentKernelSize?: KernelSize;
  strides?: KernelSize;
  dilationRate?: KernelSize;
}

/** Options of a stacked {@link ConvLSTM} sequence layer. */
export interface ConvLSTMOptions extends Omit<ConvLSTMCellOptions, 'hiddenChannels' | 'inChannels' | 'seed'> {
  /**
   * Channels `Cin` of the input sequence. `0` makes an input-free stack (the paper's forecaster):
   * its first layer has no input and `forward(null, { steps, initialState })` unrolls it.
   */
  inChannels: number;
  /** Hidden channels: one number for every layer, or one per layer (which sets `numLayers`). */
  hiddenChannels: number | readonly number[];
  /** Number of stacked layers; default `hiddenChannels.length`, or 1. */
  numLayers?: number;
  /** Per-layer overrides of kernel sizes, strides, dilation (length `numLayers`). */
  layers?: readonly ConvLSTMLayerOverrides[];
  /** Return the last layer's whole output sequence (default `true`) or only its final `h`. */
  returnSequences?: boolean;
  /** Add a backward direction per layer; outputs are concatenated along channels (`2C`). */
  bidirectional?: boolean;
  /** Process time backwards; outputs come in processing order (as Keras). */
  goBackwards?: boolean;
  /** Dropout on the input of every layer after the first (training only; one mask per sequence). */
  dropout?: number;
  /** Dropout on `h` before the recurrent convolution (training only; one mask per sequence). */
  recurrentDropout?: number;
  /** Seed of weights and dropout masks. Default: drawn from `Math.random`. */
  seed?: number;
  /**
   * How each layer's input convolution is scheduled in the time loop: `'hoisted'` (one input
   * convolution over all N·T frames, added to the recurrent one per step), `'concat'` (one
   * convolution of `[x_t, h]` with the stacked kernel per step; layers it cannot apply to run
   * hoisted), `'auto'` (default: the measured best for the backend; see `chooseSchedule`).
   */
  mode?: StackMode;
  /**
   * How a training step differentiates the stack: `'autodiff'` (TF.js' tape through every op),
   * `'handwritten'` (each layer's time loop under one custom gradient whose backward is eq. 3
   * differentiated by hand: fewer kernels and saved tensors) or `'auto'` (default: the one the
   * backend's profile measured faster, per layer and call; autodiff wherever the hand-written
   * one does not apply). `'handwritten'` needs 2-D layers with sigmoid/tanh activations, the
   * hoisted schedule, no recurrent dropout and no `lengths`; anything else is rejected.
   */
  gradient?: 'auto' | 'autodiff' | 'handwritten';
  /**
   * Gradient checkpointing through time: keep the state every `k` steps and recompute each
   * segment in the backward pass (memory ~1/k of the saved gates for ~1.3× the time). It runs on
   * the hand-written gradient, so `gradient` defaults to `'handwritten'` and its limits apply.
   * Default 0 (off).
   */
  checkpointEvery?: number;
}

/**
 * Initial or final states of a stack: one `[N, ...S'_l, C_l]` tensor per layer and
 * direction, in layer order (forward direction first).
 */
export interface ConvLSTMState {
  readonly h: readonly Tensor[];
  readonly c: readonly Tensor[];
}

/** Per-call options of {@link ConvLSTM.forward}. */
export interface ForwardOptions {
  /** State to start from (e.g. the final state of the previous call: streaming). Default zeros. */
  initialState?: ConvLSTMState;
  /** Valid length of each sample (integers in `[0, T]`); padded steps never change its state. */
  lengths?: readonly number[];
  /** Enables dropout. Default `false`. */
  training?: boolean;
  /** Steps `T` to unroll an input-free stack (`inChannels: 0`, `xs` null); not allowed otherwise. */
  steps?: number;
  /** Also return every layer's output sequence (the seed's `return_all_layers`). Default `false`. */
  returnAllLayers?: boolean;
}

const FORWARD_KEYS = ['initialState', 'lengths', 'training', 'steps', 'returnAllLayers'] as const;

/** Result of {@link ConvLSTM.forward}. The caller owns every tensor. */
export interface ConvLSTMOutput {
  /**
   * `[N, T, ...S', C_last]` with `returnSequences` (padded steps are zeros), else the final
   * `h` `[N, ...S', C_last]`; `2·C_last` channels when bidirectional.
   */
  output: Tensor;
  /** Final hidden states, per layer and direction. */
  h: Tensor[];
  /** Final cell states, per layer and direction. */
  c: Tensor[];
  /**
   * With `returnAllLayers`: each layer's output sequence `[N, T, ...S'_l, C_l]` (`2·C_l` when
   * bidirectional), bottom layer first; padded steps are zeros. The last one is `output` when
   * `returnSequences`.
   */
  layers?: Tensor[];
}

const STACK_KEYS = new Set([
  'inChannels',
  'hiddenChannels',
  'numLayers',
  'layers',
  'returnSequences',
  'bidirectional',
  'goBackwards',
  'dropout',
  'recurrentDropout',
  'seed',
  'mode',
  'gradient',
  'checkpointEvery',
]);
const OVERRIDE_KEYS = ['kernelSize', 'recurrentKernelSize', 'strides', 'dilationRate'] as const;

/**
 * A stack of ConvLSTM layers over sequences `[N, T, ...S, Cin]` (2-D: `[N, T, H, W, Cin]`).
 * The input convolution of each layer runs once over all N·T frames; only the
 * recurrent convolution and the gates run step by step.
 */
export class ConvLSTM<R extends SpatialRank = 2> {
  readonly numLayers: number;
  readonly bidirectional: boolean;
  readonly cells: readonly { forward: ConvLSTMCell<R>; backward: ConvLSTMCell<R> | null }[];
  readonly behaviour: StackBehaviour;
  readonly spatialRank: R;
  private readonly seed: number;
  private calls = 0;

  constructor(options: ConvLSTMOptions) {
    if (typeof options !== 'object' || options === null) {
      throw new ConvLSTMArgumentError('options', 'an options object', describeValue(options));
    }
    assertKnownKeys(options, [...STACK_KEYS, ...SHARED_CELL_OPTION_KEYS], 'options');
    const hidden = options.hiddenChannels;
    const numLayers =
      options.numLayers ?? (Array.isArray(hidden) ? hidden.length : (options.layers?.length ?? 1));
    assertInt(numLayers, 'options.numLayers');
    const hiddenList: unknown[] = Array.isArray(hidden) ? [...hidden] : new Array(numLayers).fill(hidden);
    if (hiddenList.length !== numLayers) {
      throw new ConvLSTMArgumentError(
        'options.hiddenChannels',
        `one number or ${numLayers} numbers (numLayers)`,
        describeValue(hidden),
      );
    }
    if (
      options.layers !== undefined &&
      (!Array.isArray(options.layers) || options.layers.length !== numLayers)
    ) {
      throw new ConvLSTMArgumentError(
        'options.layers',
        `${numLayers} override objects`,
        describeValue(options.layers),
      );
    }
    options.layers?.forEach((override, l) => {
      assertKnownKeys(override, OVERRIDE_KEYS, `options.layers[${l}]`);
    });
    const dropout = options.dropout ?? 0;
    const recurrentDropout = options.recurrentDropout ?? 0;
    assertRate(dropout, 'options.dropout');
    assertRate(recurrentDropout, 'options.recurrentDropout');
    const mode = options.mode ?? 'auto';
    if (!['auto', 'hoisted', 'concat'].includes(mode)) {
      throw new ConvLSTMArgumentError('options.mode', "'auto', 'hoisted' or 'concat'", describeValue(mode));
    }
    const checkpointEvery = options.checkpointEvery ?? 0;
    assertInt(checkpointEvery, 'options.checkpointEvery', 0);
    const gradient = options.gradient ?? (checkpointEvery > 0 ? 'handwritten' : 'auto');
    if (gradient !== 'auto' && gradient !== 'autodiff' && gradient !== 'handwritten') {
      throw new ConvLSTMArgumentError(
        'options.gradient',
        "'auto', 'autodiff' or 'handwritten'",
        describeValue(gradient),
      );
    }
    if (checkpointEvery > 0 && gradient !== 'handwritten') {
      throw new ConvLSTMArgumentError(
        'options.gradient',
        "'handwritten' (or unset) with checkpointEvery > 0: checkpointing runs on the hand-written gradient",
        describeValue(gradient),
      );
    }
    if (gradient === 'handwritten') {
      const why =
        checkpointEvery > 0 ? 'checkpointEvery > 0 (the hand-written gradient)' : "gradient 'handwritten'";
      if (mode === 'concat') {
        throw new ConvLSTMArgumentError('options.mode', `'auto' or 'hoisted' with ${why}`, "'concat'");
      }
      if (recurrentDropout > 0) {
        throw new ConvLSTMArgumentError(
          'options.recurrentDropout',
          `0 with ${why}`,
          describeValue(recurrentDropout),
        );
      }
    }
    this.seed = options.seed ?? Math.floor(Math.random() * 2 ** 31);
    this.numLayers = numLayers;
    this.bidirectional = options.bidirectional ?? false;
    this.behaviour = {
      returnSequences: options.returnSequences ?? true,
      goBackwards: options.goBackwards ?? false,
      dropout,
      recurrentDropout,
      mode,
      gradient,
      checkpointEvery,
    };
    const shared: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(options)) if (!STACK_KEYS.has(k)) shared[k] = v;
    const cells: { forward: ConvLSTMCell<R>; backward: ConvLSTMCell<R> | null }[] = [];
    let inChannels = options.inChannels;
    try {
      for (let l = 0; l < numLayers; l++) {
        const make = (direction: number): ConvLSTMCell<R> =>
          new ConvLSTMCell<R>({
            ...(shared as Omit<ConvLSTMCellOptions, 'inChannels' | 'hiddenChannels'>),
            ...(options.layers?.[l] ?? {}),
            inChannels,
            hiddenChannels: hiddenList[l] as number,
            seed: hashSeed(this.seed, l, direction),
          });
        const forward = make(0);
        cells.push({ forward, backward: null });
        if (this.bidirectional) (cells[l] as { backward: ConvLSTMCell<R> | null }).backward = make(1);
        inChannels = forward.config.hiddenChannels * (this.bidirectional ? 2 : 1);
      }
    } catch (error) {
      for (const c of cells) {
        c.forward.dispose();
        c.backward?.dispose();
      }
      throw error;
    }
    if (gradient === 'handwritten') {
      cells.forEach((c, l) => {
        const why = handwrittenGradientUnsupported(c.forward.config);
        if (why === null) return;
        for (const cell of cells) {
          cell.forward.dispose();
          cell.backward?.dispose();
        }
        throw new ConvLSTMArgumentError(
          `options.gradient`,
          `'autodiff' for layer ${l}: the hand-written gradient needs ${why}`,
          checkpointEvery > 0 ? `checkpointEvery ${checkpointEvery}` : "'handwritten'",
        );
      });
    }
    this.cells = cells;
    this.spatialRank = (cells[0] as { forward: ConvLSTMCell<R> }).forward.config.spatialRank as R;
  }

  /** Every cell in weight order: layer by layer, forward direction first. */
  get allCells(): ConvLSTMCell<R>[] {
    return this.cells.flatMap((c) => (c.backward ? [c.forward, c.backward] : [c.forward]));
  }

  /** Hidden channels of each layer. */
  get hiddenChannels(): number[] {
    return this.cells.map((c) => c.forward.config.hiddenChannels);
  }

  /** Trainable variables of every cell, in weight order. */
  get trainableWeights(): Variable[] {
    return this.allCells.flatMap((c) => [...c.trainableWeights]);
  }

  /** Number of trainable scalars. */
  get numParams(): number {
    return this.allCells.reduce((n, c) => n + c.numParams, 0);
  }

  /**
   * Spatial size of each layer's state for input frames of spatial size `spatial` (with
   * `fromLayer` 1: `spatial` is the first layer's state, as in an input-free stack).
   */
  stateSpatial(spatial: readonly number[], fromLayer = 0): number[][] {
    const sizes: number[][] = [];
    let current = [...spatial];
    this.cells.forEach(({ forward }, l) => {
      if (l >= fromLayer)
        current = current.map((s, i) => sameOutputSize(s, forward.config.strides[i] as number));
      sizes.push(current);
    });
    return sizes;
  }

  /**
   * Runs the stack over `xs [N, T, ...S, Cin]` (2-D: `[N, T, H, W, Cin]`); an input-free stack
   * (`inChannels: 0`) takes `xs = null` with `options.steps` and `options.initialState`. Every
   * argument is checked before any tensor work; no tensor outlives the call except the returned ones.
   */
  forward(xs: SequenceTensor<R> | null, options: ForwardOptions = {}): ConvLSTMOutput {
    const rank = this.spatialRank;
    assertKnownKeys(options, FORWARD_KEYS, 'options');
    const first = (this.cells[0] as { forward: ConvLSTMCell<R> }).forward.config;
    let batch: number;
    let steps: number;
    let stateSpatial: number[][];
    if (first.inChannels === 0) {
      if (xs !== null) {
        throw new ConvLSTMArgumentError(
          'xs',
          'null: the stack is input-free (inChannels 0)',
          describeValue(xs),
        );
      }
      if (options.steps === undefined) {
        throw new ConvLSTMArgumentError(
          'options.steps',
          'the number of steps to unroll an input-free stack',
          'undefined',
        );
      }
      assertInt(options.steps, 'options.steps', 1);
      steps = options.steps;
      const h0 = (options.initialState as { h?: unknown } | undefined)?.h;
      const firstH = Array.isArray(h0) ? (h0[0] as unknown) : undefined;
      if (!Array.isArray(h0)) {
        throw new ConvLSTMArgumentError(
          'options.initialState',
          '{ h, c }, one tensor per layer and direction: an input-free stack starts from a given state',
          describeValue(options.initialState),
        );
      }
      assertShape(
        firstH,
        [null, ...new Array<null>(rank).fill(null), first.hiddenChannels],
        'options.initialState.h[0]',
        FRAME_LAYOUT[rank],
      );
      const shape = (firstH as Tensor).shape;
      batch = shape[0] as number;
      stateSpatial = this.stateSpatial(shape.slice(1, 1 + rank), 1);
    } else {
      if (options.steps !== undefined) {
        throw new ConvLSTMArgumentError(
          'options.steps',
          'absent: the steps are the length of xs',
          describeValue(options.steps),
        );
      }
      assertShape(
        xs,
        [null, null, ...new Array<null>(rank).fill(null), first.inChannels],
        'xs',
        SEQUENCE_LAYOUT[rank],
      );
      const shape = (xs as Tensor).shape;
      [batch, steps] = shape as [number, number];
      if (steps < 1 || batch < 1 || shape.some((d) => d < 1)) {
        throw new ConvLSTMArgumentError(
          'xs',
          `a non-empty sequence ${SEQUENCE_LAYOUT[rank]}`,
          `shape [${shape.join(', ')}]`,
        );
      }
      stateSpatial = this.stateSpatial(shape.slice(2, 2 + rank));
    }
    const returnAllLayers = options.returnAllLayers ?? false;
    if (typeof returnAllLayers !== 'boolean') {
      throw new ConvLSTMArgumentError('options.returnAllLayers', 'a boolean', describeValue(returnAllLayers));
    }
    const lengths = options.lengths ?? null;
    if (lengths !== null) {
      if (!Array.isArray(lengths) || lengths.length !== batch) {
        throw new ConvLSTMArgumentError(
          'options.lengths',
          `${batch} integers in [0, ${steps}]`,
          describeValue(lengths),
        );
      }
      lengths.forEach((len, n) => {
        if (typeof len !== 'number' || !Number.isInteger(len) || len < 0 || len > steps) {
          throw new ConvLSTMArgumentError(
            `options.lengths[${n}]`,
            `an integer in [0, ${steps}]`,
            describeValue(len),
          );
        }
      });
    }
    const init = options.initialState;
    const cells = this.allCells;
    if (init !== undefined) {
      if (
        typeof init !== 'object' ||
        init === null ||
        !Array.isArray(init.h) ||
        !Array.isArray(init.c) ||
        init.h.length !== cells.length ||
        init.c.length !== cells.length
      ) {
        throw new ConvLSTMArgumentError(
          'options.initialState',
          `{ h, c } with ${cells.length} tensors each (one per layer and direction)`,
          describeValue(init),
        );
      }
      cells.forEach((cell, i) => {
        const layer = this.bidirectional ? Math.floor(i / 2) : i;
        const expected = [batch, ...(stateSpatial[layer] as number[]), cell.config.hiddenChannels];
        assertState({ h: init.h[i], c: init.c[i] }, expected, rank, `options.initialState[${i}]`);
      });
    }
    if (lengths !== null && this.behaviour.gradient === 'handwritten') {
      throw new ConvLSTMArgumentError(
        'options.lengths',
        "absent: the layer runs the hand-written gradient (gradient 'handwritten' or checkpointEvery), which has no per-sample lengths",
        describeValue(lengths),
      );
    }
    const training = options.training ?? false;
    if (typeof training !== 'boolean') {
      throw new ConvLSTMArgumentError('options.training', 'a boolean', describeValue(training));
    }
    const dropoutSeed = hashSeed(this.seed, 0x5eed, this.calls);
    if (training) this.calls++;
    const layers: StackLayer[] = this.cells.map((c) => ({
      forward: { config: c.forward.config, params: c.forward.params },
      backward: c.backward ? { config: c.backward.config, params: c.backward.params } : null,
    }));
    return tidy(() =>
      runStack(layers, this.behaviour, xs as Tensor | null, batch, steps, {
        initialH: init?.h ?? null,
        initialC: init?.c ?? null,
        lengths: lengths as number[] | null,
        training,
        dropoutSeed,
        stateSpatial,
        returnAllLayers,
      }),
    ) as unknown as ConvLSTMOutput;
  }

  /** Copies of every cell's weights, layer by layer, forward direction first. */
  getWeights(): Tensor[] {
    return this.allCells.flatMap((c) => c.getWeights());
  }

  /** Loads weights in {@link getWeights} order; all shapes are checked before any is assigned. */
  setWeights(weights: readonly Tensor[]): void {
    const cells = this.allCells;
    const total = cells.reduce((n, c) => n + c.weightSpecs.length, 0);
    if (!Array.isArray(weights) || weights.length !== total) {
      throw new ConvLSTMArgumentError(
        'weights',
        `${total} tensors`,
        Array.isArray(weights) ? `${weights.length} tensors` : describeValue(weights),
      );
    }
    // Check every shape before assigning any, so a bad list leaves the layer untouched.
    const slices: Tensor[][] = [];
    let offset = 0;
    for (const cell of cells) {
      cell.weightSpecs.forEach((spec, j) => {
        const index = offset + j;
        assertShape(
          weights[index],
          spec.shape,
          `weights[${index}] (${spec.name})`,
          `[${spec.shape.join(', ')}]`,
        );
      });
      slices.push(weights.slice(offset, offset + cell.weightSpecs.length));
      offset += cell.weightSpecs.length;
    }
    cells.forEach((c, i) => {
      c.setWeights(slices[i] as Tensor[]);
    });
  }

  /** Frees every weight. */
  dispose(): void {
    for (const c of this.allCells) c.dispose();
  }
}
