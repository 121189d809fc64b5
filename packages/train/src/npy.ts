/** dtypes {@link readNpy} and {@link writeNpy} support. */
export type NpyDtype = 'uint8' | 'float32';

/** An n-d array read from or written to a `.npy` file, C order. */
export interface NpyArray {
  readonly data: Uint8Array | Float32Array;
  readonly shape: readonly number[];
  readonly dtype: NpyDtype;
}

export async function readNpy(_source: string | Uint8Array): Promise<NpyArray> {
  throw new Error('not implemented yet');
}

export async function writeNpy(_path: string, _array: NpyArray): Promise<void> {
  throw new Error('not implemented yet');
}
