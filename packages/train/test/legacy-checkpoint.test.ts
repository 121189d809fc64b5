import '@tensorflow/tfjs-backend-cpu';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { assertAllClose } from '@convlstm/core/testing';
import { memory, setBackend, tensor5d } from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { EncoderForecaster } from '../src/index.js';
import { loadCheckpoint, readNpy } from '../src/node.js';

// Written by the encoder-forecaster's own time loops, before it ran on the core's stacks (see its README).
const FIXTURE = join(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'checkpoint-0.1');

describe('a checkpoint written before the encoder-forecaster ran on the core stacks', () => {
  beforeAll(async () => {
    await setBackend('cpu');
  });

  it('loads, and predicts what the old code predicted', async () => {
    const before = memory().numTensors;
    const { model, resume } = await loadCheckpoint(FIXTURE);
    expect(resume).toBeNull();
    expect(model.config.layers.length).toBe(2);
    const inputs = await readNpy(join(FIXTURE, 'inputs.npy'));
    const expected = await readNpy(join(FIXTURE, 'predictions.npy'));
    const x = tensor5d(inputs.data as Float32Array, inputs.shape as [number, number, number, number, number]);
    const frames = expected.shape[1] as number;
    const predicted = model.predict(x, frames);
    expect(predicted.shape).toEqual([...expected.shape]);
    assertAllClose(predicted.dataSync(), expected.data as Float32Array, 'predictions', 1e-6, 1e-5);
    // The fixture's weights matter: the same model with its own initial weights predicts otherwise.
    const fresh = new EncoderForecaster(model.config);
    const other = fresh.predict(x, frames);
    const gap = Math.max(
      ...other.dataSync().map((v, i) => Math.abs(v - ((expected.data as Float32Array)[i] as number))),
    );
    expect(gap).toBeGreaterThan(0.01);
    other.dispose();
    fresh.dispose();
    x.dispose();
    predicted.dispose();
    model.dispose();
    expect(memory().numTensors).toBe(before);
  });
});
