import { assertInt, ConvLSTMArgumentError, describeValue } from '@convlstm/tensor';
import type { RadarFrame } from './frame.js';
import { AUGMENTATIONS, type Augmentation, augmentGrid } from './grid.js';
import {
  type ForecastFrame,
  lagrangianArrays,
  observationsToLagrangian,
  toLagrangianFrame,
} from './lagrangian.js';
import type { MotionField } from './motion.js';
import { findSequenceWindows } from './sequence.js';
import { rainToUnit } from './unit.js';

/** One radar event: frames on one grid, sorted by time. */
export interface RadarEvent {
  readonly name: string;
  readonly frames: readonly RadarFrame[];
}

/** Where a window starts: event index and frame index. */
export interface WindowRef {
  readonly event: number;
  readonly start: number;
}

/** Options of {@link radarWindows}. */
export interface RadarWindowOptions {
  readonly inputFrames: number;
  readonly outputFrames: number;
  /** Expected time step, ms (default 5 minutes). */
  readonly stepMs?: number;
  /** Frames between window starts (default 1). */
  readonly stride?: number;
}

function checkEvents(events: readonly RadarEvent[]): { width: number; height: number } {
  const first = events[0]?.frames[0];
  if (!first)
    throw new ConvLSTMArgumentError('events', 'at least one event with frames', describeValue(events.length));
  for (const [e, event] of events.entries()) {
    for (const [i, f] of event.frames.entries()) {
      if (f.width !== first.width || f.height !== first.height) {
        throw new ConvLSTMArgumentError(
          `events[${e}].frames[${i}]`,
          `a ${first.width}x${first.height} grid like the first frame`,
          `${f.width}x${f.height} (${f.source})`,
        );
      }
    }
  }
  return { width: first.width, height: first.height };
}

/** Every window of `inputFrames + outputFrames` consecutive frames (gaps never bridged) of each event. */
export function radarWindows(events: readonly RadarEvent[], options: RadarWindowOptions): WindowRef[] {
  assertInt(options.inputFrames, 'inputFrames', 1);
  assertInt(options.outputFrames, 'outputFrames', 1);
  checkEvents(events);
  return events.flatMap((event, e) =>
    findSequenceWindows(
      event.frames.map((f) => f.time),
      {
        length: options.inputFrames + options.outputFrames,
        ...(options.stepMs === undefined ? {} : { stepMs: options.stepMs }),
        ...(options.stride === undefined ? {} : { stride: options.stride }),
      },
    ).starts.map((start) => ({ event: e, start })),
  );
}

/**
 * One window as learning arrays: `inputs [Tin, H, W]` in [0, 1] ({@link rainToUnit}, 0 at no-data),
 * `targets [Tout, H, W]` likewise and `mask [Tout, H, W]` (1 = the target pixel has data).
 */
export function windowArrays(
  events: readonly RadarEvent[],
  ref: WindowRef,
  inputFrames: number,
  outputFrames: number,
  augmentation?: Augmentation,
): { inputs: Float32Array; targets: Float32Array; mask: Uint8Array; width: number; height: number } {
  const frames = events[ref.event]?.frames.slice(ref.start, ref.start + inputFrames + outputFrames) ?? [];
  if (frames.length !== inputFrames + outputFrames) {
    throw new ConvLSTMArgumentError('window', `${inputFrames + outputFrames} frames`, `${frames.length}`);
  }
  const first = frames[0] as RadarFrame;
  let { width, height } = first;
  const px = width * height;
  const inputs = new Float32Array(inputFrames * px);
  const targets = new Float32Array(outputFrames * px);
  const mask = new Uint8Array(outputFrames * px);
  for (const [t, f] of frames.entries()) {
    let unit = rainToUnit(f.rainRate);
    let valid = f.valid;
    if (augmentation !== undefined) {
      const a = augmentGrid(unit, f.width, f.height, augmentation);
      unit = a.grid;
      valid = augmentGrid(valid, f.width, f.height, augmentation).grid;
      width = a.width;
      height = a.height;
    }
    if (t < inputFrames) inputs.set(unit, t * px);
    else {
      targets.set(unit, (t - inputFrames) * px);
      mask.set(valid, (t - inputFrames) * px);
    }
  }
  return { inputs, targets, mask, width, height };
}

