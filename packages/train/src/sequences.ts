import { ConvLSTMArgumentError, describeValue } from '@convlstm/tensor';
import { type Tensor5D, tensor5d } from '@tensorflow/tfjs-core';

/**
 * A set of frame sequences in one flat buffer, layout `[N, T, H, W, 1]` with values in [0, 1].
 * The first `inputFrames` frames of each sequence are the model input, the rest the target.
 */
export interface SequenceSet {
  readonly data: Float32Array;
  readonly count: number;
  readonly frames: number;
  readonly height: number;
  readonly width: number;
  readonly inputFrames: number;
}

/** A batch as plain arrays: `inputs [N, Tin, H, W, 1]`, `targets [N, Tout, H, W, 1]`, values in [0, 1]. */
export interface ArrayBatch {
  readonly inputs: Float32Array;
  readonly targets: Float32Array;
  readonly count: number;
  readonly inputFrames: number;
  readonly outputFrames: number;
  readonly height: number;
  readonly width: number;
}

/** A batch as tensors: `inputs [N, Tin, H, W, 1]`, `targets [N, Tout, H, W, 1]`; the caller disposes them. */
export interface TensorBatch {
  readonly inputs: Tensor5D;
  readonly targets: Tensor5D;
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
  for (let n = 0; n < count; n++) {
    const base = (start + n) * set.frames * frame;
    inputs.set(set.data.subarray(base, base + tin * frame), n * tin * frame);
    targets.set(set.data.subarray(base + tin * frame, base + set.frames * frame), n * tout * frame);
  }
  return {
    inputs,
    targets,
    count,
    inputFrames: tin,
    outputFrames: tout,
    height: set.height,
    width: set.width,
  };
}

/** Uploads an {@link ArrayBatch} as `[N, T, H, W, 1]` float32 tensors. */
export function batchToTensors(batch: ArrayBatch): TensorBatch {
  const { count, height, width } = batch;
  return {
    inputs: tensor5d(batch.inputs, [count, batch.inputFrames, height, width, 1]),
    targets: tensor5d(batch.targets, [count, batch.outputFrames, height, width, 1]),
  };
}
