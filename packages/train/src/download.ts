import { type DownloadOptions, downloadFile } from '@convlstm/files';
import { assertKnownKeys } from '@convlstm/tensor';
import { MOVING_MNIST_MD5, MOVING_MNIST_URL } from './moving-mnist-npy.js';

/** Options of {@link downloadMovingMnist}: those of `@convlstm/files`' `downloadFile` but the checksum, which is fixed. */
export type DownloadMovingMnistOptions = Omit<DownloadOptions, 'md5' | 'sha256'>;

/** The keys of {@link DownloadMovingMnistOptions}; `satisfies` rejects a missing or misspelt one at compile time. */
const DOWNLOAD_MOVING_MNIST_OPTION_KEYS = Object.keys({
  onProgress: true,
  maxRedirects: true,
  signal: true,
} satisfies Record<keyof DownloadMovingMnistOptions, true>);

/**
 * Downloads Srivastava's Moving MNIST test set (`mnist_test_seq.npy`, 819 MB) to `dest` with
 * `@convlstm/files`' `downloadFile`, verified against {@link MOVING_MNIST_MD5} (a mismatch deletes
 * it and throws `ChecksumMismatchError`); read it with `readMovingMnistNpy`.
 */
export async function downloadMovingMnist(
  dest: string,
  options: DownloadMovingMnistOptions = {},
): Promise<void> {
  assertKnownKeys(options, DOWNLOAD_MOVING_MNIST_OPTION_KEYS, 'options');
  return downloadFile(MOVING_MNIST_URL, dest, { ...options, md5: MOVING_MNIST_MD5 });
}
