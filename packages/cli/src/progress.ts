/** What the bar shows after a step. */
export interface ProgressUpdate {
  readonly step: number;
  readonly loss: number;
  readonly seqPerSec: number;
}

/** What {@link ProgressBar} draws on: a TTY redraws one line, anything else gets plain lines. */
export interface ProgressStream {
  write(text: string): unknown;
  readonly isTTY?: boolean;
  readonly columns?: number;
}

/** Options of {@link ProgressBar}. */
export interface ProgressOptions {
  /** Step budget, if any. */
  readonly totalSteps?: number;
  /** Time budget in ms, if any. */
  readonly totalMs?: number;
  /**
   * A resumed run: the training time (ms) and step it had reached before this sitting. The bar
   * shows the run's total elapsed time (what a time budget counts) and estimates the ETA from
   * this sitting's pace only. Default 0 and 0.
   */
  readonly resumed?: { readonly elapsedMs: number; readonly step: number };
  /** Where to draw (default `process.stderr`); anything with `write`, e.g. a test's buffer. */
  readonly stream?: ProgressStream;
  /** Seconds between plain lines when the stream is not a TTY (default 10). */
  readonly plainEverySeconds?: number;
  /** Clock (ms), replaceable in tests. */
  readonly now?: () => number;
}

export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '?';
  const s = Math.round(ms / 1000);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${sec}` : `${m}:${sec}`;
}

/**
 * A training progress bar on stderr: step, loss, sequences/s and ETA (the nearer of the
 * step budget and the time budget). On a TTY it redraws one line; otherwise (CI, logs
 * piped to a file) it prints a plain line every few seconds so logs stay readable.
 */
export class ProgressBar {
  private readonly stream: ProgressStream;
  private readonly tty: boolean;
  private readonly now: () => number;
  private readonly start: number;
  private lastPlain = Number.NEGATIVE_INFINITY;
  private drawn = false;
  private smoothedLoss: number | null = null;
  /** The last plain-mode line not yet printed, so the final state always reaches the log. */
  private unprinted: string | null = null;

  constructor(private readonly options: ProgressOptions = {}) {
    this.stream = options.stream ?? process.stderr;
    this.tty = this.stream.isTTY === true;
    this.now = options.now ?? (() => performance.now());
    this.start = this.now();
  }

  /** Fraction done in `[0, 1]` and the estimated remaining ms (the nearer budget's). */
  estimate(step: number): { fraction: number; etaMs: number } {
    const sitting = this.now() - this.start;
    const before = this.options.resumed ?? { elapsedMs: 0, step: 0 };
    const elapsed = before.elapsedMs + sitting;
    const fractions: number[] = [];
    const etas: number[] = [];
    const { totalSteps, totalMs } = this.options;
    if (totalSteps) {
      fractions.push(step / totalSteps);
      const done = step - before.step;
      if (done > 0) etas.push(Math.max(0, totalSteps - step) * (sitting / done));
    }
    if (totalMs) {
      fractions.push(elapsed / totalMs);
      etas.push(Math.max(0, totalMs - elapsed));
    }
    const fraction = Math.min(1, Math.max(0, ...fractions));
    return { fraction, etaMs: etas.length > 0 ? Math.min(...etas) : Number.NaN };
  }

  /** The text of one update (without control characters). */
  line(update: ProgressUpdate, barWidth = 24): string {
    // An exponential moving average: single-batch losses are too noisy to read.
    this.smoothedLoss =
      this.smoothedLoss === null || !Number.isFinite(this.smoothedLoss)
        ? update.loss
        : 0.9 * this.smoothedLoss + 0.1 * update.loss;
    const { fraction, etaMs } = this.estimate(update.step);
    const filled = Math.round(fraction * barWidth);
    const bar = `[${'#'.repeat(filled)}${'.'.repeat(barWidth - filled)}]`;
    const steps = this.options.totalSteps ? `${update.step}/${this.options.totalSteps}` : `${update.step}`;
    return (
      `${bar} step ${steps}  loss ${this.smoothedLoss.toFixed(4)}  ` +
      `${update.seqPerSec.toFixed(1)} seq/s  elapsed ${formatDuration((this.options.resumed?.elapsedMs ?? 0) + this.now() - this.start)}  ETA ${formatDuration(etaMs)}`
    );
  }

  update(update: ProgressUpdate): void {
    const text = this.line(update);
    if (this.tty) {
      const width = (this.stream.columns ?? 120) - 1;
      this.stream.write(`\r${text.slice(0, width).padEnd(Math.min(width, text.length))}\x1b[K`);
      this.drawn = true;
    } else if (this.now() - this.lastPlain >= (this.options.plainEverySeconds ?? 10) * 1000) {
      this.lastPlain = this.now();
      this.stream.write(`${text}\n`);
      this.unprinted = null;
    } else {
      this.unprinted = text;
    }
  }

  /** Prints a message on its own line without garbling the bar. */
  log(message: string): void {
    if (this.drawn) this.stream.write('\r\x1b[K');
    this.stream.write(`${message}\n`);
    this.drawn = false;
  }

  /** Ends the bar's line. */
  done(): void {
    if (this.unprinted !== null) this.stream.write(`${this.unprinted}\n`);
    this.unprinted = null;
    if (this.drawn) this.stream.write('\n');
    this.drawn = false;
  }
}
