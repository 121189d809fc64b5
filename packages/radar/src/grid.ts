import { assertInt, ConvLSTMArgumentError, describeValue } from '@convlstm/tensor';
import type { RadarFrame } from './frame.js';

/** A rectangle of a grid, in pixels: columns `x … x+width−1`, rows `y … y+height−1`. */
export interface CropWindow {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

/** The frame restricted to `window`, which must lie inside the grid. */
export function cropFrame(frame: RadarFrame, window: CropWindow): RadarFrame {
  const { x, y, width, height } = window;
  assertInt(x, 'window.x', 0);
  assertInt(y, 'window.y', 0);
  assertInt(width, 'window.width', 1);
  assertInt(height, 'window.height', 1);
  if (x + width > frame.width || y + height > frame.height) {
    throw new ConvLSTMArgumentError(
      'window',
      `a window inside the ${frame.width}x${frame.height} grid`,
      `x=${x} y=${y} ${width}x${height}`,
    );
  }
  const rainRate = new Float32Array(width * height);
  const valid = new Uint8Array(width * height);
  for (let r = 0; r < height; r++) {
    const from = (y + r) * frame.width + x;
    rainRate.set(frame.rainRate.subarray(from, from + width), r * width);
    valid.set(frame.valid.subarray(from, from + width), r * width);
  }
  return {
    ...frame,
    width,
    height,
    rainRate,
    valid,
    lineage: [...frame.lineage, `crop x=${x} y=${y} ${width}x${height}`],
  };
}

/** Options of {@link aggregateFrame}. */
export interface AggregateOptions {
  /**
   * A coarse pixel is valid when at least this fraction of its fine pixels is; default 0.5. Its
   * rain rate is the mean over its valid fine pixels only, so no-data never counts as "no rain".
   */
  readonly minValidFraction?: number;
}

/**
 * Block-mean aggregation to a grid `factor` times coarser in both directions (1 km → 4 km with
 * factor 4), respecting the mask. Rows and columns that do not fill a whole block are dropped.
 */
export function aggregateFrame(
  frame: RadarFrame,
  factor: number,
  options: AggregateOptions = {},
): RadarFrame {
  assertInt(factor, 'factor', 1);
  const minValidFraction = options.minValidFraction ?? 0.5;
  if (!(minValidFraction > 0 && minValidFraction <= 1)) {
    throw new ConvLSTMArgumentError(
      'minValidFraction',
      'a number in (0, 1]',
      describeValue(minValidFraction),
    );
  }
  const width = Math.floor(frame.width / factor);
  const height = Math.floor(frame.height / factor);
  if (width < 1 || height < 1) {
    throw new ConvLSTMArgumentError(
      'factor',
      `at most the grid's smaller side (${Math.min(frame.width, frame.height)})`,
      String(factor),
    );
  }
  const rainRate = new Float32Array(width * height);
  const valid = new Uint8Array(width * height);
  const need = minValidFraction * factor * factor;
  for (let by = 0; by < height; by++) {
    for (let bx = 0; bx < width; bx++) {
      let sum = 0;
      let count = 0;
      for (let dy = 0; dy < factor; dy++) {
        const row = (by * factor + dy) * frame.width + bx * factor;
        for (let dx = 0; dx < factor; dx++) {
          if (frame.valid[row + dx] === 1) {
            sum += frame.rainRate[row + dx] as number;
            count++;
          }
        }
      }
      if (count > 0 && count >= need - 1e-9) {
        valid[by * width + bx] = 1;
        rainRate[by * width + bx] = sum / count;
      }
    }
  }
  return {
    ...frame,
    width,
    height,
    rainRate,
    valid,
    lineage: [...frame.lineage, `aggregate ${factor}x${factor}`],
  };
}

/** The grid operations of augmentation: mirror images and quarter turns. */
export type Augmentation = 'flipHorizontal' | 'flipVertical' | 'rotate90' | 'rotate180' | 'rotate270';

/** Every augmentation, for iterating. */
export const AUGMENTATIONS: readonly Augmentation[] = [
  'flipHorizontal',
  'flipVertical',
  'rotate90',
  'rotate180',
  'rotate270',
];

/**
 * Source pixel `(sx, sy)` of output pixel `(x, y)` under an augmentation of a `w × h` grid.
 * Rotations are counter-clockwise as seen on the map (row 0 at the top).
 */
function sourceOf(aug: Augmentation, x: number, y: number, w: number, h: number): [number, number] {
  switch (aug) {
    case 'flipHorizontal':
      return [w - 1 - x, y];
    case 'flipVertical':
      return [x, h - 1 - y];
    case 'rotate180':
      return [w - 1 - x, h - 1 - y];
    case 'rotate90':
      // Output is h wide and w tall: its top row is the source's right column.
      return [w - 1 - y, x];
    case 'rotate270':
      return [y, h - 1 - x];
  }
}

/** Applies one augmentation to a `[H, W]` grid; returns the new grid and its size. */
export function augmentGrid<T extends Float32Array | Uint8Array>(
  grid: T,
  width: number,
  height: number,
  aug: Augmentation,
): { grid: T; width: number; height: number } {
  if (!AUGMENTATIONS.includes(aug)) {
    throw new ConvLSTMArgumentError('augmentation', AUGMENTATIONS.join(' | '), describeValue(aug));
  }
  if (grid.length !== width * height) {
    throw new ConvLSTMArgumentError(
      'grid',
      `${width * height} values (${height}x${width})`,
      `${grid.length} values`,
    );
  }
  const turned = aug === 'rotate90' || aug === 'rotate270';
  const outW = turned ? height : width;
  const outH = turned ? width : height;
  const out = new (grid.constructor as new (n: number) => T)(grid.length);
  for (let y = 0; y < outH; y++) {
    for (let x = 0; x < outW; x++) {
      const [sx, sy] = sourceOf(aug, x, y, width, height);
      out[y * outW + x] = grid[sy * width + sx] as number;
    }
  }
  return { grid: out, width: outW, height: outH };
}

/** A frame mirrored or turned (rain rate and mask alike); see {@link augmentGrid}. */
export function augmentFrame(frame: RadarFrame, aug: Augmentation): RadarFrame {
  const rate = augmentGrid(frame.rainRate, frame.width, frame.height, aug);
  const mask = augmentGrid(frame.valid, frame.width, frame.height, aug);
  return {
    ...frame,
    width: rate.width,
    height: rate.height,
    rainRate: rate.grid,
    valid: mask.grid,
    lineage: [...frame.lineage, aug],
  };
}
