import { hashSeed, SeededRandom } from '@convlstm/core/internal';
import { assertInt, assertKnownKeys, ConvLSTMArgumentError, describeValue } from '@convlstm/tensor';
import type { DigitPool } from './mnist.js';
import {
  type ArrayBatch,
  batchToTensors,
  type SequenceSet,
  type SequenceStream,
  type StreamState,
  splitBatch,
  type TensorBatch,
} from './sequences.js';

const DIGIT = 28;

/** Options of {@link MovingMnist}. Defaults follow Srivastava et al. (2015) and Shi et al. (2015). */
export interface MovingMnistOptions {
  /** Digits to draw from (e.g. `loadMnistDigits().train`). */
  digits: DigitPool;
  /** Side of the square canvas in pixels (default 64; at least 28). */
  canvasSize?: number;
  /** Digits per sequence (default 2). */
  numDigits?: number;
  /** Input frames per sequence (default 10). */
  inputFrames?: number;
  /** Target frames per sequence (default 10). */
  outputFrames?: number;
  /**
   * Pixels moved per frame: a number, or `[min, max]` drawn uniformly per digit.
   * Default `0.1 · (canvasSize − 28)` (3.6 px on 64×64), Srivastava's step length of 0.1.
   */
  speed?: number | readonly [number, number];
  /** Seed of the sequence stream (default 0). */
  seed?: number;
}

/** The keys of {@link MovingMnistOptions}; `satisfies` rejects a missing or misspelt one at compile time. */
const MOVING_MNIST_OPTION_KEYS = Object.keys({
  digits: true,
  canvasSize: true,
  numDigits: true,
  inputFrames: true,
  outputFrames: true,
  speed: true,
  seed: true,
} satisfies Record<keyof MovingMnistOptions, true>);

/** Where a {@link MovingMnist} stream is (its seed and position): restore it with {@link MovingMnist.setState}. */
export type MovingMnistState = StreamState;

/**
 * The Moving MNIST generator (Srivastava et al. 2015): `numDigits` digits start at uniform
 * positions with uniform directions, move at a constant speed, bounce off the canvas edges
 * and are combined by per-pixel maximum where they overlap.
 *
 * Sequence `i` of a stream depends only on `(seed, i)`, so a stream is fully described by
 * `{ seed, position }`: training resumes exactly, and any sequence can be regenerated.
 */
export class MovingMnist implements SequenceStream {
  readonly digits: DigitPool;
  readonly canvasSize: number;
  readonly numDigits: number;
  readonly inputFrames: number;
  readonly outputFrames: number;
  readonly speed: readonly [number, number];
  readonly seed: number;
  private next = 0;

  constructor(options: MovingMnistOptions) {
    if (typeof options !== 'object' || options === null) {
      throw new ConvLSTMArgumentError('options', 'an options object', describeValue(options));
    }
    assertKnownKeys(options, MOVING_MNIST_OPTION_KEYS, 'options');
    const pool = options.digits;
    if (
      typeof pool !== 'object' ||
      pool === null ||
      !(pool.pixels instanceof Float32Array) ||
      !Number.isInteger(pool.count) ||
      pool.count < 1 ||
      pool.pixels.length !== pool.count * DIGIT * DIGIT
    ) {
      throw new ConvLSTMArgumentError(
        'options.digits',
        'a DigitPool { count >= 1, size: 28, pixels: Float32Array(count·784) }',
        describeValue(pool),
      );
    }
    this.digits = pool;
    this.canvasSize = options.canvasSize ?? 64;
    assertInt(this.canvasSize, 'options.canvasSize', DIGIT);
    this.numDigits = options.numDigits ?? 2;
    assertInt(this.numDigits, 'options.numDigits', 1);
    this.inputFrames = options.inputFrames ?? 10;
    assertInt(this.inputFrames, 'options.inputFrames', 1);
    this.outputFrames = options.outputFrames ?? 10;
    assertInt(this.outputFrames, 'options.outputFrames', 1);
    const speed = options.speed ?? 0.1 * (this.canvasSize - DIGIT);
    const range: [number, number] = typeof speed === 'number' ? [speed, speed] : [speed[0], speed[1]];
    if (!range.every((s) => typeof s === 'number' && Number.isFinite(s) && s >= 0) || range[0] > range[1]) {
      throw new ConvLSTMArgumentError(
        'options.speed',
        'a finite number >= 0 or [min, max] with 0 <= min <= max',
        describeValue(speed),
      );
    }
    this.speed = range;
    this.seed = options.seed ?? 0;
    if (!Number.isFinite(this.seed)) {
      throw new ConvLSTMArgumentError('options.seed', 'a finite number', describeValue(this.seed));
    }
  }

