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
  /** Frame height and width in pixels (default 64). Must be divisible by `patchSize`. */
  frameSize?: number;
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
}

/** A fully resolved, JSON-serialisable model configuration. */
export interface EncoderForecasterConfig {
  readonly frameSize: number;
  readonly patchSize: number;
  readonly inputKernelSize: number;
  readonly layers: readonly LayerSpec[];
  readonly inputFrames: number;
  readonly outputFrames: number;
  readonly peephole: boolean;
  readonly seed: number;
}

const KNOWN_KEYS = [
  'frameSize',
  'patchSize',
  'inputKernelSize',
  'layers',
  'inputFrames',
  'outputFrames',
  'peephole',
  'seed',
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
  const frameSize = options.frameSize ?? 64;
  assertInt(frameSize, `${prefix}.frameSize`, 1);
  const patchSize = options.patchSize ?? 4;
  assertInt(patchSize, `${prefix}.patchSize`, 1);
  if (frameSize % patchSize !== 0) {
    throw new ConvLSTMArgumentError(
      `${prefix}.patchSize`,
      `a divisor of frameSize ${frameSize}`,
      describeValue(patchSize),
    );
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
  return { frameSize, patchSize, inputKernelSize, layers, inputFrames, outputFrames, peephole, seed };
}

/** Cell configurations of the encoder (index 0) and forecaster (index 1) stacks, bottom layer first. */
export function stackCellConfigs(config: EncoderForecasterConfig): [CellConfig[], CellConfig[]] {
  const patchChannels = config.patchSize * config.patchSize;
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
