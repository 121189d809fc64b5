import { assertSize, type RgbImage } from '../images/image.js';
import { drawText } from './font.js';

/** An RGB colour, bytes. */
export type Rgb = readonly [number, number, number];

/** A minimal RGB raster with clipped drawing primitives: enough for line charts. */
export class RgbCanvas implements RgbImage {
  readonly data: Uint8Array;

  constructor(
    readonly width: number,
    readonly height: number,
    background: Rgb = [255, 255, 255],
  ) {
    assertSize(width, height);
    this.data = new Uint8Array(width * height * 3);
    for (let i = 0; i < width * height; i++) this.data.set(background, 3 * i);
  }

  /** Sets one pixel; outside the canvas is ignored. */
  set(x: number, y: number, color: Rgb): void {
    const px = Math.round(x);
    const py = Math.round(y);
    if (px < 0 || py < 0 || px >= this.width || py >= this.height) return;
    this.data.set(color, 3 * (py * this.width + px));
  }

  /** The colour at `(x, y)`. */
  get(x: number, y: number): Rgb {
    const i = 3 * (y * this.width + x);
    return [this.data[i] as number, this.data[i + 1] as number, this.data[i + 2] as number];
  }

  fillRect(x: number, y: number, w: number, h: number, color: Rgb): void {
    for (let py = Math.round(y); py < Math.round(y + h); py++) {
      for (let px = Math.round(x); px < Math.round(x + w); px++) this.set(px, py, color);
    }
  }

  strokeRect(x: number, y: number, w: number, h: number, color: Rgb): void {
    this.line(x, y, x + w, y, color);
    this.line(x, y + h, x + w, y + h, color);
    this.line(x, y, x, y + h, color);
    this.line(x + w, y, x + w, y + h, color);
  }

  /**
   * A line from `(x0, y0)` to `(x1, y1)` (Bresenham), `thickness` pixels wide, optionally
   * clipped to `clip` (the plot area) so out-of-range values do not draw over the axes.
   */
  line(
    x0: number,
    y0: number,
    x1: number,
    y1: number,
    color: Rgb,
    thickness = 1,
    clip?: { x: number; y: number; w: number; h: number },
  ): void {
    let x = Math.round(x0);
    let y = Math.round(y0);
    const xe = Math.round(x1);
    const ye = Math.round(y1);
    const dx = Math.abs(xe - x);
    const dy = -Math.abs(ye - y);
    const sx = x < xe ? 1 : -1;
    const sy = y < ye ? 1 : -1;
    let err = dx + dy;
    const half = Math.floor((thickness - 1) / 2);
    // A bound on the loop protects against huge coordinates from a degenerate scale.
    for (let guard = 0; guard < 100_000; guard++) {
      for (let oy = -half; oy < thickness - half; oy++) {
        for (let ox = -half; ox < thickness - half; ox++) {
          const px = x + ox;
          const py = y + oy;
          if (clip && (px < clip.x || py < clip.y || px > clip.x + clip.w || py > clip.y + clip.h)) continue;
          this.set(px, py, color);
        }
      }
      if (x === xe && y === ye) break;
      const e2 = 2 * err;
      if (e2 >= dy) {
        err += dy;
        x += sx;
      }
      if (e2 <= dx) {
        err += dx;
        y += sy;
      }
    }
  }

  /** Text in the built-in 5×7 font, top-left at `(x, y)`. */
  text(text: string, x: number, y: number, color: Rgb, scale = 1): void {
    drawText(text, Math.round(x), Math.round(y), scale, (px, py) => this.set(px, py, color));
  }

  /** Text rotated 90° counter-clockwise (reads bottom to top), its bottom-left at `(x, y)`. */
  verticalText(text: string, x: number, y: number, color: Rgb, scale = 1): void {
    drawText(text, 0, 0, scale, (px, py) => this.set(Math.round(x) + py, Math.round(y) - px, color));
  }
}
