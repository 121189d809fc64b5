import { assertKnownKeys, ConvLSTMArgumentError, describeValue } from '@convlstm/tensor';
import {
  type Optimizer,
  type Scalar,
  type Tensor,
  train as tfTrain,
  type Variable,
} from '@tensorflow/tfjs-core';

/** RMSProp as in the paper (learning rate 1e-3, decay 0.9) or Adam (learning rate 1e-3, β 0.9 / 0.999). */
export type OptimizerConfig =
  | {
      readonly name: 'rmsprop';
      readonly learningRate?: number;
      readonly decay?: number;
      readonly momentum?: number;
      readonly epsilon?: number;
    }
  | {
      readonly name: 'adam';
      readonly learningRate?: number;
      readonly beta1?: number;
      readonly beta2?: number;
      readonly epsilon?: number;
    };

/** Learning-rate schedules; see {@link learningRateAt}. */
export type LrSchedule =
  | { readonly kind: 'constant' }
  | { readonly kind: 'step'; readonly everySteps: number; readonly factor: number }
  | {
      readonly kind: 'cosine';
      /** Steps over which the rate decays (at least one of `totalSteps` and `totalMinutes`). */
      readonly totalSteps?: number;
      /**
       * Training minutes over which the rate decays, for runs with a time budget: progress is
       * the larger of the step and the time fractions, so the decay ends with whichever budget
       * runs out first. A time-driven rate depends on the machine's speed, so a resumed run
       * continues the schedule but is not bit-identical to an uninterrupted one.
       */
      readonly totalMinutes?: number;
      readonly minLearningRate?: number;
    };

/** The keys of each {@link OptimizerConfig}; `satisfies` rejects a missing or misspelt one at compile time. */
const OPTIMIZER_CONFIG_KEYS = {
  rmsprop: Object.keys({
    name: true,
    learningRate: true,
    decay: true,
    momentum: true,
    epsilon: true,
  } satisfies Record<keyof Extract<OptimizerConfig, { name: 'rmsprop' }>, true>),
  adam: Object.keys({
    name: true,
    learningRate: true,
    beta1: true,
    beta2: true,
    epsilon: true,
  } satisfies Record<keyof Extract<OptimizerConfig, { name: 'adam' }>, true>),
} as const satisfies Record<OptimizerConfig['name'], readonly string[]>;

/** The keys of each {@link LrSchedule}; `satisfies` rejects a missing or misspelt one at compile time. */
const SCHEDULE_KEYS = {
  constant: Object.keys({
    kind: true,
  } satisfies Record<keyof Extract<LrSchedule, { kind: 'constant' }>, true>),
  step: Object.keys({
    kind: true,
    everySteps: true,
    factor: true,
  } satisfies Record<keyof Extract<LrSchedule, { kind: 'step' }>, true>),
  cosine: Object.keys({
    kind: true,
    totalSteps: true,
    totalMinutes: true,
    minLearningRate: true,
  } satisfies Record<keyof Extract<LrSchedule, { kind: 'cosine' }>, true>),
} as const satisfies Record<LrSchedule['kind'], readonly string[]>;

/** The paper's optimiser: RMSProp, learning rate 1e-3, decay 0.9. */
export const PAPER_OPTIMIZER: OptimizerConfig = { name: 'rmsprop', learningRate: 1e-3, decay: 0.9 };

function positive(value: unknown, argument: string): void {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new ConvLSTMArgumentError(argument, 'a finite number > 0', describeValue(value));
  }
}

function unit(value: unknown, argument: string): void {
  if (typeof value !== 'number' || !(value >= 0 && value < 1)) {
    throw new ConvLSTMArgumentError(argument, 'a number in [0, 1)', describeValue(value));
  }
}

/** Base learning rate of an optimiser config (default 1e-3). */
export function baseLearningRate(config: OptimizerConfig): number {
  return config.learningRate ?? 1e-3;
}

