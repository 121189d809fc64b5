import { drawText, GLYPH_HEIGHT, textWidth } from '../charts/font.js';
import { type GrayImage, grayImage, upscale } from './image.js';

/** Layout options of {@link composeGrid}. */
export interface GridOptions {
  /** Pixels between cells and around the border (after scaling). Default 2. */
  gap?: number;
  /** Intensity of the gaps and of empty cells, in `[0, 1]`. Default 0.3 (frames are black-backed). */
  background?: number;
  /** Integer nearest-neighbour upscaling of every cell. Default 1. */
  scale?: number;
  /** One label per row, drawn left of the row. */
  rowLabels?: readonly string[];
  /** One label per column, drawn above it. */
  columnLabels?: readonly string[];
}

/** Where {@link composeGrid} puts things, for callers and tests. */
export interface GridGeometry {
  readonly width: number;
  readonly height: number;
  readonly cellWidth: number;
  readonly cellHeight: number;
  /** Top-left pixel of cell `(row, column)`. */
  cellOrigin(row: number, column: number): { x: number; y: number };
}

const TEXT_PAD = 3;

/** Computes the grid layout for `rows × columns` cells of `cellWidth × cellHeight` source pixels. */
export function gridGeometry(
  rows: number,
  columns: number,
  cellWidth: number,
  cellHeight: number,
  options: GridOptions = {},
): GridGeometry {
  const gap = options.gap ?? 2;
  const scale = options.scale ?? 1;
  if (!Number.isInteger(gap) || gap < 0) throw new RangeError(`gap must be an integer >= 0, got ${gap}`);
  const cw = cellWidth * scale;
  const ch = cellHeight * scale;
  const labelWidth = options.rowLabels?.length
    ? Math.max(...options.rowLabels.map((l) => textWidth(l))) + 2 * TEXT_PAD
    : 0;
  const headerHeight = options.columnLabels?.length ? GLYPH_HEIGHT + 2 * TEXT_PAD : 0;
  const left = labelWidth + gap;
  const top = headerHeight + gap;
  return {
    width: left + columns * (cw + gap),
    height: top + rows * (ch + gap),
    cellWidth: cw,
    cellHeight: ch,
    cellOrigin: (row, column) => ({ x: left + column * (cw + gap), y: top + row * (ch + gap) }),
  };
}

/**
 * Places equally sized frames on a grid (`rows[r][c]`; ragged rows leave empty cells),
 * with optional row and column labels in the built-in font. Used for the PNG grid
 * (rows = input, truth, prediction; columns = frames).
 */
export function composeGrid(
  rows: readonly (readonly (GrayImage | null)[])[],
  options: GridOptions = {},
): GrayImage {
  const cells = rows.flat().filter((c): c is GrayImage => c !== null);
  const first = cells[0];
  if (first === undefined) throw new RangeError('a grid needs at least one image');
  for (const c of cells) {
    if (c.width !== first.width || c.height !== first.height) {
      throw new RangeError(
        `grid cells differ in size: ${c.width}x${c.height} vs ${first.width}x${first.height}`,
      );
    }
  }
  const columns = Math.max(...rows.map((r) => r.length));
  const geo = gridGeometry(rows.length, columns, first.width, first.height, options);
  const out = grayImage(geo.width, geo.height, options.background ?? 0.3);
  const plot = (x: number, y: number): void => {
    if (x >= 0 && y >= 0 && x < out.width && y < out.height) out.data[y * out.width + x] = 1;
  };
  rows.forEach((row, r) => {
    row.forEach((cell, c) => {
      if (cell === null) return;
      const scaled = upscale(cell, options.scale ?? 1);
      const { x, y } = geo.cellOrigin(r, c);
      for (let sy = 0; sy < scaled.height; sy++) {
        out.data.set(
          scaled.data.subarray(sy * scaled.width, (sy + 1) * scaled.width),
          (y + sy) * out.width + x,
        );
      }
    });
    const label = options.rowLabels?.[r];
    if (label) {
      const { y } = geo.cellOrigin(r, 0);
      drawText(label, TEXT_PAD, y + Math.floor((geo.cellHeight - GLYPH_HEIGHT) / 2), 1, plot);
    }
  });
  options.columnLabels?.forEach((label, c) => {
    const { x } = geo.cellOrigin(0, c);
    drawText(label, x + Math.max(0, Math.floor((geo.cellWidth - textWidth(label)) / 2)), TEXT_PAD, 1, plot);
  });
  return out;
}

/** One panel of an animation: a label and its frames. */
export interface Panel {
  readonly label: string;
  readonly frames: readonly GrayImage[];
}

/**
 * Frames of a side-by-side animation (e.g. input | truth | prediction): frame `t` shows each
 * panel's frame `t` in its own column; a panel shorter than the longest shows an empty cell.
 */
export function sideBySideFrames(
  panels: readonly Panel[],
  options: Omit<GridOptions, 'rowLabels'> = {},
): GrayImage[] {
  const length = Math.max(0, ...panels.map((p) => p.frames.length));
  if (length === 0) throw new RangeError('side-by-side animation needs at least one frame');
  const columnLabels = options.columnLabels ?? panels.map((p) => p.label);
  return Array.from({ length }, (_, t) =>
    composeGrid([panels.map((p) => p.frames[t] ?? null)], { ...options, columnLabels }),
  );
}
