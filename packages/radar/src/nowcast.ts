import { assertInt, ConvLSTMArgumentError } from '@convlstm/tensor';
import { type LucasKanadeOptions, lucasKanade, type MotionField, sampleBilinear } from './motion.js';
import { type DbrOptions, toDbr } from './zr.js';

/** A nowcast: `steps` frames `[T, H, W]` of rain rate (mm/h) and where each is defined. */
export interface Nowcast {
  readonly steps: number;
  readonly width: number;
  readonly height: number;
  /** `[T, H, W]` rain rate, mm/h; 0 where {@link Nowcast.valid} is 0. */
  readonly rainRate: Float32Array;
  /** `[T, H, W]`: 0 where the method has no value (e.g. advected in from outside the grid). */
  readonly valid: Uint8Array;
}

function checkFrame(frame: Float32Array | Uint8Array, name: string, width: number, height: number): void {
  if (frame.length !== width * height) {
    throw new ConvLSTMArgumentError(
      name,
      `${width * height} values [${height}, ${width}]`,
      `${frame.length} values`,
    );
  }
}

/** Eulerian persistence: the last observed frame `[H, W]`, unchanged, at every lead time. */
export function persistenceNowcast(
  last: Float32Array,
  valid: Uint8Array,
  width: number,
  height: number,
  steps: number,
): Nowcast {
  assertInt(steps, 'steps', 1);
  checkFrame(last, 'last', width, height);
  checkFrame(valid, 'valid', width, height);
  const px = width * height;
  const rainRate = new Float32Array(steps * px);
  const mask = new Uint8Array(steps * px);
  for (let t = 0; t < steps; t++) {
    rainRate.set(last, t * px);
    mask.set(valid, t * px);
  }
  return { steps, width, height, rainRate, valid: mask };
}

/** Bilinear sample over valid pixels only; undefined when none of the four neighbours is valid or the point is off the grid. */
function sampleMasked(
  grid: Float32Array,
  valid: Uint8Array,
  width: number,
  height: number,
  x: number,
  y: number,
): number | undefined {
  if (x < -0.5 || y < -0.5 || x > width - 0.5 || y > height - 0.5) return undefined;
  const cx = Math.min(Math.max(x, 0), width - 1);
  const cy = Math.min(Math.max(y, 0), height - 1);
  const x0 = Math.floor(cx);
  const y0 = Math.floor(cy);
  const fx = cx - x0;
  const fy = cy - y0;
  let sum = 0;
  let weight = 0;
  for (const [dx, dy, w] of [
    [0, 0, (1 - fx) * (1 - fy)],
    [1, 0, fx * (1 - fy)],
    [0, 1, (1 - fx) * fy],
    [1, 1, fx * fy],
  ] as const) {
    const xi = Math.min(x0 + dx, width - 1);
    const yi = Math.min(y0 + dy, height - 1);
    const i = yi * width + xi;
    if (w > 0 && valid[i] === 1) {
      sum += w * (grid[i] as number);
      weight += w;
    }
  }
  return weight > 1e-6 ? sum / weight : undefined;
}

/**
 * The value of the valid pixel nearest to `(x, y)`; undefined off the grid or where that pixel has
 * no data. Moves values without mixing them, so single-pixel rain keeps its rate.
 */
function sampleNearest(
  grid: Float32Array,
  valid: Uint8Array,
  width: number,
  height: number,
  x: number,
  y: number,
): number | undefined {
  const xi = Math.round(x);
  const yi = Math.round(y);
  if (xi < 0 || yi < 0 || xi >= width || yi >= height) return undefined;
  const i = yi * width + xi;
  return valid[i] === 1 ? (grid[i] as number) : undefined;
}

/** How advection reads a field at a departure point between pixels. */
export type AdvectionSampling = 'bilinear' | 'nearest';

/**
 * The one semi-Lagrangian scheme: for every pixel `x`, the departure point `x − D_t(x)` after
 * `t = 1 … steps` steps is traced back step by step through the motion field with a midpoint rule,
 * and lead `t`'s value is `fieldAt(t − 1)` interpolated bilinearly over `validAt(t − 1)`'s pixels
 * there. Departure points off the grid or among no-data pixels are no-data in the result.
 */