/** Validates an optimiser config (clear errors, nothing allocated). */
export function assertOptimizerConfig(config: OptimizerConfig, argument = 'optimizer'): void {
  if (
    typeof config !== 'object' ||
    config === null ||
    (config.name !== 'rmsprop' && config.name !== 'adam')
  ) {
    throw new ConvLSTMArgumentError(
      `${argument}.name`,
      "'rmsprop' or 'adam'",
      describeValue((config as { name?: unknown } | null)?.name),
    );
  }
  assertKnownKeys(config, OPTIMIZER_CONFIG_KEYS[config.name], argument);
  positive(baseLearningRate(config), `${argument}.learningRate`);
  if (config.epsilon !== undefined) positive(config.epsilon, `${argument}.epsilon`);
  if (config.name === 'rmsprop') {
    unit(config.decay ?? 0.9, `${argument}.decay`);
    unit(config.momentum ?? 0, `${argument}.momentum`);
  } else {
    unit(config.beta1 ?? 0.9, `${argument}.beta1`);
    unit(config.beta2 ?? 0.999, `${argument}.beta2`);
  }
}

/** Builds the TF.js optimiser for a config. */
export function createOptimizer(config: OptimizerConfig): Optimizer {
  assertOptimizerConfig(config);
  const lr = baseLearningRate(config);
  if (config.name === 'rmsprop') {
    return tfTrain.rmsprop(lr, config.decay ?? 0.9, config.momentum ?? 0, config.epsilon);
  }
  return tfTrain.adam(lr, config.beta1 ?? 0.9, config.beta2 ?? 0.999, config.epsilon);
}

/**
 * Sets the learning rate of a TF.js RMSProp or Adam optimiser for the next step. Both read
 * their (otherwise constructor-only) `learningRate` field afresh in every `applyGradients`.
 */
export function setLearningRate(optimizer: Optimizer, lr: number): void {
  (optimizer as unknown as { learningRate: number }).learningRate = lr;
}

/** Validates a schedule. */
export function assertSchedule(schedule: LrSchedule, argument = 'schedule'): void {
  if (typeof schedule !== 'object' || schedule === null) {
    throw new ConvLSTMArgumentError(
      argument,
      '{ kind: "constant" | "step" | "cosine", … }',
      describeValue(schedule),
    );
  }
  switch (schedule.kind) {
    case 'constant':
      assertKnownKeys(schedule, SCHEDULE_KEYS.constant, argument);
      return;
    case 'step':
      assertKnownKeys(schedule, SCHEDULE_KEYS.step, argument);
      if (!Number.isInteger(schedule.everySteps) || schedule.everySteps < 1) {
        throw new ConvLSTMArgumentError(
          `${argument}.everySteps`,
          'an integer >= 1',
          describeValue(schedule.everySteps),
        );
      }
      positive(schedule.factor, `${argument}.factor`);
      return;
    case 'cosine':
      assertKnownKeys(schedule, SCHEDULE_KEYS.cosine, argument);
      if (schedule.totalSteps === undefined && schedule.totalMinutes === undefined) {
        throw new ConvLSTMArgumentError(
          `${argument}.totalSteps`,
          'an integer >= 1 (or totalMinutes)',
          'neither totalSteps nor totalMinutes',
        );
      }
      if (
        schedule.totalSteps !== undefined &&
        (!Number.isInteger(schedule.totalSteps) || schedule.totalSteps < 1)
      ) {
        throw new ConvLSTMArgumentError(
          `${argument}.totalSteps`,
          'an integer >= 1',
          describeValue(schedule.totalSteps),
        );
      }
      if (schedule.totalMinutes !== undefined) positive(schedule.totalMinutes, `${argument}.totalMinutes`);
      if (schedule.minLearningRate !== undefined && !(schedule.minLearningRate >= 0)) {
        throw new ConvLSTMArgumentError(
          `${argument}.minLearningRate`,
          'a number >= 0',
          describeValue(schedule.minLearningRate),
        );
      }
      return;
    default:
      throw new ConvLSTMArgumentError(
        `${argument}.kind`,
        "'constant', 'step' or 'cosine'",
        describeValue((schedule as { kind: unknown }).kind),
      );
  }
}

