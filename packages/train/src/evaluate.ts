import type { Metrics } from './metrics.js';
import type { EncoderForecaster } from './model.js';
import type { SequenceSet } from './sequences.js';

/** The trivial baselines, evaluated on the same data as the model. */
export interface BaselineMetrics {
  /** Predicts an all-zero frame. */
  readonly zeros: Metrics;
  /** Repeats the last input frame. */
  readonly copyLast: Metrics;
  /** Predicts the per-pixel mean of the input frames. */
  readonly meanInputs: Metrics;
}

/** Result of {@link evaluate}. */
export interface Evaluation {
  readonly model: Metrics;
  readonly baselines: BaselineMetrics;
}

export interface EvaluateOptions {
  /** Sequences per forward pass (default 16). */
  batchSize?: number;
  /** Evaluate only the first `limit` sequences. */
  limit?: number;
}

export async function evaluate(
  _model: EncoderForecaster,
  _testSet: SequenceSet,
  _options: EvaluateOptions = {},
): Promise<Evaluation> {
  throw new Error('not implemented yet');
}
