import { assertInt, assertKnownKeys, ConvLSTMArgumentError, describeValue } from '@convlstm/tensor';
import {
  add,
  greaterEqual,
  mul,
  type Optimizer,
  onesLike,
  type Scalar,
  scalar,
  sigmoid,
  square,
  stack,
  sub,
  sum,
  type Tensor,
  type Tensor5D,
  tidy,
  where,
} from '@tensorflow/tfjs-core';
import { type CheckpointFiles, encodeCheckpoint, type TrainingState } from './checkpoint-codec.js';
import { clipByGlobalNorm } from './clip.js';
import { type Evaluation, evaluate } from './evaluate.js';
import {
  bceFromLogits,
  type LossName,
  meanAbsoluteError,
  meanAbsoluteErrorFromLogits,
  meanSquaredError,
} from './losses.js';
import type { EncoderForecaster } from './model.js';
import { frameShape } from './model-config.js';
import {
  assertOptimizerConfig,
  assertSchedule,
  baseLearningRate,
  createOptimizer,
  getOptimizerState,
  isOwnedOptimizerTensor,
  type LrSchedule,
  learningRateAt,
  type OptimizerConfig,
  PAPER_OPTIMIZER,
  setLearningRate,
  setOptimizerState,
} from './optimizer.js';
import { batchToTensors, type SequenceSet, type SequenceStream, splitBatch } from './sequences.js';

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

/** Passed to {@link TrainCallbacks.onCheckpoint} once a checkpoint is stored whole. */
export interface CheckpointInfo {
  readonly step: number;
  /** Where the store put it (what {@link CheckpointStore.save} returned: a folder, a key). */
  readonly location: string;
  /** `'latest'` (periodic), `'best'` (new best validation) or `'final'` (the end of the run, in the `latest` slot). */
  readonly kind: 'latest' | 'best' | 'final';
}

/**
 * Where {@link train} keeps its checkpoints: `checkpointFolder(dir)` of `@convlstm/train/node`
 * in Node; in a browser, anything that can hold bytes (memory, IndexedDB, OPFS).
 */
export interface CheckpointStore {
  /**
   * Stores `files` ({@link encodeCheckpoint}'s, with the training state) in `slot`, replacing
   * what the slot held; resolves to where it is once it is whole (training waits for it).
   */
  save(slot: 'latest' | 'best', files: CheckpointFiles, info: { readonly step: number }): Promise<string>;
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
  /**
   * Weight of an L1 term added to the loss: `loss + l1Weight · mean|σ(logits) − targets|`
   * (default 0). The median of an uncertain pixel of a mostly-black frame is black, so the term
   * pulls the forecast's background to 0 where MSE and cross-entropy leave a haze.
   */
  l1Weight?: number;
  /**
   * Per-pixel loss weights by target value, as in the balanced losses of Shi et al. (2017) for
   * rain: a pixel whose target is ≥ `thresholds[i]` (the largest such `i`) counts `weights[i]`
   * times in the loss's weighted mean, every other pixel once. Rare intense values (heavy rain)
   * otherwise weigh too little against the many dry pixels, and the forecast stays below them.
   * Validation reports the same weighted loss; metrics stay unweighted.
   */
  targetWeights?: { readonly thresholds: readonly number[]; readonly weights: readonly number[] };
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
  /**
   * Store the run in `store`'s `latest` slot every `everySteps` steps and at the end, and in its
   * `best` slot at each new best validation (in Node: `{ store: checkpointFolder(dir) }`).
   */
  checkpoint?: { store: CheckpointStore; everySteps?: number };
  /** Continue a run: from the state a loaded checkpoint holds (`decodeCheckpoint(...).resume`). */
  resume?: TrainingState | null;
  callbacks?: TrainCallbacks;
  /** Stops training after the current step. */
  signal?: AbortSignal;
  /** Evaluate the final model (and the baselines) on this set; the result is {@link TrainResult.evaluation}. */
  evaluateOn?: SequenceSet;
  /** Put copies of the optimiser weights into {@link TrainResult.state} (default false: it holds no tensors). */
  keepOptimizerState?: boolean;
  /**
   * Stop with a {@link TrainingDivergedError} when the loss stays far above its recent level
   * (default `{ factor: 10, patience: 3, window: 20 }`: over 10× the median of the last 20
   * normal losses for 3 steps in a row); `false` turns this off. A non-finite loss or gradient
   * always stops. While the loss is above its level no periodic checkpoint is written, so the
   * last one is a good one.
   */
  divergence?: DivergenceOptions | false;
  /** JSON stored with every checkpoint's training state (see {@link TrainingState.metadata}); default the resumed run's. */
  metadata?: Readonly<Record<string, unknown>> | null;
}

