import type { Tensor } from '@tensorflow/tfjs-core';
import type { EncoderForecaster } from './model.js';
import type { EncoderForecasterConfig } from './model-config.js';
import type { MovingMnistState } from './moving-mnist.js';
import type { OptimizerConfig } from './optimizer.js';

/** A named tensor, as `optimizer.getWeights()` returns them. */
export interface NamedWeight {
  readonly name: string;
  readonly tensor: Tensor;
}

/** Everything besides the weights that a run needs to continue exactly. */
export interface TrainingState {
  /** Optimisation steps done. */
  readonly step: number;
  /** Position of the training-data stream. */
  readonly generator: MovingMnistState | null;
  /** The optimiser the state belongs to. */
  readonly optimizer: OptimizerConfig | null;
  /** `optimizer.getWeights()` (iteration count and slot variables); the holder disposes them. */
  readonly optimizerWeights: readonly NamedWeight[];
  /** Best validation loss so far and validations since it improved (early stopping). */
  readonly bestValidationLoss: number | null;
  readonly validationsWithoutImprovement: number;
  /** Wall-clock milliseconds trained so far. */
  readonly elapsedMs: number;
}

/** Result of {@link loadCheckpoint}. */
export interface LoadedCheckpoint {
  readonly model: EncoderForecaster;
  readonly config: EncoderForecasterConfig;
  /** `null` when the checkpoint holds only weights. */
  readonly resume: TrainingState | null;
}

export interface LoadCheckpointOptions {
  /** Load into this model (its config must equal the checkpoint's) instead of building a new one. */
  model?: EncoderForecaster;
}

export async function saveCheckpoint(
  _dir: string,
  _model: EncoderForecaster,
  _resume?: TrainingState,
): Promise<void> {
  throw new Error('not implemented yet');
}

export async function loadCheckpoint(
  _dir: string,
  _options: LoadCheckpointOptions = {},
): Promise<LoadedCheckpoint> {
  throw new Error('not implemented yet');
}

/** Frees the optimizer weights of a {@link TrainingState}. */
export function disposeTrainingState(state: TrainingState | null | undefined): void {
  for (const w of state?.optimizerWeights ?? []) w.tensor.dispose();
}
