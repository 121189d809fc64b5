/** The file formats the readers understand. */
export type RadarFormat = 'fmi-pgm' | 'knmi-hdf5' | 'odim-h5' | 'mch-gif';

/** A metadata value copied from a file: strings and numbers as the file stores them. */
export type GeometryValue = string | number | readonly number[];

/**
 * One radar image as rain rate. Grids are row-major `[H, W]` (row 0 is the file's first row, which
 * for every format read is the northern edge); `rainRate[y * width + x]`.
 */
export interface RadarFrame {
  /** File name (or the name a caller gave the bytes), for messages and provenance. */
  readonly source: string;
  readonly format: RadarFormat;
  readonly width: number;
  readonly height: number;
  /** Nominal observation time (UTC) as the file states it; for accumulations, the end of the interval. */
  readonly time: Date;
  /** Rain rate in mm/h, `[H, W]`; 0 where {@link RadarFrame.valid} is 0. */
  readonly rainRate: Float32Array;
  /** `[H, W]`: 1 where the pixel holds a measurement (rain or no rain), 0 where there is no data. */
  readonly valid: Uint8Array;
  /**
   * Projection and grid metadata exactly as the file gives it (FMI header comments, KNMI
   * `geographic` attributes, ODIM `where` attributes; MeteoSwiss GIFs carry none, so theirs are the
   * comment's product fields and the fixed Swiss CCS4 domain); not interpreted, and not updated by crops,
   * aggregation or flips — {@link RadarFrame.lineage} records those.
   */
  readonly geometry: Readonly<Record<string, GeometryValue>>;
  /** The grid operations applied since reading, in order (e.g. `crop x=10 y=20 64x48`). */
  readonly lineage: readonly string[];
}

/** Fraction of pixels without data. */
export function noDataFraction(frame: RadarFrame): number {
  let missing = 0;
  for (let i = 0; i < frame.valid.length; i++) if (frame.valid[i] === 0) missing++;
  return frame.valid.length === 0 ? 0 : missing / frame.valid.length;
}
