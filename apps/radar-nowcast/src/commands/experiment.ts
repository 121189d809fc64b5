import { readFile, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { useNodeBackend } from '@convlstm/backend-node';
import {
  assertDirectory,
  assertWritableOutput,
  claimOutputDir,
  kebab,
  OperationalError,
  type OptionSpec,
  parseArgs,
  resolveOptions,
  UsageError,
} from '@convlstm/cli';
import { type FolderLock, writeFileAtomic, writeJsonAtomic } from '@convlstm/files';
import { encodeRgbPng, renderLineChart } from '@convlstm/pictures';
import {
  FORECAST_FRAMES,
  type ForecastFrame,
  FSS_CONVENTIONS,
  type FssConvention,
  RadarSequenceStream,
  rainToUnit,
} from '@convlstm/radar';
import {
  disposeTrainingState,
  EncoderForecaster,
  type EncoderForecasterConfig,
  type EncoderForecasterOptions,
  resolveEncoderForecasterConfig,
  type TrainingState,
} from '@convlstm/train';
import { loadCheckpoint } from '@convlstm/train/node';
import {
  assertBudgetLeft,
  assertFitsMemory,
  findResumeCheckpoint,
  runTraining,
  sequenceBytes,
  stoppable,
} from '@convlstm/train-runner';
import type { Context } from '../context.js';
import { loadExperimentEvents, MCH_ATTRIBUTION } from '../data.js';
import { nowcastPng } from '../nowcast.js';
import { ATTRIBUTION } from '../render.js';
import {
  csiSeries,
  type EventVerification,
  NOWCAST_METHODS,
  SUMMARY_SCORES,
  scoreTable,
  startAtExtrapolation,
  verifyEvent,
} from '../verification.js';

/** `--fss-convention`, of experiment and evaluate: how the FSS treats grid edges and no-data pixels. */
const FSS_CONVENTION_OPTION: OptionSpec = {
  key: 'fssConvention',
  kind: { type: 'enum', values: () => [...FSS_CONVENTIONS] },
  description:
    "FSS at grid edges and no-data pixels: clipped = windows clipped, fractions over valid pixels; pysteps = pysteps' zero padding",
  defaultText: 'clipped',
};

export const EXPERIMENT_OPTIONS: readonly OptionSpec[] = [
  {
    key: 'data',
    kind: { type: 'string' },
    description: 'sample folder (fmi/<date>/, knmi/20100826/, mch/<date>/ if present)',
    defaultText: 'radar-sample',
  },
  { key: 'out', kind: { type: 'string' }, description: 'run folder', defaultText: 'runs/radar' },
  {
    key: 'force',
    kind: { type: 'boolean' },
    description: 'replace a non-empty run folder (its whole content)',
  },
  {
    key: 'minutes',
    kind: { type: 'number', positive: true },
    description: 'training time limit',
    defaultText: '15',
  },
  {
    key: 'maxSteps',
    kind: { type: 'int', min: 1 },
    description: 'training step limit (with --minutes, whichever comes first)',
  },
  {
    key: 'factor',
    kind: { type: 'int', min: 1 },
    description: 'aggregation of the 1 km grids',
    defaultText: '8 (8 km)',
  },
  {
    key: 'size',
    kind: { type: 'int', min: 8 },
    description: 'side of the square crop, aggregated pixels',
    defaultText: '80',
  },
  {
    key: 'hidden',
    kind: { type: 'int', min: 1 },
    description: 'ConvLSTM hidden channels',
    defaultText: '32',
  },
  { key: 'batchSize', kind: { type: 'int', min: 1 }, description: 'sequences per step', defaultText: '8' },
  {
    key: 'lr',
    kind: { type: 'number', positive: true },
    description: 'Adam learning rate',
    defaultText: '0.002',
  },
  {
    key: 'seed',
    kind: { type: 'int', min: 0 },
    description: 'seed of weights and batches',
    defaultText: '1',
  },
  {
    key: 'rainWeights',
    kind: { type: 'enum', values: () => ['none', 'balanced'] },
    description:
      'loss weight per pixel by observed rain: balanced = Shi et al. 2017 (1 below 2 mm/h, then 2, 5, 10, 30 from 2, 5, 10, 30 mm/h)',
    defaultText: 'none',
  },
  {
    key: 'l1Weight',
    kind: { type: 'number' },
    description:
      'weight of an L1 term added to the cross-entropy (pulls each forecast toward the conditional median, which smooths less than the mean)',
    defaultText: '0',
  },
  {
    key: 'residual',
    kind: { type: 'boolean' },
    description:
      'persistence skip: the model forecasts the last frame plus a learned correction (starts as persistence)',
  },
  {
    key: 'frame',
    kind: { type: 'enum', values: () => [...FORECAST_FRAMES] },
    description:
      "eulerian = the network forecasts rain on the grid; lagrangian = the inputs are moved to the last one's time by the extrapolation's motion, the network forecasts the change there (zero: exactly the extrapolation nowcast) and each lead is advected forward",
    defaultText: 'lagrangian',
  },
  {
    key: 'checkpointEvery',
    kind: { type: 'int', min: 0 },
    description:
      'save checkpoints/latest every N steps, so a killed run resumes from there (0: only at the end)',
    defaultText: '50',
  },
  {
    key: 'resume',
    kind: { type: 'string' },
    description:
      'continue training the run in this folder with its own settings (run.json); --minutes and --max-steps count its earlier training',
  },
  FSS_CONVENTION_OPTION,
];

/** The options a resumed run may be given; the rest come from its run.json. */
const RESUME_KEYS = new Set([
  'resume',
  'minutes',
  'maxSteps',
  'data',
  'force',
  'checkpointEvery',
  'fssConvention',
]);

/** Steps between periodic checkpoints unless `--checkpoint-every` says otherwise. */
export const DEFAULT_CHECKPOINT_EVERY = 50;

/** Shi et al. (2017)'s balanced-loss weights: rain rate (mm/h) from which each weight applies. */
export const BALANCED_RAIN_WEIGHTS = { rates: [2, 5, 10, 30], weights: [2, 5, 10, 30] } as const;

const DEFAULTS = {
  data: 'radar-sample',
  out: 'runs/radar',
  force: false,
  minutes: 15,
  factor: 8,
  size: 80,
  hidden: 32,
  batchSize: 8,
  lr: 0.002,
  seed: 1,
  rainWeights: 'none',
  l1Weight: 0,
  residual: false,
  frame: 'lagrangian',
  checkpointEvery: DEFAULT_CHECKPOINT_EVERY,
  fssConvention: 'clipped',
};

export const EXPERIMENT_HELP = `radar-nowcast experiment [--data DIR] [--out DIR] [--force] [options]

The issue's honest experiment, in one command: train a ConvLSTM encoder-forecaster on FMI
2016-09-28, the first 70% of KNMI 2010-08-26 and the MeteoSwiss events 2015-05-15, 2016-07-11
and 2017-01-31 (each skipped with a note when its folder is absent), then verify it on FMI
2017-05-09 and the last 30% of KNMI (no window overlaps training), 6 frames (30 min) in, 12 frames (60 min) out, on an
8 km grid cropped to 80 x 80, next to Eulerian persistence and Lagrangian (optical-flow)
extrapolation. Writes metrics.json, summary.md, csi-<event>.png, nowcast-<event>.png and the
model checkpoint in checkpoint/ with run.json (its settings). The same as "train" then
"evaluate --run DIR --out DIR". Ctrl-C stops training after the current step and saves the
run as it is; "--resume DIR" continues it (with its own settings; a larger --minutes or
--max-steps, which count the earlier training).

Options:
${EXPERIMENT_OPTIONS.map((o) => `  --${o.key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}  ${o.description}${o.defaultText ? ` (default ${o.defaultText})` : ''}`).join('\n')}
`;

/** JSON with NaN (an empty score's denominator) written as null. */
function jsonSafe(value: unknown): unknown {
  return JSON.parse(
    JSON.stringify(value, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? null : v)),
  );
}

