import { existsSync } from 'node:fs';
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

/**
 * One event of the sample: its folder below the sample folder, its name, and its part in the
 * experiment (`split`: the first 70% of its frames train, the last 30% test).
 */
export interface SampleEvent {
  readonly folder: string;
  readonly name: string;
  readonly role: 'train' | 'test' | 'split';
  /**
   * Skipped, with a note, when its folder is absent (a user who fetched the sample before the
   * event was added, or copied only part of it); a required event's absence is an error.
   */
  readonly optional: boolean;
}

/**
 * The issue's events. Every source goes through the same {@link loadEvent} (block mean to the
 * experiment's grid, then the crop with the most coverage), whatever its native grid: FMI 760×1226,
 * KNMI 700×765 and MeteoSwiss 710×640, all 1 km and 5 minutes.
 */
export const SAMPLE_EVENTS: readonly SampleEvent[] = [
  { folder: 'fmi/20160928', name: 'FMI 2016-09-28', role: 'train', optional: false },
  { folder: 'fmi/20170509', name: 'FMI 2017-05-09', role: 'test', optional: false },
  { folder: 'knmi/20100826', name: 'KNMI 2010-08-26', role: 'split', optional: false },
  { folder: 'mch/20150515', name: 'MeteoSwiss 2015-05-15', role: 'train', optional: true },
  { folder: 'mch/20160711', name: 'MeteoSwiss 2016-07-11', role: 'train', optional: true },
  { folder: 'mch/20170131', name: 'MeteoSwiss 2017-01-31', role: 'train', optional: true },
];

/** The sample's events: folder below the sample folder, and name. */
export const EVENT_FOLDERS: readonly (readonly [string, string])[] = SAMPLE_EVENTS.map((e) => [
  e.folder,
  e.name,
]);

/** Fraction of a `split` event's frames that train. */
export const TRAIN_FRACTION = 0.7;

/**
 * Attribution for results of a run that trained on the MeteoSwiss events (the sample's
 * `SAMPLE_ATTRIBUTION` names FMI and KNMI).
 */
export const MCH_ATTRIBUTION = 'Training also used MeteoSwiss radar data (via the pysteps example data).';

/**
 * The issue's split: train FMI 2016-09-28, the first 70% of KNMI 2010-08-26 and the three
 * MeteoSwiss events; test FMI 2017-05-09 and the last 30% of KNMI. A MeteoSwiss folder that is
 * absent is skipped with a note through `warn`, and training proceeds on the other events.
 */
export async function loadExperimentEvents(
  data: string,
  grid: GridOptions,
  warn: (message: string) => void = () => {},
): Promise<{ train: RadarEvent[]; test: RadarEvent[] }> {
  const train: RadarEvent[] = [];
  const test: RadarEvent[] = [];
  for (const spec of SAMPLE_EVENTS) {
    const dir = join(data, spec.folder);
    if (spec.optional && !existsSync(dir)) {
      warn(
        `note: ${dir} is absent: training without ${spec.name} (run "radar-nowcast fetch-sample" to add it)`,
      );
      continue;
    }
    const event = await loadEvent(dir, spec.name, grid, warn);
    if (spec.role === 'train') train.push(event);
    else if (spec.role === 'test') test.push(event);
    else {
      const [first, last] = splitEvent(event, TRAIN_FRACTION);
      train.push(first);
      test.push(last);
    }
  }
  // FMI and KNMI come first, as before the MeteoSwiss events were added: their windows keep their indices.
  return { train, test };
}
