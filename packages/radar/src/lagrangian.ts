import { ConvLSTMArgumentError, describeValue } from '@convlstm/tensor';
import type { RadarFrame } from './frame.js';
import type { MotionField } from './motion.js';
import {
  type AdvectionSampling,
  advectEachLead,
  advectSemiLagrangian,
  type ExtrapolationOptions,
  extrapolationMotion,
  inputMasks,
  type Nowcast,
  reverseMotion,
} from './nowcast.js';
import { rainToUnit, unitToRain } from './unit.js';

/**
 * The frame a radar network forecasts in: `eulerian`, the grid as observed; `lagrangian`, the
 * frame moving with the rain (the last input's time, motion removed), where it learns growth and
 * decay and the motion is the extrapolation nowcast's (Ritvanen et al. 2023's L-CNN).
 */
export const FORECAST_FRAMES = ['eulerian', 'lagrangian'] as const;
export type ForecastFrame = (typeof FORECAST_FRAMES)[number];

/** A window's inputs in the Lagrangian frame of its last input, and the motion that defines it. */
export interface LagrangianInputs {
  readonly width: number;
  readonly height: number;
  /** Input frames `Tin`. */
  readonly frames: number;
  /** {@link extrapolationMotion} of the inputs, pixels per step. */
  readonly motion: MotionField;
  /**
   * `[Tin, H, W]` rain rate (mm/h): input frame `k` advected `Tin − 1 − k` steps forward, to the last
   * input's time (the last frame as observed); 0 where {@link LagrangianInputs.valid} is 0.
   */
  readonly rainRate: Float32Array;
  /** `[Tin, H, W]`: 1 where the advected frame has a value. */
  readonly valid: Uint8Array;
}

/** Options of {@link toLagrangianFrame}. */
export interface LagrangianOptions extends ExtrapolationOptions {
  /** The inputs' {@link extrapolationMotion} when it is already known (e.g. cached); estimated otherwise. */
  readonly motion?: MotionField;
}

/**
 * The inputs of a window in the Lagrangian frame of the last one: the extrapolation nowcast's
 * motion field ({@link extrapolationMotion}, the same call and options), and every frame advected
 * along it to the last frame's time by the extrapolation's semi-Lagrangian scheme. `inputs` are
 * `[H, W]` rain-rate frames, oldest first, one step apart; `valid` one mask for all or one per frame.
 */
export function toLagrangianFrame(
  inputs: readonly Float32Array[],
  valid: Uint8Array | readonly Uint8Array[],
  width: number,
  height: number,
  options: LagrangianOptions = {},
): LagrangianInputs {
  const masks = inputMasks(inputs, valid, width, height);
  const given = options.motion;
  if (given !== undefined && (given.width !== width || given.height !== height))
    throw new ConvLSTMArgumentError(
      'options.motion',
      `a ${width}x${height} motion field`,
      `${given.width}x${given.height}`,
    );
  const motion = given ?? extrapolationMotion(inputs, masks, width, height, options);
  const px = width * height;
  const frames = inputs.length;
  const rainRate = new Float32Array(frames * px);
  const mask = new Uint8Array(frames * px);
  for (const [k, frame] of inputs.entries()) {
    const steps = frames - 1 - k;
    const m = masks[k] as Uint8Array;
    if (steps === 0) {
      for (let i = 0; i < px; i++) rainRate[k * px + i] = m[i] === 1 ? (frame[i] as number) : 0;
      mask.set(m, k * px);
      continue;
    }
    const moved = advectSemiLagrangian(frame, m, motion, steps);
    rainRate.set(moved.rainRate.subarray((steps - 1) * px), k * px);
    mask.set(moved.valid.subarray((steps - 1) * px), k * px);
  }
  return { width, height, frames, motion, rainRate, valid: mask };
}

/**
 * Observations at leads `1 … T` (`observed [T, H, W]`, `valid [T, H, W]` or one `[H, W]`) in the
 * Lagrangian frame: lead `t` advected `t` steps back along the motion (reversed), to the last
 * input's time; the learning targets of a Lagrangian network (bilinear, the default) or, with
 * `sampling` `'nearest'`, the observations moved without smoothing (the oracle's).
 */
export function observationsToLagrangian(
  observed: Float32Array,
  valid: Uint8Array,
  motion: MotionField,
  sampling: AdvectionSampling = 'bilinear',
): Nowcast {
  return advectEachLead(observed, valid, reverseMotion(motion), sampling);
}

