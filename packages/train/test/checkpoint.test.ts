import '@tensorflow/tfjs-backend-cpu';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { io, memory, setBackend } from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CheckpointError,
  EncoderForecaster,
  type EncoderForecasterOptions,
  loadCheckpoint,
  saveCheckpoint,
} from '../src/index.js';

let dir: string;
beforeAll(async () => {
  await setBackend('cpu');
  dir = await mkdtemp(join(tmpdir(), 'convlstm-ckpt-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const OPTIONS: EncoderForecasterOptions = {
  frameSize: 8,
  patchSize: 2,
  inputKernelSize: 3,
  layers: [
    { hiddenChannels: 3, recurrentKernelSize: 3 },
    { hiddenChannels: 2, recurrentKernelSize: 1 },
  ],
  inputFrames: 2,
  outputFrames: 2,
  seed: 3,
};

async function values(model: EncoderForecaster): Promise<number[][]> {
  const ws = model.getWeights();
  const out = await Promise.all(ws.map(async (w) => [...(await w.data())]));
  for (const w of ws) w.dispose();
  return out;
}

describe('checkpoints', () => {
  it('round-trips weights and config through the standard TF.js weights format', async () => {
    const model = new EncoderForecaster(OPTIONS);
    const path = join(dir, 'a');
    await saveCheckpoint(path, model);
    expect((await readdir(path)).sort()).toEqual(['config.json', 'model.json', 'weights.bin']);
    const json = JSON.parse(await readFile(join(path, 'model.json'), 'utf8'));
    expect(json.weightsManifest[0].paths).toEqual(['weights.bin']);
    expect(json.weightsManifest[0].weights.map((w: { name: string }) => w.name)).toEqual(model.weightNames);
    // The weights decode with TF.js' own decoder.
    const bin = await readFile(join(path, 'weights.bin'));
    const decoded = io.decodeWeights(
      bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.length) as ArrayBuffer,
      json.weightsManifest[0].weights,
    );
    expect([...(decoded['output/bias']?.dataSync() ?? [])]).toEqual((await values(model)).at(-1));
    for (const t of Object.values(decoded)) t.dispose();
    expect(JSON.parse(await readFile(join(path, 'config.json'), 'utf8'))).toEqual(model.config);

    const before = memory().numTensors;
    const loaded = await loadCheckpoint(path);
    expect(loaded.resume).toBeNull();
    expect(loaded.config).toEqual(model.config);
    expect(await values(loaded.model)).toEqual(await values(model));
    loaded.model.dispose();
    expect(memory().numTensors).toBe(before);
    model.dispose();
  });

  it('replaces an existing checkpoint atomically, leaving no temporary directory', async () => {
    const path = join(dir, 'b');
    const a = new EncoderForecaster(OPTIONS);
    const b = new EncoderForecaster({ ...OPTIONS, seed: 4 });
    await saveCheckpoint(path, a);
    await saveCheckpoint(path, b);
    expect((await readdir(dir)).filter((f) => f.includes('.tmp') || f.includes('.old'))).toEqual([]);
    const into = new EncoderForecaster({ ...OPTIONS, seed: 9 });
    await loadCheckpoint(path, { model: into });
    expect(await values(into)).toEqual(await values(b));
    for (const m of [a, b, into]) m.dispose();
  });

  it('names the missing or corrupt file', async () => {
    const model = new EncoderForecaster(OPTIONS);
    const path = join(dir, 'c');
    await saveCheckpoint(path, model);
    await expect(loadCheckpoint(join(dir, 'nowhere'))).rejects.toThrow(
      /nowhere\/config\.json: file is missing/,
    );
    const bin = join(path, 'weights.bin');
    const bytes = await readFile(bin);
    await writeFile(bin, bytes.subarray(0, bytes.length - 4));
    await expect(loadCheckpoint(path)).rejects.toThrow(/weights\.bin: corrupt or truncated/);
    await writeFile(bin, bytes);
    await writeFile(join(path, 'model.json'), '{"format": "convlstm-enc');
    await expect(loadCheckpoint(path)).rejects.toThrow(/model\.json: corrupt JSON/);
    await rm(join(path, 'model.json'));
    await expect(loadCheckpoint(path)).rejects.toThrow(CheckpointError);
    model.dispose();
  });

  it('says which config keys differ, and rejects unknown keys', async () => {
    const model = new EncoderForecaster(OPTIONS);
    const path = join(dir, 'd');
    await saveCheckpoint(path, model);
    const other = new EncoderForecaster({
      ...OPTIONS,
      inputKernelSize: 5,
      layers: [
        { hiddenChannels: 4, recurrentKernelSize: 3 },
        { hiddenChannels: 2, recurrentKernelSize: 1 },
      ],
    });
    const error = await loadCheckpoint(path, { model: other }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CheckpointError);
    expect(String(error)).toContain('config.json');
    expect(String(error)).toContain('inputKernelSize (checkpoint 3, model 5)');
    expect(String(error)).toContain('layers[0].hiddenChannels (checkpoint 3, model 4)');
    const config = JSON.parse(await readFile(join(path, 'config.json'), 'utf8'));
    await writeFile(join(path, 'config.json'), JSON.stringify({ ...config, dropout: 0.1 }));
    await expect(loadCheckpoint(path)).rejects.toThrow(/config\.json: .*unknown option "dropout"/);
    expect((await stat(path)).isDirectory()).toBe(true);
    model.dispose();
    other.dispose();
  });
});