/** The settings of a run, saved as `run.json` (the grid is what `evaluate` and `nowcast` need). */
export interface RunConfig {
  readonly data: string;
  readonly out: string;
  readonly minutes: number;
  readonly maxSteps?: number;
  readonly factor: number;
  readonly size: number;
  readonly hidden: number;
  readonly batchSize: number;
  readonly lr: number;
  readonly seed: number;
  /** Absent in runs made before the option existed: `'none'`. */
  readonly rainWeights?: 'none' | 'balanced';
  /** Weight of the L1 term added to the loss (`TrainLoopOptions.l1Weight`); absent in older runs: 0. */
  readonly l1Weight?: number;
  /** The persistence skip (`EncoderForecasterOptions.residual`); absent in older runs: false. */
  readonly residual?: boolean;
  /**
   * The frame the network forecasts in (`--frame`, default `'lagrangian'`); absent in runs made
   * before the option existed, which were all `'eulerian'`.
   */
  readonly frame?: ForecastFrame;
  /** Steps between periodic checkpoints; absent in older runs: only the final one. */
  readonly checkpointEvery?: number;
  readonly inputFrames: number;
  readonly outputFrames: number;
  readonly patchSize: number;
  readonly kernel: number;
}

/** The files of a run folder. */
export const RUN_FILES = {
  config: 'run.json',
  checkpoint: 'checkpoint',
  periodic: 'checkpoints',
  metrics: 'metrics.json',
} as const;

