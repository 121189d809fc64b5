import { fuzzCommandLine, fuzzRuns, testTimeout } from '@convlstm/fuzz';
import { describe, it } from 'vitest';
import {
  EVALUATE_DEFAULTS,
  EVALUATE_OPTIONS,
  PREDICT_DEFAULTS,
  PREDICT_OPTIONS,
  TRAIN_DEFAULTS,
  TRAIN_OPTIONS,
} from '../src/config/specs.js';

// The fuzzing suite's command-line properties (packages/fuzz): every option value the parser
// accepts is one its spec allows, and everything else is a UsageError.
const RUNS = fuzzRuns(150);

describe('fuzz: moving-mnist argument parsing', () => {
  for (const [command, specs, defaults] of [
    ['moving-mnist train', TRAIN_OPTIONS, TRAIN_DEFAULTS],
    ['moving-mnist evaluate', EVALUATE_OPTIONS, EVALUATE_DEFAULTS],
    ['moving-mnist predict', PREDICT_OPTIONS, PREDICT_DEFAULTS],
  ] as const) {
    it(
      `${command}: a command line or --config file resolves to allowed values or a UsageError`,
      async () => {
        await fuzzCommandLine({ command, specs, defaults, runs: RUNS });
      },
      testTimeout(RUNS, 20),
    );
  }
});
