import { OperationalError, UsageError } from '@convlstm/cli';
import { DEFAULT_THRESHOLDS, noDataFraction, RadarFileError, type RadarFrame } from '@convlstm/radar';
import { readRadarFile } from '@convlstm/radar/node';
import type { Context } from '../context.js';

/** What `inspect` reports for one file. */
export interface FrameSummary {
  readonly file: string;
  readonly format: string;
  readonly width: number;
  readonly height: number;
  readonly time: string;
  readonly units: 'mm/h';
  readonly noDataFraction: number;
  readonly meanRainRate: number;
  readonly maxRainRate: number;
  /** Fraction of the valid pixels at or above each threshold (mm/h), thresholds ascending. */
  readonly fractionAbove: readonly { readonly threshold: number; readonly fraction: number }[];
}

/** The summary of one frame (means and fractions over its valid pixels). */
export function summarize(frame: RadarFrame): FrameSummary {
  let n = 0;
  let sum = 0;
  let max = 0;
  const above = DEFAULT_THRESHOLDS.map(() => 0);
  for (let i = 0; i < frame.valid.length; i++) {
    if (frame.valid[i] !== 1) continue;
    const r = frame.rainRate[i] as number;
    n++;
    sum += r;
    if (r > max) max = r;
    for (const [k, t] of DEFAULT_THRESHOLDS.entries()) if (r >= t) above[k] = (above[k] as number) + 1;
  }
  return {
    file: frame.source,
    format: frame.format,
    width: frame.width,
    height: frame.height,
    time: frame.time.toISOString(),
    units: 'mm/h',
    noDataFraction: noDataFraction(frame),
    meanRainRate: n === 0 ? 0 : sum / n,
    maxRainRate: max,
    fractionAbove: DEFAULT_THRESHOLDS.map((threshold, k) => ({
      threshold,
      fraction: n === 0 ? 0 : (above[k] as number) / n,
    })),
  };
}

function line(s: FrameSummary): string {
  const above = s.fractionAbove
    .map(({ threshold, fraction }) => `>=${threshold}:${(100 * fraction).toFixed(1)}%`)
    .join(' ');
  return (
    `${s.file}  ${s.format} ${s.width}x${s.height}  ${s.time}  no-data ${(100 * s.noDataFraction).toFixed(1)}%  ` +
    `mean ${s.meanRainRate.toFixed(3)} max ${s.maxRainRate.toFixed(2)} mm/h  ${above}`
  );
}

export const INSPECT_HELP = `radar-nowcast inspect FILE... [--json]

One line per radar file (FMI PGM(.gz), KNMI HDF5, ODIM_H5): format, grid, time (UTC), no-data
fraction, mean and max rain rate (mm/h) and the fraction of covered pixels at or above 0.5, 1,
2, 5 and 10 mm/h. --json prints one JSON object per line instead. A file that cannot be read is
reported on stderr and the exit code is 1.
`;

/** `inspect FILE… [--json]`. */
export async function inspectCommand(args: readonly string[], ctx: Context): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) {
    ctx.stdout.write(INSPECT_HELP);
    return 0;
  }
  const json = args.includes('--json');
  const unknown = args.filter((a) => a.startsWith('--') && a !== '--json');
  if (unknown.length > 0)
    throw new UsageError(`unknown option ${unknown[0]} (inspect takes FILE... and --json)`);
  const files = args.filter((a) => !a.startsWith('--'));
  if (files.length === 0) throw new UsageError('no FILE given');
  let failed = 0;
  for (const file of files) {
    try {
      const summary = summarize(await readRadarFile(file));
      ctx.stdout.write(`${json ? JSON.stringify(summary) : line(summary)}\n`);
    } catch (error) {
      if (!(error instanceof RadarFileError)) throw error;
      failed++;
      ctx.stderr.write(`radar-nowcast inspect: error: ${error.message}\n`);
    }
  }
  if (failed > 0 && failed === files.length)
    throw new OperationalError(`none of the ${files.length} files could be read`);
  return failed > 0 ? 1 : 0;
}