/** Where a run folder keeps its checkpoints: the newest whole one is what `--resume` continues. */
const RUN_LAYOUT = { final: RUN_FILES.checkpoint, periodic: RUN_FILES.periodic } as const;

/** The model a run's settings describe. */
function modelOptions(cfg: RunConfig): EncoderForecasterOptions {
  return {
    height: cfg.size,
    width: cfg.size,
    patchSize: cfg.patchSize,
    inputKernelSize: cfg.kernel,
    layers: [{ hiddenChannels: cfg.hidden, recurrentKernelSize: cfg.kernel }],
    inputFrames: cfg.inputFrames,
    outputFrames: cfg.outputFrames,
    seed: cfg.seed,
    residual: cfg.residual === true,
  };
}

/** A fresh model for a run: a Lagrangian one starts at the extrapolation nowcast. */
function newModel(cfg: RunConfig): EncoderForecaster {
  const model = new EncoderForecaster(modelOptions(cfg));
  return cfg.frame === 'lagrangian' ? startAtExtrapolation(model) : model;
}

/**
 * Refuses a run whose `run.json` does not describe the model of its checkpoint (an edited or
 * swapped file), naming the first key that differs, so no result is recorded under settings
 * the model was not trained with.
 */
function assertRunMatchesModel(
  cfg: RunConfig,
  model: EncoderForecasterConfig,
  runFile: string,
  checkpoint: string,
): void {
  const layer = model.layers[0];
  const pairs: [keyof RunConfig, unknown, unknown][] = [
    ['size', cfg.size, model.height ?? model.frameSize],
    ['size', cfg.size, model.width ?? model.frameSize],
    ['patchSize', cfg.patchSize, model.patchSize],
    ['kernel', cfg.kernel, model.inputKernelSize],
    [
      'hidden',
      cfg.hidden,
      model.layers.length === 1 ? layer?.hiddenChannels : model.layers.map((l) => l.hiddenChannels).join(','),
    ],
    ['kernel', cfg.kernel, layer?.recurrentKernelSize],
    ['inputFrames', cfg.inputFrames, model.inputFrames],
    ['outputFrames', cfg.outputFrames, model.outputFrames],
    ['residual', cfg.residual === true, model.residual === true],
  ];
  for (const [key, ours, theirs] of pairs) {
    if (ours !== theirs) {
      throw new OperationalError(
        `${runFile}: config.${key} is ${JSON.stringify(ours)}, but the model in ${checkpoint} has ${JSON.stringify(theirs)}`,
        {
          hint: `${runFile} does not belong to this checkpoint (edited?): restore its config.${key}, or train a new run`,
        },
      );
    }
  }
}

function runConfig(values: Record<string, string | number | boolean>): RunConfig {
  const cfg: RunConfig = {
    data: String(values.data),
    out: String(values.out),
    minutes: Number(values.minutes),
    ...(values.maxSteps === undefined ? {} : { maxSteps: Number(values.maxSteps) }),
    factor: Number(values.factor),
    size: Number(values.size),
    hidden: Number(values.hidden),
    batchSize: Number(values.batchSize),
    lr: Number(values.lr),
    seed: Number(values.seed),
    rainWeights: values.rainWeights === 'balanced' ? 'balanced' : 'none',
    l1Weight: Number(values.l1Weight ?? 0),
    residual: values.residual === true,
    frame: values.frame === 'eulerian' ? 'eulerian' : 'lagrangian',
    checkpointEvery: Number(values.checkpointEvery ?? DEFAULT_CHECKPOINT_EVERY),
    inputFrames: 6,
    outputFrames: 12,
    patchSize: 4,
    kernel: 3,
  };
  if (cfg.frame === 'lagrangian' && cfg.residual)
    throw new UsageError(
      '--residual with --frame lagrangian: the Lagrangian network already forecasts a change from the (advected) last frame (the default); leave out --residual, or add --frame eulerian',
    );
  if (cfg.frame === 'lagrangian' && cfg.rainWeights === 'balanced')
    throw new UsageError(
      '--rain-weights balanced with --frame lagrangian: its targets are changes, not rain rates, so rain-rate weights do not apply (the default frame); leave out --rain-weights, or add --frame eulerian',
    );
  if (!(Number.isFinite(cfg.l1Weight) && (cfg.l1Weight ?? 0) >= 0))
    throw new UsageError(`--l1-weight: expected a number >= 0, got ${values.l1Weight}`);
  if (cfg.size % cfg.patchSize !== 0)
    throw new UsageError(`--size ${cfg.size} must be a multiple of the patch size ${cfg.patchSize}`);
  return cfg;
}

