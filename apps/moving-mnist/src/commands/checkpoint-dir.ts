import { stat } from 'node:fs/promises';
import { UsageError } from '@convlstm/cli';

/** Fails early, with the path, when `--checkpoint` is not a directory. */
export async function assertCheckpointDir(path: string): Promise<void> {
  let isDir = false;
  try {
    isDir = (await stat(path)).isDirectory();
  } catch {
    throw new UsageError(`--checkpoint: ${path} does not exist`);
  }
  if (!isDir) throw new UsageError(`--checkpoint: ${path} is not a directory`);
}