  /** Frame height ({@link SequenceStream}): the canvas size. */
  get height(): number {
    return this.canvasSize;
  }

  /** Frame width ({@link SequenceStream}): the canvas size. */
  get width(): number {
    return this.canvasSize;
  }

  /** Input channels ({@link SequenceStream}): 1. */
  get channels(): number {
    return 1;
  }

  /** Frames per sequence (`inputFrames + outputFrames`). */
  get frames(): number {
    return this.inputFrames + this.outputFrames;
  }

  /** Number of sequences drawn so far. */
  get position(): number {
    return this.next;
  }

  /** The stream position, for checkpoints. */
  getState(): MovingMnistState {
    return { seed: this.seed, position: this.next };
  }

  /** Continues from a saved position; the seed must match the one this generator was built with. */
  setState(state: MovingMnistState): void {
    if (typeof state !== 'object' || state === null || state.seed !== this.seed) {
      throw new ConvLSTMArgumentError(
        'state',
        `a MovingMnistState with seed ${this.seed}`,
        typeof state === 'object' && state !== null
          ? `seed ${describeValue(state.seed)}`
          : describeValue(state),
      );
    }
    assertInt(state.position, 'state.position', 0);
    this.next = state.position;
  }

  /** Renders sequence `index` of this stream into `out` at `offset` (layout `[T, H, W]`); pure. */
  renderSequence(index: number, out: Float32Array, offset = 0): void {
    const size = this.canvasSize;
    const frames = this.frames;
    const span = size - DIGIT;
    const random = new SeededRandom(hashSeed(this.seed, index));
    out.fill(0, offset, offset + frames * size * size);
    for (let d = 0; d < this.numDigits; d++) {
      const digit = random.int(this.digits.count) * DIGIT * DIGIT;
      let y = random.next() * span;
      let x = random.next() * span;
      const theta = random.next() * 2 * Math.PI;
      const speed = this.speed[0] + random.next() * (this.speed[1] - this.speed[0]);
      let vy = Math.sin(theta) * speed;
      let vx = Math.cos(theta) * speed;
      for (let t = 0; t < frames; t++) {
        const top = Math.floor(y);
        const left = Math.floor(x);
        const frame = offset + t * size * size;
        for (let r = 0; r < DIGIT; r++) {
          const row = frame + (top + r) * size + left;
          const src = digit + r * DIGIT;
          for (let c = 0; c < DIGIT; c++) {
            const v = this.digits.pixels[src + c] as number;
            if (v > (out[row + c] as number)) out[row + c] = v;
          }
        }
        // Bounce: mirror the overshoot back inside and flip that velocity component.
        y += vy;
        x += vx;
        if (y <= 0) {
          y = Math.min(-y, span);
          vy = -vy;
        } else if (y >= span) {
          y = Math.max(2 * span - y, 0);
          vy = -vy;
        }
        if (x <= 0) {
          x = Math.min(-x, span);
          vx = -vx;
        } else if (x >= span) {
          x = Math.max(2 * span - x, 0);
          vx = -vx;
        }
      }
    }
  }

  /** Draws the next `count` sequences, `[count, T, H, W, 1]`, and advances the position. */
  nextSequences(count: number): SequenceSet {
    assertInt(count, 'count', 1);
    const size = this.canvasSize;
    const per = this.frames * size * size;
    const data = new Float32Array(count * per);
    for (let n = 0; n < count; n++) this.renderSequence(this.next + n, data, n * per);
    this.next += count;
    return { data, count, frames: this.frames, height: size, width: size, inputFrames: this.inputFrames };
  }

  /** The next `count` sequences as `inputs [count, Tin, H, W, 1]` and `targets [count, Tout, H, W, 1]`. */
  nextBatch(count: number): ArrayBatch {
    return splitBatch(this.nextSequences(count));
  }

  /** {@link nextBatch} uploaded as float32 tensors; the caller disposes them. */
  nextBatchTensors(count: number): TensorBatch {
    return batchToTensors(this.nextBatch(count));
  }
}
