import { join } from 'node:path';
import { useNodeBackend } from '@convlstm/backend-node';
import {
  assertDirectory,
  type OptionSpec,
  prepareOutputDir,
  resolveOptions,
  UsageError,
} from '@convlstm/cli';
import { writeFileAtomic } from '@convlstm/files';
import { parseCompactUtc } from '@convlstm/radar';
import { loadCheckpoint } from '@convlstm/train/node';
import { BUNDLED_RUN } from '../bundled-model.js';
import type { Context } from '../context.js';
import { EVENT_FOLDERS, loadEvent } from '../data.js';
import { nowcastGif, nowcastPng } from '../nowcast.js';
import { readRunConfig } from './experiment.js';

export const NOWCAST_OPTIONS: readonly OptionSpec[] = [
  {
    key: 'at',
    kind: { type: 'string' },
    description: 'issue time, UTC: YYYY-MM-DDTHH:MM or YYYYMMDDHHMM (the last input frame)',
  },
  { key: 'data', kind: { type: 'string' }, description: 'sample folder', defaultText: 'radar-sample' },
  {
    key: 'run',
    kind: { type: 'string' },
    description: 'a run folder (its checkpoint/ and run.json)',
    defaultText: 'the model bundled in models/bundled',
  },
  {
    key: 'out',
    kind: { type: 'string' },
    description: 'output folder',
    defaultText: '<run>/nowcast-<time>; nowcast-<time> with the bundled model',
  },
  { key: 'force', kind: { type: 'boolean' }, description: 'replace a non-empty output folder' },
];

export const NOWCAST_HELP = `radar-nowcast nowcast --at TIME [--run DIR] [--data DIR] [--out DIR] [--force]

Nowcasts the next hour from the 30 minutes of radar frames ending at TIME with the run's
ConvLSTM (without --run, the bundled model: the README experiment's Lagrangian ConvLSTM), as it
comes out and probability-matched to the last observation's rain-rate distribution, and with optical-flow extrapolation, and draws them next to the observation:
nowcast.png (+15, +30, +60 min) and nowcast.gif (every 5 minutes), with the logarithmic rain-rate
colour scale, its legend, the times and the data attribution.

Options:
${NOWCAST_OPTIONS.map((o) => `  --${o.key}  ${o.description}${o.defaultText ? ` (default ${o.defaultText})` : ''}`).join('\n')}
`;

/** Parses `2017-05-09T12:00`, `2017-05-09T12:00Z` or `201705091200` as UTC. */
export function parseIssueTime(text: string): Date | undefined {
  const iso = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})Z?$/.exec(text.trim());
  if (iso) return parseCompactUtc(iso.slice(1, 6).join(''));
  return parseCompactUtc(text);
}

/** `nowcast --at TIME --run DIR`. */
export async function nowcastCommand(args: readonly string[], ctx: Context): Promise<number> {
  const { values, help } = await resolveOptions(args, NOWCAST_OPTIONS, {
    data: 'radar-sample',
    force: false,
  });
  if (help) {
    ctx.stdout.write(NOWCAST_HELP);
    return 0;
  }
  if (values.at === undefined) throw new UsageError('--at TIME is required');
  const at = parseIssueTime(String(values.at));
  if (!at) throw new UsageError(`--at: "${values.at}" is not YYYY-MM-DDTHH:MM or YYYYMMDDHHMM`);
  const bundled = values.run === undefined;
  const run = bundled ? BUNDLED_RUN : String(values.run);
  const data = String(values.data);
  await assertDirectory(run, '--run');
  await assertDirectory(data, '--data');
  const saved = await readRunConfig(run);
  const grid = { factor: saved.factor, size: saved.size };
  const stamp = at.toISOString().slice(0, 16).replace(/[-:T]/g, '');
  // The bundled model's folder belongs to the installed app: its pictures go to the working folder.
  const out = values.out !== undefined ? String(values.out) : join(bundled ? '.' : run, `nowcast-${stamp}`);
  await prepareOutputDir(out, { force: values.force === true });
  await useNodeBackend({});
  if (bundled) ctx.stderr.write(`model: the bundled model (${run})\n`);
  const { model } = await loadCheckpoint(join(run, 'checkpoint'), { trainingState: false });
  try {
    for (const [folder, name] of EVENT_FOLDERS) {
      const day = folder.slice(-8);
      if (day !== at.toISOString().slice(0, 10).replace(/-/g, '')) continue;
      const event = await loadEvent(join(data, folder), name, grid);
      const index = event.frames.findIndex((f) => f.time.getTime() === at.getTime());
      const start = index - model.config.inputFrames + 1;
      if (index < 0 || start < 0) {
        const first = event.frames[model.config.inputFrames - 1]?.time.toISOString().slice(0, 16);
        const last = event.frames[event.frames.length - 1]?.time.toISOString().slice(0, 16);
        throw new UsageError(
          `--at ${values.at}: ${name} has ${model.config.inputFrames} input frames ending at times from ${first} to ${last}`,
        );
      }
      await writeFileAtomic(
        join(out, 'nowcast.png'),
        await nowcastPng(model, saved.frame ?? 'eulerian', event, start),
      );
      await writeFileAtomic(
        join(out, 'nowcast.gif'),
        await nowcastGif(model, saved.frame ?? 'eulerian', event, start),
      );
      ctx.stdout.write(`${out}/nowcast.png, ${out}/nowcast.gif\n`);
      return 0;
    }
    throw new UsageError(
      `--at ${values.at}: no sample event on that day (${EVENT_FOLDERS.map(([f]) => f).join(', ')})`,
    );
  } finally {
    model.dispose();
  }
}
