import { GifReader } from 'omggif';
import { RadarFileError } from './errors.js';
import type { GeometryValue, RadarFrame } from './frame.js';
import { dbzToRainRate, type ZRRelation } from './zr.js';

/**
 * MeteoSwiss' Z–R relation for its AQC/CPC palette products, `Z = 316 R^1.5` (the one pysteps'
 * `import_mch_gif` uses to build its lookup table).
 */
export const MCH_ZR: ZRRelation = Object.freeze({ a: 316, b: 1.5 });
/** The palette index of MeteoSwiss AQC/CPC GIFs outside radar coverage. */
export const MCH_GIF_NODATA = 255;
/**
 * The palette index of the reflectivity origin: index `i` stands for `(i − 71.5) / 2` dBZ
 * (pysteps' `import_mch_gif`).
 */
export const MCH_GIF_DBZ_ORIGIN = 71.5;
/** Accumulation interval of an AQC file, minutes, when its comment does not state one (`ACCUm`). */
export const MCH_DEFAULT_ACCUMULATION_MINUTES = 5;

/**
 * The Swiss radar composite domain (CCS4): 710 columns × 640 rows of 1 km in the Swiss LV03 grid,
 * corners in metres. The GIFs carry no georeference; these are the domain's fixed values (as in
 * pysteps' `_import_mch_geodata`), recorded in {@link RadarFrame.geometry}.
 */
export const MCH_CCS4_GEOMETRY: Readonly<Record<string, GeometryValue>> = Object.freeze({
  projdef:
    '+proj=somerc +lon_0=7.43958333333333 +lat_0=46.9524055555556 +k_0=1 +x_0=600000 +y_0=200000 +ellps=bessel +towgs84=674.374,15.056,405.346,0,0,0,0 +units=m +no_defs',
  x1: 255000,
  y1: -160000,
  x2: 965000,
  y2: 480000,
  xpixelsize: 1000,
  ypixelsize: 1000,
});

/**
 * Rain rate in mm/h of one AQC/CPC palette index, as pysteps' `import_mch_gif` decodes it:
 * indices 0–1 and 251–254 are no rain, 255 is no data (`NaN` here), and index `i` otherwise is
 * `(10^((i − 71.5)/20) / 316)^(1/1.5)` — millimetres in the file's accumulation interval (pysteps'
 * table is labelled mm per 5 minutes; its earlier AQC reader, `read_aqc`, applied the `60/5` itself
 * to return mm/h; the files' comment says `ACCUm=000005`), so the rate is that amount times
 * `60 / accumulationMinutes`.
 */
export function mchIndexToRainRate(
  index: number,
  accumulationMinutes: number = MCH_DEFAULT_ACCUMULATION_MINUTES,
): number {
  if (index === MCH_GIF_NODATA) return Number.NaN;
  if (index < 2 || index > 250) return 0;
  return dbzToRainRate((index - MCH_GIF_DBZ_ORIGIN) / 2, MCH_ZR) * (60 / accumulationMinutes);
}

/** True when the bytes start with a GIF signature (`GIF87a` or `GIF89a`). */
export function isGif(bytes: Uint8Array): boolean {
  return (
    bytes[0] === 0x47 &&
    bytes[1] === 0x49 &&
    bytes[2] === 0x46 &&
    bytes[3] === 0x38 &&
    (bytes[4] === 0x37 || bytes[4] === 0x39) &&
    bytes[5] === 0x61
  );
}

/** What the block walk finds before any decompression. */
interface GifLayout {
  readonly width: number;
  readonly height: number;
  readonly comments: string[];
  /** Byte offset of the first image's colour table (global or local). */
  readonly paletteOffset: number;
  readonly paletteSize: number;
}

/**
 * Walks the GIF's blocks (no decompression) so that a truncated or malformed file is refused with
 * one clear message naming what is missing, before omggif decodes it (a cut image would otherwise
 * decode with its missing pixels as index 0, which reads as "no rain").
 */