/** See {@link TrainOptions.divergence}. */
export interface DivergenceOptions {
  /** How many times the recent median counts as diverging (default 10). */
  factor?: number;
  /** Consecutive diverging steps that stop training (default 3). */
  patience?: number;
  /** Normal losses the median is taken over (default 20). */
  window?: number;
}

/**
 * The keys of {@link TrainOptions} and of its nested option objects; `satisfies` rejects a
 * missing or misspelt one at compile time.
 */
const TRAIN_OPTION_KEYS = Object.keys({
  batchSize: true,
  loss: true,
  l1Weight: true,
  targetWeights: true,
  optimizer: true,
  clipNorm: true,
  schedule: true,
  maxSteps: true,
  maxEpochs: true,
  stepsPerEpoch: true,
  maxMinutes: true,
  validation: true,
  earlyStopping: true,
  checkpoint: true,
  resume: true,
  callbacks: true,
  signal: true,
  evaluateOn: true,
  keepOptimizerState: true,
  divergence: true,
  metadata: true,
} satisfies Record<keyof TrainOptions, true>);
const DIVERGENCE_OPTION_KEYS = Object.keys({
  factor: true,
  patience: true,
  window: true,
} satisfies Record<keyof DivergenceOptions, true>);
const VALIDATION_OPTION_KEYS = Object.keys({
  set: true,
  everySteps: true,
  batchSize: true,
} satisfies Record<keyof NonNullable<TrainOptions['validation']>, true>);
const EARLY_STOPPING_OPTION_KEYS = Object.keys({
  patience: true,
  minDelta: true,
  restoreBest: true,
} satisfies Record<keyof NonNullable<TrainOptions['earlyStopping']>, true>);
const CHECKPOINT_OPTION_KEYS = Object.keys({
  store: true,
  everySteps: true,
} satisfies Record<keyof NonNullable<TrainOptions['checkpoint']>, true>);
const CALLBACK_KEYS = Object.keys({
  onStep: true,
  onValidation: true,
  onCheckpoint: true,
} satisfies Record<keyof TrainCallbacks, true>);

/** Why {@link train} returned. */
export type StopReason = 'maxSteps' | 'maxEpochs' | 'maxMinutes' | 'earlyStopping' | 'aborted';

/** Result of {@link train}. */
export interface TrainResult {
  readonly steps: number;
  readonly stopReason: StopReason;
  readonly lastLoss: number | null;
  readonly bestValidationLoss: number | null;
  readonly elapsedMs: number;
  /**
   * Where the run ended. Its `optimizerWeights` are empty unless `keepOptimizerState` was set
   * (then the caller disposes them with `disposeTrainingState`).
   */
  readonly state: TrainingState;
  /** Where the last `latest` checkpoint was stored (its store's location; `null` if none). */
  readonly lastCheckpoint: string | null;
  /** Set when `evaluateOn` was given. */
  readonly evaluation?: Evaluation;
}

/** Thrown when a loss or gradient is NaN or infinite; the model keeps its weights from before that step. */
export class TrainingDivergedError extends Error {
  readonly step: number;
  readonly loss: number;
  readonly gradNorm: number;
  readonly lastCheckpoint: string | null;

