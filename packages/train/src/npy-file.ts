import { readFile } from 'node:fs/promises';
import { writeFileAtomic } from '@convlstm/files';
import { ConvLSTMArgumentError, describeValue } from '@convlstm/tensor';
import { encodeNpy, type NpyArray, parseNpy } from './npy.js';

/**
 * Reads a NumPy `.npy` file (format 1.0–3.0) of dtype uint8 or little-endian float32 in C order.
 * `source` is a path or the file's bytes. Fortran order, other dtypes and malformed headers are
 * rejected with an {@link NpyFormatError} naming the file and the problem.
 */
export async function readNpy(source: string | Uint8Array): Promise<NpyArray> {
  const name = typeof source === 'string' ? source : '<npy buffer>';
  if (typeof source !== 'string' && !(source instanceof Uint8Array)) {
    throw new ConvLSTMArgumentError('source', 'a path or a Uint8Array', describeValue(source));
  }
  const bytes = typeof source === 'string' ? new Uint8Array(await readFile(source)) : source;
  return parseNpy(bytes, name);
}

/** Writes a `.npy` file atomically (temporary sibling, fsync, rename). */
export async function writeNpy(path: string, array: NpyArray): Promise<void> {
  await writeFileAtomic(path, encodeNpy(array));
}
