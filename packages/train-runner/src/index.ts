/**
 * The train/resume runner of the command-line apps: everything around `@convlstm/train`'s loop
 * that a run folder needs — the budget a resumed run may still use, the metrics CSV continued at
 * the resumed step, the progress bar, Ctrl-C (stop after this step, save), a divergence turned
 * into a one-line error with the command that continues from the last good checkpoint, and the
 * final checkpoint with the optimiser state so `--resume` continues exactly. Each app keeps its
 * own options, data and reports; this is the part they would otherwise both write.
 */

import { rmdir } from 'node:fs/promises';
import { join } from 'node:path';
import {
  CsvLog,
  type CsvRow,
  OperationalError,
  ProgressBar,
  type ProgressStream,
  type StopController,
  type StopSignal,
  UsageError,
} from '@convlstm/cli';
import { removeTempLeftovers } from '@convlstm/files';
import {
  disposeTrainingState,
  type EncoderForecaster,
  type SequenceStream,
  type StepInfo,
  TrainingDivergedError,
  type TrainingState,
  type TrainOptions,
  type TrainResult,
  train,
  type ValidationInfo,
} from '@convlstm/train';
import { checkpointFolder, saveCheckpoint } from '@convlstm/train/node';
import { newestCheckpoint } from './checkpoints.js';

export {
  type CompleteCheckpoint,
  completeCheckpoint,
  findResumeCheckpoint,
  newestCheckpoint,
  type RunLayout,
  runCheckpoints,
} from './checkpoints.js';
export {
  assertFitsMemory,
  MEMORY_LIMIT_ENV,
  memoryLimit,
  sequenceBytes,
} from './resources.js';
export { type StoppableResult, stoppable } from './stoppable.js';

/** How long a run trains: a step count, a time budget, or both (whichever comes first). */
export interface TrainingBudget {
  /** Total steps, counting those of the run being resumed; `null` for none. */
  readonly steps: number | null;
  /** Total minutes of training, counting the resumed run's; `null` for none. */
  readonly minutes: number | null;
}

/** The flags that set a {@link TrainingBudget}, as the user types them (for error messages). */
export interface BudgetFlags {
  readonly steps: string;
  readonly minutes: string;
}

/**
 * Refuses to resume a run whose budget is already spent (a resumed run's budget counts its
 * earlier steps and time), naming the flag to raise — before any training work.
 */
export function assertBudgetLeft(
  state: TrainingState,
  budget: TrainingBudget,
  flags: BudgetFlags,
  what: string,
): void {
  if (budget.steps !== null && budget.steps <= state.step) {
    throw new UsageError(
      `${what}: the run is already at step ${state.step} of ${flags.steps} ${budget.steps}; pass a larger ${flags.steps} (it counts the earlier steps)`,
    );
  }
  if (budget.minutes !== null && state.elapsedMs >= budget.minutes * 60_000) {
    throw new UsageError(
      `${what}: the run has already trained ${(state.elapsedMs / 60_000).toFixed(2)} of ${flags.minutes} ${budget.minutes} minutes; pass a larger ${flags.minutes} (it counts the earlier training)`,
    );
  }
}

/** Options of {@link runTraining}. */
export interface RunTrainingOptions<C extends string> {
  readonly model: EncoderForecaster;
  readonly data: SequenceStream;
  /** The loop's own options (loss, optimiser, schedule, validation…); the runner sets the rest. */
  readonly loop: Omit<
    TrainOptions,
    | 'maxSteps'
    | 'maxMinutes'
    | 'resume'
    | 'signal'
    | 'callbacks'
    | 'keepOptimizerState'
    | 'checkpoint'
    | 'metadata'
  >;
  readonly budget: TrainingBudget;
  /** The state of the run being continued, or `null` for a fresh run (the caller disposes it). */
  readonly resumed: TrainingState | null;
  /** How the run was started, stored with every checkpoint so `--resume` can take the run's settings. */
  readonly metadata: Readonly<Record<string, unknown>>;
  /** `metrics.csv`: its path, columns and the row of a step (and of a validation). */
  readonly csv: {
    readonly path: string;
    readonly columns: readonly C[];
    /** Continue the file up to the resumed step (default: when resuming); else it starts afresh. */
    readonly continues?: boolean;
    step(info: StepInfo): CsvRow<C>;
    validation?(info: ValidationInfo): CsvRow<C>;
  };
  /** The final checkpoint's folder; `periodic` adds `latest`/`best` folders every `everySteps`. */
  readonly checkpoint: {
    readonly final: string;
    readonly periodic?: { readonly dir: string; readonly everySteps: number };
  };
  readonly stop: StopController;
  /** Where the progress bar and status lines go. */
  readonly stderr: ProgressStream;
  /** What a first Ctrl-C prints. */
  readonly stopNotice: string;
  /** The command that continues from a checkpoint, for the divergence hint. */
  resumeCommand(checkpoint: string): string;
  /** Called after each step and validation (e.g. to keep the points of a loss chart). */
  onStep?(info: StepInfo): void;
  onValidation?(info: ValidationInfo): void;
}

/** Result of {@link runTraining}. */
export interface TrainingRun {
  /** The loop's result; its state's tensors are already freed (the checkpoint holds them). */
  readonly result: TrainResult;
  /** Where the final checkpoint is. */
  readonly checkpoint: string;
  /** The signal that stopped the run, or `null` (the result's `stopReason` says why it ended). */
  readonly stoppedBy: StopSignal | null;
}

