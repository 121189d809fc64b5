/** An RGB colour, bytes. */
export type RgbColor = readonly [number, number, number];

/**
 * The logarithmic rain-rate colour scale (mm/h) used by every picture of the project: class `k`
 * covers `[RAIN_LEVELS[k], RAIN_LEVELS[k+1])`; below 0.1 mm/h is no rain (white), no data grey.
 * Blues for light rain, greens, yellow–orange for moderate, reds and magenta for heavy, as on
 * operational radar maps.
 */
export const RAIN_LEVELS: readonly number[] = [0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 50, 100];
export const RAIN_COLORS: readonly RgbColor[] = [
  [198, 219, 239],
  [107, 174, 214],
  [33, 113, 181],
  [116, 196, 118],
  [35, 139, 69],
  [254, 217, 118],
  [253, 141, 60],
  [227, 26, 28],
  [128, 0, 38],
  [197, 27, 138],
];
export const NO_RAIN_COLOR: RgbColor = [255, 255, 255];
export const NO_DATA_COLOR: RgbColor = [190, 190, 190];

/** The colour of a rain rate (mm/h), or of no data. */
export function rainColor(rate: number, valid: boolean): RgbColor {
  if (!valid) return NO_DATA_COLOR;
  if (!(rate >= (RAIN_LEVELS[0] as number))) return NO_RAIN_COLOR;
  let k = 0;
  while (k + 1 < RAIN_LEVELS.length && rate >= (RAIN_LEVELS[k + 1] as number)) k++;
  return RAIN_COLORS[k] as RgbColor;
}

/** Data attribution of the pysteps sample (FMI, KNMI), to show wherever it or results on it are shown. */
export const SAMPLE_ATTRIBUTION =
  'Radar data: Finnish Meteorological Institute (CC BY 4.0); KNMI (CC BY 4.0); via the pysteps example data.';
