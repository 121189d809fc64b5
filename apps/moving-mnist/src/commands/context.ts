import type { StopController } from '@convlstm/cli';

/** What a command needs from its surroundings (replaceable in tests). */
export interface CommandContext {
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  /** A status line on stderr. */
  log(message: string): void;
  /** The `--help` text of a command. */
  help(command: string): string;
  /** SIGINT / SIGTERM: the stoppable part of a command runs in `stop.graceful(...)`. */
  readonly stop: StopController;
  /** Print stack traces of errors (`--verbose` or `DEBUG`). */
  readonly verbose: boolean;
}
