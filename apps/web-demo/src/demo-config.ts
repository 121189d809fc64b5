import { type EncoderForecasterOptions, PRESETS } from '@convlstm/train';

/**
 * The page-sized model the training section builds (and the page shows when `public/checkpoint/`
 * holds no checkpoint): `@convlstm/train`'s `browser-tiny` preset, one layer of 16 channels with
 * 3×3 kernels on 4×4 patches (64×64×1 → 16×16×16), small enough to train in a tab on wasm.
 */
export const DEMO_MODEL: EncoderForecasterOptions = { ...PRESETS['browser-tiny'].options, seed: 0 };

/** Which Moving MNIST sequence to show: sequence `index` of the stream `seed`. */
export interface SequenceSpec {
  readonly seed: number;
  readonly index: number;
  readonly numDigits: number;
  /** Pixels per frame. */
  readonly speed: number;
}

export const DEFAULT_SEQUENCE: SequenceSpec = { seed: 7, index: 0, numDigits: 2, speed: 3.6 };
