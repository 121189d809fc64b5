import h5wasm, { type Dataset, type Group, type File as H5File } from 'h5wasm';
import { RadarFileError } from './errors.js';
import type { GeometryValue, RadarFrame } from './frame.js';
import { dbzToRainRate, MARSHALL_PALMER, type ZRRelation } from './zr.js';

const HDF5_SIGNATURE = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];

/** True when the bytes carry the HDF5 superblock signature (at offset 0, 512, 1024, 2048…). */
export function isHdf5(bytes: Uint8Array): boolean {
  for (let offset = 0; offset + 8 <= bytes.length; offset = offset === 0 ? 512 : offset * 2) {
    if (HDF5_SIGNATURE.every((b, i) => bytes[offset + i] === b)) return true;
  }
  return false;
}

let sequence = 0;

/**
 * One line from an HDF5 error stack (`HDF5-DIAG: Error detected … #000: … in H5Fopen(): unable to
 * open file … #005: … in H5C__load_entry(): incorrect metadata checksum …`): the outermost and the
 * innermost descriptions, which say what failed and why.
 */
export function describeHdf5Error(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  const entries = [...text.matchAll(/#\d+: .* in ([\w.]+)\(\): (.+)/g)].map(
    (m) => `${m[1]}: ${(m[2] as string).trim()}`,
  );
  if (entries.length === 0) return text.split('\n')[0] ?? text;
  const first = entries[0] as string;
  const last = entries[entries.length - 1] as string;
  return entries.length === 1 ? first : `${first}; ${last}`;
}

/**
 * Opens HDF5 bytes with h5wasm (through its in-memory file system, so it works the same in Node
 * and the browser), hands the file to `read` and always closes and deletes it afterwards.
 */
async function withHdf5<T>(bytes: Uint8Array, source: string, read: (file: H5File) => T): Promise<T> {
  if (!isHdf5(bytes)) throw new RadarFileError(source, 'not an HDF5 file (no HDF5 signature)');
  const module = await h5wasm.ready;
  const { FS } = module;
  // HDF5 errors become exceptions instead of a diagnostic dump on stderr, so a corrupt file is
  // reported in one line (see describeHdf5Error).
  module.activate_throwing_error_handler();
  const path = `/radar-${sequence++}-${Math.random().toString(36).slice(2)}.h5`;
  FS.writeFile(path, bytes);
  let file: H5File | undefined;
  try {
    try {
      file = new h5wasm.File(path, 'r');
    } catch (error) {
      throw new RadarFileError(source, `corrupt HDF5 file (${describeHdf5Error(error)})`);
    }
    if (file.file_id < 0n)
      throw new RadarFileError(source, 'corrupt HDF5 file (the HDF5 library cannot open it)');
    return read(file);
  } catch (error) {
    if (error instanceof RadarFileError) throw error;
    throw new RadarFileError(source, `corrupt HDF5 content (${describeHdf5Error(error)})`);
  } finally {
    try {
      file?.close();
    } finally {
      FS.unlink(path);
    }
  }
}

function scalar(value: unknown): GeometryValue | undefined {
  if (typeof value === 'string' || typeof value === 'number') return value;
  if (typeof value === 'bigint') return Number(value);
  if (Array.isArray(value) && value.length === 1) return scalar(value[0]);
  if (ArrayBuffer.isView(value) && !(value instanceof DataView)) {
    const list = Array.from(value as unknown as ArrayLike<number | bigint>, Number);
    return list.length === 1 ? (list[0] as number) : list;
  }
  if (Array.isArray(value) && value.every((v) => typeof v === 'number')) return value as number[];
  return undefined;
}

function attrs(group: Group | Dataset | null): Record<string, GeometryValue> {
  const out: Record<string, GeometryValue> = {};
  if (!group) return out;
  for (const [key, attr] of Object.entries(group.attrs)) {
    const v = scalar(attr.value);
    if (v !== undefined) out[key] = v;
  }
  return out;
}

function group(file: H5File, path: string): Group | null {
  const entity = file.get(path);
  return entity instanceof h5wasm.Group ? entity : null;
}

function dataset(file: H5File, path: string, source: string): Dataset {
  const entity = file.get(path);
  if (!(entity instanceof h5wasm.Dataset)) throw new RadarFileError(source, `no dataset "${path}"`);
  return entity;
}

function grid(
  ds: Dataset,
  path: string,
  source: string,
): { height: number; width: number; values: ArrayLike<number> } {
  const shape = ds.shape;
  if (shape?.length !== 2) {
    throw new RadarFileError(
      source,
      `dataset "${path}" has shape ${JSON.stringify(shape)}, expected a 2-D grid`,
    );
  }
  const [height, width] = shape as [number, number];
  const values = ds.value;
  if (
    !ArrayBuffer.isView(values) ||
    values instanceof DataView ||
    values instanceof BigInt64Array ||
    values instanceof BigUint64Array
  ) {
    throw new RadarFileError(
      source,
      `dataset "${path}" is not a numeric grid (dtype ${JSON.stringify(ds.dtype)})`,
    );
  }
  const array = values as unknown as ArrayLike<number>;
  if (array.length !== height * width) {
    throw new RadarFileError(
      source,
      `dataset "${path}" holds ${array.length} values, expected ${height}x${width}`,
    );
  }
  return { height, width, values: array };
}

const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];

