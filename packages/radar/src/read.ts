import { RadarFileError } from './errors.js';
import { isGzip, parseFmiPgm } from './fmi.js';
import type { RadarFrame } from './frame.js';
import { isHdf5, parseRadarHdf5 } from './hdf5.js';
import { isGif, parseMchGif } from './mch.js';
import type { ZRRelation } from './zr.js';

/** Options of {@link parseRadarFile}. */
export interface RadarReadOptions {
  /**
   * Z–R relation for files that store reflectivity; default the source's own (FMI's `Z = 223 R^1.53`
   * for FMI composites, Marshall–Palmer for ODIM `DBZH`). MeteoSwiss GIFs always use their product's own
   * table (`mchIndexToRainRate`).
   */
  readonly zr?: ZRRelation;
}

/**
 * Reads one radar image from its bytes, recognising the format from the content (not the name):
 * FMI PGM (gzipped or not), KNMI HDF5, ODIM_H5 or MeteoSwiss AQC/CPC GIF. `source` names the file in errors and in the
 * frame. Throws a {@link RadarFileError} for an unknown or corrupt file.
 */
export async function parseRadarFile(
  bytes: Uint8Array,
  source: string,
  options: RadarReadOptions = {},
): Promise<RadarFrame> {
  if (bytes.length === 0) throw new RadarFileError(source, 'empty file');
  if (isGzip(bytes) || (bytes[0] === 0x50 && bytes[1] === 0x35)) return parseFmiPgm(bytes, source, options);
  if (isHdf5(bytes)) return parseRadarHdf5(bytes, source, options);
  if (isGif(bytes)) return parseMchGif(bytes, source);
  const head = Array.from(bytes.subarray(0, 8), (b) => b.toString(16).padStart(2, '0')).join(' ');
  throw new RadarFileError(
    source,
    `unknown format (first bytes ${head}); expected FMI PGM(.gz), KNMI HDF5, ODIM_H5 or MeteoSwiss GIF`,
  );
}
