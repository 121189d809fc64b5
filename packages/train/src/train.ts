import type { TrainingState } from './checkpoint.js';
import type { Evaluation } from './evaluate.js';
import type { LossName } from './losses.js';
import type { EncoderForecaster } from './model.js';
import type { MovingMnist } from './moving-mnist.js';
import type { LrSchedule, OptimizerConfig } from './optimizer.js';
import type { SequenceSet } from './sequences.js';

/** Passed to {@link TrainCallbacks.onStep} after every optimisation step. */
export interface StepInfo {
  /** Steps done (1 after the first). */
  readonly step: number;
  readonly epoch: number;
  /** Training loss of this step's batch (per pixel, see {@link TrainOptions.loss}). */
  readonly loss: number;
  /** Global gradient norm before clipping. */
  readonly gradNorm: number;
  /** Learning rate used in this step. */
  readonly lr: number;
  /** Training throughput over this step. */
  readonly seqPerSec: number;
}

/** Passed to {@link TrainCallbacks.onValidation}. */
export interface ValidationInfo {
  readonly step: number;
  /** Validation loss (same loss as training, per pixel). */
  readonly loss: number;
  /** Per-frame MSE summed over pixels (the field's convention). */
  readonly mse: number;
  readonly bestLoss: number;
  readonly improved: boolean;
}

/** Passed to {@link TrainCallbacks.onCheckpoint} after a checkpoint is complete on disk. */
export interface CheckpointInfo {
  readonly step: number;
  readonly dir: string;
  /** `'latest'`, `'best'` or `'final'`. */
  readonly kind: 'latest' | 'best' | 'final';
}

/** Hooks called during {@link train}; they may be async (training waits). */
export interface TrainCallbacks {
  onStep?(info: StepInfo): void | Promise<void>;
  onValidation?(info: ValidationInfo): void | Promise<void>;
  onCheckpoint?(info: CheckpointInfo): void | Promise<void>;
}

/** Options of {@link train}. */
export interface TrainOptions {
  /** Sequences per step (default 16). */
  batchSize?: number;
  /** `'bce'` (default; the paper's per-pixel cross-entropy, from logits) or `'mse'`; both averaged per pixel. */
  loss?: LossName;
  /** Default RMSProp, learning rate 1e-3, decay 0.9 (the paper). */
  optimizer?: OptimizerConfig;
  /** Clip gradients to this global norm (default none). */
  clipNorm?: number | null;
  /** Default constant. */
  schedule?: LrSchedule;
  /** Stop after this many steps in total (counting resumed steps). */
  maxSteps?: number;
  /** Stop after this many epochs of `stepsPerEpoch` steps. */
  maxEpochs?: number;
  /** Steps per epoch (default `ceil(10000 / batchSize)`, the size of Srivastava's test set). */
  stepsPerEpoch?: number;
  /** Stop after this many minutes of training (counting resumed time). */
  maxMinutes?: number;
  /** Validation set and how often to validate (default every epoch). */
  validation?: { set: SequenceSet; everySteps?: number; batchSize?: number };
  /** Stop when validation has not improved by `minDelta` for `patience` validations. */
  earlyStopping?: { patience: number; minDelta?: number; restoreBest?: boolean };
  /** Write `dir/latest` every `everySteps` steps and at the end, and `dir/best` at each new best validation. */
  checkpoint?: { dir: string; everySteps?: number };
  /** Continue a run: from a state returned by {@link loadCheckpoint}. */
  resume?: TrainingState | null;
  callbacks?: TrainCallbacks;
  /** Stops training after the current step. */
  signal?: AbortSignal;
}

/** Why {@link train} returned. */
export type StopReason = 'maxSteps' | 'maxEpochs' | 'maxMinutes' | 'earlyStopping' | 'aborted';

/** Result of {@link train}. */
export interface TrainResult {
  readonly steps: number;
  readonly stopReason: StopReason;
  readonly lastLoss: number | null;
  readonly bestValidationLoss: number | null;
  readonly elapsedMs: number;
  /** The state to continue from (the caller disposes it with `disposeTrainingState`). */
  readonly state: TrainingState;
  /** Set when a final evaluation was asked for. */
  readonly evaluation?: Evaluation;
}

/** Thrown when a loss or gradient is NaN or infinite; the model keeps its weights from before that step. */
export class TrainingDivergedError extends Error {
  readonly step: number;
  readonly loss: number;
  readonly lastCheckpoint: string | null;

  constructor(step: number, loss: number, lastCheckpoint: string | null) {
    super(
      `Training diverged at step ${step}: loss ${loss}. The model keeps its weights from before this step` +
        (lastCheckpoint === null
          ? '; no checkpoint was written.'
          : `; the last good checkpoint is ${lastCheckpoint}.`),
    );
    this.name = 'TrainingDivergedError';
    this.step = step;
    this.loss = loss;
    this.lastCheckpoint = lastCheckpoint;
  }
}

export async function train(
  _model: EncoderForecaster,
  _data: MovingMnist,
  _options: TrainOptions = {},
): Promise<TrainResult> {
  throw new Error('not implemented yet');
}