/** Parses KNMI's `26-AUG-2010;03:00:00.000` as UTC; undefined when malformed. */
export function parseKnmiTime(text: string): Date | undefined {
  const m = /^(\d{1,2})-([A-Z]{3})-(\d{4});(\d{2}):(\d{2}):(\d{2})(?:\.\d+)?$/.exec(
    text.trim().toUpperCase(),
  );
  if (!m) return undefined;
  const month = MONTHS.indexOf(m[2] as string);
  if (month < 0) return undefined;
  return new Date(Date.UTC(Number(m[3]), month, Number(m[1]), Number(m[4]), Number(m[5]), Number(m[6])));
}

/** Parses a KNMI calibration formula `GEO=0.01*PV+0.0` (any spacing) into gain and offset. */
export function parseKnmiCalibration(formula: string): { gain: number; offset: number } | undefined {
  const num = '([-+]?\\d*\\.?\\d+(?:[eE][-+]?\\d+)?)';
  const m = new RegExp(`^\\s*GEO\\s*=\\s*${num}\\s*\\*\\s*PV\\s*([-+])\\s*${num}\\s*$`).exec(formula);
  if (!m) return undefined;
  const gain = Number(m[1]);
  const offset = Number(m[3]) * (m[2] === '-' ? -1 : 1);
  return Number.isFinite(gain) && Number.isFinite(offset) ? { gain, offset } : undefined;
}

function readKnmi(file: H5File, source: string): RadarFrame {
  const overview = attrs(group(file, 'overview'));
  const calibration = attrs(group(file, 'image1/calibration'));
  const image = attrs(group(file, 'image1'));
  const formula = calibration.calibration_formulas;
  if (typeof formula !== 'string')
    throw new RadarFileError(source, 'no "image1/calibration" attribute "calibration_formulas"');
  const cal = parseKnmiCalibration(formula);
  if (!cal)
    throw new RadarFileError(
      source,
      `calibration formula ${JSON.stringify(formula)} is not "GEO=gain*PV+offset"`,
    );
  const parameter = String(image.image_geo_parameter ?? '');
  if (!/ACCUMULATED_PRECIPITATION/i.test(parameter)) {
    throw new RadarFileError(
      source,
      `image1 holds ${JSON.stringify(parameter)}; only ACCUMULATED_PRECIPITATION_[MM] is supported`,
    );
  }
  const startText = String(overview.product_datetime_start ?? '');
  const endText = String(overview.product_datetime_end ?? '');
  const start = parseKnmiTime(startText);
  const end = parseKnmiTime(endText);
  if (!start || !end) {
    throw new RadarFileError(
      source,
      `overview product_datetime_start/end ${JSON.stringify([startText, endText])} are not "DD-MON-YYYY;HH:MM:SS"`,
    );
  }
  const hours = (end.getTime() - start.getTime()) / 3_600_000;
  if (!(hours > 0))
    throw new RadarFileError(source, `accumulation interval ${startText} to ${endText} is not positive`);
  const missing = new Set<number>();
  for (const key of ['calibration_missing_data', 'calibration_out_of_image']) {
    const v = calibration[key];
    if (typeof v === 'number') missing.add(v);
  }
  const { height, width, values } = grid(
    dataset(file, 'image1/image_data', source),
    'image1/image_data',
    source,
  );
  const px = height * width;
  const rainRate = new Float32Array(px);
  const valid = new Uint8Array(px);
  for (let i = 0; i < px; i++) {
    const v = values[i] as number;
    if (missing.has(v)) continue;
    valid[i] = 1;
    // Accumulation (mm) over the interval → mean rate in mm/h.
    rainRate[i] = Math.max(0, cal.gain * v + cal.offset) / hours;
  }
  const geometry: Record<string, GeometryValue> = {
    ...attrs(group(file, 'geographic')),
    ...attrs(group(file, 'geographic/map_projection')),
    accumulation_minutes: hours * 60,
  };
  return { source, format: 'knmi-hdf5', width, height, time: end, rainRate, valid, geometry, lineage: [] };
}

/** Options of the ODIM reader. */
export interface OdimReadOptions {
  /** Z–R relation when the product is reflectivity (`DBZH`/`TH`); default Marshall–Palmer. */
  readonly zr?: ZRRelation;
}

