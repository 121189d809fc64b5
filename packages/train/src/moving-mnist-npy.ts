import { assertInt, assertKnownKeys } from '@convlstm/tensor';
import { NpyFormatError } from './npy.js';
import { readNpy } from './npy-file.js';
import type { SequenceSet } from './sequences.js';

/** Where the standard Moving MNIST test set (Srivastava et al. 2015) is published. */
export const MOVING_MNIST_URL = 'http://www.cs.toronto.edu/~nitish/unsupervised_video/mnist_test_seq.npy';
/** MD5 of `mnist_test_seq.npy` (uint8, shape (20, 10000, 64, 64)). */
export const MOVING_MNIST_MD5 = 'be083ec986bfe91a449d63653c411eb2';

/** Options of {@link readMovingMnistNpy}. */
export interface ReadMovingMnistOptions {
  /** Frames used as input (default 10; the remaining frames are targets). */
  inputFrames?: number;
  /** Read only the first `limit` sequences. */
  limit?: number;
}

/** The keys of {@link ReadMovingMnistOptions}; `satisfies` rejects a missing or misspelt one at compile time. */
const READ_MOVING_MNIST_OPTION_KEYS = Object.keys({
  inputFrames: true,
  limit: true,
} satisfies Record<keyof ReadMovingMnistOptions, true>);

/**
 * Reads the standard Moving MNIST file `mnist_test_seq.npy` (uint8, time-major
 * `(T, N, H, W)` = `(20, 10000, 64, 64)`) as sequences `[N, T, H, W, 1]` in [0, 1] (divided by 255).
 */
export async function readMovingMnistNpy(
  path: string,
  options: ReadMovingMnistOptions = {},
): Promise<SequenceSet> {
  assertKnownKeys(options, READ_MOVING_MNIST_OPTION_KEYS, 'options');
  const inputFrames = options.inputFrames ?? 10;
  assertInt(inputFrames, 'options.inputFrames', 1);
  if (options.limit !== undefined) assertInt(options.limit, 'options.limit', 1);
  const array = await readNpy(path);
  if (array.dtype !== 'uint8' || array.shape.length !== 4) {
    throw new NpyFormatError(
      path,
      `expected uint8 sequences of shape (T, N, H, W), got ${array.dtype} of shape (${array.shape.join(', ')})`,
    );
  }
  const [frames, total, height, width] = array.shape as [number, number, number, number];
  if (inputFrames >= frames) {
    throw new NpyFormatError(
      path,
      `has ${frames} frames per sequence; inputFrames ${inputFrames} leaves no target`,
    );
  }
  const count = Math.min(total, options.limit ?? total);
  const frame = height * width;
  const data = new Float32Array(count * frames * frame);
  const src = array.data;
  for (let t = 0; t < frames; t++) {
    for (let n = 0; n < count; n++) {
      const from = (t * total + n) * frame;
      const to = (n * frames + t) * frame;
      for (let i = 0; i < frame; i++) data[to + i] = (src[from + i] as number) / 255;
    }
  }
  return { data, count, frames, height, width, inputFrames };
}
