import { assertDirectory, OperationalError } from '@convlstm/cli';
import { CheckpointError, type LoadCheckpointOptions, type LoadedCheckpoint } from '@convlstm/train';
import { loadCheckpoint } from '@convlstm/train/node';

/**
 * Loads the checkpoint `dir` named by `flag`: a missing folder is a usage error; a missing,
 * corrupt or mismatching file an operational one that names the file and says what to do.
 */
export async function openCheckpoint(
  dir: string,
  flag: string,
  options: LoadCheckpointOptions = {},
): Promise<LoadedCheckpoint> {
  await assertDirectory(dir, flag);
  try {
    return await loadCheckpoint(dir, options);
  } catch (error) {
    if (!(error instanceof CheckpointError)) throw error;
    const otherModel = /different model config/.test(error.message);
    throw new OperationalError(error.message, {
      cause: error,
      hint: otherModel
        ? `${flag} ${dir} belongs to another model: pass the checkpoint of this run, or drop the options that change the model.`
        : `${flag} ${dir} cannot be used as it is: use another checkpoint (a run with --checkpoint-every keeps checkpoints/latest) or train again.`,
    });
  }
}
