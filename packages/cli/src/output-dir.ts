import { mkdir, readdir, stat } from 'node:fs/promises';
import { UsageError } from './errors.js';

/** Options of {@link prepareOutputDir}. */
export interface PrepareOutputDirOptions {
  /** Allow a non-empty folder (the user passed `--force`). */
  readonly force: boolean;
  /** The flag that named the folder, for messages (default `--out`). */
  readonly flag?: string;
}

/**
 * Creates the output folder `dir`; refuses a non-empty one unless `force`, so a typo or a
 * second command never overwrites a finished run. Errors name the flag and what to do.
 */
export async function prepareOutputDir(dir: string, options: PrepareOutputDirOptions): Promise<void> {
  const flag = options.flag ?? '--out';
  let entries: string[] = [];
  try {
    entries = await readdir(dir);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT') throw new UsageError(`${flag}: cannot use ${dir} (${code})`);
  }
  if (entries.length > 0 && !options.force) {
    throw new UsageError(
      `${flag}: ${dir} exists and is not empty (pass --force to write into it, or choose another ${flag})`,
    );
  }
  try {
    await mkdir(dir, { recursive: true });
  } catch (error) {
    throw new UsageError(`${flag}: cannot create ${dir} (${(error as NodeJS.ErrnoException).code})`);
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
