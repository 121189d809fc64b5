import { EXIT_CODES } from './errors.js';

/** The signals that ask a command to stop. */
export type StopSignal = 'SIGINT' | 'SIGTERM';

/** Options of {@link StopController}. */
export interface StopControllerOptions {
  /** Where notices go (default: a line on `process.stderr`). */
  readonly log?: (message: string) => void;
  /** Ends the process at once (default `process.exit`); replaceable in tests. */
  readonly exit?: (code: number) => void;
}

/** The exit code of a process ended by `signal` (128 + its number). */
export function exitCodeForSignal(signal: StopSignal): number {
  return signal === 'SIGINT' ? EXIT_CODES.sigint : EXIT_CODES.sigterm;
}

/**
 * SIGINT and SIGTERM handling for a command that can stop cleanly at some points (e.g. after a
 * training step). Inside {@link graceful}, the first signal aborts {@link signal} and prints the
 * section's notice: the command finishes its step, saves, and returns. A second SIGINT (or
 * SIGTERM) ends the process at once with 130 (143): whatever was written atomically stays whole.
 * Outside a graceful section there is nothing to finish, so any signal ends the process at once.
 *
 * {@link received} tells the runner how the command was stopped: after a clean stop it exits 0
 * for SIGINT (the user asked, and got, a saved run) and 143 for SIGTERM (the caller, e.g. a
 * scheduler, learns the job did not finish).
 */
export class StopController {
  private readonly controller = new AbortController();
  private readonly log: (message: string) => void;
  private readonly exit: (code: number) => void;
  private notice: string | null = null;
  private first: StopSignal | null = null;
  private readonly handlers: Record<StopSignal, () => void>;
  private installed = false;

  constructor(options: StopControllerOptions = {}) {
    this.log = options.log ?? ((m) => process.stderr.write(`${m}\n`));
    this.exit = options.exit ?? ((code) => process.exit(code));
    this.handlers = { SIGINT: () => this.receive('SIGINT'), SIGTERM: () => this.receive('SIGTERM') };
  }

  /** Aborted at the first signal received inside a graceful section. */
  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** The first signal received, or `null`. */
  get received(): StopSignal | null {
    return this.first;
  }

  /** Starts listening to SIGINT and SIGTERM (replacing Node's default of dying at once). */
  install(): this {
    if (!this.installed) {
      process.on('SIGINT', this.handlers.SIGINT);
      process.on('SIGTERM', this.handlers.SIGTERM);
      this.installed = true;
    }
    return this;
  }

  /** Stops listening. */
  dispose(): void {
    if (!this.installed) return;
    process.off('SIGINT', this.handlers.SIGINT);
    process.off('SIGTERM', this.handlers.SIGTERM);
    this.installed = false;
  }

  /** Handles one signal (called by the process listeners; public so tests can drive it). */
  receive(signal: StopSignal): void {
    if (this.first !== null || this.notice === null) {
      if (this.first !== null) this.log(`${signal} again: stopping now.`);
      this.first ??= signal;
      this.exit(exitCodeForSignal(signal));
      return;
    }
    this.first = signal;
    this.log(`${signal === 'SIGINT' ? 'Interrupted' : 'Terminated'}: ${this.notice}`);
    this.controller.abort(signal);
  }

  /**
   * Runs `fn` as a graceful section: the first signal aborts `signal` (passed to `fn`) and logs
   * `notice` (e.g. "stopping after this step and saving (Ctrl-C again to quit now)").
   */
  async graceful<T>(notice: string, fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
    const previous = this.notice;
    this.notice = notice;
    try {
      return await fn(this.controller.signal);
    } finally {
      this.notice = previous;
    }
  }
}
