import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import {
  assertDirectory,
  claimOutputDir,
  kebab,
  type OptionValues,
  resolveOptions,
  UsageError,
} from '@convlstm/cli';
import type { FolderLock } from '@convlstm/files';
import { pruneFolder, removeTempLeftovers, writeJsonAtomic } from '@convlstm/files';
import {
  disposeTrainingState,
  EncoderForecaster,
  type EncoderForecasterOptions,
  MovingMnist,
  PRESETS,
  type PresetName,
  resolveEncoderForecasterConfig,
  type TrainingState,
} from '@convlstm/train';
import { loadMnistDigits } from '@convlstm/train/node';
import {
  assertBudgetLeft,
  assertFitsMemory,
  findResumeCheckpoint,
  runTraining,
  sequenceBytes,
  stoppable,
} from '@convlstm/train-runner';
import { selectBackend } from '../backend.js';
import { type BackendChoice, TRAIN_DEFAULTS, TRAIN_OPTIONS } from '../config/specs.js';
import { assertTestSetReadable, evaluateAndReport, loadTestSet } from '../evaluation.js';
import { type LossPoint, writeLossChart } from '../report/charts.js';
import type { MetricsReport } from '../report/metrics.js';
import { CSV_COLUMNS, defaultRunName, RUN_FILES, RUN_LAYOUT, runFolderOf } from '../run-folder.js';
import { openCheckpoint } from './checkpoint-dir.js';
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
  readonly l1Weight: number;
  readonly schedule: 'constant' | 'cosine';
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
   * Overrides of the preset's model options (from `--layers`, `--state-kernel`, `--patch-size`,
   * or programmatic, e.g. a tiny model for tests). Recorded in `config.json`.
   */
  readonly modelOverrides?: Partial<EncoderForecasterOptions>;
}

/** Steps used when neither `--steps` nor `--minutes` is given. */
export const DEFAULT_STEPS = 1000;

/** The model flags as overrides of the preset's options (absent when none is given). */
function modelFlags(values: OptionValues, preset: PresetName): Partial<EncoderForecasterOptions> | undefined {
  const layersText = values.layers as string | undefined;
  const stateKernel = values.stateKernel as number | undefined;
  const patchSize = values.patchSize as number | undefined;
  if (layersText === undefined && stateKernel === undefined && patchSize === undefined) return undefined;
  const presetLayers = PRESETS[preset].options.layers;
  let channels = presetLayers.map((l) => l.hiddenChannels);
  if (layersText !== undefined) {
    const parts = layersText.split(',').map((p) => p.trim());
    if (parts.some((p) => !/^[1-9][0-9]*$/.test(p))) {
      throw new UsageError(
        `--layers ${layersText}: expected hidden channels per layer as positive integers separated by commas, e.g. 32,32`,
      );
    }
    channels = parts.map(Number);
  }
  // Layers beyond the preset's take its last layer's kernel.
  const presetKernel = (l: number): number =>
    (presetLayers[Math.min(l, presetLayers.length - 1)] as (typeof presetLayers)[number]).recurrentKernelSize;
  return {
    layers: channels.map((hiddenChannels, l) => ({
      hiddenChannels,
      recurrentKernelSize: stateKernel ?? presetKernel(l),
    })),
    ...(patchSize === undefined ? {} : { patchSize }),
  };
}

/** Turns parsed option values into a {@link TrainConfig}. */
export function trainConfig(values: OptionValues): TrainConfig {
  const preset = values.preset as PresetName;
  const modelOverrides = modelFlags(values, preset);
  const l1Weight = values.l1Weight as number;
  if (!(l1Weight >= 0)) throw new UsageError(`--l1-weight: expected a number >= 0, got ${l1Weight}`);
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
    l1Weight,
    schedule: values.schedule as 'constant' | 'cosine',
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
    ...(modelOverrides === undefined ? {} : { modelOverrides }),
  };
}

/**
 * Options a resumed run keeps from the run itself: a flag that differs is refused, naming the
 * flag to drop (they define the model, the data stream or the optimiser state). `lr` is the
 * exception: a different learning rate is applied from the resumed step on.
 */
