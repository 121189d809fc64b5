import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { RadarFileError } from './errors.js';
import type { RadarFrame } from './frame.js';
import { parseRadarFile, type RadarReadOptions } from './read.js';

/**
 * Reads one radar file from disk (Node only; the browser passes bytes to `parseRadarFile`).
 * Errors (missing, unreadable, unknown or corrupt) are {@link RadarFileError}s naming the path.
 */
export async function readRadarFile(path: string, options: RadarReadOptions = {}): Promise<RadarFrame> {
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(await readFile(path));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new RadarFileError(
      path,
      code === 'ENOENT' ? 'no such file' : `cannot read (${code ?? String(error)})`,
    );
  }
  return parseRadarFile(bytes, path, options);
}

/** File names the readers recognise: FMI `.pgm`/`.pgm.gz`, HDF5 `.h5`/`.hdf`/`.hdf5`, MeteoSwiss `.gif`. */
export const RADAR_FILE_PATTERN = /\.(pgm(\.gz)?|h5|hdf5?|gif)$/i;

/** Paths of the radar files directly inside `dir`, sorted by name (names carry the time). */
export async function listRadarFiles(dir: string): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new RadarFileError(
      dir,
      code === 'ENOENT' ? 'no such folder' : `cannot list (${code ?? String(error)})`,
    );
  }
  return names
    .filter((n) => RADAR_FILE_PATTERN.test(n))
    .sort()
    .map((n) => join(dir, n));
}

/** Reads every radar file in `dir` (see {@link listRadarFiles}), sorted by observation time. */
export async function readRadarFolder(dir: string, options: RadarReadOptions = {}): Promise<RadarFrame[]> {
  const frames: RadarFrame[] = [];
  for (const path of await listRadarFiles(dir)) frames.push(await readRadarFile(path, options));
  return frames.sort((a, b) => a.time.getTime() - b.time.getTime());
}
