import type { StateDictTensor } from '@convlstm/core/compat';
import { DTYPE_BYTES, decodeFloats, type FloatDType } from './dtypes.js';
import { InteropFormatError } from './errors.js';

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

/** What {@link readSafetensors} returns: the tensors (widened to float32) and `__metadata__`. */
export interface SafetensorsContents {
  readonly tensors: Record<string, StateDictTensor>;
  /** Each tensor's stored element type. */
  readonly dtypes: Record<string, FloatDType>;
  readonly metadata: Record<string, string>;
}

/**
 * Parses a `.safetensors` file. Every header entry is checked against the file's size before
 * any data is decoded; `file` names the file in errors.
 */
export function readSafetensors(bytes: Uint8Array, file = 'safetensors'): SafetensorsContents {
  if (bytes.length < 8) {
    throw new InteropFormatError(file, `truncated: ${bytes.length} bytes, a safetensors file has at least 8`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = Number(view.getBigUint64(0, true));
  if (headerLength > MAX_HEADER || 8 + headerLength > bytes.length) {
    throw new InteropFormatError(
      file,
      `not a safetensors file or truncated: header length ${headerLength} but the file has ${bytes.length} bytes`,
    );
  }
  let header: unknown;
  try {
    header = JSON.parse(
      new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + headerLength)),
    );
  } catch (error) {
    throw new InteropFormatError(
      file,
      `not a safetensors file: its header is not JSON (${(error as Error).message})`,
    );
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) {
    throw new InteropFormatError(file, 'not a safetensors file: its header is not a JSON object');
  }
  const dataStart = 8 + headerLength;
  const dataLength = bytes.length - dataStart;
  const tensors: Record<string, StateDictTensor> = {};
  const dtypes: Record<string, FloatDType> = {};
  let metadata: Record<string, string> = {};
  for (const [name, raw] of Object.entries(header as Record<string, unknown>)) {
    if (name === '__metadata__') {
      metadata = (raw ?? {}) as Record<string, string>;
      continue;
    }
    const entry = raw as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    const dtype = SAFETENSORS_DTYPES[String(entry?.dtype)];
    if (dtype === undefined) {
      throw new InteropFormatError(
        file,
        `tensor "${name}" has dtype ${JSON.stringify(entry?.dtype)}; supported: ${Object.keys(SAFETENSORS_DTYPES).join(', ')}`,
      );
    }
    const shape = entry.shape;
    const offsets = entry.data_offsets;
    if (
      !Array.isArray(shape) ||
      !shape.every((d) => Number.isInteger(d) && d >= 0) ||
      !Array.isArray(offsets) ||
      offsets.length !== 2 ||
      !offsets.every((o) => Number.isInteger(o) && o >= 0)
    ) {
      throw new InteropFormatError(file, `tensor "${name}": corrupt header entry ${JSON.stringify(raw)}`);
    }
    const [begin, end] = offsets as [number, number];
    const count = (shape as number[]).reduce((a, b) => a * b, 1);
    if (end - begin !== count * DTYPE_BYTES[dtype]) {
      throw new InteropFormatError(
        file,
        `tensor "${name}" ${JSON.stringify(shape)} ${entry.dtype} needs ${count * DTYPE_BYTES[dtype]} bytes, its offsets span ${end - begin}`,
      );
    }
    if (end > dataLength) {
      throw new InteropFormatError(
        file,
        `truncated: tensor "${name}" ends at data byte ${end}, the file holds ${dataLength} data bytes`,
      );
    }
    tensors[name] = { shape: shape as number[], data: decodeFloats(bytes, dataStart + begin, count, dtype) };
    dtypes[name] = dtype;
  }
  return { tensors, dtypes, metadata };
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