function advect(
  fieldAt: (lead: number) => Float32Array,
  validAt: (lead: number) => Uint8Array,
  motion: MotionField,
  steps: number,
  sampling: AdvectionSampling = 'bilinear',
): Nowcast {
  const { width, height, u, v } = motion;
  const sample = sampling === 'nearest' ? sampleNearest : sampleMasked;
  const px = width * height;
  const rainRate = new Float32Array(steps * px);
  const mask = new Uint8Array(steps * px);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let dx = 0;
      let dy = 0;
      for (let t = 0; t < steps; t++) {
        // Midpoint rule: the velocity half a step back along the trajectory.
        const u1 = sampleBilinear(u, width, height, x - dx, y - dy);
        const v1 = sampleBilinear(v, width, height, x - dx, y - dy);
        const mx = x - dx - u1 / 2;
        const my = y - dy - v1 / 2;
        dx += sampleBilinear(u, width, height, mx, my);
        dy += sampleBilinear(v, width, height, mx, my);
        const value = sample(fieldAt(t), validAt(t), width, height, x - dx, y - dy);
        if (value !== undefined) {
          rainRate[t * px + y * width + x] = value;
          mask[t * px + y * width + x] = 1;
        }
      }
    }
  }
  return { steps, width, height, rainRate, valid: mask };
}

/**
 * Semi-Lagrangian backward advection: the value at `x` after `t` steps is the field's value at the
 * departure point `x − D_t(x)`, where the displacement `D` is traced back step by step through the
 * motion field with a midpoint rule, and the field is interpolated bilinearly over its valid pixels.
 * Departure points off the grid or among no-data pixels are no-data in the result. `field` and
 * `valid` are `[H, W]`; the result holds leads `1 … steps`.
 */
export function advectSemiLagrangian(
  field: Float32Array,
  valid: Uint8Array,
  motion: MotionField,
  steps: number,
): Nowcast {
  const { width, height } = motion;
  assertInt(steps, 'steps', 1);
  checkFrame(field, 'field', width, height);
  checkFrame(valid, 'valid', width, height);
  return advect(
    () => field,
    () => valid,
    motion,
    steps,
  );
}

/**
 * {@link advectSemiLagrangian} with a field per lead: frame `t` of `fields [T, H, W]` is advected
 * `t + 1` steps (the same trajectories, so a constant `fields` gives exactly
 * `advectSemiLagrangian`'s result). `valid` is one `[H, W]` mask for every frame or `[T, H, W]`.
 * Advecting along {@link reverseMotion} carries frames back in time instead. `sampling`
 * `'nearest'` takes each departure point's nearest pixel instead of interpolating (default bilinear).
 */
export function advectEachLead(
  fields: Float32Array,
  valid: Uint8Array,
  motion: MotionField,
  sampling: AdvectionSampling = 'bilinear',
): Nowcast {
  const { width, height } = motion;
  const px = width * height;
  if (px === 0 || fields.length === 0 || fields.length % px !== 0)
    throw new ConvLSTMArgumentError(
      'fields',
      `a whole number (≥ 1) of [${height}, ${width}] frames`,
      `${fields.length} values`,
    );
  const steps = fields.length / px;
  if (valid.length !== px && valid.length !== fields.length)
    throw new ConvLSTMArgumentError(
      'valid',
      `${px} values [${height}, ${width}] or ${fields.length} [${steps}, ${height}, ${width}]`,
      `${valid.length} values`,
    );
  const perLead = valid.length !== px;
  return advect(
    (t) => fields.subarray(t * px, (t + 1) * px),
    (t) => (perLead ? valid.subarray(t * px, (t + 1) * px) : valid),
    motion,
    steps,
    sampling,
  );
}

/** The motion field reversed (`−u`, `−v`): advection along it traces where rain came from. */
export function reverseMotion(motion: MotionField): MotionField {
  return {
    width: motion.width,
    height: motion.height,
    u: motion.u.map((x) => -x),
    v: motion.v.map((x) => -x),
  };
}

