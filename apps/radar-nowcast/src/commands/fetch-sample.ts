import { type OptionSpec, resolveOptions } from '@convlstm/cli';
import type { Context } from '../context.js';
import { fetchSample, SAMPLE, SAMPLE_BASE_URL } from '../sample.js';

export const FETCH_OPTIONS: readonly OptionSpec[] = [
  {
    key: 'out',
    kind: { type: 'string' },
    description: 'folder to download into',
    defaultText: 'radar-sample',
  },
  {
    key: 'baseUrl',
    kind: { type: 'string' },
    description: 'where the pysteps-data repository is served',
    defaultText: SAMPLE_BASE_URL,
  },
];

export const FETCH_HELP = `radar-nowcast fetch-sample [--out DIR] [--base-url URL]

Downloads the FMI (2016-09-28, 2017-05-09; 40 frames each), KNMI (2010-08-26, 92 frames) and
MeteoSwiss (2015-05-15, 2016-07-11, 2017-01-31; 40 frames each) radar files of the pysteps example
data into DIR/fmi/<date>/, DIR/knmi/20100826/ and DIR/mch/<date>/ (${SAMPLE.length} files,
${(SAMPLE.reduce((n, f) => n + f.size, 0) / 1e6).toFixed(1)} MB). Every file is checked against its committed SHA-256 and renamed into
place only when it matches; files already present and correct are skipped, so an interrupted
run resumes. Radar data: Finnish Meteorological Institute (CC BY 4.0); KNMI (CC BY 4.0);
MeteoSwiss; via the pysteps example data.
`;

/** `fetch-sample [--out DIR] [--base-url URL]`. */
export async function fetchSampleCommand(args: readonly string[], ctx: Context): Promise<number> {
  const { values, help } = await resolveOptions(args, FETCH_OPTIONS, {
    out: 'radar-sample',
    baseUrl: SAMPLE_BASE_URL,
  });
  if (help) {
    ctx.stdout.write(FETCH_HELP);
    return 0;
  }
  const out = String(values.out);
  let result = { downloaded: 0, present: 0 };
  await ctx.stop.graceful('stopping after this file; run fetch-sample again to resume', async (signal) => {
    result = await fetchSample(out, {
      baseUrl: String(values.baseUrl),
      signal,
      onFile: (file, status, i, total) => {
        if (status === 'downloaded') ctx.stderr.write(`[${i + 1}/${total}] ${file.path}\n`);
      },
    });
  });
  const missing = SAMPLE.length - result.downloaded - result.present;
  ctx.stdout.write(
    `${out}: ${result.downloaded} downloaded, ${result.present} already present${missing > 0 ? `, ${missing} not fetched (interrupted)` : ''}\n`,
  );
  return 0;
}