  constructor(
    step: number,
    loss: number,
    lastCheckpoint: string | null,
    gradNorm = Number.NaN,
    detail: string | null = null,
  ) {
    const what =
      detail ?? (Number.isFinite(loss) ? `gradient norm ${gradNorm} (loss ${loss})` : `loss ${loss}`);
    super(
      `Training diverged at step ${step}: ${what}. ` +
        (detail === null ? 'The model keeps its weights from before this step' : 'Training stopped') +
        (lastCheckpoint === null
          ? '; no checkpoint was written.'
          : `; the last good checkpoint is ${lastCheckpoint}.`),
    );
    this.name = 'TrainingDivergedError';
    this.step = step;
    this.loss = loss;
    this.gradNorm = gradNorm;
    this.lastCheckpoint = lastCheckpoint;
  }
}

function optionalPositiveInt(value: unknown, argument: string): void {
  if (value !== undefined) assertInt(value, argument, 1);
}

function optionalPositive(value: unknown, argument: string): void {
  if (
    value !== undefined &&
    value !== null &&
    !(typeof value === 'number' && value > 0 && Number.isFinite(value))
  ) {
    throw new ConvLSTMArgumentError(argument, 'a finite number > 0', describeValue(value));
  }
}

/**
 * Watches the loss for divergence short of NaN: a loss over `factor` times the median of the
 * last `window` normal losses, `patience` steps in a row.
 */
class DivergenceMonitor {
  private readonly recent: number[] = [];
  /** Consecutive steps above the level. */
  streak = 0;

  constructor(private readonly options: Required<DivergenceOptions>) {}

  /** The median of the recent normal losses, or `null` before the first. */
  level(): number | null {
    if (this.recent.length === 0) return null;
    const sorted = [...this.recent].sort((a, b) => a - b);
    const mid = sorted.length >> 1;
    return sorted.length % 2 === 1
      ? (sorted[mid] as number)
      : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
  }

  /** Records a step's loss; returns a description when it diverged. */
  observe(loss: number): string | null {
    const level = this.level();
    if (level !== null && loss > this.options.factor * level) {
      this.streak++;
      if (this.streak >= this.options.patience) {
        return `loss ${loss} has been over ${this.options.factor}× its recent level (median ${level}) for ${this.streak} steps`;
      }
      return null;
    }
    this.streak = 0;
    this.recent.push(loss);
    if (this.recent.length > this.options.window) this.recent.shift();
    return null;
  }
}

function assertTargetWeights(tw: NonNullable<TrainOptions['targetWeights']>): void {
  const argument = 'options.targetWeights';
  assertKnownKeys(tw, ['thresholds', 'weights'], argument);
  const { thresholds, weights } = tw;
  if (!Array.isArray(thresholds) || thresholds.length === 0) {
    throw new ConvLSTMArgumentError(
      `${argument}.thresholds`,
      'a non-empty array of numbers',
      describeValue(thresholds),
    );
  }
  thresholds.forEach((t, i) => {
    if (typeof t !== 'number' || !Number.isFinite(t) || (i > 0 && t <= (thresholds[i - 1] as number))) {
      throw new ConvLSTMArgumentError(
        `${argument}.thresholds[${i}]`,
        'finite and increasing',
        describeValue(t),
      );
    }
  });
  if (!Array.isArray(weights) || weights.length !== thresholds.length) {
    throw new ConvLSTMArgumentError(
      `${argument}.weights`,
      `an array of ${thresholds.length} numbers (one per threshold)`,
      describeValue(weights),
    );
  }
  weights.forEach((w, i) => {
    if (typeof w !== 'number' || !Number.isFinite(w) || w <= 0) {
      throw new ConvLSTMArgumentError(`${argument}.weights[${i}]`, 'a finite number > 0', describeValue(w));
    }
  });
}

/** The weight of each target pixel: `weights[i]` for the largest `thresholds[i]` ≤ target, else 1. */
function pixelWeights(targets: Tensor, tw: NonNullable<TrainOptions['targetWeights']>): Tensor {
  let w: Tensor = onesLike(targets);
  tw.thresholds.forEach((t, i) => {
    w = where(greaterEqual(targets, scalar(t)), mul(onesLike(targets), tw.weights[i] as number), w);
  });
  return w;
}

/**
 * Resolves after pending events (messages, signal handlers, timers, file callbacks) have run.
 * `setImmediate` where it exists (Node); a `MessageChannel` round trip elsewhere, since browsers
 * clamp nested `setTimeout(0)` to 4 ms.
 */
