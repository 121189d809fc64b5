import type {
  ActivationName,
  ConvLSTMCellOptions,
  ConvLSTMLayerOverrides,
  InitializerName,
} from '@convlstm/core';
import { type CellConfig, resolveCellConfig, SHARED_CELL_OPTION_KEYS } from '@convlstm/core/internal';
import {
  assertInt,
  assertKnownKeys,
  assertRate,
  ConvLSTMArgumentError,
  describeValue,
  type SpatialRank,
} from '@convlstm/tensor';

/**
 * The core `ConvLSTMOptions` a layer accepts, all JSON-serialisable (initialisers by name
 * only, so `getConfig()` round-trips). `inChannels` is inferred from the input in `build`.
 */
export interface ConvLSTMLayerOptions {
  /** Hidden channels: one number for every layer, or one per layer (which sets `numLayers`). */
  hiddenChannels: number | readonly number[];
  /** Input-to-state kernel: an int, or a tuple whose length (1, 2, 3) sets the spatial rank. */
  kernelSize: number | readonly number[];
  /** State-to-state kernel; defaults to `kernelSize`. */
  recurrentKernelSize?: number | readonly number[];
  /** 1, 2 or 3; inferred from a tuple `kernelSize`, else 2. */
  spatialRank?: SpatialRank;
  /** Number of stacked layers; default `hiddenChannels.length`, or 1. */
  numLayers?: number;
  /** Per-layer overrides of kernel sizes, strides, dilation (length `numLayers`). */
  layers?: readonly ConvLSTMLayerOverrides[];
  /** The paper's peepholes (default `true`, as the core; `false` is Keras' ConvLSTM2D). */
  peephole?: boolean;
  /** Default `true`. */
  useBias?: boolean;
  /** Strides of the input convolutions ("same" padding: `S' = ceil(S / stride)`). Default 1. */
  strides?: number | readonly number[];
  /** Dilation of the input convolutions. Default 1. */
  dilationRate?: number | readonly number[];
  /** Default `true`. */
  unitForgetBias?: boolean;
  /** Default `'tanh'`. */
  activation?: ActivationName;
  /** Default `'sigmoid'` (the paper; tfjs-layers' ConvLSTM2D defaults to `'hardSigmoid'`). */
  recurrentActivation?: ActivationName;
  kernelInitializer?: InitializerName;
  recurrentInitializer?: InitializerName;
  biasInitializer?: InitializerName;
  peepholeInitializer?: InitializerName;
  /** Add a backward direction per layer (outputs concatenated: `2C` channels). */
  bidirectional?: boolean;
  /** Process time backwards. */
  goBackwards?: boolean;
  /** Dropout on the input of every layer after the first (training only). */
  dropout?: number;
  /** Dropout on `h` before the recurrent convolution (training only). */
  recurrentDropout?: number;
  /** Seed of the initial weights and dropout masks; drawn once (and kept in the config) when absent. */
  seed?: number;
  /** Output the last layer's whole sequence `[N, T, ...S', C]` (default `false`, as tfjs-layers) or its final `h`. */
  returnSequences?: boolean;
  /** Also output every final state: `[output, ...h, ...c]`, one per layer and direction (default `false`). */
  returnState?: boolean;
  /** Optional check: the input's channel count. Inferred in `build` when absent. */
  inChannels?: number;
}

/** Keys of {@link ConvLSTMLayerOptions} that are per-cell options of the core. */
export const CELL_KEYS = SHARED_CELL_OPTION_KEYS;

/** Keys describing the stack or the layer's outputs. */
export const STACK_KEYS = [
  'hiddenChannels',
  'numLayers',
  'layers',
  'bidirectional',
  'goBackwards',
  'dropout',
  'recurrentDropout',
  'seed',
  'returnSequences',
  'returnState',
  'inChannels',
] as const satisfies readonly (keyof ConvLSTMLayerOptions)[];

/** The keys of {@link ConvLSTMLayerOptions} left out of {@link CELL_KEYS} and {@link STACK_KEYS}. */
type UnlistedLayerOptionKey = Exclude<
  keyof ConvLSTMLayerOptions,
  (typeof CELL_KEYS)[number] | (typeof STACK_KEYS)[number]
>;

/**
 * Every key of {@link ConvLSTMLayerOptions}, each listed once in {@link CELL_KEYS} or
 * {@link STACK_KEYS}. Its type is `never`-like (`{ unlisted: ... }`, naming the key) unless every
 * key of the interface is listed, so a key added to the interface alone does not compile.
 */
export const LAYER_OPTION_KEYS: [UnlistedLayerOptionKey] extends [never]
  ? readonly (keyof ConvLSTMLayerOptions)[]
  : { unlisted: UnlistedLayerOptionKey } = [...CELL_KEYS, ...STACK_KEYS];