/**
 * Trains `model` under the app's stop controller and writes the run's metrics and checkpoints:
 * one CSV row per step (awaited, so a kill loses at most one), continued at the resumed step; a
 * progress bar that counts the earlier training; on a first Ctrl-C the current step finishes
 * and the model is saved. A {@link TrainingDivergedError} becomes an `OperationalError` whose
 * hint is the command that continues from the last good checkpoint with a lower learning rate.
 */
export async function runTraining<C extends string>(options: RunTrainingOptions<C>): Promise<TrainingRun> {
  const { model, resumed, budget } = options;
  const csv = await CsvLog.open(
    options.csv.path,
    options.csv.columns,
    resumed !== null && options.csv.continues !== false ? { keepUpToStep: resumed.step } : {},
  );
  const bar = new ProgressBar({
    ...(budget.steps === null ? {} : { totalSteps: budget.steps }),
    ...(budget.minutes === null ? {} : { totalMs: budget.minutes * 60_000 }),
    ...(resumed === null ? {} : { resumed: { elapsedMs: resumed.elapsedMs, step: resumed.step } }),
    stream: options.stderr,
  });
  const periodic = options.checkpoint.periodic;
  let result: TrainResult;
  try {
    result = await options.stop.graceful(options.stopNotice, (signal) =>
      train(model, options.data, {
        ...options.loop,
        ...(budget.steps === null ? {} : { maxSteps: budget.steps }),
        ...(budget.minutes === null ? {} : { maxMinutes: budget.minutes }),
        // The final checkpoint keeps the optimiser state, so `--resume` continues exactly.
        keepOptimizerState: true,
        resume: resumed,
        metadata: options.metadata,
        ...(periodic === undefined || periodic.everySteps <= 0
          ? {}
          : { checkpoint: { store: checkpointFolder(periodic.dir), everySteps: periodic.everySteps } }),
        signal,
        callbacks: {
          onStep: async (info) => {
            options.onStep?.(info);
            bar.update(info);
            await csv.append(options.csv.step(info));
          },
          onValidation: async (info) => {
            options.onValidation?.(info);
            bar.log(
              `validation at step ${info.step}: loss ${info.loss.toFixed(4)}, MSE ${info.mse.toFixed(2)}${info.improved ? ' (best)' : ''}`,
            );
            if (options.csv.validation !== undefined) await csv.append(options.csv.validation(info));
          },
        },
      }),
    );
  } catch (error) {
    if (!(error instanceof TrainingDivergedError)) throw error;
    const lr = options.loop.optimizer?.learningRate;
    const lower = lr === undefined ? '' : ` --lr ${Number((lr / 10).toPrecision(3))}`;
    throw new OperationalError(error.message, {
      cause: error,
      hint:
        error.lastCheckpoint === null
          ? `Start again with a lower learning rate${lower === '' ? '' : ` (e.g.${lower})`}; periodic checkpoints keep a good one to resume from.`
          : `Continue from the last good checkpoint with a lower learning rate: ${options.resumeCommand(error.lastCheckpoint)}${lower}`,
    });
  } finally {
    bar.done();
    await csv.flush();
  }
  try {
    await saveCheckpoint(options.checkpoint.final, model, result.state);
  } catch (error) {
    throw await finalSaveError(error, options, result.state.step);
  } finally {
    disposeTrainingState(result.state);
  }
  return { result, checkpoint: options.checkpoint.final, stoppedBy: options.stop.received };
}

/**
 * The error of a final checkpoint that could not be written (a full disk, an I/O error): names
 * the file, says the steps since the last whole checkpoint are lost, and gives the command that
 * resumes from that one. An empty final folder the failed write leaves is removed, so a later
 * resume is not sent to it.
 */
async function finalSaveError(
  error: unknown,
  options: Pick<RunTrainingOptions<string>, 'checkpoint' | 'resumeCommand'>,
  step: number,
): Promise<OperationalError> {
  const final = options.checkpoint.final;
  const { code, path } = error as NodeJS.ErrnoException;
  const file = typeof path === 'string' ? path.split(/[\\/]/).pop() : undefined;
  const what = `${code ?? (error as Error).message}${file === undefined ? '' : ` writing ${file}`}`;
  await removeTempLeftovers(final);
  await rmdir(final).catch(() => undefined);
  const candidates = [
    final,
    ...(options.checkpoint.periodic ? [join(options.checkpoint.periodic.dir, 'latest')] : []),
  ];
  const whole = await newestCheckpoint(candidates);
  const lost =
    whole === null
      ? `; the model of step ${step} is lost`
      : whole.step === null || whole.step < step
        ? `; the steps after ${whole.step ?? 'its last whole checkpoint'} are lost`
        : '; no step is lost';
  return new OperationalError(
    `could not save the final checkpoint ${final} at step ${step} (${what})${lost}`,
    {
      cause: error,
      hint:
        whole === null
          ? 'No whole checkpoint of this run is left: free space and train again (--checkpoint-every keeps periodic ones).'
          : `${whole.path} (step ${whole.step ?? '?'}) is whole: free space, then resume from it: ${options.resumeCommand(whole.path)}`,
    },
  );
}
