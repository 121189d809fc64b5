import { spawnSync } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, sep } from 'node:path';
import { fsError, LOCK_FILE, setWriteFault } from '@convlstm/files';
import { writeNpy } from '@convlstm/train/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runTrain } from '../src/commands/train.js';
import { main } from '../src/main.js';
import { RUN_FILES } from '../src/run-folder.js';
import { captureContext, tinyTrainConfig } from './helpers.js';

// Runs as a hostile but realistic user makes them: an old run under --force, two writers, sizes
// beyond the machine, a full disk at the last moment, Ctrl-C in the evaluation, a crashed run
// folder given to --resume. Each keeps the run whole and says what to do.
const CPU = ['--backend', 'cpu'];
let root: string;

async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const ctx = captureContext();
  const code = await main(argv, ctx);
  return { code, out: ctx.out(), err: ctx.err() };
}

const exists = (p: string) =>
  stat(p).then(
    () => true,
    () => false,
  );

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'mm-hostile-'));
});
afterAll(() => rm(root, { recursive: true, force: true }));

describe('run folders', () => {
  it('--force replaces the whole old run, its periodic checkpoints too', async () => {
    const run = join(root, 'forced');
    await runTrain(tinyTrainConfig(run, { steps: 4, checkpointEvery: 2 }), captureContext());
    expect(await exists(join(run, RUN_FILES.periodicCheckpoints, 'latest'))).toBe(true);
    await runTrain(tinyTrainConfig(run, { steps: 3, force: true }), captureContext());
    expect(await exists(join(run, RUN_FILES.periodicCheckpoints))).toBe(false);
    const rows = (await readFile(join(run, RUN_FILES.csv), 'utf8')).trim().split('\n').slice(1);
    expect(rows.map((r) => r.split(',').slice(0, 2).join(','))).toEqual(['train,1', 'train,2', 'train,3']);
    expect(await readdir(run)).not.toContain(LOCK_FILE);
  }, 120_000);

  it('has one writer: a live holder is refused by pid, a dead one is taken over with a message', async () => {
    const run = join(root, 'locked');
    await runTrain(tinyTrainConfig(run), captureContext());
    await writeFile(
      join(run, LOCK_FILE),
      JSON.stringify({ pid: process.pid, command: 'other train', since: 'now' }),
    );
    const busy = await cli('train', '--resume', run, '--steps', '3', ...CPU);
    expect(busy.code).toBe(1);
    expect(busy.err).toContain(`is in use by process ${process.pid} (other train`);
    const dead = spawnSync(process.execPath, ['-e', '']).pid as number;
    await writeFile(
      join(run, LOCK_FILE),
      JSON.stringify({ pid: dead, command: 'killed train', since: 'then' }),
    );
    const taken = await cli('train', '--resume', run, '--steps', '3', ...CPU);
    expect(taken.code, taken.err).toBe(0);
    expect(taken.err).toContain(
      `taking over the lock of process ${dead} (killed train), which is no longer running`,
    );
    expect(await readdir(run)).not.toContain(LOCK_FILE);
  }, 120_000);
});

describe('resources are checked before any work', () => {
  it('refuses a batch beyond memory, an output under /proc and too many output frames, creating nothing', async () => {
    const out = join(root, 'huge');
    const batch = await cli(
      'train',
      '--preset',
      'browser-tiny',
      '--batch-size',
      '1000000',
      '--out',
      out,
      ...CPU,
    );
    expect(batch.code).toBe(2);
    expect(batch.err).toMatch(
      /--batch-size 1000000: training on batches of 1000000 sequences .* would need /,
    );
    const memory = await cli(
      'train',
      '--preset',
      'browser-tiny',
      '--batch-size',
      '20000',
      '--out',
      out,
      ...CPU,
    );
    expect(memory.code).toBe(2);
    expect(memory.err).toMatch(
      /--batch-size 20000: .* would need at least .* of memory, more than the limit of .*set CONVLSTM_MEMORY_LIMIT_MB/,
    );
    expect(await exists(out)).toBe(false);
    const proc = await cli('train', '--preset', 'browser-tiny', '--out', '/proc/x', ...CPU);
    expect(proc.code).toBe(2);
    expect(proc.err).toContain('--out /proc/x: /proc/x is in a kernel filesystem');
    const input = join(root, 'input.npy');
    await writeNpy(input, {
      data: new Float32Array(10 * 64 * 64).fill(0.5),
      shape: [10, 64, 64],
      dtype: 'float32',
    });
    const predicted = join(root, 'predicted');
    const frames = await cli(
      'predict',
      '--input',
      input,
      '--out',
      predicted,
      '--output-frames',
      '100000',
      ...CPU,
    );
    expect(frames.code).toBe(2);
    expect(frames.err).toMatch(/--output-frames 100000: forecasting 100000 frames .* more than the limit/);
    expect(await exists(predicted)).toBe(false);
  }, 60_000);
});

