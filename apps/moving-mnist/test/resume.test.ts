import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadCheckpoint } from '@convlstm/train/node';
import { afterAll, describe, expect, it } from 'vitest';
import { runTrain, trainConfig } from '../src/commands/train.js';
import { TRAIN_DEFAULTS } from '../src/config/specs.js';
import { RUN_FILES } from '../src/run-folder.js';
import { captureContext } from './helpers.js';

const root = await mkdtemp(join(tmpdir(), 'mm-resume-'));
afterAll(() => rm(root, { recursive: true, force: true }));
const TINY = {
  frameSize: 32,
  patchSize: 4,
  inputKernelSize: 3,
  layers: [{ hiddenChannels: 4, recurrentKernelSize: 3 }],
  inputFrames: 2,
  outputFrames: 2,
};

const configFor = (out: string, steps: number, resume?: string) => ({
  ...trainConfig({
    ...TRAIN_DEFAULTS,
    preset: 'browser-tiny',
    steps,
    batchSize: 2,
    backend: 'cpu',
    // RMSProp resumes bit-identically (TF.js' Adam recomputes beta^t on load: within 1e-5).
    optimizer: 'rmsprop',
    testSize: 2,
    evalBatchSize: 2,
    out,
    ...(resume === undefined ? {} : { resume }),
  }),
  modelOverrides: TINY,
});

async function weightsOf(dir: string): Promise<number[][]> {
  const { model } = await loadCheckpoint(join(dir, RUN_FILES.checkpoint));
  const values = model.getWeights().map((w) => {
    const v = Array.from(w.dataSync());
    w.dispose();
    return v;
  });
  model.dispose();
  return values;
}

describe('train --resume', () => {
  it('4 steps straight equal 2 steps, then --resume for the other 2', async () => {
    const straight = join(root, 'straight');
    const first = join(root, 'first');
    const second = join(root, 'second');
    await runTrain(configFor(straight, 4), captureContext());
    await runTrain(configFor(first, 2), captureContext());
    const ctx = captureContext();
    await runTrain(configFor(second, 4, join(first, RUN_FILES.checkpoint)), ctx);
    expect(ctx.err()).toMatch(/Resuming from .* at step 2/);
    const a = await weightsOf(straight);
    const b = await weightsOf(second);
    expect(b).toEqual(a);
    const c = await weightsOf(first);
    expect(c).not.toEqual(a);
  }, 120_000);

  it('names the file when the checkpoint is of another model', async () => {
    const other = { ...configFor(join(root, 'other'), 1, join(root, 'first', RUN_FILES.checkpoint)) };
    const wrong = {
      ...other,
      modelOverrides: { ...TINY, layers: [{ hiddenChannels: 6, recurrentKernelSize: 3 }] },
    };
    await expect(runTrain(wrong, captureContext())).rejects.toThrow(
      /--resume .*first\/checkpoint: the checkpoint is of another model .*layers\.0\.hiddenChannels \(checkpoint 4, options 6\)/,
    );
  });
});
