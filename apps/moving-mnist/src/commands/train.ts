import { join, resolve } from 'node:path';
import {
  CsvLog,
  type OptionValues,
  ProgressBar,
  resolveOptions,
  UsageError,
  writeJsonAtomic,
} from '@convlstm/cli';
import {
  disposeTrainingState,
  EncoderForecaster,
  type EncoderForecasterOptions,
  loadCheckpoint,
  loadMnistDigits,
  MovingMnist,
  PRESETS,
  type PresetName,
  type StepInfo,
  saveCheckpoint,
  type TrainingState,
  type TrainResult,
  train,
  type ValidationInfo,
} from '@convlstm/train';
import { selectBackend } from '../backend.js';
import { type BackendChoice, TRAIN_DEFAULTS, TRAIN_OPTIONS } from '../config/specs.js';
import { assertTestSetReadable, evaluateAndReport, loadTestSet } from '../evaluation.js';
import { type LossPoint, writeLossChart } from '../report/charts.js';
import type { MetricsReport } from '../report/metrics.js';
import { CSV_COLUMNS, defaultRunName, prepareRunFolder, RUN_FILES } from '../run-folder.js';
import type { CommandContext } from './context.js';

/** The validated options of `moving-mnist train`. */
export interface TrainConfig {
  readonly preset: PresetName;
  readonly steps: number | null;
  readonly minutes: number | null;
  readonly batchSize: number;
  readonly lr: number;
  readonly optimizer: 'adam' | 'rmsprop';
  readonly loss: 'bce' | 'mse';
  readonly clipNorm: number;
  readonly seed: number;
  readonly backend: BackendChoice;
  readonly out: string;
  readonly force: boolean;
  readonly testSize: number;
  readonly testSet: string | null;
  readonly evalBatchSize: number;
  readonly validateEvery: number;
  readonly validationSize: number;
  readonly checkpointEvery: number;
  /** Checkpoint directory to continue from, or `null` for a fresh run. */
  readonly resume: string | null;
  /**
   * Programmatic only (no flag): overrides of the preset's model options, e.g. a tiny model
   * for tests. Recorded in `config.json`.
   */
  readonly modelOverrides?: Partial<EncoderForecasterOptions>;
}

/** Steps used when neither `--steps` nor `--minutes` is given. */
export const DEFAULT_STEPS = 1000;

/** Turns parsed option values into a {@link TrainConfig}. */
export function trainConfig(values: OptionValues): TrainConfig {
  const preset = values.preset as PresetName;
  const steps = (values.steps as number | undefined) ?? null;
  const minutes = (values.minutes as number | undefined) ?? null;
  return {
    preset,
    steps: steps === null && minutes === null ? DEFAULT_STEPS : steps,
    minutes,
    batchSize: values.batchSize as number,
    lr: values.lr as number,
    optimizer: values.optimizer as 'adam' | 'rmsprop',
    loss: values.loss as 'bce' | 'mse',
    clipNorm: values.clipNorm as number,
    seed: values.seed as number,
    backend: values.backend as BackendChoice,
    out: (values.out as string | undefined) ?? defaultRunName(preset),
    force: values.force === true,
    testSize: values.testSize as number,
    testSet: (values.testSet as string | undefined) ?? null,
    evalBatchSize: values.evalBatchSize as number,
    validateEvery: values.validateEvery as number,
    validationSize: values.validationSize as number,
    checkpointEvery: values.checkpointEvery as number,
    resume: (values.resume as string | undefined) ?? null,
  };
}

/** Everything a finished `train` produced. */
export interface TrainOutcome {
  readonly dir: string;
  readonly report: MetricsReport;
  readonly table: string;
}

/**
 * `moving-mnist train`: trains an encoder-forecaster on generated Moving MNIST, evaluates it
 * and the baselines on the fixed test set and writes the run folder.
 */