/**
 * Learning arrays of a window in the Lagrangian frame: `inputs [Tin, H, W]` in [0, 1]
 * (`rainToUnit` of the advected inputs, 0 at no-data); with `targets` (from
 * {@link observationsToLagrangian}), `targets [Tout, H, W]`, each lead's change from the last
 * input in the unit (dBR) scale coded to [0, 1] as `(Δ + 1) / 2` (0.5: no change), and
 * `mask [Tout, H, W]`, 1 where both the target and the last input have data. A network whose
 * output is `σ(z)` then forecasts `Δ = 2σ(z) − 1` ({@link lagrangianChange}).
 */
export function lagrangianArrays(
  inputs: LagrangianInputs,
  targets?: Pick<Nowcast, 'rainRate' | 'valid'>,
): { inputs: Float32Array; targets: Float32Array; mask: Uint8Array } {
  const px = inputs.width * inputs.height;
  const unit = rainToUnit(inputs.rainRate);
  for (let i = 0; i < unit.length; i++) if (inputs.valid[i] !== 1) unit[i] = 0;
  if (targets === undefined) return { inputs: unit, targets: new Float32Array(0), mask: new Uint8Array(0) };
  if (targets.rainRate.length % px !== 0 || targets.valid.length !== targets.rainRate.length)
    throw new ConvLSTMArgumentError(
      'targets',
      `rainRate and valid of [T, ${inputs.height}, ${inputs.width}]`,
      `${targets.rainRate.length} and ${targets.valid.length} values`,
    );
  const lastAt = (inputs.frames - 1) * px;
  const observed = rainToUnit(targets.rainRate);
  const coded = new Float32Array(observed.length);
  const mask = new Uint8Array(observed.length);
  for (let i = 0; i < observed.length; i++) {
    const j = lastAt + (i % px);
    if (targets.valid[i] !== 1 || inputs.valid[j] !== 1) {
      coded[i] = 0.5;
      continue;
    }
    coded[i] = ((observed[i] as number) - (unit[j] as number) + 1) / 2;
    mask[i] = 1;
  }
  return { inputs: unit, targets: coded, mask };
}

/**
 * The change `Δ = 2σ(z) − 1 = tanh(z / 2)` in [−1, 1] a network forecasts in the Lagrangian frame,
 * from its pre-sigmoid outputs `z` (any layout): the inverse of {@link lagrangianArrays}' coding,
 * and exactly 0 where `z` is 0.
 */
export function lagrangianChange(logits: Float32Array): Float32Array {
  return logits.map((z) => Math.tanh(z / 2));
}

/**
 * The nowcast of a Lagrangian network: its change `change [Tout, H, W]` (unit scale, in [−1, 1],
 * from {@link lagrangianChange}) applied to the last input in rain rate, then each lead advected
 * forward by the inputs' motion with the extrapolation nowcast's scheme ({@link advectEachLead}).
 * The change acts as `R + R(u + Δ) − R(u)` where `u` is the last input's unit value and `R` is
 * `unitToRain` (`u + Δ` clamped to [0, 1]), floored at 0: rain can grow where none was and, with
 * no change, the result is the last input itself, so a network forecasting Δ = 0 gives exactly
 * the extrapolation nowcast (`extrapolationNowcast` with the same inputs and options).
 */
export function lagrangianNowcast(inputs: LagrangianInputs, change: Float32Array): Nowcast {
  const { width, height } = inputs;
  const px = width * height;
  if (px === 0 || change.length === 0 || change.length % px !== 0)
    throw new ConvLSTMArgumentError(
      'change',
      `a whole number (≥ 1) of [${height}, ${width}] frames`,
      `${change.length} values`,
    );
  for (let i = 0; i < change.length; i++) {
    const d = change[i] as number;
    if (!(d >= -1 && d <= 1))
      throw new ConvLSTMArgumentError(`change[${i}]`, 'a change in [−1, 1]', describeValue(d));
  }
  const lastAt = (inputs.frames - 1) * px;
  const last = inputs.rainRate.subarray(lastAt, lastAt + px);
  const lastValid = inputs.valid.subarray(lastAt, lastAt + px);
  const lastUnit = rainToUnit(last);
  const shifted = new Float32Array(change.length);
  for (let i = 0; i < change.length; i++) {
    const u = lastUnit[i % px] as number;
    shifted[i] = Math.min(1, Math.max(0, u + (change[i] as number)));
  }
  const grown = unitToRain(shifted);
  const before = unitToRain(lastUnit);
  const fields = new Float32Array(change.length);
  for (let i = 0; i < change.length; i++) {
    const p = i % px;
    fields[i] = Math.max(0, (last[p] as number) + ((grown[i] as number) - (before[p] as number)));
  }
  return advectEachLead(fields, lastValid, inputs.motion);
}

