import { fuzzCommandLine, fuzzRuns, testTimeout } from '@convlstm/fuzz';
import { describe, it } from 'vitest';
import { EVALUATE_OPTIONS, EXPERIMENT_OPTIONS } from '../src/commands/experiment.js';
import { FETCH_OPTIONS } from '../src/commands/fetch-sample.js';
import { NOWCAST_OPTIONS } from '../src/commands/nowcast.js';

// The fuzzing suite's command-line properties (packages/fuzz): every option value the parser
// accepts is one its spec allows, and everything else is a UsageError.
const RUNS = fuzzRuns(150);

describe('fuzz: radar-nowcast argument parsing', () => {
  for (const [command, specs] of [
    ['radar-nowcast experiment/train', EXPERIMENT_OPTIONS],
    ['radar-nowcast evaluate', EVALUATE_OPTIONS],
    ['radar-nowcast nowcast', NOWCAST_OPTIONS],
    ['radar-nowcast fetch-sample', FETCH_OPTIONS],
  ] as const) {
    it(
      `${command}: a command line or --config file resolves to allowed values or a UsageError`,
      async () => {
        await fuzzCommandLine({ command, specs, defaults: {}, runs: RUNS });
      },
      testTimeout(RUNS, 20),
    );
  }
});
