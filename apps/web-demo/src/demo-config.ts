import type { EncoderForecasterOptions } from '@convlstm/train';

/**
 * The model the page builds when `public/checkpoint/` holds no checkpoint: a one-layer
 * encoder-forecaster on 4×4 patches (64×64×1 → 16×16×16), small enough to train in a tab.
 */
export const DEMO_MODEL: EncoderForecasterOptions = {
  frameSize: 64,
  patchSize: 4,
  inputKernelSize: 3,
  layers: [{ hiddenChannels: 16, recurrentKernelSize: 3 }],
  inputFrames: 10,
  outputFrames: 10,
  peephole: true,
  seed: 0,
};

/** Which Moving MNIST sequence to show: sequence `index` of the stream `seed`. */
export interface SequenceSpec {
  readonly seed: number;
  readonly index: number;
  readonly numDigits: number;
  /** Pixels per frame. */
  readonly speed: number;
}

export const DEFAULT_SEQUENCE: SequenceSpec = { seed: 7, index: 0, numDigits: 2, speed: 3.6 };
