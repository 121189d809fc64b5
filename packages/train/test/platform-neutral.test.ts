import '@tensorflow/tfjs-backend-cpu';
import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { memory, setBackend } from '@tensorflow/tfjs-core';
import { build } from 'esbuild';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  CHECKPOINT_FILES,
  CheckpointError,
  type CheckpointFiles,
  type CheckpointStore,
  decodeCheckpoint,
  disposeTrainingState,
  EncoderForecaster,
  type EncoderForecasterOptions,
  encodeCheckpoint,
  MovingMnist,
  train,
} from '../src/index.js';
import { loadMnistDigits } from '../src/node.js';

beforeAll(async () => {
  await setBackend('cpu');
});

const TINY: EncoderForecasterOptions = {
  frameSize: 32,
  patchSize: 8,
  inputKernelSize: 1,
  layers: [{ hiddenChannels: 4, recurrentKernelSize: 3 }],
  inputFrames: 2,
  outputFrames: 2,
  seed: 11,
};
const digits = () => loadMnistDigits().train;
const data = () =>
  new MovingMnist({
    digits: digits(),
    canvasSize: 32,
    numDigits: 1,
    inputFrames: 2,
    outputFrames: 2,
    seed: 3,
  });

async function weightsOf(model: EncoderForecaster): Promise<Float32Array[]> {
  const ws = model.getWeights();
  const out = await Promise.all(ws.map(async (w) => (await w.data()) as Float32Array));
  for (const w of ws) w.dispose();
  return out;
}

/** A browser-style store: the slots live in memory. */
function memoryStore(): CheckpointStore & { slots: Map<string, CheckpointFiles>; saves: string[] } {
  const slots = new Map<string, CheckpointFiles>();
  const saves: string[] = [];
  return {
    slots,
    saves,
    save: async (slot, files, info) => {
      slots.set(slot, files);
      saves.push(`${slot}@${info.step}`);
      return `memory:${slot}`;
    },
  };
}

describe('the root entry is platform-neutral', () => {
  it('bundles for the browser with no Node built-in in its import graph', async () => {
    const entry = fileURLToPath(new URL('../src/index.ts', import.meta.url));
    const result = await build({
      entryPoints: [entry],
      bundle: true,
      write: false,
      platform: 'browser',
      format: 'esm',
      metafile: true,
      logLevel: 'silent',
      conditions: ['@convlstm/source'],
      external: ['@tensorflow/*'],
    });
    const inputs = Object.keys(result.metafile.inputs);
    expect(inputs.some((i) => i.endsWith('src/train.ts'))).toBe(true);
    expect(inputs.some((i) => i.endsWith('src/checkpoint-codec.ts'))).toBe(true);
    expect(inputs.filter((i) => i.startsWith('node:') || /(^|\/)(fs|path|crypto|zlib)$/.test(i))).toEqual([]);
    const imports = Object.values(result.metafile.outputs).flatMap((o) => o.imports.map((i) => i.path));
    expect(imports.filter((p) => !p.startsWith('@tensorflow/'))).toEqual([]);
  });

  it('trains into a store of bytes and resumes from it exactly, as it does from a folder', async () => {
    const N = 4;
    const optimizer = { name: 'adam', learningRate: 0.003 } as const;
    const straight = new EncoderForecaster(TINY);
    await train(straight, data(), { batchSize: 2, maxSteps: N, optimizer });
    const expected = await weightsOf(straight);
    straight.dispose();

    const store = memoryStore();
    const half = new EncoderForecaster(TINY);
    const first = await train(half, data(), {
      batchSize: 2,
      maxSteps: N / 2,
      optimizer,
      checkpoint: { store, everySteps: 1 },
    });
    half.dispose();
    expect(store.saves).toEqual(['latest@1', 'latest@2', 'latest@2']);
    expect(first.lastCheckpoint).toBe('memory:latest');

    const before = memory().numTensors;
    const loaded = await decodeCheckpoint(store.slots.get('latest') as CheckpointFiles);
    expect(loaded.resume?.step).toBe(N / 2);
    await train(loaded.model, data(), { batchSize: 2, maxSteps: N, optimizer, resume: loaded.resume });
    expect(await weightsOf(loaded.model)).toEqual(expected);
    disposeTrainingState(loaded.resume);
    loaded.model.dispose();
    expect(memory().numTensors).toBe(before);
  });

  // Found by the fuzzing suite (packages/fuzz): with checksums.json recomputed, a null manifest
  // group or entry escaped as a TypeError, and a dtype such as "constructor" passed the size check.
  it('refuses a malformed weightsManifest with a CheckpointError naming model.json', async () => {
    const model = new EncoderForecaster(TINY);
    const files = await encodeCheckpoint(model);
    model.dispose();
    const json = JSON.parse(new TextDecoder().decode(files[CHECKPOINT_FILES.model]));
    const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
    const withManifest = (manifest: unknown): CheckpointFiles => {
      const out: Record<string, Uint8Array> = { ...files };
      out[CHECKPOINT_FILES.model] = new TextEncoder().encode(
        JSON.stringify({ ...json, weightsManifest: manifest }),
      );
      delete out[CHECKPOINT_FILES.checksums];
      const sums = Object.fromEntries(Object.entries(out).map(([n, b]) => [n, sha256(b)]));
      out[CHECKPOINT_FILES.checksums] = new TextEncoder().encode(
        JSON.stringify({ algorithm: 'sha256', files: sums }),
      );
      return out;
    };
    const group = json.weightsManifest[0];
    const before = memory().numTensors;
    for (const manifest of [
      [null],
      [{ ...group, weights: [null, ...group.weights.slice(1)] }],
      [{ ...group, weights: [{ ...group.weights[0], dtype: 'constructor' }, ...group.weights.slice(1)] }],
      [{ ...group, weights: [{ ...group.weights[0], shape: [-1, -2] }, ...group.weights.slice(1)] }],
    ]) {
      const error = await decodeCheckpoint(withManifest(manifest)).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(CheckpointError);
      expect((error as CheckpointError).file).toBe('checkpoint/model.json');
      expect(String(error)).toMatch(/corrupt weightsManifest/);
    }
    expect(memory().numTensors).toBe(before);
  });

  it('refuses a corrupted file by name and leaks nothing', async () => {
    const model = new EncoderForecaster(TINY);
    const files = await encodeCheckpoint(model);
    model.dispose();
    const weights = new Uint8Array(files[CHECKPOINT_FILES.weights] as Uint8Array);
    weights[5] = (weights[5] as number) ^ 0x40;
    const before = memory().numTensors;
    const error = await decodeCheckpoint({ ...files, [CHECKPOINT_FILES.weights]: weights }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(CheckpointError);
    expect((error as CheckpointError).file).toBe('checkpoint/weights.bin');
    expect(String(error)).toMatch(/SHA-256 differs/);
    const missing = { ...files };
    delete (missing as Record<string, Uint8Array>)[CHECKPOINT_FILES.checksums];
    await expect(decodeCheckpoint(missing)).rejects.toThrow(/checkpoint\/checksums\.json: file is missing/);
    expect(memory().numTensors).toBe(before);
  });
});
