import { access, constants, mkdir, readdir, rename, rm, stat, statfs } from 'node:fs/promises';
import { homedir } from 'node:os';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import {
  acquireFolderLock,
  type FolderLock,
  FolderLockedError,
  LOCK_FILE,
  nearestExisting,
  removeTempLeftovers,
  tempSibling,
} from '@convlstm/files';
import { OperationalError, UsageError } from './errors.js';

/** Options of {@link prepareOutputDir}. */
export interface PrepareOutputDirOptions {
  /**
   * Replace a non-empty folder (the user passed `--force`): its whole content goes, before
   * anything new is written, so an old run never mixes with the new one.
   */
  readonly force: boolean;
  /** The flag that named the folder, for messages (default `--out`). */
  readonly flag?: string;
}

/** Kernel filesystems no output belongs on (statfs magic numbers: proc, sysfs, debugfs, cgroup, cgroup2, devpts). */
const PSEUDO_FILESYSTEMS = new Set([0x9fa0, 0x62656572, 0x64626720, 0x27e0eb, 0x63677270, 0x1cd1]);
const PSEUDO_ROOTS = ['/proc', '/sys', '/dev'];

/**
 * Fails at once, naming the flag, when `path` cannot hold output: its nearest existing
 * ancestor must be a writable folder on an ordinary filesystem (not `/proc`, `/sys`, `/dev`),
 * and `path` itself, when it exists, a folder. Nothing is created.
 */
export async function assertWritableOutput(path: string, flag = '--out'): Promise<void> {
  const abs = resolve(path);
  if (PSEUDO_ROOTS.some((r) => abs === r || abs.startsWith(`${r}${sep}`))) {
    throw new UsageError(`${flag} ${path}: ${abs} is in a kernel filesystem, not a place for output`);
  }
  let existing: string;
  try {
    const nearest = await nearestExisting(abs);
    existing = nearest.path;
    if (!nearest.stats.isDirectory()) {
      throw new UsageError(
        existing === abs
          ? `${flag} ${path}: exists and is not a folder`
          : `${flag} ${path}: ${existing} is a file, not a folder`,
      );
    }
  } catch (error) {
    if (error instanceof UsageError) throw error;
    const { code, path: at } = error as NodeJS.ErrnoException;
    throw new UsageError(`${flag} ${path}: cannot use ${at ?? abs} (${code})`);
  }
  const fs = await statfs(existing).catch(() => null);
  if (fs !== null && PSEUDO_FILESYSTEMS.has(Number(fs.type))) {
    throw new UsageError(`${flag} ${path}: ${existing} is in a kernel filesystem, not a place for output`);
  }
  try {
    await access(existing, constants.W_OK | constants.X_OK);
  } catch {
    throw new UsageError(`${flag} ${path}: ${existing} is not writable`);
  }
}

/** The entries of `dir` that are content (not its lock), or `[]` when it does not exist. */
async function contentOf(dir: string, flag: string): Promise<string[]> {
  try {
    return (await readdir(dir)).filter((n) => n !== LOCK_FILE);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return [];
    throw new UsageError(`${flag}: cannot use ${dir} (${code})`);
  }
}

/**
 * Empties `dir` but for its lock: every entry is first moved into one hidden `.replaced.tmp-…`
 * folder, which is then removed, so a folder stopped half-way holds old entries and leftovers
 * (removed by the next write), never old and new content together.
 */
async function replaceContent(dir: string, entries: readonly string[]): Promise<void> {
  await removeTempLeftovers(dir);
  const aside = tempSibling(join(dir, 'replaced'));
  await mkdir(aside);
  for (const name of entries) {
    await rename(join(dir, name), join(aside, name)).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'ENOENT') throw error;
    });
  }
  await rm(aside, { recursive: true, force: true });
}

/**
 * `--force` empties a folder: never the working folder or one above it, the home folder or the
 * root, where a slip of `--out .` would remove what is not a run's.
 */
