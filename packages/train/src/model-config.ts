import type { CellConfig } from '@convlstm/core/internal';
import { countCellParams, resolveCellConfig } from '@convlstm/core/internal';
import { assertInt, ConvLSTMArgumentError, describeValue } from '@convlstm/tensor';

/** One ConvLSTM layer of the encoder-forecaster (the same sizes are used in the encoder and the forecaster). */
export interface LayerSpec {
  /** Hidden / cell channels `C` of the layer. */
  readonly hiddenChannels: number;
  /** State-to-state kernel size (square), e.g. 5 for the paper's "5×5-128". */
  readonly recurrentKernelSize: number;
}

/** Options of {@link EncoderForecaster}; omitted fields take the defaults shown. */
export interface EncoderForecasterOptions {
  /** Height and width of square frames in pixels (default 64). Must be divisible by `patchSize`. */
  frameSize?: number;
  /** Frame height for non-square frames (give `height` and `width` together, instead of `frameSize`). */
  height?: number;
  /** Frame width for non-square frames (with `height`). */
  width?: number;
  /** Input channels `C` of the frames `[N, T, H, W, C]` (default 1); the output always has 1. */
  channels?: number;
  /** Side of the square patches the frames are folded into (default 4: 64×64×1 → 16×16×16). */
  patchSize?: number;
  /** Input-to-state kernel size of every layer that has an input (the paper's parenthesised size; default 5). */
  inputKernelSize?: number;
  /** The stack, bottom first, e.g. `[{ hiddenChannels: 128, recurrentKernelSize: 5 }, ...]`. */
  layers: readonly LayerSpec[];
  /** Input frames per sequence (default 10). */
  inputFrames?: number;
  /** Output frames predicted by default (default 10). */
  outputFrames?: number;
  /** The paper's per-channel peephole weights (default true). */
  peephole?: boolean;
  /** Seed of the weight initialisers (default 0). */
  seed?: number;
  /**
   * Persistence skip (default false): every output frame's logits are the last input frame's
   * (its first channel, as a probability) plus the network's correction, and the output
   * convolution starts at zero, so the untrained model forecasts Eulerian persistence and
   * training learns what changes. For radar nowcasting, where the last frame is the strong
   * baseline; not in the paper.
   */
  residual?: boolean;
}

/**
 * A fully resolved, JSON-serialisable model configuration. A square single-channel model is
 * described by `frameSize` alone (so its config, and its checkpoints' `config.json`, read as
 * before `height`, `width` and `channels` existed); otherwise `height`, `width` and `channels` are
 * all present and `frameSize` is the height. Read the frame shape with {@link frameShape}.
 */
export interface EncoderForecasterConfig {
  readonly frameSize: number;
  readonly height?: number;
  readonly width?: number;
  readonly channels?: number;
  readonly patchSize: number;
  readonly inputKernelSize: number;
  readonly layers: readonly LayerSpec[];
  readonly inputFrames: number;
  readonly outputFrames: number;
  readonly peephole: boolean;
  readonly seed: number;
  /** Present (and `true`) only for a model with the persistence skip. */
  readonly residual?: true;
}

const KNOWN_KEYS = [
  'frameSize',
  'height',
  'width',
  'channels',
  'patchSize',
  'inputKernelSize',
  'layers',
  'inputFrames',
  'outputFrames',
  'peephole',
  'seed',
  'residual',
] as const;

