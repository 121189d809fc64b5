import { join } from 'node:path';
import { OperationalError } from '@convlstm/cli';
import {
  aggregateFrame,
  cropFrame,
  findSequenceWindows,
  type RadarEvent,
  type RadarFrame,
} from '@convlstm/radar';
import { readRadarFolder } from '@convlstm/radar/node';

/** How the experiment's grid is made from the 1 km composites. */
export interface GridOptions {
  /** Block-mean aggregation factor (8: 1 km → 8 km). */
  readonly factor: number;
  /** Side of the square crop, in aggregated pixels. */
  readonly size: number;
}

/**
 * The square window of `size` with the most covered pixels (ties: the most central), chosen from the
 * coverage mask only (never from the rain), so it is the same for every frame of a source.
 */
export function coverageWindow(
  frame: RadarFrame,
  size: number,
): { x: number; y: number; width: number; height: number } {
  if (frame.width < size || frame.height < size) {
    throw new OperationalError(
      `${frame.source}: the ${frame.width}x${frame.height} grid is smaller than the ${size}x${size} crop`,
    );
  }
  let best = { x: 0, y: 0, covered: -1, off: Number.POSITIVE_INFINITY };
  for (let y = 0; y + size <= frame.height; y++) {
    for (let x = 0; x + size <= frame.width; x++) {
      let covered = 0;
      for (let r = 0; r < size; r++)
        for (let c = 0; c < size; c++) covered += frame.valid[(y + r) * frame.width + x + c] as number;
      const off = Math.abs(x + size / 2 - frame.width / 2) + Math.abs(y + size / 2 - frame.height / 2);
      if (covered > best.covered || (covered === best.covered && off < best.off))
        best = { x, y, covered, off };
    }
  }
  return { x: best.x, y: best.y, width: size, height: size };
}

/** The frames of a window: 6 in, 12 out (the experiment's). */
export const WINDOW_FRAMES = 18;

const hhmm = (d: Date): string => d.toISOString().slice(11, 16);

/**
 * A warning per gap in an event's frames (a missing or irregular 5-minute step), naming it and
 * the windows of `length` frames that are skipped because they would span it; `[]` when the
 * series is regular. Windows never bridge a gap (`findSequenceWindows`); this says so.
 */
export function gapWarnings(event: RadarEvent, length = WINDOW_FRAMES): string[] {
  const times = event.frames.map((f) => f.time);
  const { starts, gaps } = findSequenceWindows(times, { length });
  if (gaps.length === 0) return [];
  const unbroken = Math.max(0, times.length - length + 1);
  const lines = gaps.map((g) => {
    const missing = Math.round((g.after.getTime() - g.before.getTime()) / 300_000) - 1;
    return `${event.name}: ${missing > 0 ? `${missing} frame(s) missing` : 'an irregular step'} between ${hhmm(g.before)} and ${hhmm(g.after)} UTC`;
  });
  lines.push(
    `${event.name}: ${unbroken - starts.length} of ${unbroken} windows of ${length} frames span a gap and are skipped`,
  );
  return lines.map((l) => `warning: ${l}`);
}

/** Reads one event folder, aggregates and crops every frame to the same window. */
export async function loadEvent(
  dir: string,
  name: string,
  grid: GridOptions,
  warn: (message: string) => void = () => {},
): Promise<RadarEvent> {
  const raw = await readRadarFolder(dir);
  if (raw.length === 0)
    throw new OperationalError(`${dir}: no radar files`, { hint: 'run "radar-nowcast fetch-sample" first' });
  const coarse = raw.map((f) => aggregateFrame(f, grid.factor));
  // The window is chosen on the union of coverage over the event's frames' first frame.
  const window = coverageWindow(coarse[0] as RadarFrame, grid.size);
  const event = { name, frames: coarse.map((f) => cropFrame(f, window)) };
  for (const line of gapWarnings(event)) warn(line);
  return event;
}

/** Splits an event at a fraction of its frames: the windows of each part never overlap. */
export function splitEvent(event: RadarEvent, fraction: number): [RadarEvent, RadarEvent] {
  const cut = Math.round(event.frames.length * fraction);
  return [
    { name: `${event.name} (first ${Math.round(100 * fraction)}%)`, frames: event.frames.slice(0, cut) },
    { name: `${event.name} (last ${Math.round(100 * (1 - fraction))}%)`, frames: event.frames.slice(cut) },
  ];
}

/** The sample's events: folder below the sample folder, and name. */
export const EVENT_FOLDERS: readonly (readonly [string, string])[] = [
  ['fmi/20160928', 'FMI 2016-09-28'],
  ['fmi/20170509', 'FMI 2017-05-09'],
  ['knmi/20100826', 'KNMI 2010-08-26'],
];

/** The issue's split: train FMI 2016-09-28 + first 70% of KNMI; test FMI 2017-05-09 + last 30% of KNMI. */
export async function loadExperimentEvents(
  data: string,
  grid: GridOptions,
  warn: (message: string) => void = () => {},
): Promise<{ train: RadarEvent[]; test: RadarEvent[] }> {
  const fmiTrain = await loadEvent(join(data, 'fmi/20160928'), 'FMI 2016-09-28', grid, warn);
  const fmiTest = await loadEvent(join(data, 'fmi/20170509'), 'FMI 2017-05-09', grid, warn);
  const knmi = await loadEvent(join(data, 'knmi/20100826'), 'KNMI 2010-08-26', grid, warn);
  const [knmiTrain, knmiTest] = splitEvent(knmi, 0.7);
  return { train: [fmiTrain, knmiTrain], test: [fmiTest, knmiTest] };
}
