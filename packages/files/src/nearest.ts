import type { Stats } from 'node:fs';
import { stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';

/** Result of {@link nearestExisting}. */
export interface NearestExisting {
  /** The nearest entry at or above the path that exists (the filesystem root at the latest). */
  readonly path: string;
  readonly stats: Stats;
  /** The levels below it that do not exist, outermost first (what a writer would create). */
  readonly missing: readonly string[];
}

/**
 * Walks up from `path` to the nearest entry that exists, without creating anything: output
 * checks look there for a writable folder on an ordinary filesystem, and writers create the
 * missing levels one at a time (Node's recursive `mkdir` spins forever under `/proc`, where every
 * level reports ENOENT). A level that is missing (ENOENT) or lies below a file (ENOTDIR) is
 * walked past; any other error is thrown as it is (its `path` names the level).
 */
export async function nearestExisting(path: string): Promise<NearestExisting> {
  const missing: string[] = [];
  let at = resolve(path);
  for (;;) {
    try {
      return { path: at, stats: await stat(at), missing };
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      const up = dirname(at);
      if ((code !== 'ENOENT' && code !== 'ENOTDIR') || up === at) throw error;
      missing.unshift(at);
      at = up;
    }
  }
}
