import { link, mkdir, open, readFile, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import {
  type FileData,
  fsyncDir,
  type NearestExisting,
  nearestExisting,
  tempSibling,
  writeFileDurable,
} from '@convlstm/files';
import { ConvLSTMArgumentError } from '@convlstm/tensor';
import { InteropFormatError } from './errors.js';
import { formatFromName, type ReadOptions, readWeights, type WeightFormat, writeWeights } from './formats.js';
import type { ConvLSTMStack } from './stack.js';
import { readTfjs, writeTfjs } from './tfjs.js';

/** Every format a file can be read from or written to: the weight formats and TF.js' `model.json`. */
export type FileFormat = WeightFormat | 'tfjs';

/** The format of a path: {@link formatFromName}, or `'tfjs'` for `*.json`. */
export function fileFormat(path: string): FileFormat | null {
  return path.toLowerCase().endsWith('.json') ? 'tfjs' : formatFromName(path);
}

async function bytesOf(path: string): Promise<Uint8Array> {
  try {
    return new Uint8Array(await readFile(path));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new InteropFormatError(
      path,
      code === 'ENOENT' ? 'no such file' : `cannot be read (${code ?? (error as Error).message})`,
    );
  }
}

/** Core argument errors (e.g. a state dict's shapes) are the file's fault here: name the file. */
function blameFile<T>(path: string, fn: () => Promise<T>): Promise<T> {
  return fn().catch((error: unknown) => {
    if (error instanceof ConvLSTMArgumentError) throw new InteropFormatError(path, error.message);
    throw error;
  });
}

/**
 * Reads a stack from `.pt`/`.pth`, `.safetensors`, `.keras`, `.h5` or a TF.js `model.json`
 * (with the weights file its manifest names, beside it). Errors name the file.
 */
export async function readModelFile(
  path: string,
  options: Omit<ReadOptions, 'file'> = {},
): Promise<ConvLSTMStack> {
  const format = fileFormat(path);
  if (format === 'tfjs') {
    const bytes = await bytesOf(path);
    let json: unknown;
    try {
      json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
    } catch (error) {
      throw new InteropFormatError(path, `not JSON (${(error as Error).message})`);
    }
    const weightsPath = (json as { weightsManifest?: { paths?: unknown[] }[] })?.weightsManifest?.[0]
      ?.paths?.[0];
    if (typeof weightsPath !== 'string' || weightsPath.includes('..')) {
      throw new InteropFormatError(
        path,
        'no weightsManifest[0].paths[0] beside it: not a TF.js layers model',
      );
    }
    const weights = await bytesOf(join(dirname(path), weightsPath));
    return blameFile(path, async () => readTfjs(json, weights, path));
  }
  const bytes = await bytesOf(path);
  return blameFile(path, () => readWeights(bytes, { ...options, file: path }));
}

/** Runs an encoder; a stack the format cannot hold is reported against the output file. */
async function encodeFor<T>(path: string, encode: () => T | Promise<T>): Promise<T> {
  try {
    return await encode();
  } catch (error) {
    if (error instanceof InteropFormatError || error instanceof ConvLSTMArgumentError) {
      throw new InteropFormatError(path, `cannot hold this model: ${error.message}`);
    }
    throw error;
  }
}

/** Options of {@link writeModelFile}. */
export interface WriteFileOptions {
  /** `.safetensors`: the key prefix of the ConvLSTM in the PyTorch module. Default `''`. */
  prefix?: string;
  /**
   * Replace files that exist (`model.json` and its `.weights.bin` both count). Default `true`;
   * with `false` an existing file is refused and nothing is written (the CLI without `--force`).
   */
  overwrite?: boolean;
}

/** The files writing `path` makes: `path`, and for a TF.js `model.json` its `<name>.weights.bin` beside it (first). */
export function outputFiles(path: string): string[] {
  if (fileFormat(path) !== 'tfjs') return [path];
  return [join(dirname(path), `${basename(path).replace(/\.json$/i, '')}.weights.bin`), path];
}

function fsCode(error: unknown): string {
  return (error as NodeJS.ErrnoException).code ?? (error as Error).message;
}

/** The nearest folder of `dir` or above it that exists; throws naming `path` if it is a file. */
async function nearestFolder(
  dir: string,
  path: string,
): Promise<{ folder: string; missing: readonly string[] }> {
  let nearest: NearestExisting;
  try {
    nearest = await nearestExisting(dir);
  } catch (error) {
    throw new InteropFormatError(
      path,
      `cannot write in ${(error as NodeJS.ErrnoException).path ?? dir} (${fsCode(error)})`,
    );
  }
  if (!nearest.stats.isDirectory())
    throw new InteropFormatError(path, `cannot write there: ${nearest.path} is not a folder`);
  return { folder: nearest.path, missing: nearest.missing };
}

/**
 * Checks, before any work, that the files writing `path` makes can be written: nothing is
 * there unless `overwrite`, and the nearest existing folder takes a new file (a probe file is
 * created and removed; no folder is made). Throws an {@link InteropFormatError} naming the file.
 */
export async function checkWritable(path: string, overwrite: boolean): Promise<void> {
  for (const target of outputFiles(path)) {
    if (!overwrite && (await exists(target))) {
      throw new InteropFormatError(target, 'exists; pass --force (overwrite: true) to replace it');
    }
  }
  const { folder } = await nearestFolder(dirname(path), path);
  const probe = tempSibling(join(folder, basename(path)));
  try {
    await (await open(probe, 'wx')).close();
  } catch (error) {
    throw new InteropFormatError(path, `cannot write in ${folder} (${fsCode(error)})`);
  }
  await rm(probe, { force: true });
}

/**
 * Creates the missing folders of `dir` one level at a time: Node's recursive `mkdir` spins
 * forever under `/proc`, where every level reports ENOENT.
 */
async function makeFolders(dir: string, path: string): Promise<void> {
  const { missing } = await nearestFolder(dir, path);
  for (const folder of missing) {
    try {
      await mkdir(folder);
    } catch (error) {
      if (fsCode(error) !== 'EEXIST')
        throw new InteropFormatError(path, `cannot create folder ${folder} (${fsCode(error)})`);
    }
  }
}

/**
 * Writes `files` all or nothing: each is written to a temporary sibling and synced, then they
 * are put in place in order (a TF.js weights file before the `model.json` naming it); if any
 * step fails, the temporaries and the files already placed are removed. Without `overwrite`,
 * each is placed with `link`, which refuses an existing file atomically.
 */
async function writeAllOrNothing(files: readonly [string, FileData][], overwrite: boolean): Promise<void> {
  const temps = files.map(([path]) => tempSibling(path));
  const placed: string[] = [];
  let current = files[0]?.[0] ?? '';
  try {
    for (const [i, [path, data]] of files.entries()) {
      current = path;
      await writeFileDurable(temps[i] as string, data);
    }
    for (const [i, [path]] of files.entries()) {
      current = path;
      const temp = temps[i] as string;
      if (overwrite) {
        await rename(temp, path);
      } else {
        try {
          await link(temp, path);
        } catch (error) {
          if (fsCode(error) === 'EEXIST')
            throw new InteropFormatError(path, 'exists; pass --force (overwrite: true) to replace it');
          // A file system without hard links: check, then rename.
          if (await exists(path))
            throw new InteropFormatError(path, 'exists; pass --force (overwrite: true) to replace it');
          await rename(temp, path);
        }
      }
      placed.push(path);
    }
  } catch (error) {
    await Promise.all([...temps, ...placed].map((p) => rm(p, { force: true })));
    if (error instanceof InteropFormatError) throw error;
    throw new InteropFormatError(current, `cannot be written (${fsCode(error)})`);
  }
  await Promise.all(temps.map((p) => rm(p, { force: true })));
  for (const dir of new Set(files.map(([path]) => dirname(path)))) await fsyncDir(dir);
}

/**
 * Writes a stack to `.safetensors` (PyTorch layout), `.h5` (Keras 3 `.weights.h5`) or `.json`
 * (TF.js layers model; its weights go to `<name>.weights.bin` beside it). The files are encoded
 * completely before anything is written, and written all or nothing: a TF.js model's two files
 * both appear or neither does, and a failure leaves no partial file.
 */
export async function writeModelFile(
  stack: ConvLSTMStack,
  path: string,
  options: WriteFileOptions = {},
): Promise<void> {
  const overwrite = options.overwrite ?? true;
  const format = fileFormat(path);
  let files: [string, FileData][];
  if (format === 'tfjs') {
    const [weightsFile] = outputFiles(path) as [string, string];
    const encoded = await encodeFor(path, () => writeTfjs(stack, basename(weightsFile)));
    files = [
      [weightsFile, encoded.weights],
      [path, `${JSON.stringify(encoded.modelJson, null, 1)}\n`],
    ];
  } else if (format === 'safetensors' || format === 'h5') {
    const bytes = await encodeFor(path, () =>
      writeWeights(stack, format, options.prefix === undefined ? {} : { prefix: options.prefix }),
    );
    files = [[path, bytes]];
  } else {
    throw new InteropFormatError(
      path,
      `cannot write ${format ?? 'this extension'}: write .safetensors (PyTorch: safetensors.torch.load_file), .h5 (Keras: model.load_weights) or .json (TF.js)`,
    );
  }
  await makeFolders(dirname(path), path);
  await writeAllOrNothing(files, overwrite);
}

/** Whether `path` exists (for refusing to overwrite without `--force`). */
export async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

export { convert, limitsForBytes, type Output, pipeSafe, runConvert } from './convert.js';
