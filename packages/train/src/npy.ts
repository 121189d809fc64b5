import { readFile } from 'node:fs/promises';
import { writeFileAtomic } from '@convlstm/files';
import { ConvLSTMArgumentError, describeValue } from '@convlstm/tensor';

/** dtypes {@link readNpy} and {@link writeNpy} support. */
export type NpyDtype = 'uint8' | 'float32';

/** An n-d array read from or written to a `.npy` file, C (row-major) order. */
export interface NpyArray {
  readonly data: Uint8Array | Float32Array;
  readonly shape: readonly number[];
  readonly dtype: NpyDtype;
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // "\x93NUMPY"
const DESCR: Record<string, NpyDtype> = { '|u1': 'uint8', '<u1': 'uint8', u1: 'uint8', '<f4': 'float32' };
const BYTES: Record<NpyDtype, number> = { uint8: 1, float32: 4 };

/** Thrown for `.npy` files this reader cannot (or must not) interpret; names the file. */
export class NpyFormatError extends Error {
  constructor(source: string, problem: string) {
    super(`${source}: ${problem}`);
    this.name = 'NpyFormatError';
  }
}

/**
 * Reads a NumPy `.npy` file (format 1.0–3.0) of dtype uint8 or little-endian float32 in C order.
 * `source` is a path or the file's bytes. Fortran order, other dtypes and malformed headers are
 * rejected with an {@link NpyFormatError} naming the file and the problem.
 */
export async function readNpy(source: string | Uint8Array): Promise<NpyArray> {
  const name = typeof source === 'string' ? source : '<npy buffer>';
  if (typeof source !== 'string' && !(source instanceof Uint8Array)) {
    throw new ConvLSTMArgumentError('source', 'a path or a Uint8Array', describeValue(source));
  }
  const bytes = typeof source === 'string' ? new Uint8Array(await readFile(source)) : source;
  return parseNpy(bytes, name);
}

/** Parses the bytes of a `.npy` file; `name` labels errors. */
export function parseNpy(bytes: Uint8Array, name = '<npy buffer>'): NpyArray {
  if (bytes.length < 10 || MAGIC.some((m, i) => bytes[i] !== m)) {
    throw new NpyFormatError(name, 'not a .npy file (missing the \\x93NUMPY magic string)');
  }
  const major = bytes[6] as number;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let headerStart: number;
  let headerLength: number;
  if (major === 1) {
    headerLength = view.getUint16(8, true);
    headerStart = 10;
  } else if (major === 2 || major === 3) {
    if (bytes.length < 12) throw new NpyFormatError(name, 'truncated header');
    headerLength = view.getUint32(8, true);
    headerStart = 12;
  } else {
    throw new NpyFormatError(name, `unsupported .npy format version ${major}.${bytes[7]}`);
  }
  const dataStart = headerStart + headerLength;
  if (dataStart > bytes.length) throw new NpyFormatError(name, 'truncated header');
  const header = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(
    bytes.subarray(headerStart, dataStart),
  );
  const descr = /'descr'\s*:\s*'([^']*)'/.exec(header)?.[1];
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape'\s*:\s*\(([^)]*)\)/.exec(header)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined) {
    throw new NpyFormatError(name, `corrupt header (need descr, fortran_order and shape): ${header.trim()}`);
  }
  const dtype = DESCR[descr];
  if (dtype === undefined) {
    throw new NpyFormatError(name, `unsupported dtype '${descr}' (supported: '|u1' uint8, '<f4' float32)`);
  }
  if (fortran === 'True') {
    throw new NpyFormatError(name, 'Fortran-order arrays are not supported (save with C order)');
  }
  const dims = shapeText
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  if (dims.some((d) => !/^\d+$/.test(d))) {
    throw new NpyFormatError(name, `corrupt shape (${shapeText})`);
  }
  const shape = dims.map(Number);
  const size = shape.reduce((a, b) => a * b, 1);
  const byteLength = size * BYTES[dtype];
  if (bytes.length - dataStart < byteLength) {
    throw new NpyFormatError(
      name,
      `truncated data: shape (${shape.join(', ')}) needs ${byteLength} bytes, the file has ${bytes.length - dataStart}`,
    );
  }
  const raw = bytes.subarray(dataStart, dataStart + byteLength);
  if (dtype === 'uint8') return { data: raw, shape, dtype };
  // Float32Array needs 4-byte alignment: copy when the data does not start on one.
  const aligned = (raw.byteOffset & 3) === 0 ? raw : raw.slice();
  return { data: new Float32Array(aligned.buffer, aligned.byteOffset, size), shape, dtype };
}

/** Encodes an array as `.npy` (format 1.0, C order, header padded to 64 bytes). */
export function encodeNpy(array: NpyArray): Uint8Array {
  const { data, shape, dtype } = array;
  if (dtype !== 'uint8' && dtype !== 'float32') {
    throw new ConvLSTMArgumentError('array.dtype', "'uint8' or 'float32'", describeValue(dtype));
  }
  if (!Array.isArray(shape) || shape.some((d) => !Number.isInteger(d) || d < 0)) {
    throw new ConvLSTMArgumentError('array.shape', 'an array of non-negative integers', describeValue(shape));
  }
  const ctor = dtype === 'uint8' ? Uint8Array : Float32Array;
  const size = shape.reduce((a, b) => a * b, 1);
  if (!(data instanceof ctor) || data.length !== size) {
    throw new ConvLSTMArgumentError(
      'array.data',
      `a ${ctor.name} of ${size} values for shape (${shape.join(', ')})`,
      data instanceof Uint8Array || data instanceof Float32Array
        ? `a ${data.constructor.name} of ${data.length} values`
        : describeValue(data),
    );
  }
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let header = `{'descr': '${dtype === 'uint8' ? '|u1' : '<f4'}', 'fortran_order': False, 'shape': ${shapeText}, }`;
  const total = Math.ceil((10 + header.length + 1) / 64) * 64;
  header = `${header.padEnd(total - 10 - 1, ' ')}\n`;
  const out = new Uint8Array(total + data.byteLength);
  out.set(MAGIC, 0);
  out[6] = 1;
  out[7] = 0;
  new DataView(out.buffer).setUint16(8, header.length, true);
  out.set(new TextEncoder().encode(header), 10);
  out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), total);
  return out;
}

/** Writes a `.npy` file atomically (`writeFileAtomic` of `@convlstm/files`: temporary sibling, fsync, rename). */
export async function writeNpy(path: string, array: NpyArray): Promise<void> {
  await writeFileAtomic(path, encodeNpy(array));
}
