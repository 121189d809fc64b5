import { appendFile, mkdir, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { writeFileAtomic } from '@convlstm/files';

/** One row: missing columns are left empty. */
export type CsvRow<C extends string> = Partial<Record<C, string | number>>;

/** Options of {@link CsvLog.open}. */
export interface CsvLogOptions {
  /**
   * Continue an existing log (a resumed run): keep its rows whose `step` column is at most this
   * (rows past the checkpoint a run resumes from would repeat) and append after them.
   * Without it, the log starts afresh with the header.
   */
  readonly keepUpToStep?: number;
}

function cell(v: string | number | undefined): string {
  if (v === undefined) return '';
  if (typeof v === 'number') return Number.isFinite(v) ? String(Number(v.toPrecision(7))) : String(v);
  return /[",\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}

/**
 * An append-only CSV log, e.g. `metrics.csv` with a row per training step. Each row is appended
 * to the file when {@link append} resolves (not via temp + rename: a log that survives a kill up
 * to the last step is the point); writes happen in order.
 */
export class CsvLog<C extends string> {
  private pending: Promise<void> = Promise.resolve();
  /** The first write error; kept (not thrown into a fire-and-forget caller) and raised by {@link flush}. */
  private error: unknown = null;

  private constructor(
    readonly path: string,
    readonly columns: readonly C[],
  ) {}

  /**
   * Creates the log at `path` with a header of `columns`, or continues it (see
   * {@link CsvLogOptions.keepUpToStep}; a file with another header is started afresh).
   */
  static async open<C extends string>(
    path: string,
    columns: readonly C[],
    options: CsvLogOptions = {},
  ): Promise<CsvLog<C>> {
    const header = columns.join(',');
    let text = `${header}\n`;
    if (options.keepUpToStep !== undefined) {
      const old = await readFile(path, 'utf8').catch(() => '');
      const lines = old.split('\n');
      const stepAt = columns.indexOf('step' as C);
      if (lines[0] === header && stepAt !== -1) {
        const kept = lines
          .slice(1)
          .filter((l) => l !== '')
          .filter((l) => {
            const step = Number(l.split(',')[stepAt]);
            return Number.isFinite(step) && step <= (options.keepUpToStep as number);
          });
        text = [header, ...kept].map((l) => `${l}\n`).join('');
      }
    }
    await mkdir(dirname(path), { recursive: true });
    await writeFileAtomic(path, text);
    return new CsvLog(path, columns);
  }

  /** Appends one row; resolves when it is written. */
  append(row: CsvRow<C>): Promise<void> {
    const line = this.columns.map((c) => cell(row[c])).join(',');
    this.pending = this.pending.then(async () => {
      if (this.error !== null) return;
      try {
        await appendFile(this.path, `${line}\n`);
      } catch (error) {
        this.error = error;
      }
    });
    return this.pending;
  }

  /** Resolves when every row is on disk; rejects with the first write error, if any. */
  async flush(): Promise<void> {
    await this.pending;
    if (this.error !== null) throw this.error;
  }
}
