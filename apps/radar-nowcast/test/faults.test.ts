import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LOCK_FILE } from '@convlstm/files';
import type { RadarEvent, RadarFrame } from '@convlstm/radar';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gapWarnings } from '../src/data.js';
import { main } from '../src/index.js';
import { captureContext } from './helpers.js';

const sample = join(import.meta.dirname, '../../../../shared/data/radar');
const haveSample = existsSync(join(sample, 'fmi/20170509')) && existsSync(join(sample, 'knmi/20100826'));
if (!haveSample) console.log(`faults test skipped: ${sample} is absent (the pysteps sample data)`);

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'radar-faults-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** An event of frames at the given minutes after 12:00 UTC (the grids do not matter here). */
function eventAt(minutes: readonly number[]): RadarEvent {
  const frames = minutes.map(
    (m) => ({ time: new Date(Date.UTC(2020, 0, 1, 12, m)), width: 1, height: 1 }) as unknown as RadarFrame,
  );
  return { name: 'E', frames };
}

describe('gapWarnings', () => {
  it('names a missing frame and counts the windows across it that are skipped', () => {
    const regular = Array.from({ length: 22 }, (_, i) => 5 * i);
    expect(gapWarnings(eventAt(regular), 18)).toEqual([]);
    // 12:50 missing: 21 frames, runs of 10 and 11, no window of 18 fits in either.
    const gapped = regular.filter((m) => m !== 50);
    expect(gapWarnings(eventAt(gapped), 18)).toEqual([
      'warning: E: 1 frame(s) missing between 12:45 and 12:55 UTC',
      'warning: E: 4 of 4 windows of 18 frames span a gap and are skipped',
    ]);
    // Near the end: the first run still gives windows.
    const late = regular.filter((m) => m !== 100);
    expect(gapWarnings(eventAt(late), 18)[1]).toBe(
      'warning: E: 1 of 4 windows of 18 frames span a gap and are skipped',
    );
  });
});

describe.skipIf(!haveSample)('radar runs under faults (a tiny 3-step run)', () => {
  const tiny = ['--data', sample, '--factor', '16', '--size', '40', '--hidden', '4', '--batch-size', '2'];

  it('checkpoints periodically, writes run.json first, checks it against the checkpoint, and has one writer', async () => {
    const run = join(dir, 'run');
    const ctx = captureContext();
    expect(
      await main(['train', ...tiny, '--out', run, '--max-steps', '3', '--checkpoint-every', '2'], ctx),
    ).toBe(0);
    expect((await readdir(run)).sort()).toEqual(['checkpoint', 'checkpoints', 'metrics.csv', 'run.json']);
    expect(await readdir(join(run, 'checkpoints'))).toContain('latest');
    const runFile = join(run, 'run.json');
    const original = await readFile(runFile, 'utf8');

    // A kill between the checkpoint and the final run.json leaves the one written first.
    const first = JSON.parse(original);
    await writeFile(runFile, JSON.stringify({ ...first, training: null }));
    const evaluated = captureContext();
    expect(await main(['evaluate', '--run', run, '--out', join(dir, 'eval')], evaluated)).toBe(0);

    // An edited run.json is refused, naming the key, by evaluate and by --resume.
    await writeFile(runFile, JSON.stringify({ ...first, config: { ...first.config, hidden: 16 } }));
    const edited = captureContext();
    expect(await main(['evaluate', '--run', run, '--out', join(dir, 'eval2')], edited)).toBe(1);
    expect(edited.err()).toContain(`${runFile}: config.hidden is 16, but the model in`);
    expect(existsSync(join(dir, 'eval2'))).toBe(false);
    const resumed = captureContext();
    expect(await main(['train', '--resume', run, '--max-steps', '4'], resumed)).toBe(1);
    expect(resumed.err()).toContain('config.hidden is 16');
    await writeFile(runFile, original);

    // A second writer is refused, naming the holder.
    await writeFile(
      join(run, LOCK_FILE),
      JSON.stringify({ pid: process.pid, command: 'radar train', since: 'now' }),
    );
    const busy = captureContext();
    expect(await main(['train', '--resume', run, '--max-steps', '4'], busy)).toBe(1);
    expect(busy.err()).toContain(`in use by process ${process.pid} (radar train`);
    await rm(join(run, LOCK_FILE));

    // A run killed with only its periodic checkpoint resumes from it.
    await rm(join(run, 'checkpoint'), { recursive: true });
    const fromPeriodic = captureContext();
    expect(await main(['train', '--resume', run, '--max-steps', '4'], fromPeriodic)).toBe(0);
    expect(fromPeriodic.err()).toMatch(
      /resuming from .*checkpoints\/latest, the newest whole checkpoint \(step 3\)/,
    );
    expect(JSON.parse(await readFile(runFile, 'utf8')).training.steps).toBe(4);
  }, 600_000);
});
