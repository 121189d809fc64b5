import { appendFile, mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

/** Columns of `metrics.csv`, one row per training step (`kind=train`) or validation (`kind=validation`). */
export const CSV_COLUMNS = [
  'kind',
  'step',
  'epoch',
  'loss',
  'grad_norm',
  'lr',
  'seq_per_sec',
  'val_loss',
  'val_mse',
  'elapsed_s',
] as const;

export type CsvRow = Partial<Record<(typeof CSV_COLUMNS)[number], string | number>>;

/**
 * An append-only CSV log. Rows are appended as they happen (not via temp + rename: a log
 * that survives a crash up to the last step is the point), written in order.
 */
export class CsvLog {
  private pending: Promise<void>;
  /** The first write error; kept (not thrown into a fire-and-forget caller) and raised by {@link flush}. */
  private error: unknown = null;

  constructor(readonly path: string) {
    this.pending = this.guard(() =>
      mkdir(dirname(path), { recursive: true }).then(() => writeFile(path, `${CSV_COLUMNS.join(',')}\n`)),
    );
  }

  private guard(write: () => Promise<unknown>): Promise<void> {
    return (this.pending ?? Promise.resolve()).then(async () => {
      if (this.error !== null) return;
      try {
        await write();
      } catch (error) {
        this.error = error;
      }
    });
  }

  /** Queues one row; missing columns are left empty. */
  append(row: CsvRow): Promise<void> {
    const line = CSV_COLUMNS.map((c) => {
      const v = row[c];
      if (v === undefined) return '';
      if (typeof v === 'number') return Number.isFinite(v) ? String(Number(v.toPrecision(7))) : String(v);
      return /[",\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
    }).join(',');
    this.pending = this.guard(() => appendFile(this.path, `${line}\n`));
    return this.pending;
  }

  /** Resolves when every queued row is on disk; rejects with the first write error, if any. */
  async flush(): Promise<void> {
    await this.pending;
    if (this.error !== null) throw this.error;
  }
}
