import type { SequenceSet } from './sequences.js';

/** Where the standard Moving MNIST test set (Srivastava et al. 2015) is published. */
export const MOVING_MNIST_URL = 'http://www.cs.toronto.edu/~nitish/unsupervised_video/mnist_test_seq.npy';
/** MD5 of `mnist_test_seq.npy`. */
export const MOVING_MNIST_MD5 = 'be083ec986bfe91a449d63653c411eb2';

export interface ReadMovingMnistOptions {
  /** Frames used as input (default 10; the remaining frames are targets). */
  inputFrames?: number;
  /** Read only the first `limit` sequences. */
  limit?: number;
}

export async function readMovingMnistNpy(
  _path: string,
  _options: ReadMovingMnistOptions = {},
): Promise<SequenceSet> {
  throw new Error('not implemented yet');
}
