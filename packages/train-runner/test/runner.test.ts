import '@tensorflow/tfjs-backend-cpu';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, sep } from 'node:path';
import { OperationalError, StopController, UsageError } from '@convlstm/cli';
import { fsError, setWriteFault } from '@convlstm/files';
import {
  type DigitPool,
  EncoderForecaster,
  type EncoderForecasterOptions,
  MovingMnist,
} from '@convlstm/train';
import { loadCheckpoint } from '@convlstm/train/node';
import { memory, setBackend, type Tensor, tensor } from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  assertBudgetLeft,
  completeCheckpoint,
  newestCheckpoint,
  runCheckpoints,
  runTraining,
  stoppable,
} from '../src/index.js';

let dir: string;
const digits: DigitPool = (() => {
  const pixels = new Float32Array(2 * 784);
  for (let i = 0; i < 784; i++) {
    pixels[i] = ((i / 28) | 0) % 7 < 3 ? 1 : 0;
    pixels[784 + i] = i % 28 < 14 ? 0.7 : 0;
  }
  return { count: 2, size: 28, pixels };
})();
const TINY: EncoderForecasterOptions = {
  frameSize: 32,
  patchSize: 8,
  inputKernelSize: 1,
  layers: [{ hiddenChannels: 4, recurrentKernelSize: 3 }],
  inputFrames: 2,
  outputFrames: 2,
  seed: 5,
};
const data = () =>
  new MovingMnist({ digits, canvasSize: 32, numDigits: 1, inputFrames: 2, outputFrames: 2, seed: 1 });
const silent = { write: () => true };
const columns = ['step', 'loss'] as const;