/** What training did, as recorded in `run.json` and `metrics.json`. */
export interface TrainingSummary {
  readonly steps: number;
  readonly stopReason: string;
  readonly minutes: number;
  readonly lastLoss: number | null;
  /** The events trained on (absent in runs made before it was recorded). */
  readonly events?: readonly string[];
}

/**
 * Trains on the issue's training events and writes `checkpoint/` (with the optimiser state and
 * data position, so `--resume` continues exactly), `run.json` and `metrics.csv` into `cfg.out`;
 * with `resumed`, continues that run from its checkpoint instead of a fresh model.
 */
async function trainRun(
  cfg: RunConfig,
  ctx: Context,
  resumed: { model: EncoderForecaster; state: TrainingState } | null = null,
): Promise<{ model: EncoderForecaster; training: TrainingSummary; backend: string; stopped: boolean }> {
  // A resumed model is ours from here: freed on any failure, the data's included.
  let model: EncoderForecaster | null = resumed?.model ?? null;
  try {
    const backend = await useNodeBackend({});
    ctx.stderr.write(`backend: ${backend.backend}\n`);
    const events = await loadExperimentEvents(cfg.data, { factor: cfg.factor, size: cfg.size }, (m) =>
      ctx.stderr.write(`${m}\n`),
    );
    ctx.stderr.write(
      `grid: ${cfg.size}x${cfg.size} at ${cfg.factor} km; train ${events.train.map((e) => `${e.name} (${e.frames.length} frames)`).join(', ')}\n`,
    );
    const stream = new RadarSequenceStream(events.train, {
      inputFrames: cfg.inputFrames,
      outputFrames: cfg.outputFrames,
      seed: cfg.seed,
      augment: true,
      frame: cfg.frame ?? 'eulerian',
    });
    const net = model ?? newModel(cfg);
    model = net;
    // The settings go first: every checkpoint of the run then has its run.json beside it.
    await writeJsonAtomic(join(cfg.out, RUN_FILES.config), {
      config: cfg,
      training: null,
      backend: backend.backend,
    });
    ctx.stderr.write(
      `model: ${net.numParams} parameters; ${stream.windows.length} training windows (x6 with flips and turns)${resumed ? `; resuming at step ${resumed.state.step}` : ''}\n`,
    );
    const { result, stoppedBy } = await runTraining({
      model: net,
      data: stream,
      loop: {
        batchSize: cfg.batchSize,
        loss: 'bce',
        ...(cfg.l1Weight ? { l1Weight: cfg.l1Weight } : {}),
        ...(cfg.rainWeights === 'balanced'
          ? {
              targetWeights: {
                thresholds: [...rainToUnit(Float32Array.from(BALANCED_RAIN_WEIGHTS.rates))],
                weights: [...BALANCED_RAIN_WEIGHTS.weights],
              },
            }
          : {}),
        optimizer: { name: 'adam', learningRate: cfg.lr },
        clipNorm: 1,
      },
      budget: { steps: cfg.maxSteps ?? null, minutes: cfg.minutes },
      resumed: resumed?.state ?? null,
      metadata: { app: 'radar-nowcast', config: cfg },
      csv: {
        path: join(cfg.out, 'metrics.csv'),
        columns: ['step', 'loss', 'grad_norm', 'lr', 'seq_per_s'] as const,
        step: (s) => ({
          step: s.step,
          loss: s.loss,
          grad_norm: s.gradNorm,
          lr: s.lr,
          seq_per_s: s.seqPerSec,
        }),
      },
      checkpoint: {
        final: join(cfg.out, RUN_FILES.checkpoint),
        periodic: {
          dir: join(cfg.out, RUN_FILES.periodic),
          everySteps: cfg.checkpointEvery ?? DEFAULT_CHECKPOINT_EVERY,
        },
      },
      stop: ctx.stop,
      stderr: ctx.stderr,
      stopNotice: 'stopping training after this step; the model is saved as it is',
      resumeCommand: () => `radar-nowcast train --resume ${cfg.out}`,
    });
    const training: TrainingSummary = {
      steps: result.steps,
      stopReason: result.stopReason,
      minutes: result.elapsedMs / 60_000,
      lastLoss: result.lastLoss,
      events: events.train.map((e) => e.name),
    };
    await writeJsonAtomic(join(cfg.out, RUN_FILES.config), {
      config: cfg,
      training,
      backend: backend.backend,
    });
    return {
      model: net,
      training,
      backend: backend.backend,
      stopped: stoppedBy !== null || result.stopReason === 'aborted',
    };
  } catch (error) {
    model?.dispose();
    throw error;
  } finally {
    if (resumed) disposeTrainingState(resumed.state);
  }
}

