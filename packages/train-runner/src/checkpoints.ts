import { readdir, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { UsageError } from '@convlstm/cli';
import { resolveFolder } from '@convlstm/files';
import { CHECKPOINT_FILES } from '@convlstm/train';

/** A checkpoint folder that holds a whole checkpoint. */
export interface CompleteCheckpoint {
  /** The checkpoint folder (what `loadCheckpoint` takes). */
  readonly path: string;
  /** The training step it was saved at; `null` for weights only or a folder of the flat layout. */
  readonly step: number | null;
}

/**
 * Whether `dir` holds a whole checkpoint, without reading its tensors: a versioned folder whose
 * `CURRENT` names a version folder that exists (versions are renamed into place only once all
 * their files are written), or a flat folder of the first layout with its config and weights.
 * A folder with only the leftovers of an interrupted first write is `null`, not a checkpoint
 * with a missing file.
 */
export async function completeCheckpoint(dir: string): Promise<CompleteCheckpoint | null> {
  let root: string;
  try {
    root = await resolveFolder(dir);
  } catch {
    // A pointer naming no version folder (or one that cannot be read) is no whole checkpoint.
    return null;
  }
  if (root !== dir) {
    const step = /^step-(\d+)-/.exec(basename(root));
    return { path: dir, step: step === null ? null : Number(step[1]) };
  }
  const isFile = (p: string) =>
    stat(p).then(
      (s) => s.isFile(),
      () => false,
    );
  const flat =
    (await isFile(join(dir, CHECKPOINT_FILES.config))) && (await isFile(join(dir, CHECKPOINT_FILES.weights)));
  return flat ? { path: dir, step: null } : null;
}

/** Of `dirs`, the whole checkpoint at the highest step (the first of equals), or `null`. */
export async function newestCheckpoint(dirs: readonly string[]): Promise<CompleteCheckpoint | null> {
  let best: CompleteCheckpoint | null = null;
  for (const dir of dirs) {
    const found = await completeCheckpoint(dir);
    if (found !== null && (best === null || (found.step ?? -1) > (best.step ?? -1))) best = found;
  }
  return best;
}

/**
 * The checkpoint folders a run folder may hold, final first: `<run>/<final>` and every slot of
 * `<run>/<periodic>/` (`latest`, `best`).
 */
export async function runCheckpoints(run: string, final: string, periodic: string): Promise<string[]> {
  const slots = await readdir(join(run, periodic)).catch(() => [] as string[]);
  return [
    join(run, final),
    ...slots
      .filter((s) => !s.startsWith('.'))
      .sort()
      .reverse()
      .map((s) => join(run, periodic, s)),
  ];
}

/** Where a run folder keeps its checkpoints (folder names inside it). */
export interface RunLayout {
  /** The final checkpoint, e.g. `checkpoint`. */
  readonly final: string;
  /** The folder of the periodic ones (`latest`, `best`), e.g. `checkpoints`. */
  readonly periodic: string;
}

/**
 * The checkpoint `--resume PATH` means: PATH itself when it holds a whole checkpoint; for a run
 * folder (what a user holds after a crash), its newest whole one of `<final>` and
 * `<periodic>/*`. A folder with nothing whole in it — e.g. a run killed during its first
 * checkpoint write — is refused as such (not as a checkpoint with a missing file); a damaged
 * checkpoint is returned for the loader to name the bad file.
 */
export async function findResumeCheckpoint(
  path: string,
  layout: RunLayout,
  flag = '--resume',
): Promise<CompleteCheckpoint> {
  const own = await completeCheckpoint(path);
  if (own !== null) return own;
  const entries = await readdir(path).catch(() => [] as string[]);
  if (entries.includes(layout.final) || entries.includes(layout.periodic)) {
    const newest = await newestCheckpoint(await runCheckpoints(path, layout.final, layout.periodic));
    if (newest !== null) return newest;
    throw new UsageError(
      `${flag} ${path}: the run folder holds no whole checkpoint (it was stopped before its first checkpoint was written); train it again`,
    );
  }
  if (entries.every((e) => e.startsWith('.'))) {
    throw new UsageError(
      `${flag} ${path}: holds no whole checkpoint (its first write was interrupted); pass the run folder or another checkpoint`,
    );
  }
  return { path, step: null };
}