function walkGif(bytes: Uint8Array, source: string): GifLayout {
  const fail = (problem: string): never => {
    throw new RadarFileError(source, problem);
  };
  if (!isGif(bytes)) fail('not a GIF (expected the signature "GIF87a" or "GIF89a")');
  if (bytes.length < 13) fail(`truncated: ${bytes.length} bytes, shorter than a GIF header`);
  const u16 = (at: number): number => (bytes[at] as number) | ((bytes[at + 1] as number) << 8);
  const width = u16(6);
  const height = u16(8);
  if (width === 0 || height === 0) fail(`the GIF declares an empty ${width}x${height} image`);
  const packed = bytes[10] as number;
  let pos = 13;
  let paletteSize = 0;
  let paletteOffset = 13;
  if (packed & 0x80) {
    paletteSize = 2 ** ((packed & 7) + 1);
    pos += 3 * paletteSize;
  }
  const comments: string[] = [];
  const decoder = new TextDecoder('latin1');
  const need = (n: number, what: string): void => {
    if (pos + n > bytes.length) fail(`truncated in the ${what} (file ends at byte ${bytes.length})`);
  };
  // Sub-blocks: a length byte, that many bytes, until a zero length.
  const subBlocks = (what: string): Uint8Array[] => {
    const parts: Uint8Array[] = [];
    for (;;) {
      need(1, what);
      const size = bytes[pos] as number;
      pos++;
      if (size === 0) return parts;
      need(size, what);
      parts.push(bytes.subarray(pos, pos + size));
      pos += size;
    }
  };
  need(0, 'colour table');
  let images = 0;
  for (;;) {
    need(1, 'block list (no trailer byte 0x3B)');
    const introducer = bytes[pos] as number;
    pos++;
    if (introducer === 0x3b) break;
    if (introducer === 0x21) {
      need(1, 'extension label');
      const label = bytes[pos] as number;
      pos++;
      const parts = subBlocks('extension');
      if (label === 0xfe) comments.push(parts.map((p) => decoder.decode(p)).join(''));
      continue;
    }
    if (introducer !== 0x2c)
      fail(`unexpected byte 0x${introducer.toString(16)} at offset ${pos - 1} (corrupt GIF block list)`);
    need(9, 'image descriptor');
    const [left, top, w, h] = [u16(pos), u16(pos + 2), u16(pos + 4), u16(pos + 6)];
    const imagePacked = bytes[pos + 8] as number;
    pos += 9;
    if (imagePacked & 0x80) {
      const local = 2 ** ((imagePacked & 7) + 1);
      need(3 * local, 'local colour table');
      if (images === 0) {
        paletteSize = local;
        paletteOffset = pos;
      }
      pos += 3 * local;
    }
    if (images === 0 && (left !== 0 || top !== 0 || w !== width || h !== height))
      fail(`the image (${w}x${h} at ${left},${top}) does not cover the ${width}x${height} canvas`);
    need(1, 'image data');
    const minCodeSize = bytes[pos] as number;
    pos++;
    if (minCodeSize < 2 || minCodeSize > 8) fail(`LZW minimum code size ${minCodeSize} (expected 2 to 8)`);
    subBlocks('image data');
    images++;
  }
  if (images === 0) fail('the GIF holds no image');
  if (paletteSize !== 256)
    fail(
      paletteSize === 0
        ? 'no colour table (an AQC/CPC GIF has a 256-entry palette whose indices encode the rain)'
        : `a ${paletteSize}-entry colour table (an AQC/CPC GIF has 256 entries)`,
    );
  return { width, height, comments, paletteOffset, paletteSize };
}

/**
 * The first image's palette indices, `[H, W]`. omggif decodes to RGBA only, so it decodes a copy
 * whose colour table is replaced by a ramp with red = index: the red channel is then the index,
 * whatever colours the file's palette holds (pysteps reads the indices, not the colours).
 */
function paletteIndices(bytes: Uint8Array, layout: GifLayout, source: string): Uint8Array {
  const copy = bytes.slice();
  for (let i = 0; i < layout.paletteSize; i++) {
    copy[layout.paletteOffset + 3 * i] = i;
    copy[layout.paletteOffset + 3 * i + 1] = 0;
    copy[layout.paletteOffset + 3 * i + 2] = 0;
  }
  const px = layout.width * layout.height;
  const rgba = new Uint8Array(4 * px);
  try {
    const reader = new GifReader(copy);
    // A transparent index is skipped by the blit: prefill with it so those pixels keep their index.
    const transparent = reader.frameInfo(0).transparent_index;
    if (transparent !== null) for (let i = 0; i < px; i++) rgba[4 * i] = transparent;
    reader.decodeAndBlitFrameRGBA(0, rgba);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new RadarFileError(source, `corrupt GIF image data (${reason})`);
  }
  const indices = new Uint8Array(px);
  for (let i = 0; i < px; i++) indices[i] = rgba[4 * i] as number;
  return indices;
}

