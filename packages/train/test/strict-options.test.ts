import '@tensorflow/tfjs-backend-cpu';
import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConvLSTMArgumentError } from '@convlstm/tensor';
import { memory, setBackend } from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createOptimizer,
  type DigitPool,
  EncoderForecaster,
  evaluate,
  MovingMnist,
  type SequenceSet,
  train,
} from '../src/index.js';
import {
  checkpointFolder,
  downloadMovingMnist,
  fixedTestSet,
  loadCheckpoint,
  loadMnistDigits,
  readMovingMnistNpy,
} from '../src/node.js';

let dir: string;
let digits: DigitPool;

beforeAll(async () => {
  await setBackend('cpu');
  dir = await mkdtemp(join(tmpdir(), 'convlstm-strict-options-'));
  digits = { count: 1, size: 28, pixels: new Float32Array(784).fill(0.5) };
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** What `fn` threw (or the promise it returned rejected with); fails when it did neither. */
async function thrown(fn: () => unknown): Promise<unknown> {
  try {
    await fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected an error, none was thrown');
}

/**
 * Expects the unknown-key error of `assertKnownKeys`: it names `argument.key` and lists exactly
 * the `known` keys, in order (so the list in the source matches the documented interface).
 */
function expectUnknownKey(error: unknown, argument: string, key: string, known: readonly string[]): void {
  expect(error).toBeInstanceOf(ConvLSTMArgumentError);
  const e = error as ConvLSTMArgumentError;
  expect(e.argument).toBe(`${argument}.${key}`);
  expect(e.expected).toBe(`one of the known options: ${known.join(', ')}`);
  expect(e.received).toBe(`unknown option "${key}"`);
  expect(e.message).toContain(`Invalid ${argument}.${key}: expected one of the known options: `);
}

const FRAME = 32;
const TINY = {
  frameSize: FRAME,
  patchSize: 8,
  inputKernelSize: 1,
  layers: [{ hiddenChannels: 2, recurrentKernelSize: 1 }],
  inputFrames: 2,
  outputFrames: 2,
  seed: 3,
};
const stream = () =>
  new MovingMnist({ digits, canvasSize: FRAME, numDigits: 1, inputFrames: 2, outputFrames: 2, seed: 1 });

describe('strict options of @convlstm/train', () => {
  it('fixedTestSet rejects an unknown key before loading any digit', async () => {
    const error = await thrown(() => fixedTestSet({ version: 1, count: 1, canvas: 32 } as never));
    expectUnknownKey(error, 'options', 'canvas', [
      'version',
      'count',
      'canvasSize',
      'inputFrames',
      'outputFrames',
    ]);
  });

  it('MovingMnist rejects an unknown key', async () => {
    const error = await thrown(() => new MovingMnist({ digits, numDigit: 1 } as never));
    expectUnknownKey(error, 'options', 'numDigit', [
      'digits',
      'canvasSize',
      'numDigits',
      'inputFrames',
      'outputFrames',
      'speed',
      'seed',
    ]);
  });

  it('evaluate rejects an unknown key before any forward pass', async () => {
    const model = new EncoderForecaster(TINY);
    const set: SequenceSet = stream().nextSequences(1);
    const before = memory().numTensors;
    const error = await thrown(() => evaluate(model, set, { batch: 1 } as never));
    expectUnknownKey(error, 'options', 'batch', ['batchSize', 'limit', 'onProgress', 'signal']);
    expect(memory().numTensors).toBe(before);
    model.dispose();
  });

  it('train rejects unknown keys, nested ones included, before allocating or writing anything', async () => {
    const model = new EncoderForecaster(TINY);
    const data = stream();
    const set = stream().nextSequences(1);
    const checkpointDir = join(dir, 'train-checkpoints');
    const run = (options: object) => thrown(() => train(model, data, { maxSteps: 1, ...options } as never));
    const before = memory().numTensors;

    expectUnknownKey(await run({ batchSise: 2 }), 'options', 'batchSise', [
      'batchSize',
      'loss',
      'l1Weight',
      'targetWeights',
      'optimizer',
      'clipNorm',
      'schedule',
      'maxSteps',
      'maxEpochs',
      'stepsPerEpoch',
      'maxMinutes',
      'validation',
      'earlyStopping',
      'checkpoint',
      'resume',
      'callbacks',
      'signal',
      'evaluateOn',
      'keepOptimizerState',
      'divergence',
      'metadata',
    ]);
    expectUnknownKey(await run({ divergence: { ratio: 5 } }), 'options.divergence', 'ratio', [
      'factor',
      'patience',
      'window',
    ]);
    expectUnknownKey(await run({ validation: { set, every: 1 } }), 'options.validation', 'every', [
      'set',
      'everySteps',
      'batchSize',
    ]);
    expectUnknownKey(
      await run({ validation: { set }, earlyStopping: { patience: 1, restore: true } }),
      'options.earlyStopping',
      'restore',
      ['patience', 'minDelta', 'restoreBest'],
    );
    expectUnknownKey(
      await run({ checkpoint: { store: checkpointFolder(checkpointDir), every: 1 } }),
      'options.checkpoint',
      'every',
      ['store', 'everySteps'],
    );
    expectUnknownKey(await run({ callbacks: { onstep: () => undefined } }), 'options.callbacks', 'onstep', [
      'onStep',
      'onValidation',
      'onCheckpoint',
    ]);
    expectUnknownKey(await run({ optimizer: { name: 'adam', decay: 0.9 } }), 'options.optimizer', 'decay', [
      'name',
      'learningRate',
      'beta1',
      'beta2',
      'epsilon',
    ]);
    expectUnknownKey(await run({ optimizer: { name: 'rmsprop', lr: 0.1 } }), 'options.optimizer', 'lr', [
      'name',
      'learningRate',
      'decay',
      'momentum',
      'epsilon',
    ]);
    expectUnknownKey(await run({ schedule: { kind: 'constant', factor: 2 } }), 'options.schedule', 'factor', [
      'kind',
    ]);
    expectUnknownKey(
      await run({ schedule: { kind: 'step', everySteps: 1, factor: 0.5, warmup: 1 } }),
      'options.schedule',
      'warmup',
      ['kind', 'everySteps', 'factor'],
    );
    expectUnknownKey(
      await run({ schedule: { kind: 'cosine', totalSteps: 2, minLr: 0 } }),
      'options.schedule',
      'minLr',
      ['kind', 'totalSteps', 'totalMinutes', 'minLearningRate'],
    );
    // A nested object that is no object at all is named too.
    expect(String(await run({ checkpoint: 'dir' }))).toMatch(
      /Invalid options\.checkpoint: expected an options object with keys among store, everySteps/,
    );

    expect(memory().numTensors).toBe(before);
    expect(data.position).toBe(0);
    expect(await readdir(dir)).not.toContain('train-checkpoints');
    model.dispose();
  });

  it('createOptimizer rejects an unknown key before building the optimiser', async () => {
    const before = memory().numTensors;
    const error = await thrown(() => createOptimizer({ name: 'adam', beta_1: 0.9 } as never));
    expectUnknownKey(error, 'optimizer', 'beta_1', ['name', 'learningRate', 'beta1', 'beta2', 'epsilon']);
    expect(memory().numTensors).toBe(before);
  });

  it('loadCheckpoint rejects an unknown key before reading any file', async () => {
    const model = new EncoderForecaster(TINY);
    const before = memory().numTensors;
    // The directory does not exist: the options are checked first, so this is no CheckpointError.
    const error = await thrown(() => loadCheckpoint(join(dir, 'missing'), { modle: model } as never));
    expectUnknownKey(error, 'options', 'modle', ['model', 'trainingState']);
    expect(memory().numTensors).toBe(before);
    model.dispose();
  });

  it('readMovingMnistNpy rejects an unknown key before reading the file', async () => {
    const error = await thrown(() => readMovingMnistNpy(join(dir, 'missing.npy'), { limits: 1 } as never));
    expectUnknownKey(error, 'options', 'limits', ['inputFrames', 'limit']);
  });

  it('loadMnistDigits rejects an unknown key', async () => {
    const error = await thrown(() => loadMnistDigits({ testSplit: 0.2 } as never));
    expectUnknownKey(error, 'options', 'testSplit', ['idxImagesPath', 'testFraction']);
  });

  it('downloadMovingMnist rejects an unknown key before any request or file', async () => {
    const target = join(dir, 'downloads');
    await mkdir(target);
    const dest = join(target, 'file.bin');
    // The Moving MNIST checksum is fixed, so neither `md5` nor `sha256` is an option of downloadMovingMnist.
    const fixed = await thrown(() => downloadMovingMnist(dest, { md5: '0'.repeat(32) } as never));
    expectUnknownKey(fixed, 'options', 'md5', ['onProgress', 'maxRedirects', 'signal']);
    expect(await readdir(target)).toEqual([]);
  });
});