/**
 * One window as learning arrays in the Lagrangian frame of its last input ({@link toLagrangianFrame},
 * {@link observationsToLagrangian}, {@link lagrangianArrays}): `inputs [Tin, H, W]` in [0, 1],
 * `targets [Tout, H, W]` the change from the last input coded to [0, 1], `mask [Tout, H, W]`.
 * The augmentation, if any, is applied to the observed frames before the motion is estimated;
 * `motion`, the window's (augmented) motion when already known, saves estimating it again.
 */
export function lagrangianWindowArrays(
  events: readonly RadarEvent[],
  ref: WindowRef,
  inputFrames: number,
  outputFrames: number,
  augmentation?: Augmentation,
  motion?: MotionField,
): {
  inputs: Float32Array;
  targets: Float32Array;
  mask: Uint8Array;
  width: number;
  height: number;
  motion: MotionField;
} {
  const frames = events[ref.event]?.frames.slice(ref.start, ref.start + inputFrames + outputFrames) ?? [];
  if (frames.length !== inputFrames + outputFrames) {
    throw new ConvLSTMArgumentError('window', `${inputFrames + outputFrames} frames`, `${frames.length}`);
  }
  const grids = frames.map((f) => {
    if (augmentation === undefined)
      return { rain: f.rainRate, valid: f.valid, width: f.width, height: f.height };
    const rain = augmentGrid(f.rainRate, f.width, f.height, augmentation);
    return { rain: rain.grid, valid: augmentGrid(f.valid, f.width, f.height, augmentation).grid, ...rain };
  });
  const { width, height } = grids[0] as { width: number; height: number };
  const px = width * height;
  const inputs = toLagrangianFrame(
    grids.slice(0, inputFrames).map((g) => g.rain),
    grids.slice(0, inputFrames).map((g) => g.valid),
    width,
    height,
    motion === undefined ? {} : { motion },
  );
  const observed = new Float32Array(outputFrames * px);
  const valid = new Uint8Array(outputFrames * px);
  for (const [t, g] of grids.slice(inputFrames).entries()) {
    observed.set(g.rain, t * px);
    valid.set(g.valid, t * px);
  }
  return {
    ...lagrangianArrays(inputs, observationsToLagrangian(observed, valid, inputs.motion)),
    width,
    height,
    motion: inputs.motion,
  };
}

