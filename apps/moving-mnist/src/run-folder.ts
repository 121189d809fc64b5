import { mkdir, readdir } from 'node:fs/promises';
import { UsageError } from '@convlstm/cli';

/** File and folder names inside a run folder (see the README's "Run folder layout"). */
export const RUN_FILES = {
  config: 'config.json',
  metrics: 'metrics.json',
  csv: 'metrics.csv',
  loss: 'loss.png',
  gif: 'prediction.gif',
  grid: 'prediction.png',
  checkpoint: 'checkpoint',
  periodicCheckpoints: 'checkpoints',
} as const;

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

/**
 * Creates `dir`; refuses a non-empty one unless `force`, so a typo never overwrites a
 * finished run.
 */
export async function prepareRunFolder(dir: string, force: boolean): Promise<void> {
  let entries: string[] = [];
  try {
    entries = await readdir(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw new UsageError(`--out: cannot use ${dir} (${(error as NodeJS.ErrnoException).code})`);
    }
  }
  if (entries.length > 0 && !force) {
    throw new UsageError(`--out: ${dir} exists and is not empty (pass --force to write into it)`);
  }
  await mkdir(dir, { recursive: true });
}

/** `runs/<preset>-<YYYYMMDD-HHMMSS>` in UTC. */
export function defaultRunName(preset: string, date = new Date()): string {
  const stamp = date.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return `runs/${preset}-${stamp}`;
}