/** Options of {@link extrapolationNowcast}. */
export interface ExtrapolationOptions {
  /** Motion is the mean of the flows of this many last consecutive input pairs; default 2. */
  readonly pairs?: number;
  /** Optical-flow settings. */
  readonly flow?: LucasKanadeOptions;
  /**
   * The dBR transform the flow is estimated in (rain rate itself is advected); default threshold
   * 0.1 mm/h with zero value −10 dBR, i.e. `10·log10(max(R, 0.1))`: continuous, since a jump at the
   * threshold would be a false edge for the flow's fit.
   */
  readonly dbr?: DbrOptions;
}

/**
 * The motion field of {@link extrapolationNowcast}: the mean of the {@link lucasKanade} flows of
 * the last `pairs` consecutive input pairs, in the dBR transform. `inputs` are `[H, W]` rain-rate
 * frames, oldest first, one step apart; `valid` is one mask for all of them or one per frame.
 */
export function extrapolationMotion(
  inputs: readonly Float32Array[],
  valid: Uint8Array | readonly Uint8Array[],
  width: number,
  height: number,
  options: ExtrapolationOptions = {},
): MotionField {
  const pairs = options.pairs ?? 2;
  const dbr = options.dbr ?? { threshold: 0.1, zeroValue: -10 };
  assertInt(pairs, 'pairs', 1);
  if (inputs.length < pairs + 1) {
    throw new ConvLSTMArgumentError(
      'inputs',
      `at least ${pairs + 1} frames (pairs + 1)`,
      `${inputs.length} frames`,
    );
  }
  const masks = inputMasks(inputs, valid, width, height);
  const px = width * height;
  const u = new Float32Array(px);
  const v = new Float32Array(px);
  for (let k = inputs.length - pairs; k < inputs.length; k++) {
    const both = new Uint8Array(px);
    const a = masks[k - 1] as Uint8Array;
    const b = masks[k] as Uint8Array;
    for (let i = 0; i < px; i++) both[i] = a[i] === 1 && b[i] === 1 ? 1 : 0;
    const flow = lucasKanade(
      toDbr(inputs[k - 1] as Float32Array, dbr),
      toDbr(inputs[k] as Float32Array, dbr),
      width,
      height,
      both,
      options.flow,
    );
    for (let i = 0; i < px; i++) {
      u[i] = (u[i] as number) + (flow.u[i] as number) / pairs;
      v[i] = (v[i] as number) + (flow.v[i] as number) / pairs;
    }
  }
  return { width, height, u, v };
}

/** One mask per input frame (the one mask repeated), every frame and mask checked against the grid. */
export function inputMasks(
  inputs: readonly Float32Array[],
  valid: Uint8Array | readonly Uint8Array[],
  width: number,
  height: number,
): readonly Uint8Array[] {
  const masks = valid instanceof Uint8Array ? inputs.map(() => valid) : valid;
  if (masks.length !== inputs.length)
    throw new ConvLSTMArgumentError('valid', `one mask or ${inputs.length} masks`, `${masks.length} masks`);
  for (const [i, f] of inputs.entries()) checkFrame(f, `inputs[${i}]`, width, height);
  for (const [i, m] of masks.entries()) checkFrame(m, `valid[${i}]`, width, height);
  return masks;
}

/**
 * Lagrangian extrapolation, the standard radar nowcasting baseline: a motion field estimated by
 * {@link lucasKanade} on the dBR transform of the last inputs ({@link extrapolationMotion}), then the
 * last frame advected along it ({@link advectSemiLagrangian}). `inputs` are `[H, W]` rain-rate frames,
 * oldest first, 5 minutes (one step) apart; `valid` is one mask for all of them or one per frame.
 */
export function extrapolationNowcast(
  inputs: readonly Float32Array[],
  valid: Uint8Array | readonly Uint8Array[],
  width: number,
  height: number,
  steps: number,
  options: ExtrapolationOptions = {},
): Nowcast & { readonly motion: MotionField } {
  assertInt(steps, 'steps', 1);
  const motion = extrapolationMotion(inputs, valid, width, height, options);
  const masks = inputMasks(inputs, valid, width, height);
  const last = inputs[inputs.length - 1] as Float32Array;
  return { ...advectSemiLagrangian(last, masks[masks.length - 1] as Uint8Array, motion, steps), motion };
}
