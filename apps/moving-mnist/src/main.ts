import { describeError, StopController, UsageError } from '@convlstm/cli';
import type { CommandContext } from './commands/context.js';
import { evaluateCommand } from './commands/evaluate.js';
import { predictCommand } from './commands/predict.js';
import { trainCommand } from './commands/train.js';
import { COMMANDS, helpText } from './help.js';

/** A context writing to the process' streams. */
export function processContext(stop = new StopController(), verbose = false): CommandContext {
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    log: (message) => process.stderr.write(`${message}\n`),
    help: helpText,
    stop,
    verbose,
  };
}

/**
 * Runs the CLI with `argv` (without `node` and the script). Returns the exit code: 0 on
 * success, 2 for usage errors (message and a pointer to --help on stderr), 1 for operational
 * errors (one line, with what to do next; the stack trace only when `ctx.verbose`).
 */
export async function main(argv: readonly string[], ctx: CommandContext = processContext()): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    const topic = command === 'help' ? rest[0] : undefined;
    ctx.stdout.write(helpText(topic));
    return command === undefined ? 2 : 0;
  }
  try {
    switch (command) {
      case 'train':
        return await trainCommand(rest, ctx);
      case 'evaluate':
        return await evaluateCommand(rest, ctx);
      case 'predict':
        return await predictCommand(rest, ctx);
      default:
        throw new UsageError(`unknown command "${command}" (commands: ${COMMANDS.join(', ')})`);
    }
  } catch (error) {
    const known = (COMMANDS as readonly string[]).includes(command);
    const report = describeError(error, {
      program: 'moving-mnist',
      ...(known ? { command } : {}),
      verbose: ctx.verbose,
    });
    ctx.stderr.write(report.text);
    return report.exitCode;
  }
}