/** The options, validated, with the stack spelled out per layer. */
export interface ResolvedLayerOptions {
  readonly options: ConvLSTMLayerOptions & { seed: number };
  readonly hidden: readonly number[];
  readonly spatialRank: SpatialRank;
  readonly bidirectional: boolean;
  readonly returnSequences: boolean;
  readonly returnState: boolean;
  readonly goBackwards: boolean;
  readonly dropout: number;
  readonly recurrentDropout: number;
}

function assertBool(value: unknown, argument: string): void {
  if (value !== undefined && typeof value !== 'boolean') {
    throw new ConvLSTMArgumentError(argument, 'a boolean', describeValue(value));
  }
}

/** The core cell options of layer `l`, shared options merged with that layer's overrides. */
export function cellOptions(
  options: ConvLSTMLayerOptions,
  l: number,
  inChannels: number,
  hiddenChannels: number,
): ConvLSTMCellOptions {
  const shared: Record<string, unknown> = {};
  for (const key of CELL_KEYS) if (options[key] !== undefined) shared[key] = options[key];
  return {
    ...(shared as Omit<ConvLSTMCellOptions, 'inChannels' | 'hiddenChannels'>),
    ...(options.layers?.[l] ?? {}),
    inChannels,
    hiddenChannels,
  };
}

/**
 * Validates layer options (clear errors, no tensor allocated) the way the core's
 * `ConvLSTM` does, and draws the seed when none is given.
 */
export function resolveLayerOptions(options: unknown): ResolvedLayerOptions {
  if (typeof options !== 'object' || options === null) {
    throw new ConvLSTMArgumentError('options', 'an options object', describeValue(options));
  }
  const o = options as ConvLSTMLayerOptions;
  assertKnownKeys(o, LAYER_OPTION_KEYS, 'options');
  const hiddenValue = o.hiddenChannels;
  const numLayers =
    o.numLayers ?? (Array.isArray(hiddenValue) ? hiddenValue.length : (o.layers?.length ?? 1));
  assertInt(numLayers, 'options.numLayers');
  const hidden: unknown[] = Array.isArray(hiddenValue)
    ? [...hiddenValue]
    : new Array(numLayers).fill(hiddenValue);
  if (hidden.length !== numLayers) {
    throw new ConvLSTMArgumentError(
      'options.hiddenChannels',
      `one number or ${numLayers} numbers (numLayers)`,
      describeValue(hiddenValue),
    );
  }
  hidden.forEach((h, l) => {
    assertInt(h, Array.isArray(hiddenValue) ? `options.hiddenChannels[${l}]` : 'options.hiddenChannels');
  });
  if (o.layers !== undefined && (!Array.isArray(o.layers) || o.layers.length !== numLayers)) {
    throw new ConvLSTMArgumentError(
      'options.layers',
      `${numLayers} override objects`,
      describeValue(o.layers),
    );
  }
  for (const key of ['bidirectional', 'goBackwards', 'returnSequences', 'returnState'] as const) {
    assertBool(o[key], `options.${key}`);
  }
  const dropout = o.dropout ?? 0;
  const recurrentDropout = o.recurrentDropout ?? 0;
  assertRate(dropout, 'options.dropout');
  assertRate(recurrentDropout, 'options.recurrentDropout');
  if (o.inChannels !== undefined) assertInt(o.inChannels, 'options.inChannels');
  if (o.seed !== undefined && (typeof o.seed !== 'number' || !Number.isFinite(o.seed))) {
    throw new ConvLSTMArgumentError('options.seed', 'a finite number', describeValue(o.seed));
  }
  for (const key of [
    'kernelInitializer',
    'recurrentInitializer',
    'biasInitializer',
    'peepholeInitializer',
  ] as const) {
    if (typeof o[key] === 'function') {
      throw new ConvLSTMArgumentError(
        `options.${key}`,
        'an initializer name (a layer config must be JSON-serialisable)',
        'a function',
      );
    }
  }
  // Every cell's options are checked now (with a placeholder input width), so a bad kernel
  // fails at construction, not at the first `apply`.
  let spatialRank: SpatialRank = 2;
  hidden.forEach((h, l) => {
    const config: CellConfig = resolveCellConfig(cellOptions(o, l, 1, h as number), `options (layer ${l})`);
    if (l === 0) spatialRank = config.spatialRank;
    else if (config.spatialRank !== spatialRank) {
      throw new ConvLSTMArgumentError(
        `options.layers[${l}]`,
        `kernels of spatial rank ${spatialRank} like layer 0`,
        `spatial rank ${config.spatialRank}`,
      );
    }
  });
  const seed = o.seed ?? Math.floor(Math.random() * 2 ** 31);
  return {
    options: { ...o, seed },
    hidden: hidden as number[],
    spatialRank,
    bidirectional: o.bidirectional ?? false,
    returnSequences: o.returnSequences ?? false,
    returnState: o.returnState ?? false,
    goBackwards: o.goBackwards ?? false,
    dropout,
    recurrentDropout,
  };
}