function assertReplaceable(dir: string, flag: string): void {
  const abs = resolve(dir);
  const up = relative(abs, process.cwd());
  const aboveCwd = up === '' || (up !== '..' && !up.startsWith(`..${sep}`) && !isAbsolute(up));
  if (aboveCwd || abs === resolve(homedir()) || abs === resolve('/')) {
    throw new UsageError(
      `${flag} ${dir}: --force would remove everything in ${abs} (the working folder, one above it, home or root); choose a run folder of its own`,
    );
  }
}

/**
 * Creates the output folder `dir`; refuses a non-empty one unless `force`, so a typo or a
 * second command never overwrites a finished run; with `force`, the old content is removed
 * whole first. An unusable path (`/proc`, a file, a read-only folder) is refused before
 * anything is created. Errors name the flag and what to do.
 */
export async function prepareOutputDir(dir: string, options: PrepareOutputDirOptions): Promise<void> {
  const flag = options.flag ?? '--out';
  await assertWritableOutput(dir, flag);
  const entries = await contentOf(dir, flag);
  if (entries.length > 0 && !options.force) {
    throw new UsageError(
      `${flag}: ${dir} exists and is not empty (pass --force to replace it, or choose another ${flag})`,
    );
  }
  if (entries.length > 0) assertReplaceable(dir, flag);
  try {
    await mkdir(dir, { recursive: true });
    if (entries.length > 0) await replaceContent(dir, entries);
  } catch (error) {
    if (error instanceof UsageError) throw error;
    throw new UsageError(`${flag}: cannot create ${dir} (${(error as NodeJS.ErrnoException).code})`);
  }
}

/** Options of {@link claimOutputDir}. */
export interface ClaimOutputDirOptions extends PrepareOutputDirOptions {
  /**
   * Continue the run already in the folder (`--resume`): its content is kept, but the folder
   * is still locked. Default false.
   */
  readonly append?: boolean;
  /** Where the notice about a stale lock taken over goes. */
  readonly log?: (message: string) => void;
  /** The command recorded in the lock (default: the process's arguments). */
  readonly command?: string;
}

/**
 * Makes this process the one writer of the output folder `dir` before anything is written:
 * checks the path ({@link assertWritableOutput}), takes the folder's lock (a live holder is an
 * error naming its pid; a dead one's lock is taken over, saying so), then prepares it as
 * {@link prepareOutputDir} does (unless `append`). Release the returned lock when done.
 */
export async function claimOutputDir(dir: string, options: ClaimOutputDirOptions): Promise<FolderLock> {
  const flag = options.flag ?? '--out';
  await assertWritableOutput(dir, flag);
  if (!options.append && !options.force && (await contentOf(dir, flag)).length > 0) {
    // Refused before the lock file is created in someone's folder.
    await prepareOutputDir(dir, options);
  }
  let lock: FolderLock;
  try {
    lock = await acquireFolderLock(dir, {
      ...(options.command === undefined ? {} : { command: options.command }),
      onStale: (holder) =>
        options.log?.(
          `${dir}: taking over the lock of process ${holder.pid} (${holder.command}), which is no longer running`,
        ),
    });
  } catch (error) {
    if (!(error instanceof FolderLockedError)) throw error;
    throw new OperationalError(`${flag} ${dir}: ${error.message}`, {
      cause: error,
      hint: `Another command is writing this run folder (process ${error.holder.pid}); choose another ${flag}, or wait until it ends.`,
    });
  }
  try {
    if (!options.append) await prepareOutputDir(dir, options);
    return lock;
  } catch (error) {
    await lock.release();
    throw error;
  }
}

/** Fails early, naming the flag and the path, when `path` is not an existing folder. */
export async function assertDirectory(path: string, flag: string): Promise<void> {
  let isDir = false;
  try {
    isDir = (await stat(path)).isDirectory();
  } catch {
    throw new UsageError(`${flag}: ${path} does not exist`);
  }
  if (!isDir) throw new UsageError(`${flag}: ${path} is not a folder`);
}

/** Fails early, naming the flag and the path, when `path` is not an existing file. */
export async function assertFile(path: string, flag: string): Promise<void> {
  let isFile = false;
  try {
    isFile = (await stat(path)).isFile();
  } catch {
    throw new UsageError(`${flag}: ${path} does not exist`);
  }
  if (!isFile) throw new UsageError(`${flag}: ${path} is not a file`);
}
