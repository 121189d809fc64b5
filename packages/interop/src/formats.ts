import type { ActivationName } from '@convlstm/core';
import { type StateDictTensor, torchLayerKeys } from '@convlstm/core/compat';
import { ConvLSTMArgumentError } from '@convlstm/tensor';
import { InteropFormatError } from './errors.js';
import { readKerasArchive, readKerasH5, writeKerasWeights } from './keras.js';
import { formatErrorOf, type ReadLimits, resolveLimits } from './limits.js';
import { parseHeader, readSafetensors, writeSafetensors } from './safetensors.js';
import { type ConvLSTMStack, stackFromStateDict, stackToStateDict, withDropped } from './stack.js';
import { readTorch } from './torch.js';

/** The weight files the converters read (`pt`, `safetensors`, `keras`, `h5`) and write (`safetensors`, `h5`). */
export type WeightFormat = 'pt' | 'safetensors' | 'keras' | 'h5';

/** The format a file name's extension declares, or `null`. `.pth` and `.bin` are `torch.save` files. */
export function formatFromName(name: string): WeightFormat | null {
  const lower = name.toLowerCase();
  if (/\.(pt|pth|bin)$/.test(lower)) return 'pt';
  if (lower.endsWith('.safetensors')) return 'safetensors';
  if (lower.endsWith('.keras')) return 'keras';
  if (/\.(h5|hdf5)$/.test(lower)) return 'h5';
  return null;
}

/**
 * What a file's structure says it is. A safetensors file (an 8-byte length, then that many
 * bytes of JSON object) is recognised first, by parsing its header: its length's first bytes can
 * look like a pickle's `PROTO` opcode (a 128- or 384-byte header starts `0x80 0x00`).
 */
export function sniffFormat(bytes: Uint8Array): 'zip' | 'hdf5' | 'safetensors' | 'pickle' | 'unknown' {
  if (bytes.length >= 9 && bytes[8] === 0x7b && typeof parseHeader(bytes) !== 'string') return 'safetensors';
  if (bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 0x03 && bytes[3] === 0x04)
    return 'zip';
  if (bytes.length >= 8 && bytes[0] === 0x89 && bytes[1] === 0x48 && bytes[2] === 0x44 && bytes[3] === 0x46)
    return 'hdf5';
  if (bytes.length >= 2 && bytes[0] === 0x80 && (bytes[1] as number) <= 5) return 'pickle';
  // A header that does not parse (truncated, corrupt) still looks like safetensors, so its reader says what is wrong.
  if (bytes.length >= 9) {
    const n = new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true);
    if (n > 1n && n < 100_000_000n && bytes[8] === 0x7b) return 'safetensors';
  }
  return 'unknown';
}

const WHAT: Readonly<Record<ReturnType<typeof sniffFormat>, string>> = {
  zip: 'a zip archive (a torch.save .pt or a .keras file)',
  hdf5: 'an HDF5 file (a Keras .h5)',
  safetensors: 'a safetensors file',
  pickle: 'a bare pickle (a legacy torch.save file)',
  unknown: 'of no known format',
};

/** Options of {@link readWeights}. */
export interface ReadOptions {
  /** The file's name, for errors and for the format when `format` is not given. */
  file?: string;
  /** The format; default: from the name's extension. A file whose content says otherwise is refused. */
  format?: WeightFormat;
  /** PyTorch formats: the key prefix of the ConvLSTM in a bigger module (e.g. `'encoder.'`). Default `''`. */
  prefix?: string;
  /** `.weights.h5` (no config): the gate activation. Default Keras' `'sigmoid'`. */
  recurrentActivation?: ActivationName;
  /**
   * PyTorch formats: renames every key before the layout is read, for modules that name their
   * layers differently, e.g. `(k) => k.replace('cells.', 'cell_list.')`. Applied before `prefix`.
   */
  rename?: (key: string) => string;
  /** Bounds on the sizes a file declares, checked before allocating; see {@link ReadLimits}. */
  limits?: ReadLimits;
  /**
   * Convert the ConvLSTM layers even when the file holds weights the converter does not carry
   * over (a Keras BatchNormalization or Dense, PyTorch parameters under `prefix` that are not
   * `cell_list.*`); they are listed in the stack's `dropped`. Default `false`: such a file is
   * refused naming them, since the converted model would compute something else.
   */
  allowPartial?: boolean;
}