export function yieldToEventLoop(): Promise<void> {
  if (typeof setImmediate === 'function') return new Promise((resolve) => setImmediate(resolve));
  if (typeof MessageChannel === 'function') {
    return new Promise((resolve) => {
      const channel = new MessageChannel();
      channel.port1.onmessage = () => {
        channel.port1.close();
        resolve();
      };
      channel.port2.postMessage(null);
    });
  }
  return new Promise((resolve) => setTimeout(resolve, 0));
}

/** Optimiser state to save: the live slot variables as they are, fresh copies of the rest (owned by us). */
async function optimizerWeights(optimizer: Optimizer): Promise<{ name: string; tensor: Tensor }[]> {
  return getOptimizerState(optimizer);
}

/**
 * Trains `model` on sequences drawn from `data` (`inputFrames` in, `outputFrames` predicted) and
 * returns why and where it stopped. Each step: draw a batch (advancing `data`), compute the loss
 * and gradients inside `tf.tidy`, stop with a {@link TrainingDivergedError} if the loss or the
 * gradient norm is not finite (before the weights change), clip to `clipNorm`, apply.
 *
 * A run is a deterministic function of the model's initial weights, `data`'s seed and position
 * and the options, so N steps in one go equal N/2 steps, a checkpoint, and N/2 more from
 * `loadCheckpoint(...).resume` (on the same backend). No tensor outlives the call except the
 * model's weights (and, with `keepOptimizerState`, the returned optimiser state).
 */