/** A run to continue, or a run whose budget is spent and nothing asked for more. */
type Resumed =
  | { readonly complete: false; cfg: RunConfig; model: EncoderForecaster; state: TrainingState }
  | { readonly complete: true; readonly message: string };

/**
 * The settings and checkpoint of a run to continue (`--resume RUN`): its newest whole
 * checkpoint (final or periodic), its run.json (checked against that checkpoint's model; from
 * the checkpoint itself when run.json is missing) with the budget and data the command line
 * gives. Refuses other options, a checkpoint without training state, and a budget the run has
 * already used up — unless no budget was given, when the run is simply complete.
 */
async function resumeRun(
  args: readonly string[],
  values: Record<string, string | number | boolean>,
  ctx: Context,
): Promise<Resumed> {
  const run = String(values.resume);
  const given = Object.keys(parseArgs(args, EXPERIMENT_OPTIONS).values);
  const refused = given.filter((k) => !RESUME_KEYS.has(k));
  if (refused.length > 0)
    throw new UsageError(
      `${refused.map((k) => `--${kebab(k)}`).join(', ')}: a resumed run keeps its own settings (${join(run, RUN_FILES.config)}); only --minutes, --max-steps, --checkpoint-every and --data may be given with --resume`,
    );
  await assertDirectory(run, '--resume');
  const found = await findResumeCheckpoint(run, RUN_LAYOUT);
  // A missing run.json (a run older than run.json-first) is taken from the checkpoint's record.
  const saved = (await exists(join(run, RUN_FILES.config))) ? await readRunConfig(run) : null;
  await useNodeBackend({});
  const { model, resume } = await loadCheckpoint(found.path);
  const refuse = (message: string, hint: string): never => {
    model.dispose();
    if (resume) disposeTrainingState(resume);
    throw new UsageError(`--resume ${run}: ${message}; ${hint}`);
  };
  if (resume === null)
    return refuse(
      'its checkpoint holds weights only (written before runs could be resumed)',
      'train a new run',
    );
  try {
    let base: RunConfig;
    if (saved === null) {
      const recorded = (resume.metadata as { config?: RunConfig } | null)?.config;
      if (recorded === undefined) await readRunConfig(run);
      ctx.stderr.write(
        `${join(run, RUN_FILES.config)} is missing: taking the run's settings from ${found.path}\n`,
      );
      base = recorded as RunConfig;
    } else base = saved;
    assertRunMatchesModel(base, model.config, join(run, RUN_FILES.config), found.path);
    // The frame is not in the model's config: the checkpoint's own record of the run has it.
    const trainedIn = (resume.metadata as { config?: RunConfig } | null)?.config?.frame ?? 'eulerian';
    if ((base.frame ?? 'eulerian') !== trainedIn)
      throw new OperationalError(
        `${join(run, RUN_FILES.config)}: config.frame is ${JSON.stringify(base.frame ?? 'eulerian')}, but the model in ${found.path} was trained in the ${trainedIn} frame`,
        {
          hint: `${join(run, RUN_FILES.config)} does not belong to this checkpoint (edited?): restore its config.frame, or train a new run`,
        },
      );
    const cfg: RunConfig = {
      ...base,
      out: run,
      ...(given.includes('data') ? { data: String(values.data) } : {}),
      ...(given.includes('minutes') ? { minutes: Number(values.minutes) } : {}),
      ...(given.includes('maxSteps') ? { maxSteps: Number(values.maxSteps) } : {}),
      ...(given.includes('checkpointEvery') ? { checkpointEvery: Number(values.checkpointEvery) } : {}),
    };
    await assertDirectory(cfg.data, '--data');
    const budget = { steps: cfg.maxSteps ?? null, minutes: cfg.minutes };
    const spent =
      (budget.steps !== null && budget.steps <= resume.step) || resume.elapsedMs >= budget.minutes * 60_000;
    if (spent && !given.includes('minutes') && !given.includes('maxSteps')) {
      model.dispose();
      disposeTrainingState(resume);
      return {
        complete: true,
        message:
          `${run}: the run is complete (it trained ${resume.step} steps, its whole budget); nothing to resume.\n` +
          `Evaluate it with: radar-nowcast evaluate --run ${run}\n` +
          `Or train further with a larger budget: radar-nowcast train --resume ${run} --minutes ${Math.ceil(cfg.minutes * 2)}\n`,
      };
    }
    if (resolve(found.path) !== resolve(join(run, RUN_FILES.checkpoint)))
      ctx.stderr.write(`resuming from ${found.path}, the newest whole checkpoint (step ${resume.step})\n`);
    assertBudgetLeft(resume, budget, { steps: '--max-steps', minutes: '--minutes' }, `--resume ${run}`);
    return { complete: false, cfg, model, state: resume };
  } catch (error) {
    model.dispose();
    disposeTrainingState(resume);
    throw error;
  }
}

