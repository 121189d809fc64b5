import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { get as httpGet, type IncomingMessage } from 'node:http';
import { get as httpsGet } from 'node:https';
import { basename, dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { assertKnownKeys, ConvLSTMArgumentError, describeValue } from '@convlstm/tensor';
import { MOVING_MNIST_MD5, MOVING_MNIST_URL } from './moving-mnist-npy.js';

/** Options of {@link downloadFile}. */
export interface DownloadOptions {
  /**
   * Expected MD5 (hex). The file is kept only when it matches. Defaults to
   * {@link MOVING_MNIST_MD5} when `url` is {@link MOVING_MNIST_URL}.
   */
  md5?: string;
  /** Progress callback: bytes received so far and the total when the server sends it. */
  onProgress?: (received: number, total: number | null) => void;
  /** Redirects followed at most (default 5). */
  maxRedirects?: number;
}

/** The keys of {@link DownloadOptions}; `satisfies` rejects a missing or misspelt one at compile time. */
const DOWNLOAD_OPTION_KEYS = Object.keys({
  md5: true,
  onProgress: true,
  maxRedirects: true,
} satisfies Record<keyof DownloadOptions, true>);

/** {@link downloadMovingMnist} fixes `md5`. */
const DOWNLOAD_MOVING_MNIST_OPTION_KEYS = DOWNLOAD_OPTION_KEYS.filter((key) => key !== 'md5');

/** Thrown when a downloaded file's MD5 is not the expected one (the file is deleted). */
export class ChecksumMismatchError extends Error {
  readonly file: string;
  readonly expected: string;
  readonly received: string;

  constructor(file: string, expected: string, received: string) {
    super(
      `Checksum mismatch for ${file}: expected MD5 ${expected}, received ${received}. The download was deleted.`,
    );
    this.name = 'ChecksumMismatchError';
    this.file = file;
    this.expected = expected;
    this.received = received;
  }
}

function request(url: string, redirectsLeft: number): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const get = url.startsWith('https:') ? httpsGet : httpGet;
    const req = get(url, (res) => {
      const status = res.statusCode ?? 0;
      if (status >= 300 && status < 400 && res.headers.location !== undefined) {
        res.resume();
        if (redirectsLeft <= 0) {
          reject(new Error(`Download of ${url} failed: too many redirects`));
          return;
        }
        resolve(request(new URL(res.headers.location, url).toString(), redirectsLeft - 1));
        return;
      }
      if (status !== 200) {
        res.resume();
        reject(new Error(`Download of ${url} failed: HTTP ${status} ${res.statusMessage ?? ''}`.trim()));
        return;
      }
      resolve(res);
    });
    req.on('error', (error) => reject(new Error(`Download of ${url} failed: ${error.message}`)));
  });
}

/**
 * Downloads `url` (http or https, following redirects) to `dest`. The body streams into a
 * temporary file in `dest`'s directory and is renamed to `dest` only when complete and, if
 * `md5` is given, matching; otherwise the temporary file is deleted and a
 * {@link ChecksumMismatchError} names the file and both checksums. `dest` is never left partial.
 */
export async function downloadFile(url: string, dest: string, options: DownloadOptions = {}): Promise<void> {
  if (typeof url !== 'string' || !/^https?:\/\//.test(url)) {
    throw new ConvLSTMArgumentError('url', 'an http:// or https:// URL', describeValue(url));
  }
  assertKnownKeys(options, DOWNLOAD_OPTION_KEYS, 'options');
  const expected = options.md5 ?? (url === MOVING_MNIST_URL ? MOVING_MNIST_MD5 : undefined);
  if (expected !== undefined && !/^[0-9a-fA-F]{32}$/.test(expected)) {
    throw new ConvLSTMArgumentError('options.md5', '32 hex digits', describeValue(expected));
  }
  const temp = join(
    dirname(dest),
    `.${basename(dest)}.download-${process.pid}-${randomBytes(4).toString('hex')}`,
  );
  try {
    const res = await request(url, options.maxRedirects ?? 5);
    const lengthHeader = res.headers['content-length'];
    const total = lengthHeader === undefined ? null : Number(lengthHeader);
    const hash = createHash('md5');
    let received = 0;
    res.on('data', (chunk: Buffer) => {
      hash.update(chunk);
      received += chunk.length;
      options.onProgress?.(received, total);
    });
    await pipeline(res, createWriteStream(temp));
    if (total !== null && received !== total) {
      throw new Error(`Download of ${url} failed: received ${received} of ${total} bytes`);
    }
    const md5 = hash.digest('hex');
    if (expected !== undefined && md5 !== expected.toLowerCase()) {
      throw new ChecksumMismatchError(dest, expected.toLowerCase(), md5);
    }
    await rename(temp, dest);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}

/**
 * Downloads Srivastava's Moving MNIST test set (`mnist_test_seq.npy`, 819 MB) to `dest`,
 * verified against {@link MOVING_MNIST_MD5}; read it with `readMovingMnistNpy`.
 */
export async function downloadMovingMnist(
  dest: string,
  options: Omit<DownloadOptions, 'md5'> = {},
): Promise<void> {
  assertKnownKeys(options, DOWNLOAD_MOVING_MNIST_OPTION_KEYS, 'options');
  return downloadFile(MOVING_MNIST_URL, dest, { ...options, md5: MOVING_MNIST_MD5 });
}