function readOdim(file: H5File, source: string, options: OdimReadOptions): RadarFrame {
  const rootWhat = attrs(group(file, 'what'));
  const date = String(rootWhat.date ?? '');
  const clock = String(rootWhat.time ?? '');
  const m = /^(\d{4})(\d{2})(\d{2})$/.exec(date);
  const t = /^(\d{2})(\d{2})(\d{2})$/.exec(clock);
  if (!m || !t)
    throw new RadarFileError(
      source,
      `ODIM what/date, what/time ${JSON.stringify([date, clock])} are not YYYYMMDD, HHMMSS`,
    );
  const time = new Date(
    Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(t[1]), Number(t[2]), Number(t[3])),
  );
  // The first dataset whose first data holds precipitation; later datasets are often quality fields.
  const names = file
    .keys()
    .filter((k) => /^dataset\d+$/.test(k))
    .sort((a, b) => Number(a.slice(7)) - Number(b.slice(7)));
  const supported = ['RATE', 'ACRR', 'DBZH', 'TH'];
  for (const name of names) {
    const dsWhat = attrs(group(file, `${name}/what`));
    const dataWhat = attrs(group(file, `${name}/data1/what`));
    const what = { ...rootWhat, ...dsWhat, ...dataWhat };
    const quantity = String(what.quantity ?? '');
    if (!supported.includes(quantity)) continue;
    const gain = typeof what.gain === 'number' ? what.gain : 1;
    const offset = typeof what.offset === 'number' ? what.offset : 0;
    const nodata = typeof what.nodata === 'number' ? what.nodata : undefined;
    const undetect = typeof what.undetect === 'number' ? what.undetect : undefined;
    let hours = 1;
    if (quantity === 'ACRR') {
      const span = (d: GeometryValue | undefined, c: GeometryValue | undefined) => {
        const dm = /^(\d{4})(\d{2})(\d{2})$/.exec(String(d ?? ''));
        const cm = /^(\d{2})(\d{2})(\d{2})$/.exec(String(c ?? ''));
        return dm && cm
          ? Date.UTC(
              Number(dm[1]),
              Number(dm[2]) - 1,
              Number(dm[3]),
              Number(cm[1]),
              Number(cm[2]),
              Number(cm[3]),
            )
          : Number.NaN;
      };
      hours = (span(what.enddate, what.endtime) - span(what.startdate, what.starttime)) / 3_600_000;
      if (!(hours > 0))
        throw new RadarFileError(source, `${name}: ACRR without a positive start/end interval`);
    }
    const path = `${name}/data1/data`;
    const { height, width, values } = grid(dataset(file, path, source), path, source);
    const zr = options.zr ?? MARSHALL_PALMER;
    const px = height * width;
    const rainRate = new Float32Array(px);
    const valid = new Uint8Array(px);
    for (let i = 0; i < px; i++) {
      const raw = values[i] as number;
      if (raw === nodata || Number.isNaN(raw)) continue;
      valid[i] = 1;
      if (raw === undetect) continue;
      const v = gain * raw + offset;
      const rate = quantity === 'RATE' ? v : quantity === 'ACRR' ? v / hours : dbzToRainRate(v, zr);
      rainRate[i] = Math.max(0, rate);
    }
    const geometry = { ...attrs(group(file, 'where')), quantity };
    return { source, format: 'odim-h5', width, height, time, rainRate, valid, geometry, lineage: [] };
  }
  throw new RadarFileError(source, `no ODIM dataset with a supported quantity (${supported.join(', ')})`);
}

/** Which HDF5 radar convention a file follows, from its structure. */
function hdf5Kind(file: H5File): 'knmi-hdf5' | 'odim-h5' | undefined {
  const conventions = scalar(file.attrs.Conventions?.value);
  if (typeof conventions === 'string' && conventions.startsWith('ODIM_H5')) return 'odim-h5';
  if (group(file, 'image1') && group(file, 'overview')) return 'knmi-hdf5';
  return undefined;
}

/**
 * Reads a radar image in HDF5: KNMI's HDF5 (v3.x, `image1/image_data` accumulation, converted to a
 * mean rate in mm/h over its interval) or ODIM_H5 (`RATE` as is, `ACRR` over its interval, `DBZH`
 * through `options.zr`; `nodata` → no data, `undetect` → 0 mm/h). Throws a {@link RadarFileError}
 * naming `source` for a file that is not HDF5, is corrupt, or follows neither convention.
 */
export async function parseRadarHdf5(
  bytes: Uint8Array,
  source: string,
  options: OdimReadOptions = {},
): Promise<RadarFrame> {
  return withHdf5(bytes, source, (file) => {
    const kind = hdf5Kind(file);
    if (kind === 'knmi-hdf5') return readKnmi(file, source);
    if (kind === 'odim-h5') return readOdim(file, source, options);
    throw new RadarFileError(
      source,
      'HDF5 file follows neither KNMI (image1/, overview/) nor ODIM_H5 (Conventions) layout',
    );
  });
}
