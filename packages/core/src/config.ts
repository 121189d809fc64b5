import {
  assertInt,
  assertKnownKeys,
  ConvLSTMArgumentError,
  describeValue,
  type SpatialRank,
  toTuple,
} from '@convlstm/tensor';
import { ACTIVATIONS, type ActivationName } from './activations.js';
import { assertInitializer, type Initializer } from './initializers.js';

/** A kernel size, stride or dilation: one integer for every spatial axis, or one per axis. */
export type KernelSize = number | readonly number[];

/** Options of one {@link ConvLSTMCell}. Names follow tfjs-layers' `convLstm2d` where they overlap. */
export interface ConvLSTMCellOptions {
  /** Channels of the input frames. `0` makes an input-free cell (the paper's first forecaster layer). */
  inChannels: number;
  /** Channels `C` of the hidden and cell states. */
  hiddenChannels: number;
  /** Input-to-state kernel size (int or tuple of `spatialRank` ints). */
  kernelSize: KernelSize;
  /** State-to-state kernel size; defaults to `kernelSize` (the paper's "(5×5)-1×1-128" has 5×5 input, 1×1 state). */
  recurrentKernelSize?: KernelSize;
  /** Spatial rank 1, 2 or 3; inferred from a tuple `kernelSize`, else 2. */
  spatialRank?: SpatialRank;
  /** The paper's peephole terms `w_c ∘ c`, one weight per channel. Default `true`. */
  peephole?: boolean;
  /** Default `true`. */
  useBias?: boolean;
  /** Strides of the input convolution ("same" padding: the state is `ceil(size / stride)`). Default 1. */
  strides?: KernelSize;
  /** Dilation of the input convolution. Default 1. Cannot be combined with strides > 1. */
  dilationRate?: KernelSize;
  /** Initialise the forget-gate bias to 1 (Keras `unitForgetBias`). Default `true`. */
  unitForgetBias?: boolean;
  /** Candidate and output activation. Default `'tanh'` (the paper). */
  activation?: ActivationName;
  /** Gate activation. Default `'sigmoid'` (the paper; tfjs-layers defaults to `'hardSigmoid'`). */
  recurrentActivation?: ActivationName;
  /** Default `'glorotUniform'`. */
  kernelInitializer?: Initializer;
  /** Default `'orthogonal'`. */
  recurrentInitializer?: Initializer;
  /** Default `'zeros'` (plus the unit forget bias). */
  biasInitializer?: Initializer;
  /** Default `'zeros'`. */
  peepholeInitializer?: Initializer;
  /** Seed of the weight initialisers. Default: drawn from `Math.random`. */
  seed?: number;
}

/** A fully resolved, validated cell configuration; serialisable as JSON. */
export interface CellConfig {
  readonly inChannels: number;
  readonly hiddenChannels: number;
  readonly spatialRank: SpatialRank;
  readonly kernelSize: readonly number[];
  readonly recurrentKernelSize: readonly number[];
  readonly strides: readonly number[];
  readonly dilationRate: readonly number[];
  readonly peephole: boolean;
  readonly useBias: boolean;
  readonly unitForgetBias: boolean;
  readonly activation: ActivationName;
  readonly recurrentActivation: ActivationName;
}

/**
 * The options a cell shares with every cell of a stack (all of {@link ConvLSTMCellOptions} but
 * the per-cell `inChannels`, `hiddenChannels` and `seed`), for wrappers that forward them.
 */
export const SHARED_CELL_OPTION_KEYS = [
  'kernelSize',
  'recurrentKernelSize',
  'spatialRank',
  'peephole',
  'useBias',
  'strides',
  'dilationRate',
  'unitForgetBias',
  'activation',
  'recurrentActivation',
  'kernelInitializer',
  'recurrentInitializer',
  'biasInitializer',
  'peepholeInitializer',
] as const satisfies readonly (keyof ConvLSTMCellOptions)[];

