import { stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';

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

/** Where a run folder keeps its checkpoints, for `--resume RUN_FOLDER`. */
export const RUN_LAYOUT = { final: RUN_FILES.checkpoint, periodic: RUN_FILES.periodicCheckpoints } as const;

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
 * The run folder a checkpoint belongs to: `<run>/checkpoint` or `<run>/checkpoints/latest|best`
 * (identified by the run's `config.json`), or `null` for a checkpoint elsewhere.
 */
export async function runFolderOf(checkpoint: string): Promise<string | null> {
  const abs = resolve(checkpoint);
  const candidates = [dirname(abs)];
  if (basename(dirname(abs)) === RUN_FILES.periodicCheckpoints) candidates.unshift(dirname(dirname(abs)));
  for (const dir of candidates) {
    const ok = await stat(join(dir, RUN_FILES.config)).then(
      (s) => s.isFile(),
      () => false,
    );
    if (ok) return dir;
  }
  return null;
}

/** `runs/<preset>-<YYYYMMDD-HHMMSS>` in UTC. */
export function defaultRunName(preset: string, date = new Date()): string {
  const stamp = date.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return `runs/${preset}-${stamp}`;
}