/**
 * Learning rate of step `step` (0-based) after `elapsedMinutes` of training: constant `base`;
 * step decay `base · factor^⌊step / everySteps⌋`; cosine `min + (base − min) · (1 + cos(π · p)) / 2`
 * with progress `p = min(1, max(step / totalSteps, elapsedMinutes / totalMinutes))`.
 */
export function learningRateAt(base: number, schedule: LrSchedule, step: number, elapsedMinutes = 0): number {
  switch (schedule.kind) {
    case 'constant':
      return base;
    case 'step':
      return base * schedule.factor ** Math.floor(step / schedule.everySteps);
    case 'cosine': {
      const min = schedule.minLearningRate ?? 0;
      const bySteps = schedule.totalSteps === undefined ? 0 : step / schedule.totalSteps;
      const byTime = schedule.totalMinutes === undefined ? 0 : elapsedMinutes / schedule.totalMinutes;
      const progress = Math.min(1, Math.max(bySteps, byTime));
      return min + ((base - min) * (1 + Math.cos(Math.PI * progress))) / 2;
    }
  }
}

/** A named optimiser tensor, as `optimizer.getWeights()` returns them. */
interface NamedTensor {
  readonly name: string;
  readonly tensor: Tensor;
}

/**
 * Names of Adam's running bias-correction products β₁ᵗ and β₂ᵗ in a saved optimiser state.
 * TF.js' `getWeights()` leaves them out and `setWeights()` recomputes them as `β^(t+1)` with
 * `pow`, which differs from the product accumulated step by step in the last bits: restoring
 * the saved values makes a resumed run bit-identical to an uninterrupted one.
 */
const ADAM_ACC_BETA = ['adam/accBeta1', 'adam/accBeta2'] as const;

interface AdamInternals {
  accBeta1: Variable;
  accBeta2: Variable;
}

function adamInternals(optimizer: Optimizer): AdamInternals | null {
  const o = optimizer as unknown as Partial<AdamInternals>;
  return o.accBeta1 !== undefined && o.accBeta2 !== undefined ? (o as AdamInternals) : null;
}

/**
 * Everything an optimiser needs to continue exactly: `getWeights()` (iteration count, slot
 * variables) plus Adam's β powers. Entries named `iter` and `adam/*` are fresh tensors the
 * caller disposes (see {@link isOwnedOptimizerTensor}); the others are the optimiser's live variables.
 */
export async function getOptimizerState(optimizer: Optimizer): Promise<NamedTensor[]> {
  const weights: NamedTensor[] = await optimizer.getWeights();
  const adam = adamInternals(optimizer);
  if (adam !== null) {
    weights.push(
      { name: ADAM_ACC_BETA[0], tensor: adam.accBeta1.clone() },
      { name: ADAM_ACC_BETA[1], tensor: adam.accBeta2.clone() },
    );
  }
  return weights;
}

/** True for the entries of {@link getOptimizerState} that are fresh copies, not the optimiser's variables. */
export function isOwnedOptimizerTensor(name: string): boolean {
  return name === 'iter' || (ADAM_ACC_BETA as readonly string[]).includes(name);
}

/** Restores a state from {@link getOptimizerState} (or a plain `getWeights()` list) into `optimizer`. */
export async function setOptimizerState(optimizer: Optimizer, state: readonly NamedTensor[]): Promise<void> {
  const extra = state.filter((w) => (ADAM_ACC_BETA as readonly string[]).includes(w.name));
  await optimizer.setWeights(
    state
      .filter((w) => !(ADAM_ACC_BETA as readonly string[]).includes(w.name))
      .map((w) => ({ name: w.name, tensor: w.tensor })),
  );
  const adam = adamInternals(optimizer);
  if (adam === null || extra.length === 0) return;
  for (const [i, name] of ADAM_ACC_BETA.entries()) {
    const saved = extra.find((w) => w.name === name);
    if (saved !== undefined) (i === 0 ? adam.accBeta1 : adam.accBeta2).assign(saved.tensor as Scalar);
  }
}