const FIXED_ON_RESUME = [
  'preset',
  'seed',
  'optimizer',
  'loss',
  'l1Weight',
  'schedule',
  'clipNorm',
  'batchSize',
] as const;
/** Options a resumed run takes from the run unless the command line gives them. */
const TAKEN_ON_RESUME = [
  'lr',
  'steps',
  'minutes',
  'testSize',
  'testSet',
  'evalBatchSize',
  'validateEvery',
  'validationSize',
  'checkpointEvery',
] as const;

/** What every checkpoint of a run records about how it was started (`TrainingState.metadata`). */
interface RunRecord {
  readonly app: 'moving-mnist';
  readonly options: Omit<TrainConfig, 'out' | 'force' | 'resume' | 'backend'>;
}

function runRecord(config: TrainConfig): RunRecord {
  const { out: _o, force: _f, resume: _r, backend: _b, ...options } = config;
  return { app: 'moving-mnist', options };
}

/** Everything a finished `train` produced. */
export interface TrainOutcome {
  readonly dir: string;
  /** `null` when a signal stopped the run (it was saved, not evaluated). */
  readonly report: MetricsReport | null;
  readonly table: string;
  /** The checkpoint written at the end. */
  readonly checkpoint: string;
}

/**
 * Merges a resumed run's own options into `config`. `explicit` holds the keys the user gave
 * (command line or config file); `undefined` means all of them (a programmatic caller states
 * every option).
 */
function resumedConfig(
  config: TrainConfig,
  record: RunRecord | null,
  explicit: ReadonlySet<string> | undefined,
  log: (m: string) => void,
): TrainConfig {
  if (record === null) return config;
  const given = (key: string): boolean => explicit === undefined || explicit.has(key);
  const merged: Record<string, unknown> = { ...config };
  const run = record.options as unknown as Record<string, unknown>;
  for (const key of FIXED_ON_RESUME) {
    if (given(key) && JSON.stringify(config[key]) !== JSON.stringify(run[key])) {
      const flag = `--${kebab(key)}`;
      throw new UsageError(
        `${flag} ${config[key]}: the run being resumed used ${flag} ${run[key]}; drop ${flag} (a resumed run keeps it)`,
      );
    }
    merged[key] = run[key];
  }
  // The model is the checkpoint's: a command-line resume takes the run's overrides (model flags
  // that differ from it are refused by the model check after this).
  if (explicit !== undefined && !['layers', 'stateKernel', 'patchSize'].some((k) => explicit.has(k)))
    merged.modelOverrides = run.modelOverrides;
  for (const key of TAKEN_ON_RESUME) {
    if (!given(key) && key in run) merged[key] = run[key];
  }
  if (merged.lr !== run.lr) log(`Learning rate ${run.lr} -> ${merged.lr} (--lr) from the resumed step on.`);
  return merged as unknown as TrainConfig;
}

/** Keys (dotted) whose values differ between two model configs, seed aside. */
function modelDiff(a: unknown, b: unknown, path = ''): string[] {
  if (typeof a === 'object' && a !== null && typeof b === 'object' && b !== null) {
    return [...new Set([...Object.keys(a), ...Object.keys(b)])]
      .filter((k) => !(path === '' && k === 'seed'))
      .flatMap((k) =>
        modelDiff(
          (a as Record<string, unknown>)[k],
          (b as Record<string, unknown>)[k],
          path === '' ? k : `${path}.${k}`,
        ),
      );
  }
  return a === b ? [] : [`${path} (checkpoint ${JSON.stringify(a)}, options ${JSON.stringify(b)})`];
}

/** Rows of a continued `metrics.csv`, for the loss chart. */
async function historyOf(path: string): Promise<{ losses: LossPoint[]; validations: LossPoint[] }> {
  const losses: LossPoint[] = [];
  const validations: LossPoint[] = [];
  const text = await readFile(path, 'utf8').catch(() => '');
  const at = (name: (typeof CSV_COLUMNS)[number]): number => CSV_COLUMNS.indexOf(name);
  for (const line of text.split('\n').slice(1)) {
    const cells = line.split(',');
    const step = Number(cells[at('step')]);
    if (cells[0] === 'train') losses.push({ step, loss: Number(cells[at('loss')]) });
    if (cells[0] === 'validation') validations.push({ step, loss: Number(cells[at('val_loss')]) });
  }
  return { losses, validations };
}

/** The run's `config.json` so far (when continuing a run), or `{}`. */
async function readRunConfig(path: string): Promise<{ startedAt?: string; resumes?: unknown[] }> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as { startedAt?: string; resumes?: unknown[] };
  } catch {
    return {};
  }
}

