import {
  decodeGrayGif,
  decodeGrayPng,
  encodeGrayGif,
  encodeGrayPng,
  ImageFormatError,
} from '@convlstm/pictures';
import { describe, it } from 'vitest';
import { arbitraryBytes, fc, fuzzReader, fuzzRuns, mutated, testTimeout } from '../src/index.js';

/**
 * The image readers behind `moving-mnist predict --input` (GIF, PNG), on mutations of files
 * encoded here and on random bytes behind each magic: images or an `ImageFormatError`.
 */
const MUTATION_RUNS = fuzzRuns(150);
const RANDOM_RUNS = fuzzRuns(100);

const frame = (k: number) => ({
  width: 12,
  height: 9,
  data: Float32Array.from({ length: 108 }, (_, i) => ((i * 7 + k * 13) % 29) / 28),
});

describe('fuzz: image readers (GIF, PNG)', () => {
  it(
    'decodeGrayGif on mutations of an animated GIF and on random bytes',
    async () => {
      const gif = encodeGrayGif([frame(0), frame(1), frame(2)], { delayMs: 100 });
      await fuzzReader({
        target: 'pictures decodeGrayGif (mutated, random)',
        input: fc.oneof(mutated(gif), arbitraryBytes(new TextEncoder().encode('GIF89a'))),
        read: ({ bytes }) => decodeGrayGif(bytes, 'x.gif'),
        allowed: [ImageFormatError],
        runs: MUTATION_RUNS + RANDOM_RUNS,
      });
    },
    testTimeout(MUTATION_RUNS + RANDOM_RUNS, 100),
  );

  it(
    'decodeGrayPng on mutations of a PNG and on random bytes',
    async () => {
      const png = new Uint8Array(encodeGrayPng(frame(0)));
      await fuzzReader({
        target: 'pictures decodeGrayPng (mutated, random)',
        input: fc.oneof(mutated(png), arbitraryBytes(png.subarray(0, 16))),
        read: ({ bytes }) => decodeGrayPng(bytes, 'x.png'),
        allowed: [ImageFormatError],
        runs: MUTATION_RUNS + RANDOM_RUNS,
      });
    },
    testTimeout(MUTATION_RUNS + RANDOM_RUNS, 100),
  );
});