describe('faults at the worst moment', () => {
  it('a full disk at the final save names the file and the whole checkpoint to resume from', async () => {
    const run = join(root, 'full');
    setWriteFault((path) =>
      path.includes(`${sep}${RUN_FILES.checkpoint}${sep}`) && path.endsWith('weights.bin')
        ? fsError('ENOSPC', path)
        : null,
    );
    let error: unknown;
    try {
      error = await runTrain(tinyTrainConfig(run, { steps: 3, checkpointEvery: 2 }), captureContext()).catch(
        (e) => e,
      );
    } finally {
      setWriteFault(null);
    }
    const latest = join(run, RUN_FILES.periodicCheckpoints, 'latest');
    expect((error as Error).message).toContain('(ENOSPC writing weights.bin)');
    expect((error as { hint?: string }).hint).toContain(`moving-mnist train --resume ${latest}`);
    expect(await exists(join(run, RUN_FILES.checkpoint))).toBe(false);
    // The run folder resumes from the whole checkpoint.
    const resumed = await cli('train', '--resume', run, ...CPU);
    expect(resumed.code, resumed.err).toBe(0);
    expect(resumed.err).toMatch(/newest whole checkpoint is .*latest \(step 3\)/);
  }, 120_000);

  it('Ctrl-C during the evaluation keeps the trained checkpoint and says so', async () => {
    const run = join(root, 'interrupted');
    const ctx = captureContext();
    const log = ctx.log;
    const stop = ctx.stop as unknown as { exit: (code: number) => void };
    stop.exit = () => {};
    const outcome = await runTrain(tinyTrainConfig(run), {
      ...ctx,
      log: (m) => {
        log(m);
        if (m.startsWith('Evaluating')) ctx.stop.receive('SIGINT');
      },
    });
    expect(outcome.report).toBeNull();
    expect(ctx.out()).toContain('Stopped by SIGINT during the evaluation; the trained model is kept.');
    expect(ctx.out()).toContain(`moving-mnist evaluate --checkpoint ${join(run, RUN_FILES.checkpoint)}`);
    expect(await exists(join(run, RUN_FILES.metrics))).toBe(false);
    // The run is complete: resuming it without a larger --steps says so instead of failing.
    const again = await cli('train', '--resume', run, ...CPU);
    expect(again.code, again.err).toBe(0);
    expect(again.out).toContain('The run is complete: it trained 2 steps');
  }, 120_000);

  it('--resume of a folder whose first checkpoint write was killed says so', async () => {
    const run = join(root, 'first-write');
    await runTrain(tinyTrainConfig(run), captureContext());
    const checkpoint = join(run, RUN_FILES.checkpoint);
    await rm(checkpoint, { recursive: true });
    const { mkdir } = await import('node:fs/promises');
    await mkdir(join(checkpoint, '.step-00000002-ab.tmp-1-cd'), { recursive: true });
    const r = await cli('train', '--resume', checkpoint, '--steps', '4', ...CPU);
    expect(r.code).toBe(2);
    expect(r.err).toContain('holds no whole checkpoint (its first write was interrupted)');
    const folder = await cli('train', '--resume', run, '--steps', '4', ...CPU);
    expect(folder.code).toBe(2);
    expect(folder.err).toContain('the run folder holds no whole checkpoint');
    expect(folder.err).not.toContain('config.json');
  }, 120_000);
});
