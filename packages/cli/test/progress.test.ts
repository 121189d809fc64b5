import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { CsvLog, ProgressBar } from '../src/index.js';

const dir = await mkdtemp(join(tmpdir(), 'cli-progress-'));
afterAll(() => rm(dir, { recursive: true, force: true }));
const CSV_COLUMNS = ['kind', 'step', 'epoch', 'loss', 'val_loss'] as const;

function capture(tty: { isTTY: boolean; columns?: number }): { stream: Writable; text: () => string } {
  let text = '';
  const stream = Object.assign(
    new Writable({
      write(chunk, _e, done) {
        text += String(chunk);
        done();
      },
    }),
    tty,
  );
  return { stream, text: () => text };
}

describe('progress and CSV', () => {
  it('shows step, loss, throughput and an ETA from the nearer budget', () => {
    let now = 0;
    const { stream, text } = capture({ isTTY: false });
    const bar = new ProgressBar({
      totalSteps: 100,
      totalMs: 1_000_000,
      stream,
      now: () => now,
      plainEverySeconds: 0,
    });
    now = 10_000;
    bar.update({ step: 50, loss: 0.5, seqPerSec: 4 });
    expect(text()).toContain('step 50/100');
    expect(text()).toContain('loss 0.5000');
    expect(text()).toContain('4.0 seq/s');
    expect(text()).toContain('ETA 0:10'); // half the steps in 10 s: 10 s left (the time budget is further away)
    expect(text().endsWith('\n')).toBe(true); // plain lines, no carriage returns, off a TTY
    expect(text()).not.toContain('\r');
  });

  it('counts a resumed run’s earlier time and estimates the ETA from this sitting’s pace', () => {
    let now = 0;
    const { stream, text } = capture({ isTTY: false });
    // 60 of 120 minutes and 1,000 steps done before; this sitting does 100 steps in 10 minutes.
    const bar = new ProgressBar({
      totalMs: 120 * 60_000,
      totalSteps: 5_000,
      resumed: { elapsedMs: 60 * 60_000, step: 1_000 },
      stream,
      now: () => now,
      plainEverySeconds: 0,
    });
    now = 10 * 60_000;
    bar.update({ step: 1_100, loss: 0.5, seqPerSec: 4 });
    // 70 of 120 minutes: 50 minutes left by time; 3,900 steps at 10 min/100 steps is further.
    expect(text()).toContain('elapsed 1:10:00');
    expect(text()).toContain('ETA 50:00');
    expect(text()).toContain('[##############..........]'); // 70/120 of 24 = 14 cells
    // A step budget that is nearer: 200 steps left at 10 min per 100 steps of this sitting.
    const steps = capture({ isTTY: false });
    const near = new ProgressBar({
      totalMs: 120 * 60_000,
      totalSteps: 1_300,
      resumed: { elapsedMs: 60 * 60_000, step: 1_000 },
      stream: steps.stream,
      now: () => now,
      plainEverySeconds: 0,
    });
    now = 20 * 60_000;
    near.update({ step: 1_100, loss: 0.5, seqPerSec: 4 });
    expect(steps.text()).toContain('ETA 20:00');
  });

  it('redraws one line on a TTY and ends it on done()', () => {
    const { stream, text } = capture({ isTTY: true, columns: 200 });
    let now = 0;
    const bar = new ProgressBar({ totalSteps: 4, stream, now: () => now });
    for (let step = 1; step <= 4; step++) {
      now += 1000;
      bar.update({ step, loss: 0.2, seqPerSec: 8 });
    }
    bar.done();
    expect(text().split('\r').length - 1).toBe(4);
    expect(text().trimEnd().split('\n')).toHaveLength(1);
    expect(text()).toContain('step 4/4');
    expect(text().endsWith('\n')).toBe(true);
  });

  it('writes a header and one row per call, in order', async () => {
    const log = await CsvLog.open(join(dir, 'm.csv'), CSV_COLUMNS);
    void log.append({ kind: 'train', step: 1, loss: 0.25 });
    void log.append({ kind: 'validation', step: 1, val_loss: 0.5 });
    await log.flush();
    const lines = (await readFile(join(dir, 'm.csv'), 'utf8')).trim().split('\n');
    expect(lines[0]).toBe(CSV_COLUMNS.join(','));
    expect(lines).toHaveLength(3);
    expect(lines[1]?.split(',')[CSV_COLUMNS.indexOf('loss')]).toBe('0.25');
    expect(lines[2]?.split(',')[0]).toBe('validation');
  });

  it('keeps a write error for flush instead of crashing the training loop', async () => {
    const blocker = join(dir, 'not-a-dir');
    await writeFile(blocker, 'x');
    const log = await CsvLog.open(join(dir, 'ok.csv'), CSV_COLUMNS);
    await rm(join(dir, 'ok.csv'));
    await mkdir(join(dir, 'ok.csv'));
    await log.append({ kind: 'train', step: 1 });
    await log.append({ kind: 'train', step: 2 });
    await expect(log.flush()).rejects.toThrow(/EISDIR/);
    await expect(CsvLog.open(join(blocker, 'm.csv'), CSV_COLUMNS)).rejects.toThrow(/ENOTDIR|EEXIST/);
  });
});
