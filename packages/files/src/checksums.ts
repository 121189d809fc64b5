import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import type { FileData } from './atomic.js';

/** The SHA-256 of `data` (text as UTF-8), lower-case hex. */
export function sha256(data: FileData): string {
  return createHash('sha256').update(data).digest('hex');
}

/** The MD5 of `data` (text as UTF-8), lower-case hex. */
export function md5(data: FileData): string {
  return createHash('md5').update(data).digest('hex');
}

async function hashFile(path: string, hash: Hash): Promise<string> {
  // Streamed, so a file of any size is hashed in constant memory.
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** The SHA-256 of the file at `path`, lower-case hex, read as a stream. Rejects with Node's error (e.g. `ENOENT`). */
export function sha256File(path: string): Promise<string> {
  return hashFile(path, createHash('sha256'));
}

/** The MD5 of the file at `path`, lower-case hex, read as a stream. Rejects with Node's error (e.g. `ENOENT`). */
export function md5File(path: string): Promise<string> {
  return hashFile(path, createHash('md5'));
}
