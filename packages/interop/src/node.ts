/**
 * `@convlstm/interop/node`: the readers and writers on files (Node only). Every write is atomic
 * (a temporary sibling renamed into place), so a failed conversion leaves nothing behind.
 */
import { readFile, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { writeFileAtomic } from '@convlstm/files';
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
}

/**
 * Writes a stack to `.safetensors` (PyTorch layout), `.h5` (Keras 3 `.weights.h5`) or `.json`
 * (TF.js layers model; its weights go to `<name>.weights.bin` beside it, written first, so
 * `model.json` never names a missing or partial file). The files are encoded completely
 * before anything is written, and each is written atomically.
 */
export async function writeModelFile(
  stack: ConvLSTMStack,
  path: string,
  options: WriteFileOptions = {},
): Promise<void> {
  const format = fileFormat(path);
  if (format === 'tfjs') {
    const stem = basename(path).replace(/\.json$/i, '');
    const files = await encodeFor(path, () => writeTfjs(stack, `${stem}.weights.bin`));
    await writeFileAtomic(join(dirname(path), files.weightsPath), files.weights);
    await writeFileAtomic(path, `${JSON.stringify(files.modelJson, null, 1)}\n`);
    return;
  }
  if (format !== 'safetensors' && format !== 'h5') {
    throw new InteropFormatError(
      path,
      `cannot write ${format ?? 'this extension'}: write .safetensors (PyTorch: safetensors.torch.load_file), .h5 (Keras: model.load_weights) or .json (TF.js)`,
    );
  }
  const bytes = await encodeFor(path, () =>
    writeWeights(stack, format, options.prefix === undefined ? {} : { prefix: options.prefix }),
  );
  await writeFileAtomic(path, bytes);
}

/** Whether `path` exists (for refusing to overwrite without `--force`). */
export async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

export { convert, type Output, runConvert } from './convert.js';
