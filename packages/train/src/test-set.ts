import type { SequenceSet } from './sequences.js';

/** Options of {@link fixedTestSet}. */
export interface FixedTestSetOptions {
  /** Test-set definition version; only 1 exists. Bumped whenever the generated data would change. */
  version: 1;
  /** Number of sequences (default 1000). */
  count?: number;
  /** Canvas size (default 64). */
  canvasSize?: number;
  inputFrames?: number;
  outputFrames?: number;
}

export function fixedTestSet(_options: FixedTestSetOptions): SequenceSet {
  throw new Error('not implemented yet');
}
