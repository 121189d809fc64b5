import type { ChildProcess } from 'node:child_process';
import { type FSWatcher, watch } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadCheckpoint } from '@convlstm/train/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../src/backend.js';
import {
  assertBuilt,
  csvSteps,
  runCli,
  STACK_FRAME,
  signalAfterStep,
  TINY_RUN,
  weightsOf,
} from './process.js';

// Real processes and real signals on the smallest preset. Each run is a few seconds; the
// chains below interrupt the same run several times, so one reference run serves each optimiser.
// Two steps of margin after the last signal, so a loaded machine still stops before the end.
const STEPS = 8;
let root: string;
beforeAll(async () => {
  assertBuilt();
  await selectBackend('cpu');
  root = await mkdtemp(join(tmpdir(), 'mm-interrupt-'));
});
afterAll(() => rm(root, { recursive: true, force: true }));

const references = new Map<string, Promise<string>>();
/** The checkpoint of an uninterrupted run of STEPS steps with `optimizer` (run once, shared). */
function reference(optimizer: string): Promise<string> {
  let ref = references.get(optimizer);
  if (ref === undefined) {
    const out = join(root, `${optimizer}-straight`);
    const args = ['train', ...TINY_RUN, '--optimizer', optimizer, '--steps', String(STEPS), '--out', out];
    ref = runCli(args).then((r) => {
      expect(r.code, r.stderr).toBe(0);
      return join(out, 'checkpoint');
    });
    references.set(optimizer, ref);
  }
  return ref;
}

/** A step in [lo, hi], so signals land at different moments from run to run. */
const randomStep = (lo: number, hi: number): number => lo + Math.floor(Math.random() * (hi - lo + 1));

async function expectCleanStop(
  run: string,
  r: Awaited<ReturnType<typeof runCli>>,
  signal: 'SIGINT' | 'SIGTERM',
): Promise<number> {
  const context = `stdout:\n${r.stdout}\nstderr:\n${r.stderr}`;
  expect(r.code, context).toBe(signal === 'SIGINT' ? 0 : 143);
  const stopped = /Stopped by (SIG\w+) after step (\d+); nothing is lost\./.exec(r.stdout);
  expect(stopped?.[1], context).toBe(signal);
  const step = Number(stopped?.[2]);
  expect(r.stdout).toContain(`Checkpoint: ${join(run, 'checkpoint')}`);
  expect(r.stdout).toContain(`Metrics so far: ${join(run, 'metrics.csv')}`);
  expect(r.stdout).toContain(`Continue with: moving-mnist train --resume ${join(run, 'checkpoint')}`);
  expect(r.stderr).not.toMatch(STACK_FRAME);
  // The checkpoint is at the step the run stopped at, and every step is in metrics.csv.
  const { resume, model } = await loadCheckpoint(join(run, 'checkpoint'));
  expect(resume?.step).toBe(step);
  for (const w of resume?.optimizerWeights ?? []) w.tensor.dispose();
  model.dispose();
  expect(await csvSteps(run)).toEqual(Array.from({ length: step }, (_, i) => i + 1));
  return step;
}