export async function train(
  model: EncoderForecaster,
  data: SequenceStream,
  options: TrainOptions = {},
): Promise<TrainResult> {
  assertKnownKeys(options, TRAIN_OPTION_KEYS, 'options');
  assertKnownKeys(options.validation, VALIDATION_OPTION_KEYS, 'options.validation');
  assertKnownKeys(options.earlyStopping, EARLY_STOPPING_OPTION_KEYS, 'options.earlyStopping');
  assertKnownKeys(options.checkpoint, CHECKPOINT_OPTION_KEYS, 'options.checkpoint');
  assertKnownKeys(options.callbacks, CALLBACK_KEYS, 'options.callbacks');
  if (options.divergence !== false)
    assertKnownKeys(options.divergence, DIVERGENCE_OPTION_KEYS, 'options.divergence');
  const cfg = model.config;
  const batchSize = options.batchSize ?? 16;
  assertInt(batchSize, 'options.batchSize', 1);
  const lossName = options.loss ?? 'bce';
  if (lossName !== 'bce' && lossName !== 'mse') {
    throw new ConvLSTMArgumentError('options.loss', "'bce' or 'mse'", describeValue(lossName));
  }
  const l1Weight = options.l1Weight ?? 0;
  if (typeof l1Weight !== 'number' || !Number.isFinite(l1Weight) || l1Weight < 0) {
    throw new ConvLSTMArgumentError('options.l1Weight', 'a finite number >= 0', describeValue(l1Weight));
  }
  const targetWeights = options.targetWeights ?? null;
  if (targetWeights !== null) assertTargetWeights(targetWeights);
  const optConfig = options.optimizer ?? PAPER_OPTIMIZER;
  assertOptimizerConfig(optConfig, 'options.optimizer');
  const schedule = options.schedule ?? { kind: 'constant' };
  assertSchedule(schedule, 'options.schedule');
  const clipNorm = options.clipNorm ?? null;
  optionalPositive(clipNorm, 'options.clipNorm');
  optionalPositiveInt(options.maxSteps, 'options.maxSteps');
  optionalPositiveInt(options.maxEpochs, 'options.maxEpochs');
  optionalPositive(options.maxMinutes, 'options.maxMinutes');
  if (options.maxSteps === undefined && options.maxEpochs === undefined && options.maxMinutes === undefined) {
    throw new ConvLSTMArgumentError('options', 'at least one of maxSteps, maxEpochs, maxMinutes', 'none');
  }
  const stepsPerEpoch = options.stepsPerEpoch ?? Math.ceil(10_000 / batchSize);
  assertInt(stepsPerEpoch, 'options.stepsPerEpoch', 1);
  const frame = frameShape(cfg);
  if (data.height !== frame.height || data.width !== frame.width || data.channels !== frame.channels) {
    throw new ConvLSTMArgumentError(
      'data',
      `${frame.height}×${frame.width}×${frame.channels} frames (the model's)`,
      `${data.height}×${data.width}×${data.channels}`,
    );
  }
  const validation = options.validation;
  if (validation !== undefined) {
    if (validation.set.height !== frame.height || validation.set.width !== frame.width) {
      throw new ConvLSTMArgumentError(
        'options.validation.set',
        `${frame.height}×${frame.width} frames`,
        `${validation.set.height}×${validation.set.width}`,
      );
    }
    optionalPositiveInt(validation.everySteps, 'options.validation.everySteps');
    optionalPositiveInt(validation.batchSize, 'options.validation.batchSize');
  }
  const early = options.earlyStopping;
  if (early !== undefined) {
    if (validation === undefined) {
      throw new ConvLSTMArgumentError(
        'options.earlyStopping',
        'a validation set (options.validation)',
        'none',
      );
    }
    assertInt(early.patience, 'options.earlyStopping.patience', 1);
  }
  const checkpoint = options.checkpoint;
  if (checkpoint !== undefined) {
    if (typeof checkpoint.store?.save !== 'function') {
      throw new ConvLSTMArgumentError(
        'options.checkpoint.store',
        'a checkpoint store ({ save(slot, files, info) }, e.g. checkpointFolder(dir) of @convlstm/train/node)',
        describeValue(checkpoint.store),
      );
    }
    optionalPositiveInt(checkpoint.everySteps, 'options.checkpoint.everySteps');
  }
  const divergenceOptions = options.divergence === false ? null : { ...options.divergence };
  if (divergenceOptions !== null) {
    optionalPositive(divergenceOptions.factor, 'options.divergence.factor');
    optionalPositiveInt(divergenceOptions.patience, 'options.divergence.patience');
    optionalPositiveInt(divergenceOptions.window, 'options.divergence.window');
  }
  const resume = options.resume ?? null;
  // The learning rate may change on resume (e.g. lowered after a divergence); the rest may not.
  const withoutLr = (c: OptimizerConfig): string => JSON.stringify({ ...c, learningRate: undefined });
  if (resume !== null && resume.optimizer !== null && withoutLr(resume.optimizer) !== withoutLr(optConfig)) {
    throw new ConvLSTMArgumentError(
      'options.optimizer',
      `the resumed run's ${JSON.stringify(resume.optimizer)}`,
      JSON.stringify(optConfig),
    );
  }
  const callbacks = options.callbacks ?? {};

  const vars = [...model.trainableWeights];
  const outputFrames = data.outputFrames;
  const base = baseLearningRate(optConfig);
  const combinedLoss = (logits: Tensor, targets: Tensor, validMask?: Tensor, probs?: Tensor): Scalar => {
    // The losses' mask is a weight per pixel (their mean is Σ w·ℓ / Σ w): target weights multiply it.
    const mask =
      targetWeights === null
        ? validMask
        : mul(validMask ?? onesLike(targets), pixelWeights(targets, targetWeights));
    // Probabilities only where a term needs them: a training step of plain BCE computes none.
    const p = (): Tensor => probs ?? sigmoid(logits);
    const main =
      lossName === 'bce' ? bceFromLogits(logits, targets, mask) : meanSquaredError(p(), targets, mask);
    if (l1Weight === 0) return main;
    const l1 =
      probs === undefined
        ? meanAbsoluteErrorFromLogits(logits, targets, mask)
        : meanAbsoluteError(probs, targets, mask);
    return add(main, mul(l1, l1Weight)) as Scalar;
  };
  const lossOf = (inputs: Tensor5D, targets: Tensor, mask?: Tensor): Scalar => {
    const logits = model.predictLogits(inputs, outputFrames);
    return combinedLoss(logits, targets, mask);
  };

  const optimizer = createOptimizer(optConfig);
  let step = 0;
  let elapsedBefore = 0;
  let best: number | null = null;
  let bad = 0;
  let bestWeights: Tensor[] | null = null;
  let lastLoss: number | null = null;
  let lastCheckpoint: string | null = null;
  let stopReason: StopReason | null = null;
  const started = performance.now();
  const elapsed = () => elapsedBefore + (performance.now() - started);

  const metadata = options.metadata !== undefined ? options.metadata : (resume?.metadata ?? null);
  const monitor =
    divergenceOptions === null
      ? null
      : new DivergenceMonitor({
          factor: divergenceOptions.factor ?? 10,
          patience: divergenceOptions.patience ?? 3,
          window: divergenceOptions.window ?? 20,
        });
  const state = async (withWeights: 'none' | 'live' | 'copy'): Promise<TrainingState> => {
    let weights: { name: string; tensor: Tensor }[] = [];
    if (withWeights !== 'none') {
      weights = await optimizerWeights(optimizer);
      if (withWeights === 'copy')
        weights = weights.map((w) =>
          isOwnedOptimizerTensor(w.name) ? w : { name: w.name, tensor: w.tensor.clone() },
        );
    }
    return {
      step,
      generator: data.getState(),
      optimizer: optConfig,
      optimizerWeights: weights,
      bestValidationLoss: best,
      validationsWithoutImprovement: bad,
      elapsedMs: elapsed(),
      metadata,
    };
  };

  const save = async (kind: 'latest' | 'best' | 'final'): Promise<void> => {
    if (checkpoint === undefined) return;
    const s = await state('live');
    let files: CheckpointFiles;
    try {
      files = await encodeCheckpoint(model, s);
    } finally {
      // `iter` and Adam's β powers are fresh scalars; the other entries are the optimiser's own variables.
      for (const w of s.optimizerWeights) if (isOwnedOptimizerTensor(w.name)) w.tensor.dispose();
    }
    const location = await checkpoint.store.save(kind === 'best' ? 'best' : 'latest', files, { step });
    if (kind !== 'best') lastCheckpoint = location;
    await callbacks.onCheckpoint?.({ step, location, kind });
  };

  const validate = async (set: SequenceSet): Promise<{ loss: number; mse: number }> => {
    const vb = validation?.batchSize ?? batchSize;
    const tout = set.frames - set.inputFrames;
    let lossSum = 0;
    let seSum = 0;
    for (let start = 0; start < set.count; start += vb) {
      const batch = splitBatch(set, start, Math.min(vb, set.count - start));
      const { inputs, targets, mask } = batchToTensors(batch);
      try {
        const values = tidy(() => {
          const logits = model.predictLogits(inputs, tout);
          const probs = sigmoid(logits);
          const loss = combinedLoss(logits, targets, mask, probs);
          const se = square(sub(probs, targets));
          return stack([mul(loss, batch.count), sum(mask === undefined ? se : mul(se, mask))]);
        });
        const [l, se] = values.dataSync() as Float32Array;
        values.dispose();
        lossSum += l as number;
        seSum += se as number;
      } finally {
        inputs.dispose();
        targets.dispose();
        mask?.dispose();
      }
    }
    return { loss: lossSum / set.count, mse: seSum / (set.count * tout) };
  };

  try {
    if (resume !== null) {
      step = resume.step;
      elapsedBefore = resume.elapsedMs;
      best = resume.bestValidationLoss;
      bad = resume.validationsWithoutImprovement;
      if (resume.generator !== null) data.setState(resume.generator);
      if (resume.optimizerWeights.length > 0) {
        await setOptimizerState(optimizer, resume.optimizerWeights);
      }
    }
    const validateEvery = validation?.everySteps ?? stepsPerEpoch;
    const checkpointEvery = checkpoint?.everySteps ?? null;
    while (stopReason === null) {
      if (options.maxSteps !== undefined && step >= options.maxSteps) stopReason = 'maxSteps';
      else if (options.maxEpochs !== undefined && step >= options.maxEpochs * stepsPerEpoch)
        stopReason = 'maxEpochs';
      else if (options.maxMinutes !== undefined && elapsed() >= options.maxMinutes * 60_000)
        stopReason = 'maxMinutes';
      else if (options.signal?.aborted) stopReason = 'aborted';
      if (stopReason !== null) break;
      // Let the event loop run (signal handlers, pending file writes): a step is synchronous work.
      await yieldToEventLoop();
      if (options.signal?.aborted) {
        stopReason = 'aborted';
        break;
      }

      const lr = learningRateAt(base, schedule, step, elapsed() / 60_000);
      setLearningRate(optimizer, lr);
      const t0 = performance.now();
      const { inputs, targets, mask } = batchToTensors(data.nextBatch(batchSize));
      let result: { stats: Tensor; grads: Tensor[] } | null = null;
      try {
        result = tidy(() => {
          const { value, grads } = optimizer.computeGradients(() => lossOf(inputs, targets, mask), vars);
          const clipped = clipByGlobalNorm(
            vars.map((v) => grads[v.name] as Tensor),
            clipNorm,
          );
          return { stats: stack([value, clipped.norm]), grads: clipped.grads };
        });
        // An asynchronous read: WebGPU's synchronous one (an OffscreenCanvas round trip) blocks,
        // and in a Web Worker on Chromium it has destroyed the device for the next upload.
        const [loss, gradNorm] = (await result.stats.data()) as Float32Array as unknown as [number, number];
        if (!Number.isFinite(loss) || !Number.isFinite(gradNorm)) {
          throw new TrainingDivergedError(step + 1, loss, lastCheckpoint, gradNorm);
        }
        const grads = result.grads;
        tidy(() =>
          optimizer.applyGradients(vars.map((v, i) => ({ name: v.name, tensor: grads[i] as Tensor }))),
        );
        const diverged = monitor?.observe(loss) ?? null;
        if (diverged !== null)
          throw new TrainingDivergedError(step + 1, loss, lastCheckpoint, gradNorm, diverged);
        lastLoss = loss;
        step++;
        const seconds = (performance.now() - t0) / 1000;
        await callbacks.onStep?.({
          step,
          epoch: Math.floor((step - 1) / stepsPerEpoch),
          loss,
          gradNorm,
          lr,
          seqPerSec: batchSize / Math.max(seconds, 1e-9),
        });
      } finally {
        inputs.dispose();
        targets.dispose();
        mask?.dispose();
        if (result !== null) {
          result.stats.dispose();
          for (const g of result.grads) g.dispose();
        }
      }

      if (validation !== undefined && step % validateEvery === 0) {
        const v = await validate(validation.set);
        const improved = best === null || v.loss < best - (early?.minDelta ?? 0);
        if (improved) {
          best = v.loss;
          bad = 0;
          if (early?.restoreBest) {
            for (const w of bestWeights ?? []) w.dispose();
            bestWeights = model.getWeights();
          }
        } else {
          bad++;
        }
        await callbacks.onValidation?.({
          step,
          loss: v.loss,
          mse: v.mse,
          bestLoss: best as number,
          improved,
        });
        if (improved) await save('best');
        if (early !== undefined && bad >= early.patience) stopReason = 'earlyStopping';
      }
      // No checkpoint while the loss is above its recent level: the last one must be a good one.
      if (
        checkpointEvery !== null &&
        step % checkpointEvery === 0 &&
        stopReason === null &&
        (monitor?.streak ?? 0) === 0
      )
        await save('latest');
    }
    if (stopReason === 'earlyStopping' && bestWeights !== null) model.setWeights(bestWeights);
    await save('final');
    const evaluation =
      options.evaluateOn === undefined ? undefined : await evaluate(model, options.evaluateOn);
    return {
      steps: step,
      stopReason,
      lastLoss,
      bestValidationLoss: best,
      elapsedMs: elapsed(),
      state: await state(options.keepOptimizerState ? 'copy' : 'none'),
      lastCheckpoint,
      ...(evaluation === undefined ? {} : { evaluation }),
    };
  } finally {
    for (const w of bestWeights ?? []) w.dispose();
    optimizer.dispose();
  }
}