/** `key=value` pairs of the MeteoSwiss comment (`PRDT=AQC151351545 SCALE=… ACCUm=000005 …`). */
function commentFields(comments: readonly string[]): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const text of comments)
    for (const m of text.matchAll(/([A-Za-z_][A-Za-z0-9_]*)=(\S+)/g)) fields[m[1] as string] = m[2] as string;
  return fields;
}

/**
 * Parses `<product><yy><ddd><hhmm>` (the MeteoSwiss naming: two-digit year, day of year, UTC) as
 * product and time; undefined when malformed. Two-digit years follow `strptime`'s `%y` (69–99 →
 * 19xx, 00–68 → 20xx), as pysteps' file patterns do.
 */
export function parseMchProductTime(text: string): { product: string; time: Date } | undefined {
  const m = /^([A-Z]{3})(\d{2})(\d{3})(\d{2})(\d{2})/.exec(text);
  if (!m) return undefined;
  const [yy, ddd, hh, mi] = m.slice(2).map(Number) as [number, number, number, number];
  const year = yy < 69 ? 2000 + yy : 1900 + yy;
  const days = (Date.UTC(year + 1, 0, 1) - Date.UTC(year, 0, 1)) / 86_400_000;
  if (ddd < 1 || ddd > days || hh > 23 || mi > 59) return undefined;
  return { product: m[1] as string, time: new Date(Date.UTC(year, 0, ddd, hh, mi)) };
}

const PRODUCTS = ['AQC', 'CPC'];

/**
 * Reads a MeteoSwiss AQC (or CPC) precipitation GIF, the product of the pysteps example data: an
 * 8-bit palette image whose indices encode the 5-minute accumulation (decoded as pysteps'
 * `import_mch_gif` does, see {@link mchIndexToRainRate}), returned as rain rate in mm/h. Index
 * 255 is no data. The product and time come from the file's comment (`PRDT=AQC<yy><ddd><hhmm>`),
 * else from its name (`AQC<yy><ddd><hhmm>…gif`); the accumulation interval from the comment's
 * `ACCUm` (5 minutes when absent). Row 0 is the northern edge of the Swiss CCS4 domain
 * ({@link MCH_CCS4_GEOMETRY}). Throws a {@link RadarFileError} naming `source` for anything else.
 */
export function parseMchGif(bytes: Uint8Array, source: string): RadarFrame {
  const layout = walkGif(bytes, source);
  const fields = commentFields(layout.comments);
  const baseName = source.split(/[\\/]/).pop() ?? source;
  const stamp =
    (fields.PRDT === undefined ? undefined : parseMchProductTime(fields.PRDT)) ??
    parseMchProductTime(baseName);
  if (!stamp)
    throw new RadarFileError(
      source,
      'no product time: expected a comment "PRDT=AQC<yy><ddd><hhmm>" or a file name "AQC<yy><ddd><hhmm>…"',
    );
  if (!PRODUCTS.includes(stamp.product))
    throw new RadarFileError(
      source,
      `product ${stamp.product}: only the ${PRODUCTS.join(' and ')} palette products are understood`,
    );
  let accumulation = MCH_DEFAULT_ACCUMULATION_MINUTES;
  if (fields.ACCUm !== undefined) {
    accumulation = Number(fields.ACCUm);
    if (!Number.isInteger(accumulation) || accumulation < 1)
      throw new RadarFileError(source, `ACCUm=${fields.ACCUm} is not a positive number of minutes`);
  }

  const indices = paletteIndices(bytes, layout, source);
  const px = layout.width * layout.height;
  const lut = new Float32Array(256);
  for (let i = 0; i < 256; i++) lut[i] = i === MCH_GIF_NODATA ? 0 : mchIndexToRainRate(i, accumulation);
  const rainRate = new Float32Array(px);
  const valid = new Uint8Array(px);
  for (let i = 0; i < px; i++) {
    const v = indices[i] as number;
    if (v === MCH_GIF_NODATA) continue;
    valid[i] = 1;
    rainRate[i] = lut[v] as number;
  }
  const geometry: Record<string, GeometryValue> = {
    product: stamp.product,
    accumulationMinutes: accumulation,
  };
  for (const key of ['PRDT', 'SCALE', 'VERSION'])
    if (fields[key] !== undefined) geometry[key] = fields[key] as string;
  if (layout.width === 710 && layout.height === 640) Object.assign(geometry, MCH_CCS4_GEOMETRY);
  return {
    source,
    format: 'mch-gif',
    width: layout.width,
    height: layout.height,
    time: stamp.time,
    rainRate,
    valid,
    geometry,
    lineage: [],
  };
}