export async function runTrain(config: TrainConfig, ctx: CommandContext): Promise<TrainOutcome> {
  const dir = resolve(config.out);
  await assertTestSetReadable(config.testSet ?? undefined);
  await prepareRunFolder(dir, config.force);
  const backend = await selectBackend(config.backend);
  ctx.log(`Backend: ${backend.text.split('\n').join('; ')}`);

  const preset = PRESETS[config.preset];
  const model = new EncoderForecaster({ ...preset.options, ...config.modelOverrides, seed: config.seed });
  let resumed: TrainingState | null = null;
  try {
    if (config.resume !== null) {
      // Fails with the file and the differing config keys when the checkpoint is of another model.
      resumed = (await loadCheckpoint(resolve(config.resume), { model })).resume;
      if (resumed === null) {
        throw new UsageError(
          `--resume ${config.resume}: the checkpoint holds weights only, no training state`,
        );
      }
      ctx.log(`Resuming from ${config.resume} at step ${resumed.step}.`);
    }
    const mc = model.config;
    ctx.log(
      `Model: preset ${config.preset} (${preset.description}), ${model.numParams} parameters, ` +
        `${mc.inputFrames} -> ${mc.outputFrames} frames of ${mc.frameSize}x${mc.frameSize}`,
    );
    const digits = loadMnistDigits();
    const data = new MovingMnist({
      digits: digits.train,
      canvasSize: mc.frameSize,
      inputFrames: mc.inputFrames,
      outputFrames: mc.outputFrames,
      seed: config.seed,
    });
    // Validation draws from the held-out digits with its own stream, so it never sees training sequences.
    const validation =
      config.validateEvery > 0
        ? new MovingMnist({
            digits: digits.test,
            canvasSize: mc.frameSize,
            inputFrames: mc.inputFrames,
            outputFrames: mc.outputFrames,
            seed: config.seed + 1_000_003,
          }).nextSequences(config.validationSize)
        : null;
    await writeJsonAtomic(join(dir, RUN_FILES.config), {
      command: 'train',
      options: config,
      model: mc,
      numParams: model.numParams,
      backend: backend.report,
      startedAt: new Date().toISOString(),
      node: process.version,
    });

    const csv = await CsvLog.open(join(dir, RUN_FILES.csv), CSV_COLUMNS);
    const losses: LossPoint[] = [];
    const validations: LossPoint[] = [];
    const bar = new ProgressBar({
      totalSteps: config.steps ?? undefined,
      totalMs: config.minutes === null ? undefined : config.minutes * 60_000,
      stream: ctx.stderr,
    });
    const started = performance.now();
    const abort = new AbortController();
    const onSigint = (): void => {
      if (abort.signal.aborted) process.exit(130);
      bar.log('Interrupted: stopping after this step, then evaluating (Ctrl-C again to quit now).');
      abort.abort();
    };
    process.on('SIGINT', onSigint);
    let result: TrainResult;
    try {
      result = await train(model, data, {
        batchSize: config.batchSize,
        loss: config.loss,
        optimizer: { name: config.optimizer, learningRate: config.lr },
        clipNorm: config.clipNorm,
        // The final checkpoint keeps the optimiser moments, so `--resume` continues exactly.
        keepOptimizerState: true,
        resume: resumed,
        ...(config.steps === null ? {} : { maxSteps: config.steps }),
        ...(config.minutes === null ? {} : { maxMinutes: config.minutes }),
        ...(validation === null
          ? {}
          : {
              validation: {
                set: validation,
                everySteps: config.validateEvery,
                batchSize: config.evalBatchSize,
              },
            }),
        ...(config.checkpointEvery > 0
          ? {
              checkpoint: {
                dir: join(dir, RUN_FILES.periodicCheckpoints),
                everySteps: config.checkpointEvery,
              },
            }
          : {}),
        signal: abort.signal,
        callbacks: {
          onStep: (info: StepInfo) => {
            losses.push({ step: info.step, loss: info.loss });
            bar.update(info);
            void csv.append({
              kind: 'train',
              step: info.step,
              epoch: info.epoch,
              loss: info.loss,
              grad_norm: info.gradNorm,
              lr: info.lr,
              seq_per_sec: info.seqPerSec,
              elapsed_s: (performance.now() - started) / 1000,
            });
          },
          onValidation: (info: ValidationInfo) => {
            validations.push({ step: info.step, loss: info.loss });
            bar.log(
              `validation at step ${info.step}: loss ${info.loss.toFixed(4)}, MSE ${info.mse.toFixed(2)}${info.improved ? ' (best)' : ''}`,
            );
            void csv.append({
              kind: 'validation',
              step: info.step,
              val_loss: info.loss,
              val_mse: info.mse,
              elapsed_s: (performance.now() - started) / 1000,
            });
          },
        },
      });
    } finally {
      process.off('SIGINT', onSigint);
      bar.done();
      await csv.flush();
    }
    try {
      const seconds = result.elapsedMs / 1000;
      ctx.log(
        `Trained ${result.steps} steps in ${seconds.toFixed(1)} s (${result.stopReason}); ` +
          `last loss ${result.lastLoss?.toFixed(4) ?? 'n/a'}`,
      );
      await saveCheckpoint(join(dir, RUN_FILES.checkpoint), model, result.state);
      await writeLossChart(join(dir, RUN_FILES.loss), losses, validations, config.loss);
      const test = await loadTestSet(mc, { testSize: config.testSize, testSet: config.testSet });
      const { report, table } = await evaluateAndReport({
        model,
        set: test.set,
        info: test.info,
        dir,
        batchSize: config.evalBatchSize,
        backend: backend.name,
        training: {
          steps: result.steps,
          stopReason: result.stopReason,
          elapsedSeconds: seconds,
          lastLoss: result.lastLoss,
          bestValidationLoss: result.bestValidationLoss,
          sequencesPerSecond: seconds > 0 ? (result.steps * config.batchSize) / seconds : 0,
        },
        log: ctx.log,
      });
      ctx.log(`Evaluation took ${report.evaluationSeconds.toFixed(1)} s.`);
      ctx.stdout.write(`${table}\nRun folder: ${dir}\n`);
      return { dir, report, table };
    } finally {
      disposeTrainingState(result.state);
    }
  } finally {
    if (resumed !== null) disposeTrainingState(resumed);
    model.dispose();
  }
}

/** Parses the arguments of `train` and runs it. */
export async function trainCommand(args: readonly string[], ctx: CommandContext): Promise<number> {
  const parsed = await resolveOptions(args, TRAIN_OPTIONS, TRAIN_DEFAULTS);
  if (parsed.help) {
    ctx.stdout.write(ctx.help('train'));
    return 0;
  }
  const config = trainConfig(parsed.values);
  if (!(config.preset in PRESETS)) throw new UsageError(`--preset: unknown preset "${config.preset}"`);
  await runTrain(config, ctx);
  return 0;
}
