import { assertInt, ConvLSTMArgumentError, describeValue } from '@convlstm/tensor';

/** Options of {@link findSequenceWindows}. */
export interface WindowOptions {
  /** Frames per window (inputs + outputs). */
  readonly length: number;
  /** Expected time between frames in ms; default 5 minutes. */
  readonly stepMs?: number;
  /** Frames between the starts of consecutive windows; default 1. */
  readonly stride?: number;
}

/** A break in a time series: the step from `before` to `after` is not the expected one. */
export interface TimeGap {
  /** Index of the last frame before the gap. */
  readonly index: number;
  readonly before: Date;
  readonly after: Date;
}

/** Windows of consecutive frames, and the gaps that split the series. */
export interface SequenceWindows {
  /** Start index of each window; window `i` is frames `starts[i] … starts[i] + length − 1`. */
  readonly starts: readonly number[];
  readonly gaps: readonly TimeGap[];
}

/**
 * Windows of `length` frames at exactly `stepMs` apart, from times sorted ascending. A window never
 * spans a gap (a missing or irregular step): gaps are reported, never bridged. Throws on unsorted
 * or duplicate times.
 */
export function findSequenceWindows(times: readonly Date[], options: WindowOptions): SequenceWindows {
  const { length } = options;
  const stepMs = options.stepMs ?? 300_000;
  const stride = options.stride ?? 1;
  assertInt(length, 'length', 1);
  assertInt(stride, 'stride', 1);
  if (!(stepMs > 0) || !Number.isFinite(stepMs))
    throw new ConvLSTMArgumentError('stepMs', 'a finite duration > 0', describeValue(stepMs));
  const gaps: TimeGap[] = [];
  for (let i = 1; i < times.length; i++) {
    const a = (times[i - 1] as Date).getTime();
    const b = (times[i] as Date).getTime();
    if (Number.isNaN(a) || Number.isNaN(b))
      throw new ConvLSTMArgumentError(
        `times[${Number.isNaN(a) ? i - 1 : i}]`,
        'a valid date',
        'Invalid Date',
      );
    if (b <= a) {
      throw new ConvLSTMArgumentError(
        `times[${i}]`,
        `a time after times[${i - 1}] (${new Date(a).toISOString()})`,
        new Date(b).toISOString(),
      );
    }
    if (b - a !== stepMs) gaps.push({ index: i - 1, before: new Date(a), after: new Date(b) });
  }
  const starts: number[] = [];
  // Runs of regularly spaced frames lie between gaps; windows are cut inside each run.
  let runStart = 0;
  const runEnds = [...gaps.map((g) => g.index), times.length - 1];
  for (const runEnd of runEnds) {
    for (let s = runStart; s + length - 1 <= runEnd; s += stride) starts.push(s);
    runStart = runEnd + 1;
  }
  return { starts, gaps };
}
