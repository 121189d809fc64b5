import { createHash } from 'node:crypto';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { fsyncDir, tempSibling } from './atomic.js';
import { describeValue, InvalidArgumentError } from './errors.js';

/** Options of {@link downloadFile}. */
export interface DownloadOptions {
  /** Expected MD5 (32 hex digits). The file is kept only when it matches. */
  readonly md5?: string;
  /** Expected SHA-256 (64 hex digits), instead of `md5`. The file is kept only when it matches. */
  readonly sha256?: string;
  /** Called as bytes arrive: bytes received so far, and the total when the server sends it. */
  readonly onProgress?: (received: number, total: number | null) => void;
  /** Redirects followed at most (default 5). */
  readonly maxRedirects?: number;
  /** Aborts the request; the promise rejects with the signal's reason and nothing is left behind. */
  readonly signal?: AbortSignal;
}

/** The keys of {@link DownloadOptions}; `satisfies` rejects a missing or misspelt one at compile time. */
const DOWNLOAD_OPTION_KEYS = Object.keys({
  md5: true,
  sha256: true,
  onProgress: true,
  maxRedirects: true,
  signal: true,
} satisfies Record<keyof DownloadOptions, true>);

/** Thrown when a downloaded file's MD5 or SHA-256 is not the expected one (the download is deleted). */
export class ChecksumMismatchError extends Error {
  /** The destination path. */
  readonly file: string;
  /** Expected checksum, lower-case hex. */
  readonly expected: string;
  /** The checksum of what arrived, lower-case hex. */
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

/** A download that failed before its checksum could be compared: HTTP status, network, redirects, truncation. */
export class DownloadError extends Error {
  /** The URL asked for (before redirects). */
  readonly url: string;
  /** The HTTP status of the final response, when the failure is one. */
  readonly status: number | undefined;

