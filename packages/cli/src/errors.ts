/**
 * Exit codes by kind of outcome. `interrupted` codes follow the shell's 128 + signal number,
 * so scripts can tell a user's Ctrl-C (SIGINT, 2) or a scheduler's stop (SIGTERM, 15) apart.
 */
export const EXIT_CODES = {
  ok: 0,
  /** Something outside the user's command line failed: a missing or corrupt file, a diverged run. */
  operational: 1,
  /** The command line or a config file is wrong. */
  usage: 2,
  sigint: 130,
  sigterm: 143,
} as const;

/** A usage mistake (bad flag, bad value, missing argument): printed with a pointer to `--help`, exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/**
 * An operational failure (a file missing or corrupt, a run diverged, a folder not writable):
 * printed as one line plus `hint` (what to do next), exit code 1, no stack trace.
 */
export class OperationalError extends Error {
  /** What the user can do next, e.g. "pass --force to write into it". */
  readonly hint: string | undefined;

  constructor(message: string, options: { hint?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'OperationalError';
    this.hint = options.hint;
  }
}

/** How {@link describeError} reports an error. */
export interface ErrorReport {
  readonly exitCode: number;
  /** The text for stderr, ending in a newline. */
  readonly text: string;
}

/** Options of {@link describeError}. */
export interface DescribeErrorOptions {
  /** Program name, e.g. `moving-mnist`. */
  readonly program: string;
  /** The subcommand, when known, e.g. `train`. */
  readonly command?: string;
  /** Append the stack trace (`--verbose` or `DEBUG`). */
  readonly verbose?: boolean;
}

/** Node's system error codes worth a plain-language account. */
const SYSTEM_ERRORS: Readonly<Record<string, string>> = {
  ENOENT: 'no such file or folder',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  ENOSPC: 'no space left on the device',
  EROFS: 'read-only file system',
  EISDIR: 'is a folder, expected a file',
  ENOTDIR: 'a path component is not a folder',
  EEXIST: 'already exists',
  EMFILE: 'too many open files',
};

function hintOf(error: unknown): string | undefined {
  const hint = (error as { hint?: unknown } | null)?.hint;
  return typeof hint === 'string' && hint.length > 0 ? hint : undefined;
}

/**
 * The one-line report of an error and its exit code: usage errors (exit 2) point to `--help`;
 * everything else is operational (exit 1) and shows the message and, when the error carries
 * one, a `hint` line. The stack trace is added only when `verbose`, so a user's mistake or a
 * missing file never prints JavaScript internals.
 */
export function describeError(error: unknown, options: DescribeErrorOptions): ErrorReport {
  const where = options.command === undefined ? options.program : `${options.program} ${options.command}`;
  const stack = (): string => {
    if (!options.verbose) return '';
    const s = error instanceof Error ? error.stack : undefined;
    return s === undefined ? '' : `${s}\n`;
  };
  if (error instanceof UsageError) {
    return {
      exitCode: EXIT_CODES.usage,
      text: `${where}: error: ${error.message}\nSee "${where} --help".\n${stack()}`,
    };
  }
  let message: string;
  const code = (error as NodeJS.ErrnoException | null)?.code;
  const path = (error as NodeJS.ErrnoException | null)?.path;
  if (typeof code === 'string' && SYSTEM_ERRORS[code] !== undefined && typeof path === 'string') {
    message = `${path}: ${SYSTEM_ERRORS[code]} (${code})`;
  } else if (error instanceof Error) {
    message = error.message;
  } else {
    message = String(error);
  }
  const hint = hintOf(error);
  return {
    exitCode: EXIT_CODES.operational,
    text: `${where}: error: ${message}\n${hint === undefined ? '' : `${hint}\n`}${stack()}`,
  };
}