/**
 * `moving-mnist train`: trains an encoder-forecaster on generated Moving MNIST, evaluates it
 * and the baselines on the fixed test set and writes the run folder. With `resume`, continues
 * the run of that checkpoint with the run's own options (see {@link FIXED_ON_RESUME}),
 * appending to its run folder. SIGINT / SIGTERM (through `ctx.stop`) stop after the current
 * step: the checkpoint and the metrics so far are saved, evaluation is skipped.
 *
 * `explicit`: the option keys the user gave (default: all), which decide what a resumed run
 * takes from the run itself.
 */
export async function runTrain(
  requested: TrainConfig,
  ctx: CommandContext,
  explicit?: ReadonlySet<string>,
): Promise<TrainOutcome> {
  let config = requested;
  let model: EncoderForecaster | null = null;
  let resumed: TrainingState | null = null;
  let lock: FolderLock | null = null;
  try {
    let append = false;
    let resumeDir = config.resume;
    if (resumeDir !== null) {
      await assertDirectory(resumeDir, '--resume');
      // A run folder (what a user holds after a crash) means its newest whole checkpoint.
      const found = await findResumeCheckpoint(resumeDir, RUN_LAYOUT);
      if (resolve(found.path) !== resolve(resumeDir)) {
        ctx.log(
          `--resume ${resumeDir}: its newest whole checkpoint is ${found.path} (step ${found.step ?? '?'}).`,
        );
        resumeDir = found.path;
        config = { ...config, resume: found.path };
      }
    }
    await assertTestSetReadable(config.testSet ?? undefined);
    const backend = await selectBackend(config.backend);
    ctx.log(`Backend: ${backend.text.split('\n').join('; ')}`);
    if (resumeDir !== null) {
      // Everything is read and checked before anything is written.
      const loaded = await openCheckpoint(resumeDir, '--resume');
      model = loaded.model;
      resumed = loaded.resume;
      if (resumed === null) {
        throw new UsageError(
          `--resume ${config.resume}: the checkpoint holds weights only, no training state`,
        );
      }
      const record = (resumed.metadata as RunRecord | null | undefined) ?? null;
      config = resumedConfig(config, record?.app === 'moving-mnist' ? record : null, explicit, ctx.log);
      const wanted = resolveEncoderForecasterConfig({
        ...PRESETS[config.preset].options,
        ...config.modelOverrides,
        seed: config.seed,
      });
      const differ = modelDiff(model.config, wanted);
      if (differ.length > 0) {
        throw new UsageError(
          `--resume ${config.resume}: the checkpoint is of another model than the options ask for; differing keys: ${differ.join('; ')}`,
        );
      }
      if (
        explicit !== undefined &&
        !explicit.has('steps') &&
        !explicit.has('minutes') &&
        ((config.steps !== null && config.steps <= resumed.step) ||
          (config.minutes !== null && resumed.elapsedMs >= config.minutes * 60_000))
      ) {
        // Nothing asked for more training: the run is complete (e.g. killed during its evaluation).
        const home = (await runFolderOf(resumeDir)) ?? resumeDir;
        ctx.stdout.write(
          `The run is complete: it trained ${resumed.step} steps of its budget. Nothing to resume.\n` +
            `Evaluate it with: moving-mnist evaluate --checkpoint ${resumeDir} --out ${join(home, 'evaluation')}\n` +
            `Or train further with a larger --steps: moving-mnist train --resume ${resumeDir} --steps ${resumed.step * 2}\n`,
        );
        return { dir: home, report: null, table: '', checkpoint: resumeDir };
      }
      assertBudgetLeft(
        resumed,
        config,
        { steps: '--steps', minutes: '--minutes' },
        `--resume ${config.resume}`,
      );
      const home = await runFolderOf(resumeDir);
      const out = explicit === undefined || explicit.has('out') ? resolve(config.out) : home;
      config = { ...config, out: out ?? defaultRunName(config.preset) };
      append = home !== null && resolve(config.out) === home;
    }
    const dir = resolve(config.out);
    const planned =
      model?.config ??
      resolveEncoderForecasterConfig({
        ...PRESETS[config.preset].options,
        ...config.modelOverrides,
        seed: config.seed,
      });
    const frames = planned.inputFrames + planned.outputFrames;
    assertFitsMemory(
      `--batch-size ${config.batchSize}`,
      `training on batches of ${config.batchSize} sequences of this model`,
      sequenceBytes(planned, config.batchSize, frames, true),
    );
    assertFitsMemory(
      `--eval-batch-size ${config.evalBatchSize}`,
      `evaluating batches of ${config.evalBatchSize} sequences`,
      sequenceBytes(planned, config.evalBatchSize, frames, false),
    );
    lock = await claimOutputDir(dir, { force: config.force, append, log: ctx.log });
    if (append) {
      // Leftovers of a run killed mid-write go before anything new is written.
      await removeTempLeftovers(dir);
      for (const sub of [
        RUN_FILES.checkpoint,
        join(RUN_FILES.periodicCheckpoints, 'latest'),
        join(RUN_FILES.periodicCheckpoints, 'best'),
      ])
        await pruneFolder(join(dir, sub));
    }
    const preset = PRESETS[config.preset];
    model ??= new EncoderForecaster({ ...preset.options, ...config.modelOverrides, seed: config.seed });
    const mc = model.config;
    // A bad --test-set fails now, not after the whole training.
    const earlyTest = config.testSet === null ? null : await loadTestSet(mc, config);
    if (resumed !== null) ctx.log(`Resuming from ${config.resume} at step ${resumed.step}.`);
    ctx.log(
      `Model: preset ${config.preset} (${preset.description})` +
        (config.modelOverrides === undefined
          ? ', '
          : ` with layers ${mc.layers.map((l) => `${l.recurrentKernelSize}x${l.recurrentKernelSize}-${l.hiddenChannels}`).join(', ')} in ${mc.patchSize}x${mc.patchSize} patches, `) +
        `${model.numParams} parameters, ` +
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
    const configFile = join(dir, RUN_FILES.config);
    const before = append ? await readRunConfig(configFile) : {};
    await writeJsonAtomic(configFile, {
      command: 'train',
      options: config,
      model: mc,
      numParams: model.numParams,
      backend: backend.report,
      startedAt: before.startedAt ?? new Date().toISOString(),
      node: process.version,
      ...(resumed === null
        ? {}
        : {
            resumes: [
              ...(before.resumes ?? []),
              { from: resolve(config.resume as string), step: resumed.step, at: new Date().toISOString() },
            ],
          }),
    });

    const csvPath = join(dir, RUN_FILES.csv);
    const continued = append && resumed !== null;
    const { losses, validations } = continued
      ? await historyOf(csvPath)
      : { losses: [] as LossPoint[], validations: [] as LossPoint[] };
    const startStep = resumed?.step ?? 0;
    const started = performance.now() - (resumed?.elapsedMs ?? 0);
    const elapsedSeconds = () => (performance.now() - started) / 1000;
    const checkpointDir = join(dir, RUN_FILES.checkpoint);
    const { result, stoppedBy } = await runTraining({
      model,
      data,
      loop: {
        batchSize: config.batchSize,
        loss: config.loss,
        l1Weight: config.l1Weight,
        ...(config.schedule === 'cosine'
          ? {
              schedule: {
                kind: 'cosine' as const,
                ...(config.steps === null ? {} : { totalSteps: config.steps }),
                ...(config.minutes === null ? {} : { totalMinutes: config.minutes }),
              },
            }
          : {}),
        optimizer: { name: config.optimizer, learningRate: config.lr },
        clipNorm: config.clipNorm,
        ...(validation === null
          ? {}
          : {
              validation: {
                set: validation,
                everySteps: config.validateEvery,
                batchSize: config.evalBatchSize,
              },
            }),
      },
      budget: config,
      resumed,
      metadata: runRecord(config) as unknown as Record<string, unknown>,
      csv: {
        path: csvPath,
        columns: CSV_COLUMNS,
        continues: continued,
        step: (info) => ({
          kind: 'train',
          step: info.step,
          epoch: info.epoch,
          loss: info.loss,
          grad_norm: info.gradNorm,
          lr: info.lr,
          seq_per_sec: info.seqPerSec,
          elapsed_s: elapsedSeconds(),
        }),
        validation: (info) => ({
          kind: 'validation',
          step: info.step,
          val_loss: info.loss,
          val_mse: info.mse,
          elapsed_s: elapsedSeconds(),
        }),
      },
      checkpoint: {
        final: checkpointDir,
        periodic: { dir: join(dir, RUN_FILES.periodicCheckpoints), everySteps: config.checkpointEvery },
      },
      stop: ctx.stop,
      stderr: ctx.stderr,
      stopNotice: 'stopping after this step and saving the checkpoint (Ctrl-C again to quit now)',
      resumeCommand: (checkpoint) => `moving-mnist train --resume ${checkpoint}`,
      onStep: (info) => void losses.push({ step: info.step, loss: info.loss }),
      onValidation: (info) => void validations.push({ step: info.step, loss: info.loss }),
    });
    const seconds = (result.elapsedMs - (resumed?.elapsedMs ?? 0)) / 1000;
    const trained = result.steps - startStep;
    ctx.log(
      `Trained ${trained} steps${startStep > 0 ? ` (steps ${startStep + 1}-${result.steps})` : ''} in ${seconds.toFixed(1)} s (${result.stopReason}); ` +
        `last loss ${result.lastLoss?.toFixed(4) ?? 'n/a'}`,
    );
    await writeLossChart(join(dir, RUN_FILES.loss), losses, validations, config.loss);
    if (stoppedBy !== null || result.stopReason === 'aborted') {
      ctx.stdout.write(
        `Stopped${stoppedBy === null ? '' : ` by ${stoppedBy}`} after step ${result.steps}; nothing is lost.\n` +
          `Checkpoint: ${checkpointDir}\nMetrics so far: ${csvPath}\n` +
          `Continue with: moving-mnist train --resume ${checkpointDir}\n`,
      );
      return { dir, report: null, table: '', checkpoint: checkpointDir };
    }
    const test = earlyTest ?? (await loadTestSet(mc, config));
    const evaluated = await stoppable(
      ctx.stop,
      'stopping the evaluation; the trained checkpoint is already saved (Ctrl-C again to quit now)',
      (signal) =>
        evaluateAndReport({
          model: model as EncoderForecaster,
          set: test.set,
          info: test.info,
          dir,
          batchSize: config.evalBatchSize,
          backend: backend.name,
          training: {
            steps: result.steps,
            stopReason: result.stopReason,
            elapsedSeconds: result.elapsedMs / 1000,
            lastLoss: result.lastLoss,
            bestValidationLoss: result.bestValidationLoss,
            sequencesPerSecond: seconds > 0 ? (trained * config.batchSize) / seconds : 0,
          },
          log: ctx.log,
          signal,
        }),
    );
    if (evaluated.stoppedBy !== null) {
      ctx.stdout.write(
        `Stopped by ${evaluated.stoppedBy} during the evaluation; the trained model is kept.\n` +
          `Checkpoint: ${checkpointDir} (step ${result.steps})\nMetrics so far: ${csvPath}\n` +
          `Evaluate it later with: moving-mnist evaluate --checkpoint ${checkpointDir} --out ${join(dir, 'evaluation')}\n`,
      );
      return { dir, report: null, table: '', checkpoint: checkpointDir };
    }
    const { report, table } = evaluated.value;
    ctx.log(`Evaluation took ${report.evaluationSeconds.toFixed(1)} s.`);
    ctx.stdout.write(`${table}\nRun folder: ${dir}\nCheckpoint: ${checkpointDir}\n`);
    return { dir, report, table, checkpoint: checkpointDir };
  } finally {
    if (resumed !== null) disposeTrainingState(resumed);
    model?.dispose();
    await lock?.release();
  }
}

/** Parses the arguments of `train` and runs it. */
export async function trainCommand(args: readonly string[], ctx: CommandContext): Promise<number> {
  // Without defaults first: a resumed run needs to know which options the user gave.
  const given = await resolveOptions(args, TRAIN_OPTIONS, {});
  if (given.help) {
    ctx.stdout.write(ctx.help('train'));
    return 0;
  }
  const values: OptionValues = { ...TRAIN_DEFAULTS, ...given.values };
  const config = trainConfig(values);
  if (!(config.preset in PRESETS)) throw new UsageError(`--preset: unknown preset "${config.preset}"`);
  const explicit = new Set(Object.keys(given.values));
  // Neither --steps nor --minutes: a fresh run takes DEFAULT_STEPS, a resumed one its own.
  if (config.resume !== null && !explicit.has('steps') && !explicit.has('minutes')) {
    await runTrain({ ...config, steps: null }, ctx, explicit);
    return 0;
  }
  await runTrain(config, ctx, explicit);
  return 0;
}