describe.each([
  // Adam: SIGINT without periodic checkpoints, then SIGTERM with them.
  { optimizer: 'adam', first: 'SIGINT', second: 'SIGTERM', everyFirst: 0, everySecond: 2 },
  // RMSProp: SIGTERM without periodic checkpoints, then SIGINT with them.
  { optimizer: 'rmsprop', first: 'SIGTERM', second: 'SIGINT', everyFirst: 0, everySecond: 1 },
] as const)(
  '$optimizer: $first, resume, $second, resume',
  ({ optimizer, first, second, everyFirst, everySecond }) => {
    it('stops cleanly each time, and ends bit for bit where an uninterrupted run ends', async () => {
      const run = join(root, `${optimizer}-interrupted`);
      const common = [...TINY_RUN, '--optimizer', optimizer, '--steps', String(STEPS)];
      const straight = reference(optimizer);

      const a = randomStep(1, 2);
      const r1 = await runCli(
        ['train', ...common, '--checkpoint-every', String(everyFirst), '--out', run],
        signalAfterStep(run, a, first),
      );
      const s1 = await expectCleanStop(run, r1, first);
      expect(s1).toBeGreaterThanOrEqual(a);

      // --resume takes the run's own options (optimizer, steps, batch size, ...): none repeated here.
      const b = randomStep(s1 + 1, s1 + 2);
      const r2 = await runCli(
        ['train', '--resume', join(run, 'checkpoint'), '--checkpoint-every', String(everySecond)],
        signalAfterStep(run, b, second),
      );
      expect(r2.stderr).toContain(`Resuming from ${join(run, 'checkpoint')} at step ${s1}.`);
      const s2 = await expectCleanStop(run, r2, second);
      expect(s2).toBeGreaterThan(s1);
      expect(s2).toBeLessThan(STEPS);
      expect((await readdir(join(run, 'checkpoints', 'latest'))).includes('CURRENT')).toBe(s2 >= everySecond);

      const r3 = await runCli(['train', '--resume', join(run, 'checkpoint')]);
      expect(r3.code, r3.stderr).toBe(0);
      expect(r3.stderr).toContain(`Trained ${STEPS - s2} steps (steps ${s2 + 1}-${STEPS})`);
      // History appended, not rewritten: one row per step, in order.
      expect(await csvSteps(run)).toEqual(Array.from({ length: STEPS }, (_, i) => i + 1));
      const config = JSON.parse(await readFile(join(run, 'config.json'), 'utf8'));
      expect(config.resumes.map((x: { step: number }) => x.step)).toEqual([s1, s2]);
      expect(await weightsOf(join(run, 'checkpoint'))).toEqual(await weightsOf(await straight));
    }, 120_000);
  },
);

describe('SIGKILL', () => {
  it('at any moment, checkpoint writes included, leaves a checkpoint that --resume continues from', async () => {
    const run = join(root, 'killed');
    const latest = join(run, 'checkpoints', 'latest');
    const common = [...TINY_RUN, '--optimizer', 'rmsprop', '--steps', String(STEPS)];
    const straight = reference('rmsprop');
    let resumedFrom = 0;
    let watcher: FSWatcher | null = null;
    /** Kills the moment a checkpoint write starts (its temporary version folder appears). */
    const duringWrite = async (child: ChildProcess): Promise<boolean> => {
      // Once this run trains (a new step is logged), not while it cleans up the last one's leftovers.
      if ((await csvSteps(run)).length <= resumedFrom) return false;
      watcher = watch(latest, (_event, name) => {
        if (name?.includes('.tmp-')) child.kill('SIGKILL');
      });
      return true;
    };
    const kills: ((child: ChildProcess) => Promise<boolean>)[] = [
      // From step 2 on, so a periodic checkpoint is already on disk.
      signalAfterStep(run, randomStep(2, 3), 'SIGKILL'),
      duringWrite,
      // After a step this run trained itself: the previous kill may have landed past step 5.
      (child) => signalAfterStep(run, Math.max(randomStep(5, 6), resumedFrom + 1), 'SIGKILL')(child),
    ];
    for (const [i, kill] of kills.entries()) {
      const args =
        i === 0
          ? ['train', ...common, '--checkpoint-every', '1', '--out', run]
          : ['train', '--resume', latest];
      const r = await runCli(args, kill);
      (watcher as FSWatcher | null)?.close();
      watcher = null;
      if (r.signal !== 'SIGKILL') {
        // The run outran the watcher (a loaded machine): nothing left to kill.
        expect(r.code, r.stderr).toBe(0);
        break;
      }
      // A kill can land before the resumed run has said where it starts (any moment means any).
      if (i > 0 && r.stderr.includes('Resum')) expect(r.stderr).toContain(`at step ${resumedFrom}.`);
      // Whatever the moment, the latest checkpoint loads (checksums verified) and is not behind.
      const { resume, model } = await loadCheckpoint(latest);
      expect(resume?.step).toBeGreaterThanOrEqual(Math.max(1, resumedFrom));
      resumedFrom = resume?.step ?? -1;
      for (const w of resume?.optimizerWeights ?? []) w.tensor.dispose();
      model.dispose();
    }
    const last = await runCli(['train', '--resume', latest]);
    expect(last.code, last.stderr).toBe(0);
    // Leftovers of the killed writers were cleaned up on the next start.
    expect((await readdir(latest)).filter((n) => n.startsWith('.'))).toEqual([]);
    expect(await csvSteps(run)).toEqual(Array.from({ length: STEPS }, (_, i) => i + 1));
    expect(await weightsOf(join(run, 'checkpoint'))).toEqual(await weightsOf(await straight));
  }, 120_000);
});
