import type { Tensor, Tensor5D, Variable } from '@tensorflow/tfjs-core';
import type { EncoderForecasterConfig, EncoderForecasterOptions } from './model-config.js';

/** Output of {@link EncoderForecaster.forward}: both `[N, Tout, H, W, 1]`. */
export interface ForecastOutput {
  /** Pre-sigmoid values, for a numerically stable cross-entropy. */
  readonly logits: Tensor5D;
  /** `sigmoid(logits)`, per-pixel probabilities in (0, 1). */
  readonly probabilities: Tensor5D;
}

/**
 * The encoding-forecasting network of Shi et al. (2015), Fig. 3.
 */
export class EncoderForecaster {
  readonly config!: EncoderForecasterConfig;

  constructor(_options: EncoderForecasterOptions) {
    throw new Error('not implemented yet');
  }

  forward(_inputs: Tensor5D, _outputFrames?: number): ForecastOutput {
    throw new Error('not implemented yet');
  }

  predict(_inputs: Tensor5D, _outputFrames?: number): Tensor5D {
    throw new Error('not implemented yet');
  }

  predictLogits(_inputs: Tensor5D, _outputFrames?: number): Tensor5D {
    throw new Error('not implemented yet');
  }

  get trainableWeights(): readonly Variable[] {
    throw new Error('not implemented yet');
  }

  get weightNames(): readonly string[] {
    throw new Error('not implemented yet');
  }

  get numParams(): number {
    throw new Error('not implemented yet');
  }

  getWeights(): Tensor[] {
    throw new Error('not implemented yet');
  }

  setWeights(_weights: readonly Tensor[]): void {
    throw new Error('not implemented yet');
  }

  dispose(): void {
    throw new Error('not implemented yet');
  }
}