beforeAll(async () => {
  await setBackend('cpu');
  dir = await mkdtemp(join(tmpdir(), 'convlstm-runner-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function options(out: string, stop: StopController, model: EncoderForecaster) {
  return {
    model,
    data: data(),
    loop: { batchSize: 2, optimizer: { name: 'adam' as const, learningRate: 0.01 } },
    metadata: { app: 'test' },
    csv: { path: join(out, 'metrics.csv'), columns, step: (s: { step: number; loss: number }) => s },
    checkpoint: { final: join(out, 'checkpoint') },
    stop,
    stderr: silent,
    stopNotice: 'stopping',
    resumeCommand: (c: string) => `app train --resume ${c}`,
  };
}

describe('runTraining', () => {
  it('writes a row per step, continues the CSV at the resumed step, and saves a resumable checkpoint', async () => {
    const out = join(dir, 'run');
    const before = memory().numTensors;
    const model = new EncoderForecaster(TINY);
    const first = await runTraining({
      ...options(out, new StopController({ log: () => {} }), model),
      budget: { steps: 3, minutes: null },
      resumed: null,
    });
    expect(first.result.steps).toBe(3);
    expect(first.stoppedBy).toBeNull();
    model.dispose();
    await readFile(join(out, 'metrics.csv'), 'utf8').then((t) =>
      expect(t.trim().split('\n')).toHaveLength(4),
    );
    const loaded = await loadCheckpoint(join(out, 'checkpoint'));
    expect(loaded.resume?.step).toBe(3);
    expect(loaded.resume?.metadata).toEqual({ app: 'test' });
    expect(() =>
      assertBudgetLeft(
        loaded.resume as never,
        { steps: 3, minutes: null },
        { steps: '--steps', minutes: '--minutes' },
        '--resume x',
      ),
    ).toThrow(UsageError);
    expect(() =>
      assertBudgetLeft(
        loaded.resume as never,
        { steps: 5, minutes: null },
        { steps: '--steps', minutes: '--minutes' },
        '--resume x',
      ),
    ).not.toThrow();
    await runTraining({
      ...options(out, new StopController({ log: () => {} }), loaded.model),
      budget: { steps: 5, minutes: null },
      resumed: loaded.resume,
    });
    const rows = (await readFile(join(out, 'metrics.csv'), 'utf8')).trim().split('\n');
    expect(rows.slice(1).map((r) => Number(r.split(',')[0]))).toEqual([1, 2, 3, 4, 5]);
    for (const w of loaded.resume?.optimizerWeights ?? []) w.tensor.dispose();
    loaded.model.dispose();
    expect(memory().numTensors).toBe(before);
  });

  it('stops after the current step on a first signal and still saves the model', async () => {
    const out = join(dir, 'stopped');
    const stop = new StopController({ log: () => {}, exit: () => {} });
    const model = new EncoderForecaster(TINY);
    const run = await runTraining({
      ...options(out, stop, model),
      budget: { steps: 50, minutes: null },
      resumed: null,
      onStep: (s) => {
        if (s.step === 2) stop.receive('SIGINT');
      },
    });
    expect(run.stoppedBy).toBe('SIGINT');
    expect(run.result.stopReason).toBe('aborted');
    expect(run.result.steps).toBe(2);
    const loaded = await loadCheckpoint(run.checkpoint);
    expect(loaded.resume?.step).toBe(2);
    for (const w of loaded.resume?.optimizerWeights ?? []) w.tensor.dispose();
    loaded.model.dispose();
    model.dispose();
  });

  it('turns a divergence into a one-line error whose hint continues from the last good checkpoint', async () => {
    const out = join(dir, 'diverged');
    const model = new EncoderForecaster(TINY);
    const error = await runTraining({
      ...options(out, new StopController({ log: () => {} }), model),
      budget: { steps: 10, minutes: null },
      resumed: null,
      checkpoint: {
        final: join(out, 'checkpoint'),
        periodic: { dir: join(out, 'checkpoints'), everySteps: 1 },
      },
      onStep: (s) => {
        if (s.step !== 2) return;
        // The periodic checkpoint of step 2 is written after this callback; the next loss is NaN.
        const ws = model.getWeights();
        (ws[ws.length - 1] as Tensor).dispose();
        ws[ws.length - 1] = tensor(
          new Float32Array((ws[ws.length - 2]?.shape[3] as number) ?? 1).fill(Number.NaN),
        );
        model.setWeights(ws);
        for (const w of ws) w.dispose();
      },
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OperationalError);
    expect(String((error as OperationalError).message)).toMatch(/diverged at step 3/);
    expect((error as OperationalError & { hint?: string }).hint).toBe(
      `Continue from the last good checkpoint with a lower learning rate: app train --resume ${join(out, 'checkpoints', 'latest')} --lr 0.001`,
    );
    model.dispose();
  });
});

describe('a fault at the final save', () => {
  it('names the file, removes the empty folder and points to the last whole periodic checkpoint', async () => {
    const out = join(dir, 'full-disk');
    const model = new EncoderForecaster(TINY);
    const final = join(out, 'checkpoint');
    setWriteFault((path) =>
      path.includes(`${sep}checkpoint${sep}`) && path.endsWith('weights.bin')
        ? fsError('ENOSPC', path)
        : null,
    );
    let error: unknown;
    try {
      error = await runTraining({
        ...options(out, new StopController({ log: () => {} }), model),
        budget: { steps: 5, minutes: null },
        resumed: null,
        checkpoint: { final, periodic: { dir: join(out, 'checkpoints'), everySteps: 2 } },
      }).catch((e: unknown) => e);
    } finally {
      setWriteFault(null);
      model.dispose();
    }
    expect(error).toBeInstanceOf(OperationalError);
    expect((error as Error).message).toBe(
      `could not save the final checkpoint ${final} at step 5 (ENOSPC writing weights.bin); no step is lost`,
    );
    const latest = join(out, 'checkpoints', 'latest');
    expect((error as OperationalError).hint).toBe(
      `${latest} (step 5) is whole: free space, then resume from it: app train --resume ${latest}`,
    );
    await expect(stat(final)).rejects.toMatchObject({ code: 'ENOENT' });
    const loaded = await loadCheckpoint(latest);
    expect(loaded.resume?.step).toBe(5);
    for (const w of loaded.resume?.optimizerWeights ?? []) w.tensor.dispose();
    loaded.model.dispose();
  });
});

describe('completeCheckpoint / newestCheckpoint', () => {
  it('tells a whole checkpoint from the leftovers of an interrupted first write, and picks the highest step', async () => {
    const run = join(dir, 'run');
    const out = join(dir, 'newest');
    const interrupted = join(out, 'checkpoint');
    await mkdir(join(interrupted, '.step-00000009-ab.tmp-1-cd'), { recursive: true });
    expect(await completeCheckpoint(interrupted)).toBeNull();
    await writeFile(join(interrupted, 'CURRENT'), 'step-00000009-ab\n');
    expect(await completeCheckpoint(interrupted)).toBeNull();
    // The run of the first test: a final checkpoint at step 5.
    expect(await completeCheckpoint(join(run, 'checkpoint'))).toEqual({
      path: join(run, 'checkpoint'),
      step: 5,
    });
    const slots = await runCheckpoints(join(dir, 'full-disk'), 'checkpoint', 'checkpoints');
    expect(slots).toEqual([
      join(dir, 'full-disk', 'checkpoint'),
      join(dir, 'full-disk', 'checkpoints', 'latest'),
    ]);
    expect(await newestCheckpoint([interrupted, join(run, 'checkpoint'), ...slots])).toEqual({
      path: join(run, 'checkpoint'),
      step: 5,
    });
    expect(await readdir(interrupted)).toContain('CURRENT');
  });
});

describe('stoppable', () => {
  it('returns the work value, or the signal when a first Ctrl-C aborted the work', async () => {
    expect(await stoppable(new StopController({ log: () => {} }), 'n', async () => 7)).toEqual({
      value: 7,
      stoppedBy: null,
    });
    const stop = new StopController({ log: () => {}, exit: () => {} });
    const stopped = await stoppable(stop, 'stopping the evaluation', async (signal) => {
      stop.receive('SIGINT');
      if (signal.aborted) throw new DOMException('stopped', 'AbortError');
      return 1;
    });
    expect(stopped).toEqual({ stoppedBy: 'SIGINT' });
    const exits: number[] = [];
    const twice = new StopController({ log: () => {}, exit: (c) => exits.push(c) });
    await stoppable(twice, 'n', async () => {
      twice.receive('SIGINT');
      twice.receive('SIGINT');
    });
    expect(exits).toEqual([130]);
  });
});