const KNOWN_KEYS: readonly string[] = ['inChannels', 'hiddenChannels', ...SHARED_CELL_OPTION_KEYS, 'seed'];

function assertBool(value: unknown, argument: string): void {
  if (value !== undefined && typeof value !== 'boolean') {
    throw new ConvLSTMArgumentError(argument, 'a boolean', describeValue(value));
  }
}

function assertActivation(value: unknown, argument: string): void {
  if (value !== undefined && !(ACTIVATIONS as readonly unknown[]).includes(value)) {
    throw new ConvLSTMArgumentError(argument, `one of ${ACTIVATIONS.join(', ')}`, describeValue(value));
  }
}

/** Validates cell options (clear errors, nothing allocated) and fills in the defaults. */
export function resolveCellConfig(options: ConvLSTMCellOptions, prefix = 'options'): CellConfig {
  if (typeof options !== 'object' || options === null) {
    throw new ConvLSTMArgumentError(prefix, 'an options object', describeValue(options));
  }
  assertKnownKeys(options, KNOWN_KEYS, prefix);
  assertInt(options.inChannels, `${prefix}.inChannels`, 0);
  assertInt(options.hiddenChannels, `${prefix}.hiddenChannels`, 1);
  let spatialRank: SpatialRank = 2;
  if (options.spatialRank !== undefined) {
    if (![1, 2, 3].includes(options.spatialRank)) {
      throw new ConvLSTMArgumentError(
        `${prefix}.spatialRank`,
        '1, 2 or 3',
        describeValue(options.spatialRank),
      );
    }
    spatialRank = options.spatialRank;
  } else if (Array.isArray(options.kernelSize) && [1, 2, 3].includes(options.kernelSize.length)) {
    spatialRank = options.kernelSize.length as SpatialRank;
  }
  const kernelSize = toTuple(options.kernelSize, spatialRank, `${prefix}.kernelSize`);
  const recurrentKernelSize = toTuple(
    options.recurrentKernelSize ?? options.kernelSize,
    spatialRank,
    `${prefix}.recurrentKernelSize`,
  );
  const strides = toTuple(options.strides ?? 1, spatialRank, `${prefix}.strides`);
  const dilationRate = toTuple(options.dilationRate ?? 1, spatialRank, `${prefix}.dilationRate`);
  if (strides.some((s) => s > 1) && dilationRate.some((d) => d > 1)) {
    throw new ConvLSTMArgumentError(
      `${prefix}.dilationRate`,
      'all 1 when strides > 1 (as in TensorFlow)',
      `dilationRate ${describeValue(dilationRate)} with strides ${describeValue(strides)}`,
    );
  }
  for (const key of ['peephole', 'useBias', 'unitForgetBias'] as const) {
    assertBool(options[key], `${prefix}.${key}`);
  }
  assertActivation(options.activation, `${prefix}.activation`);
  assertActivation(options.recurrentActivation, `${prefix}.recurrentActivation`);
  for (const key of [
    'kernelInitializer',
    'recurrentInitializer',
    'biasInitializer',
    'peepholeInitializer',
  ] as const) {
    if (options[key] !== undefined) assertInitializer(options[key], `${prefix}.${key}`);
  }
  if (options.seed !== undefined && (typeof options.seed !== 'number' || !Number.isFinite(options.seed))) {
    throw new ConvLSTMArgumentError(`${prefix}.seed`, 'a finite number', describeValue(options.seed));
  }
  return {
    inChannels: options.inChannels,
    hiddenChannels: options.hiddenChannels,
    spatialRank,
    kernelSize,
    recurrentKernelSize,
    strides,
    dilationRate,
    peephole: options.peephole ?? true,
    useBias: options.useBias ?? true,
    unitForgetBias: options.unitForgetBias ?? true,
    activation: options.activation ?? 'tanh',
    recurrentActivation: options.recurrentActivation ?? 'sigmoid',
  };
}
