import { describeError, StopController, UsageError } from '@convlstm/cli';
import { evaluateCommand, experimentCommand, trainCommand } from './commands/experiment.js';
import { fetchSampleCommand } from './commands/fetch-sample.js';
import { inspectCommand } from './commands/inspect.js';
import { nowcastCommand } from './commands/nowcast.js';
import type { Context } from './context.js';

export const COMMANDS = ['inspect', 'fetch-sample', 'train', 'evaluate', 'experiment', 'nowcast'] as const;

export const HELP = `radar-nowcast: precipitation nowcasting on real radar data with ConvLSTM

Commands:
  inspect FILE... [--json]       grid, time, no-data fraction, rain statistics of radar files
  fetch-sample [--out DIR]       download the FMI, KNMI and MeteoSwiss sample (SHA-256 checked, resumable)
  train [options]                train on the issue's training events (checkpoint/, run.json)
  evaluate --run DIR             verify a run against persistence and extrapolation on the test events
  experiment [options]           train, then evaluate, into one run folder
  nowcast --at TIME [--run DIR]  PNG and GIF: observation | ConvLSTM | matched | extrapolation
                                 (without --run: the bundled Lagrangian model)

"radar-nowcast COMMAND --help" describes a command. --verbose shows stack traces.
`;

/** A context writing to the process' streams. */
export function processContext(stop = new StopController(), verbose = false): Context {
  return { stdout: process.stdout, stderr: process.stderr, stop, verbose };
}

/** Runs the CLI on `argv` (after the program name); returns the exit code. */
export async function main(argv: readonly string[], ctx: Context = processContext()): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    ctx.stdout.write(HELP);
    return command === undefined ? 2 : 0;
  }
  try {
    switch (command) {
      case 'inspect':
        return await inspectCommand(rest, ctx);
      case 'fetch-sample':
        return await fetchSampleCommand(rest, ctx);
      case 'train':
        return await trainCommand(rest, ctx);
      case 'evaluate':
        return await evaluateCommand(rest, ctx);
      case 'experiment':
        return await experimentCommand(rest, ctx);
      case 'nowcast':
        return await nowcastCommand(rest, ctx);
      default:
        throw new UsageError(`unknown command "${command}" (commands: ${COMMANDS.join(', ')})`);
    }
  } catch (error) {
    const known = (COMMANDS as readonly string[]).includes(command);
    const report = describeError(error, {
      program: 'radar-nowcast',
      ...(known ? { command } : {}),
      verbose: ctx.verbose,
    });
    ctx.stderr.write(report.text);
    return report.exitCode;
  }
}
