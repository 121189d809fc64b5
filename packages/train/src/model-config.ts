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