/** A small seeded generator (mulberry32 over a hash of seed and index): sequence i depends on (seed, i) only. */
function randomFor(seed: number, index: number): () => number {
  let a = (Math.imul(seed | 0, 0x9e3779b1) ^ Math.imul(index | 0, 0x85ebca6b) ^ 0x27d4eb2f) >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Options of {@link RadarSequenceStream}. */
export interface RadarStreamOptions extends RadarWindowOptions {
  /** Seed of the stream (default 0). */
  readonly seed?: number;
  /**
   * Draw a random flip or half turn (and, on square grids, a quarter turn) for each sequence, or
   * none (default true): radar echoes have no preferred direction of motion in the training data's
   * few events.
   */
  readonly augment?: boolean;
  /**
   * The frame the sequences are in (default `eulerian`: {@link windowArrays}); `lagrangian`:
   * {@link lagrangianWindowArrays}, the targets then being changes, not rain.
   */
  readonly frame?: ForecastFrame;
}

/**
 * An endless, seeded, resumable stream of radar training sequences: each sequence is a random
 * window of the events (and, with `augment`, a random flip or turn). Shaped like
 * `@convlstm/train`'s `SequenceStream` (one channel, targets with a mask), so `train()` takes it.
 */
export class RadarSequenceStream {
  readonly inputFrames: number;
  readonly outputFrames: number;
  readonly height: number;
  readonly width: number;
  readonly channels = 1;
  readonly seed: number;
  readonly windows: readonly WindowRef[];
  readonly frame: ForecastFrame;
  private readonly events: readonly RadarEvent[];
  private readonly augmentations: readonly (Augmentation | undefined)[];
  private position = 0;
  /** Motion of each (window, augmentation) drawn so far: the optical flow is most of a Lagrangian window's cost. */
  private readonly motions = new Map<string, MotionField>();

  constructor(events: readonly RadarEvent[], options: RadarStreamOptions) {
    const grid = checkEvents(events);
    this.events = events;
    this.inputFrames = options.inputFrames;
    this.outputFrames = options.outputFrames;
    this.windows = radarWindows(events, options);
    if (this.windows.length === 0) {
      throw new ConvLSTMArgumentError(
        'events',
        `at least one run of ${options.inputFrames + options.outputFrames} frames without gaps`,
        'none',
      );
    }
    this.seed = options.seed ?? 0;
    this.frame = options.frame ?? 'eulerian';
    if (this.frame !== 'eulerian' && this.frame !== 'lagrangian')
      throw new ConvLSTMArgumentError('frame', "'eulerian' or 'lagrangian'", describeValue(this.frame));
    if (!Number.isFinite(this.seed))
      throw new ConvLSTMArgumentError('seed', 'a finite number', describeValue(this.seed));
    this.width = grid.width;
    this.height = grid.height;
    const square = grid.width === grid.height;
    this.augmentations =
      options.augment === false
        ? [undefined]
        : [undefined, ...AUGMENTATIONS.filter((a) => square || (a !== 'rotate90' && a !== 'rotate270'))];
  }

  /** The next `count` sequences: `inputs [count, Tin, H, W, 1]`, `targets` and `mask [count, Tout, H, W, 1]`. */
  nextBatch(count: number): {
    inputs: Float32Array;
    targets: Float32Array;
    mask: Uint8Array;
    count: number;
    inputFrames: number;
    outputFrames: number;
    height: number;
    width: number;
    channels: number;
  } {
    assertInt(count, 'count', 1);
    const px = this.width * this.height;
    const inputs = new Float32Array(count * this.inputFrames * px);
    const targets = new Float32Array(count * this.outputFrames * px);
    const mask = new Uint8Array(count * this.outputFrames * px);
    for (let n = 0; n < count; n++) {
      const random = randomFor(this.seed, this.position + n);
      const ref = this.windows[Math.floor(random() * this.windows.length)] as WindowRef;
      const aug = this.augmentations[Math.floor(random() * this.augmentations.length)];
      const w =
        this.frame === 'lagrangian'
          ? this.lagrangianWindow(ref, aug)
          : windowArrays(this.events, ref, this.inputFrames, this.outputFrames, aug);
      inputs.set(w.inputs, n * this.inputFrames * px);
      targets.set(w.targets, n * this.outputFrames * px);
      mask.set(w.mask, n * this.outputFrames * px);
    }
    this.position += count;
    return {
      inputs,
      targets,
      mask,
      count,
      inputFrames: this.inputFrames,
      outputFrames: this.outputFrames,
      height: this.height,
      width: this.width,
      channels: 1,
    };
  }

  private lagrangianWindow(ref: WindowRef, aug: Augmentation | undefined) {
    const key = `${ref.event}:${ref.start}:${aug ?? ''}`;
    const w = lagrangianWindowArrays(
      this.events,
      ref,
      this.inputFrames,
      this.outputFrames,
      aug,
      this.motions.get(key),
    );
    this.motions.set(key, w.motion);
    return w;
  }

  getState(): { seed: number; position: number } {
    return { seed: this.seed, position: this.position };
  }

  setState(state: { readonly seed: number; readonly position: number }): void {
    if (typeof state !== 'object' || state === null || state.seed !== this.seed) {
      throw new ConvLSTMArgumentError(
        'state',
        `a stream state with seed ${this.seed}`,
        describeValue(state?.seed),
      );
    }
    assertInt(state.position, 'state.position', 0);
    this.position = state.position;
  }
}

/**
 * Fixed windows as one sequence set, shaped like `@convlstm/train`'s `SequenceSet`: `data [N, T, H, W, 1]`
 * in [0, 1] and `mask [N, T, H, W, 1]` (input frames' mask included, all from the frames' own masks).
 */
export function radarSequenceSet(
  events: readonly RadarEvent[],
  windows: readonly WindowRef[],
  inputFrames: number,
  outputFrames: number,
): {
  data: Float32Array;
  mask: Uint8Array;
  count: number;
  frames: number;
  height: number;
  width: number;
  inputFrames: number;
} {
  const { width, height } = checkEvents(events);
  const frames = inputFrames + outputFrames;
  const px = width * height;
  const data = new Float32Array(windows.length * frames * px);
  const mask = new Uint8Array(windows.length * frames * px);
  for (const [n, ref] of windows.entries()) {
    const seq = events[ref.event]?.frames.slice(ref.start, ref.start + frames) ?? [];
    if (seq.length !== frames)
      throw new ConvLSTMArgumentError(`windows[${n}]`, `${frames} frames`, `${seq.length}`);
    for (const [t, f] of seq.entries()) {
      data.set(rainToUnit(f.rainRate), (n * frames + t) * px);
      mask.set(f.valid, (n * frames + t) * px);
    }
  }
  return { data, mask, count: windows.length, frames, height, width, inputFrames };
}
