import { describeError, EXIT_CODES } from './errors.js';
import { StopController } from './signals.js';

/** What a command receives from {@link runCli}. */
export interface CliContext {
  /** The arguments after the program name, without `--verbose`. */
  readonly argv: readonly string[];
  /** Signal handling: wrap the stoppable part of the work in `stop.graceful(...)`. */
  readonly stop: StopController;
  /** `--verbose` was given or `DEBUG` is set. */
  readonly verbose: boolean;
}

/** Options of {@link runCli}. */
export interface RunCliOptions {
  /** Program name for messages, e.g. `moving-mnist`. */
  readonly program: string;
  /**
   * The program: returns its exit code. Throw a `UsageError` for a usage mistake (exit 2) and
   * anything else for an operational failure (exit 1; an error's `hint` is printed after it).
   */
  readonly main: (ctx: CliContext) => Promise<number>;
  /** Default `process.argv.slice(2)`. */
  readonly argv?: readonly string[];
  /** Default `process.env`. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /**
   * The subcommand named in error messages (default: the first argument when it is not a flag);
   * `null` for a program without subcommands.
   */
  readonly command?: string | null;
}

/** True when `DEBUG` asks for details (any value but empty, `0` or `false`). */
function debugEnv(env: Readonly<Record<string, string | undefined>>): boolean {
  const v = env.DEBUG;
  return v !== undefined && v !== '' && v !== '0' && v !== 'false';
}

/**
 * Runs a command-line program with the project's guarantees and sets `process.exitCode`:
 * - SIGINT / SIGTERM go through a {@link StopController} (first: stop cleanly where the program
 *   allows it; second: at once). A run stopped cleanly exits 0 after SIGINT, 143 after SIGTERM.
 * - Errors print one line (`program command: error: …`, plus the error's `hint`) and exit 2 for a
 *   `UsageError`, 1 otherwise; the stack trace only with `--verbose` or `DEBUG`.
 * Returns the exit code.
 */
export async function runCli(options: RunCliOptions): Promise<number> {
  const raw = options.argv ?? process.argv.slice(2);
  const env = options.env ?? process.env;
  const verbose = raw.includes('--verbose') || debugEnv(env);
  const argv = raw.filter((a) => a !== '--verbose');
  const command =
    options.command === null
      ? undefined
      : (options.command ?? (argv[0]?.startsWith('-') ? undefined : argv[0]));
  const stop = new StopController().install();
  let code: number;
  try {
    code = await options.main({ argv, stop, verbose });
    if (code === EXIT_CODES.ok && stop.received === 'SIGTERM') code = EXIT_CODES.sigterm;
  } catch (error) {
    const report = describeError(error, {
      program: options.program,
      ...(command === undefined ? {} : { command }),
      verbose,
    });
    process.stderr.write(report.text);
    code = report.exitCode;
  } finally {
    stop.dispose();
  }
  process.exitCode = code;
  return code;
}
