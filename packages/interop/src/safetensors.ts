import type { StateDictTensor } from '@convlstm/core/compat';
import { decodeFloats, type FloatDType } from './dtypes.js';
import { InteropFormatError } from './errors.js';
import {
  asFormatError,
  checkEntries,
  ElementBudget,
  resolveLimits,
  type TensorReadOptions,
} from './limits.js';

/*
 * safetensors (https://github.com/huggingface/safetensors): an 8-byte little-endian header
 * length N, N bytes of JSON `{ name: { dtype, shape, data_offsets: [begin, end] }, __metadata__? }`
 * (offsets relative to the end of the header), then the raw little-endian data.
 */

const SAFETENSORS_DTYPES: Readonly<Record<string, FloatDType>> = {
  F32: 'float32',
  F16: 'float16',
  BF16: 'bfloat16',
};

/** Largest header this reader accepts (the format's own limit is 100 MB). */
const MAX_HEADER = 100_000_000;

/** Bytes per element of every safetensors dtype, for checking offsets of tensors not decoded. */
const SAFETENSORS_BYTES: Readonly<Record<string, number>> = {
  BOOL: 1,
  U8: 1,
  I8: 1,
  F8_E5M2: 1,
  F8_E4M3: 1,
  I16: 2,
  U16: 2,
  F16: 2,
  BF16: 2,
  I32: 4,
  U32: 4,
  F32: 4,
  F64: 8,
  I64: 8,
  U64: 8,
};

/** What {@link readSafetensors} returns: the tensors (widened to float32) and `__metadata__`. */
export interface SafetensorsContents {
  readonly tensors: Record<string, StateDictTensor>;
  /** Each tensor's stored element type. */
  readonly dtypes: Record<string, FloatDType>;
  /** Tensors left out because they hold no float32/float16/bfloat16 weights (e.g. `num_batches_tracked`: `I64`). */
  readonly skipped: Record<string, string>;
  readonly metadata: Record<string, string>;
}

interface Entry {
  readonly name: string;
  readonly dtype: string;
  readonly shape: number[];
  readonly begin: number;
  readonly end: number;
}

/**
 * Parses a `.safetensors` file. Every header entry is checked before any data is decoded, as
 * the safetensors library does: known dtype, offsets that match the shape and tile the data
 * section exactly, in order (no overlap, no gap, nothing past the end); and against `limits`.
 * Tensors `include` leaves out are checked but not decoded, whatever their dtype.
 * `file` names the file in errors.
 */
export function readSafetensors(
  bytes: Uint8Array,
  file = 'safetensors',
  options: TensorReadOptions = {},
): SafetensorsContents {
  return asFormatError(file, () => readSafetensorsContents(bytes, file, options));
}

