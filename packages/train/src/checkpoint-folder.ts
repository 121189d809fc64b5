import { readdir, readFile, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { CURRENT_FILE, resolveFolder, writeFolderAtomic } from '@convlstm/files';
import { ConvLSTMArgumentError, describeValue } from '@convlstm/tensor';
import {
  CHECKPOINT_FILES,
  CheckpointError,
  type CheckpointFiles,
  type CheckpointSource,
  decodeCheckpoint,
  encodeCheckpoint,
  type LoadCheckpointOptions,
  type LoadedCheckpoint,
  type TrainingState,
} from './checkpoint-codec.js';
import type { EncoderForecaster } from './model.js';
import type { CheckpointStore } from './train.js';

/**
 * Writes a checkpoint folder: the files of {@link encodeCheckpoint} (weights, config, with
 * `resume` the training state, and their SHA-256 checksums) as a new version folder
 * `dir/<step-N|weights>-<hex>/` that becomes current by one atomic rename of `dir/CURRENT`
 * (`writeFolderAtomic`): whenever the process is killed, `dir` holds a complete checkpoint (the
 * old one or the new one). Older versions and leftovers of killed writers are removed. Returns
 * the new version's folder.
 */
export async function saveCheckpoint(
  dir: string,
  model: EncoderForecaster,
  resume?: TrainingState,
): Promise<string> {
  return writeCheckpointFiles(dir, await encodeCheckpoint(model, resume), resume?.step ?? null);
}

/** Writes encoded checkpoint files as the current version of `dir` (see {@link saveCheckpoint}). */
async function writeCheckpointFiles(
  dir: string,
  files: CheckpointFiles,
  step: number | null,
): Promise<string> {
  await removeLegacyLeftovers(dir);
  const label = step === null ? 'weights' : `step-${String(step).padStart(8, '0')}`;
  const written = await writeFolderAtomic(dir, Object.entries(files), label);
  // A checkpoint of the flat layout (before versions) may sit under the pointer: its files are stale now.
  for (const name of Object.values(CHECKPOINT_FILES)) await rm(join(dir, name), { force: true });
  return written.path;
}

/**
 * The {@link CheckpointStore} of a folder, for `train`'s `checkpoint.store`: each slot is a
 * checkpoint folder `dir/latest`, `dir/best` written as {@link saveCheckpoint} does.
 */
export function checkpointFolder(dir: string): CheckpointStore {
  if (typeof dir !== 'string' || dir === '') {
    throw new ConvLSTMArgumentError('dir', 'a directory path', describeValue(dir));
  }
  return {
    save: async (slot, files, info) => {
      const target = join(dir, slot);
      await writeCheckpointFiles(target, files, info.step);
      return target;
    },
  };
}

/**
 * Removes what the replace-by-two-renames writer of earlier versions left beside `dir` when it
 * was killed (`.<name>.tmp-*`, `.<name>.old-*`).
 */
async function removeLegacyLeftovers(dir: string): Promise<void> {
  const parent = dirname(dir);
  const prefix = [`.${basename(dir)}.tmp-`, `.${basename(dir)}.old-`];
  const names = await readdir(parent).catch(() => [] as string[]);
  for (const name of names) {
    if (prefix.some((p) => name.startsWith(p)))
      await rm(join(parent, name), { recursive: true, force: true });
  }
}

/**
 * A {@link CheckpointSource} over the current version of a checkpoint folder: errors name each
 * file by its path. Only a flat folder of the first format (no `CURRENT`) may lack checksums.
 */
export async function checkpointFolderSource(dir: string): Promise<CheckpointSource> {
  let root: string;
  try {
    root = await resolveFolder(dir);
  } catch (error) {
    throw new CheckpointError(join(dir, CURRENT_FILE), (error as Error).message.replace(/^.*?: /, ''));
  }
  return {
    read: async (name) => {
      try {
        return new Uint8Array(await readFile(join(root, name)));
      } catch {
        return null;
      }
    },
    where: (name) => join(root, name),
    checksumsRequired: root !== dir,
  };
}

/**
 * Loads a checkpoint folder written by {@link saveCheckpoint} (or `train`'s
 * {@link checkpointFolder} store), as {@link decodeCheckpoint} decodes one: every file checked
 * against `checksums.json`, the config against the weights', weights finite; a missing, corrupt
 * or mismatching file is named by its path in a {@link CheckpointError}.
 */
export async function loadCheckpoint(
  dir: string,
  options: LoadCheckpointOptions = {},
): Promise<LoadedCheckpoint> {
  return decodeCheckpoint(await checkpointFolderSource(dir), options);
}
