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
  /** Expected SHA-256 (hex), instead of `md5`. */
  sha256?: string;
  /** Progress callback: bytes received so far and the total when the server sends it. */
  onProgress?: (received: number, total: number | null) => void;
  /** Redirects followed at most (default 5). */
  maxRedirects?: number;
}

/** The keys of {@link DownloadOptions}; `satisfies` rejects a missing or misspelt one at compile time. */
const DOWNLOAD_OPTION_KEYS = Object.keys({
  md5: true,
  sha256: true,
  onProgress: true,
  maxRedirects: true,
} satisfies Record<keyof DownloadOptions, true>);

/** {@link downloadMovingMnist} fixes `md5`. */
const DOWNLOAD_MOVING_MNIST_OPTION_KEYS = DOWNLOAD_OPTION_KEYS.filter(
  (key) => key !== 'md5' && key !== 'sha256',
);

/** Thrown when a downloaded file's MD5 (or SHA-256) is not the expected one (the file is deleted). */
export class ChecksumMismatchError extends Error {
  readonly file: string;
  readonly expected: string;
  readonly received: string;
  readonly algorithm: 'MD5' | 'SHA-256';

  constructor(file: string, expected: string, received: string, algorithm: 'MD5' | 'SHA-256' = 'MD5') {
    super(
      `Checksum mismatch for ${file}: expected ${algorithm} ${expected}, received ${received}. The download was deleted.`,
    );
    this.name = 'ChecksumMismatchError';
    this.file = file;
    this.expected = expected;
    this.received = received;
    this.algorithm = algorithm;
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
  if (options.md5 !== undefined && options.sha256 !== undefined) {
    throw new ConvLSTMArgumentError('options', 'md5 or sha256, not both', 'both');
  }
  const algorithm = options.sha256 !== undefined ? 'SHA-256' : 'MD5';
  const expected = options.sha256 ?? options.md5 ?? (url === MOVING_MNIST_URL ? MOVING_MNIST_MD5 : undefined);
  const digits = algorithm === 'MD5' ? 32 : 64;
  if (expected !== undefined && !new RegExp(`^[0-9a-fA-F]{${digits}}$`).test(expected)) {
    throw new ConvLSTMArgumentError(
      algorithm === 'MD5' ? 'options.md5' : 'options.sha256',
      `${digits} hex digits`,
      describeValue(expected),
    );
  }
  const temp = join(
    dirname(dest),
    `.${basename(dest)}.download-${process.pid}-${randomBytes(4).toString('hex')}`,
  );
  try {
    const res = await request(url, options.maxRedirects ?? 5);
    const lengthHeader = res.headers['content-length'];
    const total = lengthHeader === undefined ? null : Number(lengthHeader);
    const hash = createHash(algorithm === 'MD5' ? 'md5' : 'sha256');
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
    const digest = hash.digest('hex');
    if (expected !== undefined && digest !== expected.toLowerCase()) {
      throw new ChecksumMismatchError(dest, expected.toLowerCase(), digest, algorithm);
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