  constructor(url: string, reason: string, options: { status?: number; cause?: unknown } = {}) {
    super(
      `Download of ${url} failed: ${reason}`,
      options.cause === undefined ? undefined : { cause: options.cause },
    );
    this.name = 'DownloadError';
    this.url = url;
    this.status = options.status;
  }
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

type ChecksumAlgorithm = 'sha256' | 'md5';

function checkOptions(options: DownloadOptions): {
  algorithm: ChecksumAlgorithm;
  expected: string | undefined;
} {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new InvalidArgumentError(
      'options',
      `an options object with keys among ${DOWNLOAD_OPTION_KEYS.join(', ')}`,
      describeValue(options),
    );
  }
  for (const key of Object.keys(options)) {
    if (!DOWNLOAD_OPTION_KEYS.includes(key)) {
      throw new InvalidArgumentError(
        `options.${key}`,
        `one of the known options: ${DOWNLOAD_OPTION_KEYS.join(', ')}`,
        `unknown option "${key}"`,
      );
    }
  }
  if (options.md5 !== undefined && options.sha256 !== undefined) {
    throw new InvalidArgumentError('options', 'md5 or sha256, not both', 'both');
  }
  const { maxRedirects, onProgress, signal } = options;
  if (maxRedirects !== undefined && !(Number.isInteger(maxRedirects) && maxRedirects >= 0)) {
    throw new InvalidArgumentError('options.maxRedirects', 'an integer ≥ 0', describeValue(maxRedirects));
  }
  if (onProgress !== undefined && typeof onProgress !== 'function') {
    throw new InvalidArgumentError('options.onProgress', 'a function', describeValue(onProgress));
  }
  if (signal !== undefined && !(signal instanceof AbortSignal)) {
    throw new InvalidArgumentError('options.signal', 'an AbortSignal', describeValue(signal));
  }
  const algorithm: ChecksumAlgorithm = options.sha256 !== undefined ? 'sha256' : 'md5';
  const expected = options.sha256 ?? options.md5;
  const digits = algorithm === 'sha256' ? 64 : 32;
  if (
    expected !== undefined &&
    !(typeof expected === 'string' && new RegExp(`^[0-9a-fA-F]{${digits}}$`).test(expected))
  ) {
    throw new InvalidArgumentError(`options.${algorithm}`, `${digits} hex digits`, describeValue(expected));
  }
  return { algorithm, expected: expected?.toLowerCase() };
}

/** Follows redirects by hand (fetch's own limit is 20 and not settable) up to `redirectsLeft`. */
async function request(
  url: string,
  redirectsLeft: number,
  signal: AbortSignal | undefined,
): Promise<Response> {
  const origin = url;
  let current = url;
  for (;;) {
    let res: Response;
    try {
      res = await fetch(current, { redirect: 'manual', ...(signal === undefined ? {} : { signal }) });
    } catch (error) {
      if (signal?.aborted) throw signal.reason;
      const cause = (error as { cause?: { message?: unknown } }).cause;
      const reason = typeof cause?.message === 'string' ? cause.message : (error as Error).message;
      throw new DownloadError(origin, reason, { cause: error });
    }
    const location = res.headers.get('location');
    if (REDIRECTS.has(res.status) && location !== null) {
      await res.body?.cancel();
      if (redirectsLeft <= 0) throw new DownloadError(origin, 'too many redirects', { status: res.status });
      redirectsLeft--;
      current = new URL(location, current).toString();
      continue;
    }
    if (res.status !== 200 || res.body === null) {
      await res.body?.cancel();
      throw new DownloadError(origin, `HTTP ${res.status} ${res.statusText}`.trim(), { status: res.status });
    }
    return res;
  }
}

/**
 * Downloads `url` (http or https, following at most `maxRedirects` redirects) to `dest` through
 * the platform's `fetch`. The body streams into a hidden temporary sibling of `dest` while its
 * checksum is computed; the file is fsynced and renamed to `dest` only when complete and, if
 * `md5` or `sha256` is given, matching. Otherwise the temporary is deleted and the promise
 * rejects — {@link ChecksumMismatchError} names the file and both checksums, {@link DownloadError}
 * the URL and the HTTP status or network failure — so `dest` is never left partial. `dest`'s
 * folder is created when missing. Arguments are checked before any request
 * ({@link InvalidArgumentError}).
 */
export async function downloadFile(url: string, dest: string, options: DownloadOptions = {}): Promise<void> {
  if (typeof url !== 'string' || !/^https?:\/\//i.test(url)) {
    throw new InvalidArgumentError('url', 'an http:// or https:// URL', describeValue(url));
  }
  if (typeof dest !== 'string' || dest.length === 0) {
    throw new InvalidArgumentError('dest', 'a file path', describeValue(dest));
  }
  const { algorithm, expected } = checkOptions(options);
  const { signal, onProgress } = options;
  signal?.throwIfAborted();
  const dir = dirname(dest);
  await mkdir(dir, { recursive: true });
  const temp = tempSibling(dest);
  try {
    const res = await request(url, options.maxRedirects ?? 5, signal);
    // fetch decodes a gzip/br/deflate body, so Content-Length (the encoded size) counts bytes
    // only when the body arrives as is.
    const encoding = res.headers.get('content-encoding');
    const lengthHeader = res.headers.get('content-length');
    const total =
      lengthHeader !== null && (encoding === null || encoding === 'identity') ? Number(lengthHeader) : null;
    const hash = createHash(algorithm);
    let received = 0;
    const handle = await open(temp, 'w');
    try {
      const reader = (res.body as ReadableStream<Uint8Array>).getReader();
      for (;;) {
        let chunk: ReadableStreamReadResult<Uint8Array>;
        try {
          chunk = await reader.read();
        } catch (error) {
          if (signal?.aborted) throw signal.reason;
          throw new DownloadError(url, `the connection failed after ${received} bytes`, { cause: error });
        }
        if (chunk.done) break;
        hash.update(chunk.value);
        await handle.write(chunk.value);
        received += chunk.value.length;
        onProgress?.(received, total);
      }
      await handle.sync();
    } finally {
      await handle.close();
    }
    if (total !== null && received !== total) {
      throw new DownloadError(url, `received ${received} of ${total} bytes`);
    }
    const digest = hash.digest('hex');
    if (expected !== undefined && digest !== expected) {
      throw new ChecksumMismatchError(dest, expected, digest, algorithm === 'sha256' ? 'SHA-256' : 'MD5');
    }
    await rename(temp, dest);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
  await fsyncDir(dir);
}