function readSafetensorsContents(
  bytes: Uint8Array,
  file: string,
  options: TensorReadOptions,
): SafetensorsContents {
  const limits = resolveLimits(options.limits, file);
  const budget = new ElementBudget(limits, file);
  const include = options.include ?? (() => true);
  const parsed = parseHeader(bytes);
  if (typeof parsed === 'string') throw new InteropFormatError(file, parsed);
  const { header, dataStart } = parsed;
  const dataLength = bytes.length - dataStart;
  let metadata: Record<string, string> = {};
  const entries: Entry[] = [];
  const names = Object.keys(header);
  checkEntries(names.length, 'safetensors header', limits, file);
  for (const name of names) {
    const raw = header[name];
    if (name === '__metadata__') {
      if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
        throw new InteropFormatError(file, '__metadata__ is not a JSON object');
      }
      metadata = raw as Record<string, string>;
      continue;
    }
    const entry = raw as { dtype?: unknown; shape?: unknown; data_offsets?: unknown } | null;
    const dtype = String(entry?.dtype);
    const size = SAFETENSORS_BYTES[dtype];
    if (size === undefined) {
      throw new InteropFormatError(
        file,
        `tensor "${name}" has unknown dtype ${JSON.stringify(entry?.dtype)}; the safetensors dtypes are ${Object.keys(SAFETENSORS_BYTES).join(', ')}`,
      );
    }
    const shape = entry?.shape;
    const offsets = entry?.data_offsets;
    if (
      !Array.isArray(shape) ||
      !shape.every((d) => Number.isSafeInteger(d) && d >= 0) ||
      !Array.isArray(offsets) ||
      offsets.length !== 2 ||
      !offsets.every((o) => Number.isSafeInteger(o) && o >= 0)
    ) {
      throw new InteropFormatError(file, `tensor "${name}": corrupt header entry ${JSON.stringify(raw)}`);
    }
    const [begin, end] = offsets as [number, number];
    const count = (shape as number[]).reduce((a, b) => a * b, 1);
    if (end < begin || end - begin !== count * size) {
      throw new InteropFormatError(
        file,
        `tensor "${name}" [${shape.join(', ')}] ${dtype} needs ${count * size} bytes, its offsets [${begin}, ${end}] span ${end - begin}`,
      );
    }
    entries.push({ name, dtype, shape: shape as number[], begin, end });
  }
  // The safetensors library's rule: sorted by offset, each tensor starts where the previous ended
  // and the last ends at the end of the file, so no two tensors share bytes.
  const sorted = [...entries].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let at = 0;
  for (const e of sorted) {
    if (e.begin !== at) {
      throw new InteropFormatError(
        file,
        e.begin < at
          ? `tensor "${e.name}" data [${e.begin}, ${e.end}] overlaps the tensor before it (which ends at ${at})`
          : `tensor "${e.name}" data starts at ${e.begin}, leaving bytes ${at}–${e.begin} unused (tensors must tile the data)`,
      );
    }
    if (e.end > dataLength) {
      throw new InteropFormatError(
        file,
        `truncated: tensor "${e.name}" ends at data byte ${e.end}, the file holds ${dataLength} data bytes`,
      );
    }
    at = e.end;
  }
  if (at < dataLength) {
    throw new InteropFormatError(
      file,
      `${dataLength - at} bytes after the last tensor (at data byte ${at}); the tensors must end where the file does`,
    );
  }
  const tensors: Record<string, StateDictTensor> = {};
  const dtypes: Record<string, FloatDType> = {};
  const skipped: Record<string, string> = {};
  for (const e of entries) {
    if (!include(e.name)) continue;
    const dtype = SAFETENSORS_DTYPES[e.dtype];
    if (dtype === undefined) {
      skipped[e.name] = e.dtype;
      continue;
    }
    const count = budget.take(e.shape, `tensor "${e.name}"`);
    tensors[e.name] = { shape: e.shape, data: decodeFloats(bytes, dataStart + e.begin, count, dtype) };
    dtypes[e.name] = dtype;
  }
  return { tensors, dtypes, skipped, metadata };
}

/**
 * The JSON header of a safetensors file and where its data starts, or why it is not one. Also
 * the format sniffer's test, so a file is recognised by its structure, not by its first bytes.
 */
export function parseHeader(
  bytes: Uint8Array,
): { header: Record<string, unknown>; dataStart: number } | string {
  if (bytes.length < 8) {
    return `truncated: ${bytes.length} bytes, a safetensors file has at least 8`;
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = Number(view.getBigUint64(0, true));
  if (headerLength > MAX_HEADER || 8 + headerLength > bytes.length) {
    return `not a safetensors file or truncated: header length ${headerLength} but the file has ${bytes.length} bytes`;
  }
  let header: unknown;
  try {
    header = JSON.parse(
      new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + headerLength)),
    );
  } catch (error) {
    return `not a safetensors file: its header is not JSON (${(error as Error).message})`;
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) {
    return 'not a safetensors file: its header is not a JSON object';
  }
  return { header: header as Record<string, unknown>, dataStart: 8 + headerLength };
}

/**
 * Encodes float32 tensors as a `.safetensors` file (dtype `F32`, in the given key order; the
 * header is padded with spaces to 8 bytes, as the reference implementation does).
 */
export function writeSafetensors(
  tensors: Readonly<Record<string, StateDictTensor>>,
  metadata: Readonly<Record<string, string>> = {},
): Uint8Array {
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length > 0) header.__metadata__ = metadata;
  let offset = 0;
  for (const [name, t] of Object.entries(tensors)) {
    const size = t.data.length * 4;
    header[name] = { dtype: 'F32', shape: [...t.shape], data_offsets: [offset, offset + size] };
    offset += size;
  }
  let json = new TextEncoder().encode(JSON.stringify(header));
  const padded = Math.ceil(json.length / 8) * 8;
  if (padded !== json.length) {
    const spaced = new Uint8Array(padded).fill(0x20);
    spaced.set(json);
    json = spaced;
  }
  const out = new Uint8Array(8 + json.length + offset);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  let at = 8 + json.length;
  for (const t of Object.values(tensors)) {
    for (let i = 0; i < t.data.length; i++) view.setFloat32(at + 4 * i, t.data[i] as number, true);
    at += t.data.length * 4;
  }
  return out;
}