/** Validates encoder-forecaster options (nothing allocated) and fills in the defaults. */
export function resolveEncoderForecasterConfig(
  options: EncoderForecasterOptions,
  prefix = 'options',
): EncoderForecasterConfig {
  if (typeof options !== 'object' || options === null) {
    throw new ConvLSTMArgumentError(prefix, 'an options object', describeValue(options));
  }
  for (const key of Object.keys(options)) {
    if (!(KNOWN_KEYS as readonly string[]).includes(key)) {
      throw new ConvLSTMArgumentError(
        `${prefix}.${key}`,
        `a known option (${KNOWN_KEYS.join(', ')})`,
        `unknown option "${key}"`,
      );
    }
  }
  let height: number;
  let width: number;
  if (options.height !== undefined || options.width !== undefined) {
    assertInt(options.height, `${prefix}.height`, 1);
    assertInt(options.width, `${prefix}.width`, 1);
    height = options.height;
    width = options.width;
    if (options.frameSize !== undefined && options.frameSize !== height) {
      throw new ConvLSTMArgumentError(
        `${prefix}.frameSize`,
        `absent, or equal to height ${height}`,
        describeValue(options.frameSize),
      );
    }
  } else {
    height = options.frameSize ?? 64;
    assertInt(height, `${prefix}.frameSize`, 1);
    width = height;
  }
  const channels = options.channels ?? 1;
  assertInt(channels, `${prefix}.channels`, 1);
  const frameSize = height;
  const patchSize = options.patchSize ?? 4;
  assertInt(patchSize, `${prefix}.patchSize`, 1);
  for (const [name, size] of [
    ['height', height],
    ['width', width],
  ] as const) {
    if (size % patchSize !== 0) {
      throw new ConvLSTMArgumentError(
        `${prefix}.patchSize`,
        `a divisor of the frame ${name} ${size}`,
        describeValue(patchSize),
      );
    }
  }
  const inputKernelSize = options.inputKernelSize ?? 5;
  assertInt(inputKernelSize, `${prefix}.inputKernelSize`, 1);
  if (!Array.isArray(options.layers) || options.layers.length === 0) {
    throw new ConvLSTMArgumentError(
      `${prefix}.layers`,
      'a non-empty array of { hiddenChannels, recurrentKernelSize }',
      describeValue(options.layers),
    );
  }
  const layers = options.layers.map((layer: LayerSpec, i: number): LayerSpec => {
    const at = `${prefix}.layers[${i}]`;
    if (typeof layer !== 'object' || layer === null) {
      throw new ConvLSTMArgumentError(at, '{ hiddenChannels, recurrentKernelSize }', describeValue(layer));
    }
    for (const key of Object.keys(layer)) {
      if (key !== 'hiddenChannels' && key !== 'recurrentKernelSize') {
        throw new ConvLSTMArgumentError(
          `${at}.${key}`,
          'a known option (hiddenChannels, recurrentKernelSize)',
          `unknown option "${key}"`,
        );
      }
    }
    assertInt(layer.hiddenChannels, `${at}.hiddenChannels`, 1);
    assertInt(layer.recurrentKernelSize, `${at}.recurrentKernelSize`, 1);
    return { hiddenChannels: layer.hiddenChannels, recurrentKernelSize: layer.recurrentKernelSize };
  });
  const inputFrames = options.inputFrames ?? 10;
  assertInt(inputFrames, `${prefix}.inputFrames`, 1);
  const outputFrames = options.outputFrames ?? 10;
  assertInt(outputFrames, `${prefix}.outputFrames`, 1);
  const peephole = options.peephole ?? true;
  if (typeof peephole !== 'boolean') {
    throw new ConvLSTMArgumentError(`${prefix}.peephole`, 'a boolean', describeValue(peephole));
  }
  const seed = options.seed ?? 0;
  if (typeof seed !== 'number' || !Number.isFinite(seed)) {
    throw new ConvLSTMArgumentError(`${prefix}.seed`, 'a finite number', describeValue(seed));
  }
  const residual = options.residual ?? false;
  if (typeof residual !== 'boolean') {
    throw new ConvLSTMArgumentError(`${prefix}.residual`, 'a boolean', describeValue(residual));
  }
  const shape = height === width && channels === 1 ? {} : { height, width, channels };
  return {
    frameSize,
    ...shape,
    patchSize,
    inputKernelSize,
    layers,
    inputFrames,
    outputFrames,
    peephole,
    seed,
    // Absent unless set, so configs and checkpoints of other models read as before.
    ...(residual ? { residual: true as const } : {}),
  };
}

/** Frame shape `[H, W, C]` of a model's inputs (its outputs are `[H, W, 1]`). */
export function frameShape(config: EncoderForecasterConfig): {
  readonly height: number;
  readonly width: number;
  readonly channels: number;
} {
  return {
    height: config.height ?? config.frameSize,
    width: config.width ?? config.frameSize,
    channels: config.channels ?? 1,
  };
}

/** Cell configurations of the encoder (index 0) and forecaster (index 1) stacks, bottom layer first. */
export function stackCellConfigs(config: EncoderForecasterConfig): [CellConfig[], CellConfig[]] {
  const patchChannels = config.patchSize * config.patchSize * frameShape(config).channels;
  const make = (forecaster: boolean): CellConfig[] =>
    config.layers.map((layer, l) => {
      const below = l === 0 ? patchChannels : (config.layers[l - 1] as LayerSpec).hiddenChannels;
      // The first forecaster layer has no input (Fig. 3): it only unrolls the copied state.
      const inChannels = forecaster && l === 0 ? 0 : below;
      return resolveCellConfig({
        inChannels,
        hiddenChannels: layer.hiddenChannels,
        kernelSize: inChannels === 0 ? layer.recurrentKernelSize : config.inputKernelSize,
        recurrentKernelSize: layer.recurrentKernelSize,
        peephole: config.peephole,
      });
    });
  return [make(false), make(true)];
}

/** Channels of the 1×1 output convolution's input: all forecaster hidden states, concatenated. */
export function outputInChannels(config: EncoderForecasterConfig): number {
  return config.layers.reduce((sum, l) => sum + l.hiddenChannels, 0);
}

/**
 * Trainable parameters of an encoder-forecaster, counted from its specs (nothing allocated):
 * every cell `k_in²·Cin·4C + k_rec²·C·4C + 4C (+ 3C peepholes)`, the first forecaster layer
 * without input kernel, plus the 1×1 output convolution `ΣC·P² + P²`.
 */
export function countEncoderForecasterParams(options: EncoderForecasterOptions): number {
  const config = resolveEncoderForecasterConfig(options);
  const [encoder, forecaster] = stackCellConfigs(config);
  const cells = [...encoder, ...forecaster].reduce((n, c) => n + countCellParams(c), 0);
  const p2 = config.patchSize * config.patchSize;
  return cells + outputInChannels(config) * p2 + p2;
}
