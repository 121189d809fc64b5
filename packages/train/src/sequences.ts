import { ConvLSTMArgumentError, describeValue } from '@convlstm/tensor';
import { type Tensor5D, tensor5d } from '@tensorflow/tfjs-core';

/**
 * A set of frame sequences in one flat buffer, layout `[N, T, H, W, 1]` with values in [0, 1].
 * The first `inputFrames` frames of each sequence are the model input, the rest the target.
 * `mask` (optional, `[N, T, H, W, 1]`, 1 = valid) marks the pixels that count in losses and
 * metrics; without it every pixel counts.
 */
export interface SequenceSet {
  readonly data: Float32Array;
  readonly count: number;
  readonly frames: number;
  readonly height: number;
  readonly width: number;
  readonly inputFrames: number;
  readonly mask?: Uint8Array;
}

/**
 * A batch as plain arrays: `inputs [N, Tin, H, W, C]` (`C = channels`, default 1), `targets
 * [N, Tout, H, W, 1]`, values in [0, 1], and optionally `mask [N, Tout, H, W, 1]` (1 = the target
 * pixel counts in losses and metrics; absent: all count).
 */
export interface ArrayBatch {
  readonly inputs: Float32Array;
  readonly targets: Float32Array;
  readonly count: number;
  readonly inputFrames: number;
  readonly outputFrames: number;
  readonly height: number;
  readonly width: number;
  readonly channels?: number;
  readonly mask?: Uint8Array;
}

/**
 * A batch as tensors: `inputs [N, Tin, H, W, C]`, `targets [N, Tout, H, W, 1]` and, when the batch
 * has one, `mask [N, Tout, H, W, 1]` (float 0/1); the caller disposes them.
 */
export interface TensorBatch {
  readonly inputs: Tensor5D;
  readonly targets: Tensor5D;
  readonly mask?: Tensor5D;
}

/** Where a {@link SequenceStream} is: its seed and the number of sequences drawn so far. */
export interface StreamState {
  readonly seed: number;
  readonly position: number;
}

/**
 * The dataset interface of training: an endless, seeded stream of sequence batches whose
 * position can be saved and restored (so training resumes exactly). Moving MNIST's generator and
 * radar sequence windows both implement it.
 */
export interface SequenceStream {
  readonly inputFrames: number;
  readonly outputFrames: number;
  readonly height: number;
  readonly width: number;
  /** Input channels `C`; targets have one. */
  readonly channels: number;
  /** The next `count` sequences; advances the stream. */
  nextBatch(count: number): ArrayBatch;
  getState(): StreamState;
  setState(state: StreamState): void;
}

/**
 * Copies sequences `start .. start + count` of `set` into an input / target batch
 * (`inputs [count, Tin, H, W, 1]`, `targets [count, T - Tin, H, W, 1]`).
 */
export function splitBatch(set: SequenceSet, start = 0, count = set.count - start): ArrayBatch {
  if (!Number.isInteger(start) || start < 0 || start >= set.count) {
    throw new ConvLSTMArgumentError('start', `an integer in [0, ${set.count})`, describeValue(start));
  }
  if (!Number.isInteger(count) || count < 1 || start + count > set.count) {
    throw new ConvLSTMArgumentError('count', `an integer in [1, ${set.count - start}]`, describeValue(count));
  }
  const frame = set.height * set.width;
  const tin = set.inputFrames;
  const tout = set.frames - tin;
  const inputs = new Float32Array(count * tin * frame);
  const targets = new Float32Array(count * tout * frame);
  const mask = set.mask === undefined ? undefined : new Uint8Array(count * tout * frame);
  for (let n = 0; n < count; n++) {
    const base = (start + n) * set.frames * frame;
    inputs.set(set.data.subarray(base, base + tin * frame), n * tin * frame);
    targets.set(set.data.subarray(base + tin * frame, base + set.frames * frame), n * tout * frame);
    mask?.set(set.mask?.subarray(base + tin * frame, base + set.frames * frame) ?? [], n * tout * frame);
  }
  return {
    inputs,
    targets,
    count,
    inputFrames: tin,
    outputFrames: tout,
    height: set.height,
    width: set.width,
    ...(mask === undefined ? {} : { mask }),
  };
}

/** Uploads an {@link ArrayBatch} as float32 tensors (layouts in {@link TensorBatch}). */
export function batchToTensors(batch: ArrayBatch): TensorBatch {
  const { count, height, width } = batch;
  const channels = batch.channels ?? 1;
  const inputs = tensor5d(batch.inputs, [count, batch.inputFrames, height, width, channels]);
  const targets = tensor5d(batch.targets, [count, batch.outputFrames, height, width, 1]);
  if (batch.mask === undefined) return { inputs, targets };
  return {
    inputs,
    targets,
    mask: tensor5d(Float32Array.from(batch.mask), [count, batch.outputFrames, height, width, 1]),
  };
}
