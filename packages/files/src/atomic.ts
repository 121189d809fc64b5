import { randomBytes } from 'node:crypto';
import { mkdir, open, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/** Bytes or text to write. */
export type FileData = string | Uint8Array;

const TEMP_MARK = '.tmp-';

function tag(): string {
  return `${process.pid}-${randomBytes(4).toString('hex')}`;
}

/**
 * A fresh hidden temporary sibling of `path` (`.name.tmp-<pid>-<hex>`), named so that
 * {@link removeTempLeftovers} finds it when its writer was killed.
 */
export function tempSibling(path: string): string {
  return join(dirname(path), `.${basename(path)}${TEMP_MARK}${tag()}`);
}

/**
 * Flushes a folder's entry table to disk, so a rename into it survives a power cut, not only
 * a killed process. Platforms that cannot open a folder for sync (Windows) skip it.
 */
export async function fsyncDir(dir: string): Promise<void> {
  let handle: Awaited<ReturnType<typeof open>> | undefined;
  try {
    handle = await open(dir, 'r');
    await handle.sync();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'EISDIR' && code !== 'EPERM' && code !== 'EINVAL') throw error;
  } finally {
    await handle?.close();
  }
}

/** A fault {@link setWriteFault} injects: the error a write of `path` fails with, or `null`. */
export type WriteFault = (path: string) => NodeJS.ErrnoException | null;

let writeFault: WriteFault | null = null;

/**
 * For tests of what a caller does when a write fails at the worst moment (a full disk, an I/O
 * error): every file write of this package ({@link writeFileDurable}, hence the atomic writes)
 * first asks `fault`, and throws the error it returns. `null` removes it. Not for production use.
 */
export function setWriteFault(fault: WriteFault | null): void {
  writeFault = fault;
}

/** An error shaped as Node's own for `code` (e.g. `ENOSPC`) on `path`, for {@link setWriteFault}. */
export function fsError(code: string, path: string, syscall = 'write'): NodeJS.ErrnoException {
  const error: NodeJS.ErrnoException = new Error(`${code}: injected fault, ${syscall} '${path}'`);
  error.code = code;
  error.syscall = syscall;
  error.path = path;
  return error;
}

/** Writes `data` to `path` and fsyncs it before returning (no rename: the caller owns `path`). */
export async function writeFileDurable(path: string, data: FileData): Promise<void> {
  const handle = await open(path, 'w');
  try {
    const fault = writeFault?.(path) ?? null;
    if (fault !== null) throw fault;
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Replaces `path` atomically: writes a hidden temporary sibling (`.name.tmp-<pid>-<hex>`),
 * fsyncs it, renames it over `path` and fsyncs the folder. A reader sees the old content or
 * the new one, never a truncated file, whenever the process is killed. Leftover temporaries
 * of killed writers are removed by {@link removeTempLeftovers}.
 */
export async function writeFileAtomic(path: string, data: FileData): Promise<void> {
  const dir = dirname(path);
  await mkdir(dir, { recursive: true });
  const temp = tempSibling(path);
  try {
    await writeFileDurable(temp, data);
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
  await fsyncDir(dir);
}

/** {@link writeFileAtomic} of JSON with two-space indent and a final newline. */
export async function writeJsonAtomic(path: string, value: unknown): Promise<void> {
  await writeFileAtomic(path, `${JSON.stringify(value, null, 2)}\n`);
}

/**
 * Removes the temporaries that killed writers left in `dir` (entries starting with `.` and
 * holding `.tmp-`, as {@link writeFileAtomic}, {@link writeFolderAtomic} and `downloadFile` name them).
 * Returns the names removed.
 */
export async function removeTempLeftovers(dir: string): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return [];
  }
  const stale = names.filter((n) => n.startsWith('.') && n.includes(TEMP_MARK));
  for (const name of stale) await rm(join(dir, name), { recursive: true, force: true });
  return stale;
}

/** The pointer file of a folder written by {@link writeFolderAtomic}: it names the current version. */
export const CURRENT_FILE = 'CURRENT';

/** Result of {@link writeFolderAtomic}. */
export interface FolderVersion {
  /** The version's folder name inside the folder. */
  readonly version: string;
  /** Its full path: where the files are. */
  readonly path: string;
}

/**
 * Writes `files` as a new version of the folder `dir`, so that `dir` holds a complete set at
 * every instant, even when the process is killed:
 *
 * 1. the files go into a hidden `dir/.<label>.tmp-…` folder, each fsynced;
 * 2. it is renamed to `dir/<label>-<hex>` (complete, but not yet current);
 * 3. `dir/CURRENT` is replaced atomically ({@link writeFileAtomic}) with the new version's name:
 *    this single rename is the switch;
 * 4. every other version and leftover is removed.
 *
 * Read it back with {@link resolveFolder}. `label` must be a plain name (letters, digits, `-`, `_`).
 */
export async function writeFolderAtomic(
  dir: string,
  files: readonly (readonly [string, FileData])[],
  label = 'v',
): Promise<FolderVersion> {
  if (!/^[\w-]+$/.test(label)) throw new Error(`writeFolderAtomic: label "${label}" is not a plain name`);
  await mkdir(dir, { recursive: true });
  await removeTempLeftovers(dir);
  const version = `${label}-${randomBytes(4).toString('hex')}`;
  const temp = join(dir, `.${version}${TEMP_MARK}${tag()}`);
  try {
    await mkdir(temp);
    for (const [name, data] of files) {
      if (name.includes('/') || name.includes('\\') || name.startsWith('.')) {
        throw new Error(`writeFolderAtomic: file name "${name}" must be a plain name`);
      }
      await writeFileDurable(join(temp, name), data);
    }
    await fsyncDir(temp);
    await rename(temp, join(dir, version));
  } catch (error) {
    await rm(temp, { recursive: true, force: true });
    throw error;
  }
  await fsyncDir(dir);
  await writeFileAtomic(join(dir, CURRENT_FILE), `${version}\n`);
  await pruneFolder(dir);
  return { version, path: join(dir, version) };
}

/**
 * Where the current files of `dir` are: `dir/<version>` when `dir` was written by
 * {@link writeFolderAtomic}, else `dir` itself (a plain folder). Throws with the pointer's path
 * when it names a version that is not there.
 */
export async function resolveFolder(dir: string): Promise<string> {
  let pointer: string;
  try {
    pointer = (await readFile(join(dir, CURRENT_FILE), 'utf8')).trim();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return dir;
    throw error;
  }
  const path = join(dir, pointer);
  const ok =
    /^[\w-]+$/.test(pointer) &&
    (await stat(path).then(
      (s) => s.isDirectory(),
      () => false,
    ));
  if (!ok) {
    throw new Error(
      `${join(dir, CURRENT_FILE)}: names version "${pointer}", which is not a folder in ${dir}`,
    );
  }
  return path;
}

/**
 * Removes from `dir` every version but the current one and every temporary leftover, e.g. of
 * a writer killed between steps 2 and 3 of {@link writeFolderAtomic}. Does nothing to a plain
 * folder (no `CURRENT`).
 */
export async function pruneFolder(dir: string): Promise<void> {
  await removeTempLeftovers(dir);
  let current: string;
  try {
    current = (await readFile(join(dir, CURRENT_FILE), 'utf8')).trim();
  } catch {
    return;
  }
  for (const name of await readdir(dir)) {
    if (name === CURRENT_FILE || name === current) continue;
    const path = join(dir, name);
    if ((await stat(path)).isDirectory()) await rm(path, { recursive: true, force: true });
  }
}