const exists = (path: string): Promise<boolean> =>
  stat(path).then(
    () => true,
    () => false,
  );

/**
 * Checks what a fresh run asks for before any folder exists: the output path, and that
 * training batches of this model fit in memory.
 */
async function checkFreshRun(cfg: RunConfig): Promise<void> {
  await assertWritableOutput(cfg.out, '--out');
  assertFitsMemory(
    `--batch-size ${cfg.batchSize}`,
    `training on batches of ${cfg.batchSize} sequences of ${cfg.size}x${cfg.size} frames`,
    sequenceBytes(
      resolveEncoderForecasterConfig(modelOptions(cfg)),
      cfg.batchSize,
      cfg.inputFrames + cfg.outputFrames,
      true,
    ),
  );
}

/** Takes the run folder (its lock; emptied first with --force) for a fresh or resumed run. */
async function claimRun(cfg: RunConfig, resumed: boolean, force: boolean, ctx: Context): Promise<FolderLock> {
  return claimOutputDir(cfg.out, {
    force,
    append: resumed,
    log: (m) => ctx.stderr.write(`${m}\n`),
  });
}

/**
 * Verifies `model` and both baselines on the issue's test events and writes `metrics.json`,
 * `summary.md`, `csi-<k>.png` and `nowcast-<k>.png` into `out`; returns the summary text.
 */
async function evaluateRun(
  model: EncoderForecaster,
  cfg: RunConfig,
  out: string,
  ctx: Context,
  training: TrainingSummary | null,
  backend: string,
  signal?: AbortSignal,
  fssConvention: FssConvention = 'clipped',
): Promise<string> {
  const events = await loadExperimentEvents(cfg.data, { factor: cfg.factor, size: cfg.size }, (m) =>
    ctx.stderr.write(`${m}\n`),
  );
  // The data of the events the model learned from (recorded by training; else what --data holds).
  const trainedOn = training?.events ?? events.train.map((e) => e.name);
  const attribution = trainedOn.some((name) => name.startsWith('MeteoSwiss'))
    ? `${ATTRIBUTION} ${MCH_ATTRIBUTION}`
    : ATTRIBUTION;
  const verified: EventVerification[] = [];
  for (const event of events.test) {
    verified.push(
      await verifyEvent(
        model,
        cfg.frame ?? 'eulerian',
        event,
        (d, t) => d === t && ctx.stderr.write(`verified ${event.name}: ${t} windows\n`),
        signal,
        { fssConvention },
      ),
    );
  }
  await writeJsonAtomic(
    join(out, RUN_FILES.metrics),
    jsonSafe({
      config: cfg,
      backend,
      training,
      verification: { fssConvention },
      events: verified,
      attribution,
    }),
  );
  const tables = SUMMARY_SCORES.flatMap((score) => verified.map((v) => scoreTable(v, score))).join('\n\n');
  const trained =
    training === null
      ? ''
      : `Training: ${training.steps} steps in ${training.minutes.toFixed(1)} min (${training.stopReason}), last loss ${training.lastLoss?.toFixed(4) ?? '–'}.\n\n`;
  const fssNote = `FSS convention: ${fssConvention} (${fssConvention === 'pysteps' ? "pysteps' zero-padded windows" : 'windows clipped at grid edges and no-data pixels'}).`;
  const summary = `# Radar nowcasting experiment\n\n${trained}${tables}\n\n${fssNote}\n\n${attribution}\n`;
  await writeFileAtomic(join(out, 'summary.md'), summary);
  for (const [k, v] of verified.entries()) {
    const chart = renderLineChart({
      title: `${v.event}: CSI at 1 mm/h`,
      xLabel: 'lead time (min)',
      yLabel: 'CSI',
      series: NOWCAST_METHODS.map((m) => ({
        name: m,
        values: csiSeries(v.scores[m], 1),
        x: v.scores[m].map((s) => 5 * s.lead),
      })),
      integerX: true,
    });
    await writeFileAtomic(join(out, `csi-${k}.png`), encodeRgbPng(chart));
    const event = events.test[k];
    if (event) {
      // The event's middle window: a fixed choice, not the best-looking one.
      const start = Math.max(0, Math.floor((event.frames.length - cfg.inputFrames - cfg.outputFrames) / 2));
      await writeFileAtomic(
        join(out, `nowcast-${k}.png`),
        await nowcastPng(model, cfg.frame ?? 'eulerian', event, start),
      );
    }
  }
  return summary;
}

