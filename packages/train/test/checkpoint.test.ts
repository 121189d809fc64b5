import '@tensorflow/tfjs-backend-cpu';
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveFolder } from '@convlstm/files';
import { io, memory, setBackend, type Tensor, tensor } from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CheckpointError, EncoderForecaster, type EncoderForecasterOptions } from '../src/index.js';
import { loadCheckpoint, saveCheckpoint } from '../src/node.js';

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

/** Rewrites a checkpoint file and its recorded SHA-256, as a deliberate edit would. */
async function editConsistently(version: string, name: string, content: string | Uint8Array): Promise<void> {
  await writeFile(join(version, name), content);
  const file = join(version, 'checksums.json');
  const sums = JSON.parse(await readFile(file, 'utf8'));
  sums.files[name] = createHash('sha256').update(content).digest('hex');
  await writeFile(file, JSON.stringify(sums));
}

describe('checkpoints', () => {
  it('round-trips weights and config through the standard TF.js weights format', async () => {
    const model = new EncoderForecaster(OPTIONS);
    const path = join(dir, 'a');
    const version = await saveCheckpoint(path, model);
    expect(await resolveFolder(path)).toBe(version);
    expect((await readdir(path)).sort()).toEqual(['CURRENT', version.split('/').at(-1)]);
    expect((await readdir(version)).sort()).toEqual([
      'checksums.json',
      'config.json',
      'model.json',
      'weights.bin',
    ]);
    const json = JSON.parse(await readFile(join(version, 'model.json'), 'utf8'));
    expect(json.weightsManifest[0].paths).toEqual(['weights.bin']);
    expect(json.weightsManifest[0].weights.map((w: { name: string }) => w.name)).toEqual(model.weightNames);
    // The weights decode with TF.js' own decoder.
    const bin = await readFile(join(version, 'weights.bin'));
    // Every file's SHA-256 is recorded.
    const sums = JSON.parse(await readFile(join(version, 'checksums.json'), 'utf8'));
    for (const name of ['config.json', 'model.json', 'weights.bin']) {
      const bytes = await readFile(join(version, name));
      expect(sums.files[name]).toBe(createHash('sha256').update(bytes).digest('hex'));
    }
    const decoded = io.decodeWeights(
      bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.length) as ArrayBuffer,
      json.weightsManifest[0].weights,
    );
    expect([...(decoded['output/bias']?.dataSync() ?? [])]).toEqual((await values(model)).at(-1));
    for (const t of Object.values(decoded)) t.dispose();
    expect(JSON.parse(await readFile(join(version, 'config.json'), 'utf8'))).toEqual(model.config);

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
    expect(await readdir(path)).toHaveLength(2); // CURRENT and the one version
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
    const version = await resolveFolder(path);
    const bin = join(version, 'weights.bin');
    const bytes = await readFile(bin);
    await writeFile(bin, bytes.subarray(0, bytes.length - 4));
    await expect(loadCheckpoint(path)).rejects.toThrow(
      /weights\.bin: SHA-256 differs from the one in checksums\.json/,
    );
    // Flipped bytes of the same length too.
    const flipped = Uint8Array.from(bytes);
    flipped[100] = (flipped[100] as number) ^ 0xff;
    await writeFile(bin, flipped);
    await expect(loadCheckpoint(path)).rejects.toThrow(/weights\.bin: SHA-256 differs/);
    await writeFile(bin, bytes);
    const modelJson = await readFile(join(version, 'model.json'));
    await writeFile(join(version, 'model.json'), '{"format": "convlstm-enc');
    await expect(loadCheckpoint(path)).rejects.toThrow(/model\.json: SHA-256 differs/);
    await rm(join(version, 'model.json'));
    await expect(loadCheckpoint(path)).rejects.toThrow(/model\.json: file is missing/);
    await writeFile(join(version, 'model.json'), modelJson);
    await rm(join(version, 'checksums.json'));
    await expect(loadCheckpoint(path)).rejects.toThrow(/checksums\.json: file is missing/);
    await writeFile(join(path, 'CURRENT'), 'v-gone\n');
    await expect(loadCheckpoint(path)).rejects.toThrow(/CURRENT: names version "v-gone"/);
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
    const version = await resolveFolder(path);
    const config = JSON.parse(await readFile(join(version, 'config.json'), 'utf8'));
    await editConsistently(version, 'config.json', JSON.stringify({ ...config, dropout: 0.1 }));
    await expect(loadCheckpoint(path)).rejects.toThrow(/config\.json: .*unknown option "dropout"/);
    expect((await stat(path)).isDirectory()).toBe(true);
    model.dispose();
    other.dispose();
  });

  it('rejects a config.json that differs from the config saved with the weights, in any field', async () => {
    const model = new EncoderForecaster(OPTIONS);
    const path = join(dir, 'e');
    await saveCheckpoint(path, model);
    const version = await resolveFolder(path);
    const config = JSON.parse(await readFile(join(version, 'config.json'), 'utf8'));
    for (const [key, value, shown] of [
      ['frameSize', 16, 'frameSize (config.json 16, model.json 8)'],
      ['inputFrames', 5, 'inputFrames (config.json 5, model.json 2)'],
      ['outputFrames', 3, 'outputFrames (config.json 3, model.json 2)'],
      ['seed', 4, 'seed (config.json 4, model.json 3)'],
    ] as const) {
      await editConsistently(version, 'config.json', JSON.stringify({ ...config, [key]: value }));
      const error = await loadCheckpoint(path).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(CheckpointError);
      expect(String(error)).toContain(join(version, 'config.json'));
      expect(String(error)).toContain(shown);
    }
    model.dispose();
  });

  it('rejects non-finite weights, naming the file and the weight', async () => {
    const model = new EncoderForecaster(OPTIONS);
    const ws = model.getWeights();
    const last = ws.length - 1;
    (ws[last] as Tensor).dispose();
    ws[last] = tensor(new Float32Array(4).fill(Number.NaN));
    model.setWeights(ws);
    for (const w of ws) w.dispose();
    const path = join(dir, 'nan');
    await saveCheckpoint(path, model);
    const before = memory().numTensors;
    await expect(loadCheckpoint(path)).rejects.toThrow(
      /nan\/weights-[0-9a-f]+\/weights\.bin: weight "output\/bias" has 4 non-finite value\(s\)/,
    );
    expect(memory().numTensors).toBe(before);
    model.dispose();
  });

  it('loads the weights without the training state when asked, and names a damaged state otherwise', async () => {
    const model = new EncoderForecaster(OPTIONS);
    const path = join(dir, 'state');
    await saveCheckpoint(path, model, {
      step: 3,
      generator: null,
      optimizer: null,
      optimizerWeights: [],
      bestValidationLoss: null,
      validationsWithoutImprovement: 0,
      elapsedMs: 0,
      metadata: { preset: 'x' },
    });
    const version = await resolveFolder(path);
    const full = await loadCheckpoint(path);
    expect(full.resume?.metadata).toEqual({ preset: 'x' });
    full.model.dispose();
    await rm(join(version, 'optimizer.bin'));
    await writeFile(join(version, 'resume.json'), '{ broken');
    await expect(loadCheckpoint(path)).rejects.toThrow(/resume\.json: SHA-256 differs/);
    const weightsOnly = await loadCheckpoint(path, { trainingState: false });
    expect(weightsOnly.resume).toBeNull();
    expect(await values(weightsOnly.model)).toEqual(await values(model));
    weightsOnly.model.dispose();
    model.dispose();
  });
});
