import { assertInt, assertKnownKeys, ConvLSTMArgumentError, describeValue } from '@convlstm/tensor';
import { baselinePredictions } from './baselines.js';
import { type Metrics, MetricsAccumulator } from './metrics.js';
import type { EncoderForecaster } from './model.js';
import { frameShape } from './model-config.js';
import { batchToTensors, type SequenceSet, splitBatch } from './sequences.js';
import { yieldToEventLoop } from './train.js';

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

/** Options of {@link evaluate}. */
export interface EvaluateOptions {
  /** Sequences per forward pass (default 16). */
  batchSize?: number;
  /** Evaluate only the first `limit` sequences. */
  limit?: number;
  /** Called after each batch with the sequences done so far and the total. */
  onProgress?: (done: number, total: number) => void;
  /**
   * Stops the evaluation between batches when aborted (e.g. by Ctrl-C): it rejects with an
   * `AbortError` (a `DOMException`), having freed every tensor it made.
   */
  signal?: AbortSignal;
}

/** The keys of {@link EvaluateOptions}; `satisfies` rejects a missing or misspelt one at compile time. */
const EVALUATE_OPTION_KEYS = Object.keys({
  batchSize: true,
  limit: true,
  onProgress: true,
  signal: true,
} satisfies Record<keyof EvaluateOptions, true>);

/**
 * Evaluates `model` on `testSet` (`[N, Tin + Tout, H, W, 1]`; the model predicts the `Tout`
 * frames after the first `Tin`) and, on exactly the same sequences, the baselines `zeros`,
 * `copyLast` and `meanInputs`. Metric conventions: {@link MetricsAccumulator}.
 */
export async function evaluate(
  model: EncoderForecaster,
  testSet: SequenceSet,
  options: EvaluateOptions = {},
): Promise<Evaluation> {
  assertKnownKeys(options, EVALUATE_OPTION_KEYS, 'options');
  const batchSize = options.batchSize ?? 16;
  assertInt(batchSize, 'options.batchSize', 1);
  if (options.limit !== undefined) assertInt(options.limit, 'options.limit', 1);
  const frame = frameShape(model.config);
  if (testSet.height !== frame.height || testSet.width !== frame.width || frame.channels !== 1) {
    throw new ConvLSTMArgumentError(
      'testSet',
      `${frame.height}×${frame.width} frames of 1 channel (the model's)`,
      `${testSet.height}×${testSet.width} frames`,
    );
  }
  if (testSet.inputFrames < 1 || testSet.inputFrames >= testSet.frames) {
    throw new ConvLSTMArgumentError(
      'testSet.inputFrames',
      `in [1, ${testSet.frames})`,
      describeValue(testSet.inputFrames),
    );
  }
  const total = Math.min(testSet.count, options.limit ?? testSet.count);
  const outputFrames = testSet.frames - testSet.inputFrames;
  const acc = {
    model: new MetricsAccumulator(outputFrames),
    zeros: new MetricsAccumulator(outputFrames),
    copyLast: new MetricsAccumulator(outputFrames),
    meanInputs: new MetricsAccumulator(outputFrames),
  };
  for (let start = 0; start < total; start += batchSize) {
    if (options.signal !== undefined) {
      // A macrotask turn, so a signal's handler runs between batches of a long evaluation.
      await yieldToEventLoop();
      if (options.signal.aborted) throw new DOMException('The evaluation was stopped', 'AbortError');
    }
    const batch = splitBatch(testSet, start, Math.min(batchSize, total - start));
    const shape = { count: batch.count, frames: outputFrames, height: batch.height, width: batch.width };
    const { inputs, targets, mask } = batchToTensors(batch);
    targets.dispose();
    mask?.dispose();
    let predicted: Float32Array;
    try {
      const out = model.predict(inputs, outputFrames);
      try {
        predicted = (await out.data()) as Float32Array;
      } finally {
        out.dispose();
      }
    } finally {
      inputs.dispose();
    }
    acc.model.add(predicted, batch.targets, shape, batch.mask);
    for (const name of ['zeros', 'copyLast', 'meanInputs'] as const) {
      acc[name].add(baselinePredictions(name, batch), batch.targets, shape, batch.mask);
    }
    options.onProgress?.(start + batch.count, total);
  }
  return {
    model: acc.model.result(),
    baselines: {
      zeros: acc.zeros.result(),
      copyLast: acc.copyLast.result(),
      meanInputs: acc.meanInputs.result(),
    },
  };
}
