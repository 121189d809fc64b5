import type { RgbImage } from '../images/image.js';
import { type Rgb, RgbCanvas } from './canvas.js';
import { GLYPH_HEIGHT, textWidth } from './font.js';
import { formatTick, niceTicks } from './ticks.js';

/** One line of a chart. */
export interface Series {
  readonly name: string;
  /** y values; non-finite values leave a gap. */
  readonly values: readonly number[];
  /** x values (default 1, 2, 3, …: lead times). */
  readonly x?: readonly number[];
  /** Default: the next colour of a colour-blind-safe palette. */
  readonly color?: Rgb;
  /** Draw a square at each point (default: when the series has at most 40 points). */
  readonly markers?: boolean;
  /** Line width in pixels. Default 2. */
  readonly thickness?: number;
}

/** Options of {@link renderLineChart}. */
export interface LineChartOptions {
  readonly title: string;
  readonly xLabel: string;
  readonly yLabel: string;
  readonly series: readonly Series[];
  /** Default 640. */
  readonly width?: number;
  /** Default 400. */
  readonly height?: number;
  /** Only integer x ticks (lead times, steps). Default true. */
  readonly integerX?: boolean;
}

/** Okabe–Ito colours: distinguishable with the common colour-vision deficiencies. */
export const PALETTE: readonly Rgb[] = [
  [0, 114, 178],
  [230, 159, 0],
  [0, 158, 115],
  [204, 121, 167],
  [86, 180, 233],
  [213, 94, 0],
  [120, 120, 120],
];

const AXIS: Rgb = [40, 40, 40];
const GRID: Rgb = [225, 225, 225];

/** Renders a line chart (axes, ticks, grid, labels, legend) to an RGB image. */
export function renderLineChart(options: LineChartOptions): RgbImage {
  const width = options.width ?? 640;
  const height = options.height ?? 400;
  const canvas = new RgbCanvas(width, height);
  const points = options.series.map((s) =>
    s.values
      .map((y, i) => ({ x: s.x?.[i] ?? i + 1, y }))
      .filter((p) => Number.isFinite(p.y) && Number.isFinite(p.x)),
  );
  const all = points.flat();
  const xs = niceTicks(
    all.length ? Math.min(...all.map((p) => p.x)) : 0,
    all.length ? Math.max(...all.map((p) => p.x)) : 1,
    8,
  );
  if (options.integerX ?? true) {
    const step = Math.max(1, Math.round(xs.ticks[1]! - xs.ticks[0]!));
    xs.ticks = xs.ticks.filter((t) => Number.isInteger(t) && t % step === 0);
  }
  const ys = niceTicks(
    all.length ? Math.min(...all.map((p) => p.y)) : 0,
    all.length ? Math.max(...all.map((p) => p.y)) : 1,
    6,
  );
  const yStep = (ys.ticks[1] ?? 1) - (ys.ticks[0] ?? 0);
  const xStep = (xs.ticks[1] ?? 1) - (xs.ticks[0] ?? 0);
  const yLabels = ys.ticks.map((t) => formatTick(t, yStep));
  const left = 22 + Math.max(...yLabels.map((l) => textWidth(l))) + 8;
  const plot = { x: left, y: 36, w: width - left - 20, h: height - 36 - 44 };
  const px = (x: number): number => plot.x + ((x - xs.min) / (xs.max - xs.min || 1)) * plot.w;
  const py = (y: number): number => plot.y + plot.h - ((y - ys.min) / (ys.max - ys.min || 1)) * plot.h;

  canvas.text(options.title, (width - textWidth(options.title, 2)) / 2, 8, AXIS, 2);
  ys.ticks.forEach((t, i) => {
    const y = py(t);
    canvas.line(plot.x, y, plot.x + plot.w, y, GRID);
    canvas.line(plot.x - 4, y, plot.x, y, AXIS);
    const label = yLabels[i] as string;
    canvas.text(label, plot.x - 7 - textWidth(label), y - 3, AXIS);
  });
  for (const t of xs.ticks) {
    const x = px(t);
    canvas.line(x, plot.y, x, plot.y + plot.h, GRID);
    canvas.line(x, plot.y + plot.h, x, plot.y + plot.h + 4, AXIS);
    const label = formatTick(t, xStep);
    canvas.text(label, x - textWidth(label) / 2, plot.y + plot.h + 8, AXIS);
  }
  canvas.line(plot.x, plot.y, plot.x, plot.y + plot.h, AXIS);
  canvas.line(plot.x, plot.y + plot.h, plot.x + plot.w, plot.y + plot.h, AXIS);
  canvas.text(options.xLabel, plot.x + (plot.w - textWidth(options.xLabel)) / 2, height - 14, AXIS);
  canvas.verticalText(options.yLabel, 6, plot.y + (plot.h + textWidth(options.yLabel)) / 2, AXIS);

  options.series.forEach((s, k) => {
    const color = s.color ?? (PALETTE[k % PALETTE.length] as Rgb);
    const thickness = s.thickness ?? 2;
    const markers = s.markers ?? s.values.length <= 40;
    let previous: { x: number; y: number } | null = null;
    s.values.forEach((y, i) => {
      const xv = s.x?.[i] ?? i + 1;
      if (!Number.isFinite(y) || !Number.isFinite(xv)) {
        previous = null;
        return;
      }
      const p = { x: px(xv), y: py(y) };
      if (previous) canvas.line(previous.x, previous.y, p.x, p.y, color, thickness, plot);
      if (markers) canvas.fillRect(p.x - 2, p.y - 2, 5, 5, color);
      previous = p;
    });
  });

  // Legend in the top-right corner of the plot, on a white box so lines do not hide it.
  const named = options.series.filter((s) => s.name.length > 0);
  if (named.length > 0) {
    const boxW = Math.max(...named.map((s) => textWidth(s.name))) + 34;
    const boxH = named.length * (GLYPH_HEIGHT + 6) + 6;
    const bx = plot.x + plot.w - boxW - 6;
    const by = plot.y + 6;
    canvas.fillRect(bx, by, boxW, boxH, [255, 255, 255]);
    canvas.strokeRect(bx, by, boxW, boxH, [170, 170, 170]);
    options.series.forEach((s, k) => {
      if (s.name.length === 0) return;
      const row = named.indexOf(s);
      const color = s.color ?? (PALETTE[k % PALETTE.length] as Rgb);
      const y = by + 6 + row * (GLYPH_HEIGHT + 6);
      canvas.line(bx + 6, y + 3, bx + 22, y + 3, color, 2);
      canvas.text(s.name, bx + 28, y, AXIS);
    });
  }
  return { width, height, data: canvas.data };
}
