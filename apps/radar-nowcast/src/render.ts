import { drawText, GLYPH_HEIGHT, type Rgb, RgbCanvas, textWidth } from '@convlstm/pictures';
import {
  NO_DATA_COLOR,
  NO_RAIN_COLOR,
  RAIN_COLORS,
  RAIN_LEVELS,
  rainColor,
  SAMPLE_ATTRIBUTION,
} from '@convlstm/radar';

/** Attribution shown wherever the sample's data or results on it are drawn. */
export const ATTRIBUTION = SAMPLE_ATTRIBUTION;
export { NO_DATA_COLOR as NO_DATA, NO_RAIN_COLOR as NO_RAIN, RAIN_COLORS, RAIN_LEVELS, rainColor };

const INK: Rgb = [30, 30, 30];

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
  canvas.fillRect(lx + 6, ly, 24, GLYPH_HEIGHT + 2, NO_DATA_COLOR);
  text(canvas, 'no data', lx + 6, ly + GLYPH_HEIGHT + 4, 1);
  text(canvas, ATTRIBUTION, pad, canvasH - captionH, 1);
  return canvas;
}