/** What a Ctrl-C during the verification keeps, and how to finish it. */
const EVALUATION_NOTICE =
  'stopping the verification; the trained checkpoint is already saved (Ctrl-C again to quit now)';

/** `experiment`: train, verify, write the run folder. */
export async function experimentCommand(args: readonly string[], ctx: Context): Promise<number> {
  const { values, help } = await resolveOptions(args, EXPERIMENT_OPTIONS, DEFAULTS);
  if (help) {
    ctx.stdout.write(EXPERIMENT_HELP);
    return 0;
  }
  const resumed = values.resume === undefined ? null : await resumeRun(args, values, ctx);
  if (resumed?.complete) {
    ctx.stdout.write(resumed.message);
    return 0;
  }
  const cfg = resumed?.cfg ?? runConfig(values);
  let lock: FolderLock | null = null;
  try {
    await assertDirectory(cfg.data, '--data');
    if (!resumed) await checkFreshRun(cfg);
    lock = await claimRun(cfg, resumed !== null, values.force === true, ctx);
    const { model, training, backend, stopped } = await trainRun(cfg, ctx, resumed);
    try {
      if (stopped) {
        ctx.stdout.write(
          `Stopped after step ${training.steps}; the run is saved in ${cfg.out}.\nContinue with: radar-nowcast experiment --resume ${cfg.out}\n`,
        );
        return 0;
      }
      const done = await stoppable(ctx.stop, EVALUATION_NOTICE, (signal) =>
        evaluateRun(model, cfg, cfg.out, ctx, training, backend, signal, fssConvention(values)),
      );
      if (done.stoppedBy !== null) {
        ctx.stdout.write(
          `Stopped by ${done.stoppedBy} during the verification; the trained model is kept in ${join(cfg.out, RUN_FILES.checkpoint)}.\n` +
            `Verify it later with: radar-nowcast evaluate --run ${cfg.out}\n`,
        );
        return 0;
      }
      ctx.stdout.write(`${done.value}\nRun folder: ${cfg.out}\n`);
      return 0;
    } finally {
      model.dispose();
    }
  } finally {
    await lock?.release();
  }
}

export const TRAIN_HELP = `radar-nowcast train [--data DIR] [--out DIR] [--force] [options]

The training half of "experiment": trains on FMI 2016-09-28, the first 70% of KNMI 2010-08-26 and
the MeteoSwiss events (when present) and writes checkpoint/ and run.json (the settings, the grid and what training did) into the run
folder, and metrics.csv (step, loss, gradient norm, learning rate, throughput); "radar-nowcast
evaluate --run DIR" verifies it. Ctrl-C stops after the current step and saves the run;
"radar-nowcast train --resume DIR --minutes N" continues it exactly (weights, optimiser state,
data position), with the run's own settings. Options as for "experiment".
`;

/** `train`: the training half of the experiment. */
export async function trainCommand(args: readonly string[], ctx: Context): Promise<number> {
  const { values, help } = await resolveOptions(args, EXPERIMENT_OPTIONS, DEFAULTS);
  if (help) {
    ctx.stdout.write(TRAIN_HELP);
    return 0;
  }
  const resumed = values.resume === undefined ? null : await resumeRun(args, values, ctx);
  if (resumed?.complete) {
    ctx.stdout.write(resumed.message);
    return 0;
  }
  const cfg = resumed?.cfg ?? runConfig(values);
  let lock: FolderLock | null = null;
  try {
    await assertDirectory(cfg.data, '--data');
    if (!resumed) await checkFreshRun(cfg);
    lock = await claimRun(cfg, resumed !== null, values.force === true, ctx);
    const { model, training } = await trainRun(cfg, ctx, resumed);
    model.dispose();
    ctx.stdout.write(
      `${cfg.out}: ${training.steps} steps in ${training.minutes.toFixed(1)} min (${training.stopReason})\n`,
    );
    return 0;
  } finally {
    await lock?.release();
  }
}