function renamed<T>(
  tensors: Readonly<Record<string, T>>,
  rename: ((key: string) => string) | undefined,
): Record<string, T> {
  if (rename === undefined) return { ...tensors };
  const out: Record<string, T> = {};
  for (const [key, value] of Object.entries(tensors)) out[rename(key)] = value;
  return out;
}

/**
 * Reads the ConvLSTM layers of a PyTorch (`.pt`, `.safetensors`) or Keras (`.keras`, `.h5`)
 * file. Checks that the content is the format the name (or `options.format`) declares, so a
 * mislabelled file gets an error saying what it is; a truncated one gets an error saying so.
 */
export async function readWeights(bytes: Uint8Array, options: ReadOptions = {}): Promise<ConvLSTMStack> {
  const file = options.file ?? 'input';
  const format = options.format ?? formatFromName(file);
  if (format === null) {
    throw new InteropFormatError(file, 'unknown extension: expected .pt, .pth, .safetensors, .keras or .h5');
  }
  const kind = sniffFormat(bytes);
  const expected: Record<WeightFormat, ReturnType<typeof sniffFormat>[]> = {
    pt: ['zip', 'pickle'],
    safetensors: ['safetensors'],
    keras: ['zip'],
    h5: ['hdf5'],
  };
  if (
    !expected[format].includes(kind) &&
    !(format === 'safetensors' && kind === 'unknown' && bytes.length < 9)
  ) {
    throw new InteropFormatError(file, `named as ${format} but the content is ${WHAT[kind]}`);
  }
  const limits = resolveLimits(options.limits, file);
  const allowPartial = options.allowPartial === true;
  try {
    switch (format) {
      case 'pt':
      case 'safetensors': {
        const prefix = options.prefix ?? '';
        const rename = options.rename ?? ((key: string) => key);
        const include = (key: string) => rename(key).startsWith(prefix);
        const contents =
          format === 'pt'
            ? readTorch(bytes, file, { limits, include })
            : readSafetensors(bytes, file, { limits, include });
        return fromStateDict(
          renamed(contents.tensors, options.rename),
          renamed(contents.skipped, options.rename),
          prefix,
          file,
          allowPartial,
        );
      }
      case 'keras':
        return await readKerasArchive(bytes, file, { limits, allowPartial });
      case 'h5':
        return await readKerasH5(bytes, file, {
          limits,
          allowPartial,
          ...(options.recurrentActivation === undefined
            ? {}
            : { recurrentActivation: options.recurrentActivation }),
        });
    }
  } catch (error) {
    // The core's argument errors (a state dict's shapes) are this file's fault: one error type, naming it.
    if (error instanceof ConvLSTMArgumentError) throw new InteropFormatError(file, error.message);
    throw formatErrorOf(file, error);
  }
}

/** The stack of a state dict whose keys are all under `prefix`; what it does not map is refused or listed. */
function fromStateDict(
  dict: Record<string, StateDictTensor>,
  skipped: Record<string, string>,
  prefix: string,
  file: string,
  allowPartial: boolean,
): ConvLSTMStack {
  const stack = stackFromStateDict(dict, prefix);
  const mapped = new Set(stack.layers.flatMap((_, l) => Object.values(torchLayerKeys(prefix, l))));
  const dropped = [
    ...Object.keys(dict).filter((key) => !mapped.has(key)),
    ...Object.entries(skipped).map(([key, dtype]) => `${key} (${dtype})`),
  ];
  return withDropped(stack, dropped, file, allowPartial, `parameters under prefix "${prefix}"`);
}

/** Options of {@link writeWeights}. */
export interface WriteOptions {
  /** `safetensors`: a key prefix (the ConvLSTM's attribute path in the PyTorch module). Default `''`. */
  prefix?: string;
}

/**
 * Encodes a stack as `safetensors` (PyTorch layout, float32; peepholes as `cell_list.{l}.w_ci`,
 * `w_cf`, `w_co`) or `h5` (a Keras 3 `.weights.h5` for a Sequential of ConvLSTM2D layers).
 */
export async function writeWeights(
  stack: ConvLSTMStack,
  format: 'safetensors' | 'h5',
  options: WriteOptions = {},
): Promise<Uint8Array> {
  if (format === 'safetensors') {
    return writeSafetensors(stackToStateDict(stack, options.prefix ?? ''), {
      format: 'pt',
      generatedBy: '@convlstm/interop',
    });
  }
  return writeKerasWeights(stack);
}
