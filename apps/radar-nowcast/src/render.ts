import { drawText, GLYPH_HEIGHT, type Rgb, RgbCanvas, textWidth } from '@convlstm/moving-mnist';

/** Attribution shown wherever the sample's data or results on it are drawn. */
export const ATTRIBUTION =
  'Radar data: Finnish Meteorological Institute (CC BY 4.0); KNMI (CC BY 4.0); via the pysteps example data.';

/**
 * The logarithmic rain-rate colour scale (mm/h): class `k` covers `[LEVELS[k], LEVELS[k+1])`;
 * below 0.1 mm/h is drawn as no rain (white), no data in grey. Blues for light rain, greens,
 * yellow–orange for moderate, reds and magenta for heavy, as on operational radar maps.
 */
export const RAIN_LEVELS: readonly number[] = [0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 50, 100];
export const RAIN_COLORS: readonly Rgb[] = [
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
export const NO_RAIN: Rgb = [255, 255, 255];
export const NO_DATA: Rgb = [190, 190, 190];
const INK: Rgb = [30, 30, 30];

/** The colour of a rain rate (mm/h), or of no data. */
export function rainColor(rate: number, valid: boolean): Rgb {
  if (!valid) return NO_DATA;
  if (!(rate >= (RAIN_LEVELS[0] as number))) return NO_RAIN;
  let k = 0;
  while (k + 1 < RAIN_LEVELS.length && rate >= (RAIN_LEVELS[k + 1] as number)) k++;
  return RAIN_COLORS[k] as Rgb;
}

/** A rain field `[H, W]` to show: rates, validity (1 = data), and a caption above it. */
export interface Panel {
  readonly rain: Float32Array;
  readonly valid: Uint8Array;
  readonly caption: string;
}

function text(canvas: RgbCanvas, s: string, x: number, y: number, scale = 1, color: Rgb = INK): void {
  drawText(s, x, y, scale, (px, py) => canvas.set(px, py, color));
}

/**
 * Draws rows of rain panels (each `width × height`, upscaled by `zoom`) with captions, a title,
 * the colour-scale legend and the data attribution.
 */
export function renderPanels(
  rows: readonly (readonly Panel[])[],
  width: number,
  height: number,
  options: { readonly title: string; readonly zoom?: number; readonly columnTitles?: readonly string[] },
): RgbCanvas {
  const zoom = options.zoom ?? 3;
  const pad = 8;
  const captionH = GLYPH_HEIGHT + 6;
  const cols = Math.max(...rows.map((r) => r.length));
  const pw = width * zoom;
  const ph = height * zoom;
  const top = 2 * captionH + pad + (options.columnTitles ? captionH : 0);
  const legendH = 3 * captionH + 10;
  const canvasW = Math.max(cols * (pw + pad) + pad, textWidth(ATTRIBUTION, 1) + 2 * pad, 560);
  const canvasH = top + rows.length * (ph + captionH + pad) + legendH;
  const canvas = new RgbCanvas(canvasW, canvasH);
  text(canvas, options.title, pad, pad, 1);
  if (options.columnTitles) {
    for (const [c, t] of options.columnTitles.entries())
      text(canvas, t, pad + c * (pw + pad), pad + 2 * captionH, 1);
  }
  for (const [r, row] of rows.entries()) {
    const y0 = top + r * (ph + captionH + pad);
    for (const [c, panel] of row.entries()) {
      const x0 = pad + c * (pw + pad);
      text(canvas, panel.caption, x0, y0, 1);
      for (let y = 0; y < height; y++) {
        for (let x = 0; x < width; x++) {
          const i = y * width + x;
          canvas.fillRect(
            x0 + x * zoom,
            y0 + captionH + y * zoom,
            zoom,
            zoom,
            rainColor(panel.rain[i] as number, panel.valid[i] === 1),
          );
        }
      }
      canvas.strokeRect(x0 - 1, y0 + captionH - 1, pw + 1, ph + 1, INK);
    }
  }
  // Legend: one swatch per class, labelled with its lower bound.
  const ly = canvasH - legendH + 4;
  text(canvas, 'rain rate (mm/h):', pad, ly, 1);
  let lx = pad + textWidth('rain rate (mm/h): ', 1);
  for (const [k, color] of RAIN_COLORS.entries()) {
    canvas.fillRect(lx, ly, 24, GLYPH_HEIGHT + 2, color);
    text(canvas, String(RAIN_LEVELS[k]), lx, ly + GLYPH_HEIGHT + 4, 1);
    lx += 34;
  }
  canvas.fillRect(lx + 6, ly, 24, GLYPH_HEIGHT + 2, NO_DATA);
  text(canvas, 'no data', lx + 6, ly + GLYPH_HEIGHT + 4, 1);
  text(canvas, ATTRIBUTION, pad, canvasH - captionH, 1);
  return canvas;
}
