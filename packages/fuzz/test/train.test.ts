import '@tensorflow/tfjs-backend-cpu';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  CHECKPOINT_FILES,
  CheckpointError,
  type CheckpointFiles,
  decodeCheckpoint,
  EncoderForecaster,
  encodeCheckpoint,
  encodeNpy,
  MnistFormatError,
  NpyFormatError,
  parseIdxImages,
  parseNpy,
} from '@convlstm/train';
import { memory, setBackend } from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { arbitraryBytes, fc, fuzzReader, fuzzRuns, mutated, mutatedJson, testTimeout } from '../src/index.js';

/**
 * `@convlstm/train`'s file readers: `.npy` arrays, MNIST idx3 images and checkpoints (the
 * platform-neutral codec), on mutations of valid files and on random bytes: a value or the
 * reader's own error (`NpyFormatError`, `MnistFormatError`, `CheckpointError`), nothing else,
 * and no tensor left behind by a refused checkpoint.
 */
const MUTATION_RUNS = fuzzRuns(150);
const RANDOM_RUNS = fuzzRuns(100);

const npyFixture = new Uint8Array(
  readFileSync(join(import.meta.dirname, '../../train/test/fixtures/checkpoint-0.1/inputs.npy')),
);

/** A 3-image 28×28 idx3 file, big-endian header as MNIST's. */
function idx3(): Uint8Array {
  const bytes = new Uint8Array(16 + 3 * 28 * 28);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, 0x803, false);
  view.setUint32(4, 3, false);
  view.setUint32(8, 28, false);
  view.setUint32(12, 28, false);
  for (let i = 16; i < bytes.length; i++) bytes[i] = (i * 31) % 256;
  return bytes;
}

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
const utf8 = new TextEncoder();

/** The files with `checksums.json` recomputed, so a mutation reaches the parsers behind the checksum check. */
function resealed(files: Record<string, Uint8Array>): CheckpointFiles {
  const out = { ...files };
  delete out[CHECKPOINT_FILES.checksums];
  const sums = Object.fromEntries(Object.entries(out).map(([name, content]) => [name, sha256(content)]));
  out[CHECKPOINT_FILES.checksums] = utf8.encode(JSON.stringify({ algorithm: 'sha256', files: sums }));
  return out;
}

let checkpoint: CheckpointFiles;
beforeAll(async () => {
  await setBackend('cpu');
  const model = new EncoderForecaster({
    frameSize: 8,
    patchSize: 2,
    inputKernelSize: 1,
    layers: [{ hiddenChannels: 2, recurrentKernelSize: 3 }],
    inputFrames: 2,
    outputFrames: 2,
    seed: 3,
  });
  checkpoint = await encodeCheckpoint(model);
  model.dispose();
});

describe('fuzz: train readers', () => {
  it(
    'parseNpy on mutations of a .npy and of arrays written by encodeNpy',
    async () => {
      const written = encodeNpy({
        data: Float32Array.from({ length: 24 }, (_, i) => i / 7),
        shape: [2, 3, 4],
        dtype: 'float32',
      });
      await fuzzReader({
        target: 'train parseNpy (mutated)',
        input: fc.oneof(mutated(npyFixture), mutated(written)),
        read: ({ bytes }) => parseNpy(bytes, 'x.npy'),
        allowed: [NpyFormatError],
        runs: MUTATION_RUNS,
      });
    },
    testTimeout(MUTATION_RUNS, 100),
  );

  it(
    'parseNpy on random bytes behind the magic',
    async () => {
      await fuzzReader({
        target: 'train parseNpy (random bytes)',
        input: arbitraryBytes(Uint8Array.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59])),
        read: ({ bytes }) => parseNpy(bytes, 'x.npy'),
        allowed: [NpyFormatError],
        runs: RANDOM_RUNS,
      });
    },
    testTimeout(RANDOM_RUNS, 100),
  );

  it(
    'parseIdxImages on mutations of an idx3 file and on random bytes',
    async () => {
      await fuzzReader({
        target: 'train parseIdxImages (mutated, random)',
        input: fc.oneof(mutated(idx3()), arbitraryBytes(Uint8Array.from([0, 0, 8, 3]))),
        read: ({ bytes }) => parseIdxImages(bytes, 'images.idx3'),
        allowed: [MnistFormatError],
        runs: MUTATION_RUNS,
      });
    },
    testTimeout(MUTATION_RUNS, 100),
  );

  it(
    'decodeCheckpoint on mutated, resealed, edited and missing files; no tensor leaked',
    async () => {
      const names = Object.keys(checkpoint).filter((n) => n !== CHECKPOINT_FILES.checksums);
      const jsonNames = names.filter((n) => n.endsWith('.json'));
      const parse = (name: string) => JSON.parse(new TextDecoder().decode(checkpoint[name]));
      const input = fc.oneof(
        // Bytes changed: the checksum check must refuse them.
        fc.constantFrom(...Object.keys(checkpoint)).chain((name) =>
          mutated(checkpoint[name] as Uint8Array).map(({ bytes, how }) => ({
            files: { ...checkpoint, [name]: bytes } as CheckpointFiles,
            how: `${name}: ${how}`,
          })),
        ),
        // Bytes changed and checksums recomputed: the parsers must refuse them.
        fc.constantFrom(...names).chain((name) =>
          mutated(checkpoint[name] as Uint8Array).map(({ bytes, how }) => ({
            files: resealed({ ...checkpoint, [name]: bytes }),
            how: `${name} (resealed): ${how}`,
          })),
        ),
        // A JSON file edited (sizes, shapes, names, offsets) and resealed.
        fc.constantFrom(...jsonNames).chain((name) =>
          mutatedJson(parse(name)).map(({ value, how }) => ({
            files: resealed({ ...checkpoint, [name]: utf8.encode(JSON.stringify(value) ?? '') }),
            how: `${name} (resealed): ${how}`,
          })),
        ),
        // A file missing.
        fc.constantFrom(...Object.keys(checkpoint)).map((name) => {
          const files = { ...checkpoint };
          delete files[name];
          return { files: files as CheckpointFiles, how: `${name} missing` };
        }),
      );
      await fuzzReader({
        target: 'train decodeCheckpoint (mutated)',
        input,
        read: async ({ files }) => {
          const before = memory().numTensors;
          try {
            const loaded = await decodeCheckpoint(files);
            loaded.model.dispose();
          } finally {
            expect(memory().numTensors, 'tensors left after the case').toBe(before);
          }
        },
        allowed: [CheckpointError],
        runs: MUTATION_RUNS,
      });
    },
    testTimeout(MUTATION_RUNS, 300),
  );
});
