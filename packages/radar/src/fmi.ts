import { gunzipSync } from 'fflate';
import { RadarFileError } from './errors.js';
import type { GeometryValue, RadarFrame } from './frame.js';
import { dbzToRainRate, FMI_ZR, type ZRRelation } from './zr.js';

/** FMI's PGM composites store reflectivity as `dBZ = 0.5·v − 32` (FMI open-data documentation). */
export const FMI_PGM_GAIN = 0.5;
export const FMI_PGM_OFFSET = -32;
/** The pixel value of FMI PGM composites outside radar coverage. */
export const FMI_PGM_NODATA = 255;

/** Options of {@link parseFmiPgm}. */
export interface FmiReadOptions {
  /** Z–R relation for dBZ → mm/h; default FMI's own, `Z = 223 R^1.53`. */
  readonly zr?: ZRRelation;
}

const GZIP_MAGIC = [0x1f, 0x8b];

/** True when the bytes start with the gzip signature. */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes[0] === GZIP_MAGIC[0] && bytes[1] === GZIP_MAGIC[1];
}

/**
 * Most bytes a gzipped PGM may inflate to: an FMI composite is about 1 MB, so 64 MB leaves room
 * for any grid while refusing a file whose trailer declares gigabytes.
 */
const MAX_INFLATED_BYTES = 64 * 2 ** 20;

function gunzip(bytes: Uint8Array, source: string): Uint8Array {
  // fflate allocates the size the gzip trailer (ISIZE, the last 4 bytes) declares before inflating.
  if (bytes.length >= 18) {
    const declared = new DataView(bytes.buffer, bytes.byteOffset + bytes.length - 4, 4).getUint32(0, true);
    if (declared > MAX_INFLATED_BYTES)
      throw new RadarFileError(
        source,
        `corrupt gzip stream (its trailer declares ${declared} bytes, over the ${MAX_INFLATED_BYTES}-byte limit of a PGM composite)`,
      );
  }
  try {
    return gunzipSync(bytes);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new RadarFileError(source, `corrupt gzip stream (${reason})`);
  }
}

function isSpace(c: number | undefined): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d || c === 0x0b || c === 0x0c;
}

function parseValue(text: string): GeometryValue {
  const parts = text.trim().split(/\s+/);
  const numbers = parts.map(Number);
  if (parts.length > 0 && parts[0] !== '' && numbers.every(Number.isFinite)) {
    return numbers.length === 1 ? (numbers[0] as number) : numbers;
  }
  return text.trim();
}

/** Parses `YYYYMMDDHHMM` as UTC; undefined when malformed. */
export function parseCompactUtc(text: string): Date | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})?$/.exec(text.trim());
  if (!m) return undefined;
  const [y, mo, d, h, mi, s] = m.slice(1).map((v) => (v === undefined ? 0 : Number(v))) as number[];
  const date = new Date(Date.UTC(y as number, (mo as number) - 1, d, h, mi, s));
  // Reject roll-overs such as month 13 or minute 61.
  if (date.getUTCMonth() !== (mo as number) - 1 || date.getUTCHours() !== h || date.getUTCMinutes() !== mi)
    return undefined;
  return date;
}

/**
 * Reads an FMI radar composite in binary PGM (`P5`), gzipped or not: the header comments give the
 * observation time (`obstime`) and the projection, kept as {@link RadarFrame.geometry}; pixel
 * values become dBZ (`0.5·v − 32`), then rain rate through `options.zr` (FMI's `Z = 223 R^1.53` by
 * default). Value 255 is no data; value 0 (−32 dBZ, the lowest level: no echo) becomes 0 mm/h.
 * Throws a {@link RadarFileError} naming `source` for anything that is not such a file.
 */
export function parseFmiPgm(bytes: Uint8Array, source: string, options: FmiReadOptions = {}): RadarFrame {
  const zr = options.zr ?? FMI_ZR;
  const data = isGzip(bytes) ? gunzip(bytes, source) : bytes;
  if (data[0] !== 0x50 || data[1] !== 0x35) {
    throw new RadarFileError(source, 'not a binary PGM (expected the signature "P5")');
  }
  const tokens: number[] = [];
  const comments: string[] = [];
  let pos = 2;
  const decoder = new TextDecoder('latin1');
  while (tokens.length < 3) {
    while (isSpace(data[pos])) pos++;
    if (pos >= data.length)
      throw new RadarFileError(source, 'PGM header ends before width, height and maxval');
    if (data[pos] === 0x23) {
      const end = data.indexOf(0x0a, pos);
      if (end < 0) throw new RadarFileError(source, 'PGM header comment runs to the end of the file');
      comments.push(decoder.decode(data.subarray(pos + 1, end)));
      pos = end + 1;
      continue;
    }
    const start = pos;
    while (pos < data.length && !isSpace(data[pos]) && data[pos] !== 0x23) pos++;
    const token = decoder.decode(data.subarray(start, pos));
    const value = Number(token);
    if (!/^\d+$/.test(token) || value < 1) {
      throw new RadarFileError(
        source,
        `PGM header: expected a positive integer, found ${JSON.stringify(token.slice(0, 20))}`,
      );
    }
    tokens.push(value);
  }
  const [width, height, maxval] = tokens as [number, number, number];
  if (maxval > 255) {
    throw new RadarFileError(source, `PGM maxval ${maxval}: FMI composites are 8-bit (maxval <= 255)`);
  }
  pos++; // the single whitespace byte that ends the header
  const px = width * height;
  if (data.length - pos < px) {
    throw new RadarFileError(
      source,
      `truncated: ${width}x${height} pixels need ${px} bytes of data, found ${Math.max(0, data.length - pos)}`,
    );
  }
  const geometry: Record<string, GeometryValue> = {};
  let time: Date | undefined;
  for (const line of comments) {
    const m = /^\s*(\S+)\s*(.*)$/.exec(line);
    if (!m) continue;
    const key = m[1] as string;
    const rest = m[2] as string;
    if (key === 'obstime') {
      time = parseCompactUtc(rest);
      if (!time) throw new RadarFileError(source, `obstime ${JSON.stringify(rest)} is not YYYYMMDDHHMM`);
      continue;
    }
    if (key === '}' || key === 'radar') continue;
    geometry[key] = parseValue(rest);
  }
  if (!time)
    throw new RadarFileError(source, 'no "obstime" comment in the PGM header (not an FMI composite?)');

  // A 256-entry lookup: the conversion is per pixel value, not per pixel.
  const lut = new Float32Array(256);
  for (let v = 1; v < 256; v++) lut[v] = dbzToRainRate(FMI_PGM_GAIN * v + FMI_PGM_OFFSET, zr);
  const rainRate = new Float32Array(px);
  const valid = new Uint8Array(px);
  const pixels = data.subarray(pos, pos + px);
  for (let i = 0; i < px; i++) {
    const v = pixels[i] as number;
    if (v === FMI_PGM_NODATA) continue;
    valid[i] = 1;
    rainRate[i] = lut[v] as number;
  }
  return { source, format: 'fmi-pgm', width, height, time, rainRate, valid, geometry, lineage: [] };
}