/**
 * The nowcast of a perfect Lagrangian network, for attributing skill: the observed growth and
 * decay along the inputs' motion. The observations `observed [T, H, W]` are carried back to the
 * last input's time to the nearest pixel ({@link observationsToLagrangian} with `'nearest'`, so
 * the only smoothing is the forward advection every Lagrangian nowcast has, the extrapolation
 * nowcast's included), coded as {@link lagrangianArrays} codes learning targets, and applied by
 * {@link lagrangianNowcast}. What it misses is what the motion field and that advection cost;
 * what it gains over the extrapolation nowcast is what growth and decay can give with this motion.
 * Where the target or the last input has no data, no change.
 */
export function lagrangianOracleNowcast(
  inputs: LagrangianInputs,
  observed: Float32Array,
  valid: Uint8Array,
): Nowcast {
  const { targets, mask } = lagrangianArrays(
    inputs,
    observationsToLagrangian(observed, valid, inputs.motion, 'nearest'),
  );
  const change = new Float32Array(targets.length);
  for (let i = 0; i < targets.length; i++) change[i] = mask[i] === 1 ? 2 * (targets[i] as number) - 1 : 0;
  return lagrangianNowcast(inputs, change);
}

/**
 * A network run on one window, supplied by the caller (e.g. an `EncoderForecaster`'s
 * `predictLogits`, so this package depends on no model library): its pre-sigmoid outputs
 * `[Tout, H, W]` for `inputs [Tin, H, W]` on the unit (dBR) scale of `rainToUnit`.
 */
export type RadarNetworkLogits = (inputs: Float32Array) => Promise<Float32Array>;

/**
 * A radar network's nowcast from one window's input frames (oldest first, one step apart), in the
 * frame it was trained in: `eulerian`, the rain its sigmoid outputs give on the grid as observed
 * (valid everywhere); `lagrangian`, the inputs moved to the last one's time by the extrapolation's
 * motion ({@link toLagrangianFrame}), the network's change applied there and each lead advected
 * forward ({@link lagrangianNowcast}; valid where the departure point had data, as the
 * extrapolation nowcast's), so a network whose outputs are all 0 gives exactly the extrapolation
 * nowcast. `rainRate` (mm/h; 0 where not valid) and `valid` are `[Tout, H, W]`. The one code path
 * of the CLI and the browser page. `options.motion`: the inputs' motion when the caller already has
 * it (e.g. from its `extrapolationNowcast`), so the optical flow is not estimated twice.
 */
export async function radarNetworkNowcast(
  frame: ForecastFrame,
  inputs: readonly Pick<RadarFrame, 'width' | 'height' | 'rainRate' | 'valid'>[],
  logits: RadarNetworkLogits,
  options: LagrangianOptions = {},
): Promise<Pick<Nowcast, 'rainRate' | 'valid'>> {
  const first = inputs[0];
  if (first === undefined) throw new ConvLSTMArgumentError('inputs', 'at least one frame', 'none');
  const { width, height } = first;
  const px = width * height;
  for (const [k, f] of inputs.entries())
    if (f.width !== width || f.height !== height || f.rainRate.length !== px)
      throw new ConvLSTMArgumentError(
        `inputs[${k}]`,
        `a ${width}x${height} frame like inputs[0]`,
        `${f.width}x${f.height} with ${f.rainRate.length} values`,
      );
  if (frame === 'eulerian') {
    const unit = new Float32Array(inputs.length * px);
    for (const [t, f] of inputs.entries()) unit.set(rainToUnit(f.rainRate), t * px);
    const z = await logits(unit);
    return {
      rainRate: unitToRain(z.map((v) => 1 / (1 + Math.exp(-v)))),
      valid: new Uint8Array(z.length).fill(1),
    };
  }
  const lagrangian = toLagrangianFrame(
    inputs.map((f) => f.rainRate),
    inputs.map((f) => f.valid),
    width,
    height,
    options,
  );
  const change = lagrangianChange(await logits(lagrangianArrays(lagrangian).inputs));
  const { rainRate, valid } = lagrangianNowcast(lagrangian, change);
  return { rainRate, valid };
}
