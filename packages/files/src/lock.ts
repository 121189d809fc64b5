import { rmSync } from 'node:fs';
import { link, mkdir, readFile, rm, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { tempSibling } from './atomic.js';

/** The lock file of a folder taken by {@link acquireFolderLock}. */
export const LOCK_FILE = '.lock';

/** Who holds a folder lock, as its lock file records. */
export interface LockHolder {
  readonly pid: number;
  /** The holder's command line, for the message a second writer gets. */
  readonly command: string;
  /** When it was taken (ISO time). */
  readonly since: string;
}

/** A second writer was refused: the folder's lock is held by a live process. */
export class FolderLockedError extends Error {
  readonly dir: string;
  readonly holder: LockHolder;

  constructor(dir: string, holder: LockHolder) {
    super(
      `${dir} is in use by process ${holder.pid} (${holder.command}, since ${holder.since}); wait for it to end or stop it — one folder has one writer`,
    );
    this.name = 'FolderLockedError';
    this.dir = dir;
    this.holder = holder;
  }
}

/** A lock held by this process on a folder. */
export interface FolderLock {
  /** The lock file. */
  readonly path: string;
  /** The dead process whose stale lock was taken over, or `null`. */
  readonly takenOver: LockHolder | null;
  /** Removes the lock file (idempotent). */
  release(): Promise<void>;
}

/** Options of {@link acquireFolderLock}. */
export interface AcquireFolderLockOptions {
  /** Recorded as the holder's command (default: the process's arguments). */
  readonly command?: string;
  /** Told about a stale lock of a dead process before it is taken over. */
  readonly onStale?: (holder: LockHolder) => void;
}

function alive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function readHolder(path: string): Promise<LockHolder | null> {
  try {
    const json = JSON.parse(await readFile(path, 'utf8')) as Partial<LockHolder>;
    return {
      pid: typeof json.pid === 'number' ? json.pid : -1,
      command: typeof json.command === 'string' ? json.command : '?',
      since: typeof json.since === 'string' ? json.since : '?',
    };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    // Unreadable content cannot name a live holder: it is treated as stale.
    return { pid: -1, command: '?', since: '?' };
  }
}

/**
 * Makes this process the one writer of the folder `dir` (created when missing): writes
 * `dir/.lock` holding this process's pid, command and start time. The file is created whole
 * (written beside, then hard-linked into place, which fails when a lock exists), so a second
 * writer never sees a half-written lock. A lock held by a live process is refused with a
 * {@link FolderLockedError} naming it; one left by a dead process (its pid no longer runs) is
 * taken over, after `onStale`. The lock is also removed when the process exits.
 */
export async function acquireFolderLock(
  dir: string,
  options: AcquireFolderLockOptions = {},
): Promise<FolderLock> {
  await mkdir(dir, { recursive: true });
  const path = join(dir, LOCK_FILE);
  const me: LockHolder = {
    pid: process.pid,
    command: options.command ?? process.argv.slice(1).join(' '),
    since: new Date().toISOString(),
  };
  const temp = tempSibling(path);
  await writeFile(temp, `${JSON.stringify(me)}\n`);
  let takenOver: LockHolder | null = null;
  try {
    for (let attempt = 0; ; attempt++) {
      try {
        await link(temp, path);
        break;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || attempt >= 3) throw error;
      }
      const holder = await readHolder(path);
      if (holder === null) continue;
      if (holder.pid === process.pid || alive(holder.pid)) throw new FolderLockedError(dir, holder);
      options.onStale?.(holder);
      takenOver = holder;
      await rm(path, { force: true });
    }
  } finally {
    await rm(temp, { force: true });
  }
  const onExit = (): void => {
    // A process ended at once (a second Ctrl-C) still frees its folder.
    try {
      rmSync(path, { force: true });
    } catch {}
  };
  process.once('exit', onExit);
  let released = false;
  return {
    path,
    takenOver,
    async release() {
      if (released) return;
      released = true;
      process.off('exit', onExit);
      const holder = await readHolder(path);
      if (holder?.pid === process.pid) await unlink(path).catch(() => undefined);
    },
  };
}