export const EVALUATE_OPTIONS: readonly OptionSpec[] = [
  { key: 'run', kind: { type: 'string' }, description: 'a run folder written by train or experiment' },
  {
    key: 'data',
    kind: { type: 'string' },
    description: 'sample folder (default: the one the run was trained on)',
  },
  { key: 'out', kind: { type: 'string' }, description: 'output folder', defaultText: '<run>/evaluation' },
  { key: 'force', kind: { type: 'boolean' }, description: 'replace a non-empty output folder' },
  FSS_CONVENTION_OPTION,
];

export const EVALUATE_HELP = `radar-nowcast evaluate --run DIR [--data DIR] [--out DIR] [--force] [--fss-convention clipped|pysteps]

Verifies a trained run on FMI 2017-05-09 and the last 30% of KNMI 2010-08-26 next to Eulerian
persistence and Lagrangian extrapolation: metrics.json (CSI, POD, FAR, ETS, bias at 0.5-10 mm/h,
MAE, RMSE, correlation, FSS, per lead time), summary.md, CSI charts and nowcast pictures.
--fss-convention pysteps computes the FSS as pysteps does (zero padding at grid edges, no-data
pixels as no event); the default, clipped, clips windows at edges and no-data pixels. The
convention used is recorded in metrics.json ("verification") and summary.md.
`;

/** The `--fss-convention` an evaluation uses. */
function fssConvention(values: Record<string, unknown>): FssConvention {
  return values.fssConvention === 'pysteps' ? 'pysteps' : 'clipped';
}

/** Reads a run folder's `run.json` settings. */
export async function readRunConfig(run: string): Promise<RunConfig> {
  return (await readRunFile(run)).config;
}

/**
 * A run folder's `run.json`: its settings (checked) and what training recorded (null for a run
 * stopped before its end).
 */
async function readRunFile(run: string): Promise<{ config: RunConfig; training: TrainingSummary | null }> {
  const path = join(run, RUN_FILES.config);
  try {
    const json = JSON.parse(await readFile(path, 'utf8')) as {
      config?: RunConfig;
      training?: TrainingSummary | null;
    };
    const cfg = json.config;
    if (!cfg || typeof cfg.factor !== 'number' || typeof cfg.size !== 'number')
      throw new Error('no config.factor / config.size');
    if (cfg.frame !== undefined && !(FORECAST_FRAMES as readonly unknown[]).includes(cfg.frame))
      throw new Error(
        `config.frame is ${JSON.stringify(cfg.frame)}, not one of ${FORECAST_FRAMES.join(', ')}`,
      );
    return { config: cfg, training: json.training ?? null };
  } catch (error) {
    throw new OperationalError(`${path}: ${(error as Error).message}`, {
      hint: 'give --run a folder written by "radar-nowcast train" or "radar-nowcast experiment"',
    });
  }
}

/** `evaluate --run DIR`. */
export async function evaluateCommand(args: readonly string[], ctx: Context): Promise<number> {
  const { values, help } = await resolveOptions(args, EVALUATE_OPTIONS, {
    force: false,
    fssConvention: 'clipped',
  });
  if (help) {
    ctx.stdout.write(EVALUATE_HELP);
    return 0;
  }
  if (values.run === undefined) throw new UsageError('--run DIR is required');
  const run = String(values.run);
  await assertDirectory(run, '--run');
  const { config: saved, training } = await readRunFile(run);
  const cfg: RunConfig = { ...saved, ...(values.data === undefined ? {} : { data: String(values.data) }) };
  await assertDirectory(cfg.data, '--data');
  const out = values.out === undefined ? join(run, 'evaluation') : String(values.out);
  const found = await findResumeCheckpoint(run, RUN_LAYOUT, '--run');
  await assertWritableOutput(out, '--out');
  const backend = await useNodeBackend({});
  const { model } = await loadCheckpoint(found.path, { trainingState: false });
  let lock: FolderLock | null = null;
  try {
    assertRunMatchesModel(cfg, model.config, join(run, RUN_FILES.config), found.path);
    lock = await claimOutputDir(out, {
      force: values.force === true,
      log: (m) => ctx.stderr.write(`${m}\n`),
    });
    const done = await stoppable(ctx.stop, 'stopping the verification (Ctrl-C again to quit now)', (signal) =>
      evaluateRun(model, cfg, out, ctx, training, backend.backend, signal, fssConvention(values)),
    );
    if (done.stoppedBy !== null) {
      ctx.stdout.write(`Stopped by ${done.stoppedBy} during the verification; ${out} holds no results.\n`);
      return 0;
    }
    ctx.stdout.write(`${done.value}\nOutput folder: ${out}\n`);
    return 0;
  } finally {
    model.dispose();
    await lock?.release();
  }
}
