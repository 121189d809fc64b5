import { SeededRandom } from '@convlstm/core/internal';
import { ConvLSTMArgumentError, describeValue } from '@convlstm/tensor';

const SIDE = 28;
const PIXELS = SIDE * SIDE;
/** Fixed seed of the train / test split, so every run holds out the same digits. */
const SPLIT_SEED = 20150612;

/** A pool of 28×28 grayscale digits: `pixels` holds `count · 784` values in [0, 1], row-major. */
export interface DigitPool {
  readonly count: number;
  readonly size: 28;
  readonly pixels: Float32Array;
}

/** Thrown for an unreadable digit source; names the file. */
export class MnistFormatError extends Error {
  constructor(file: string, problem: string) {
    super(`${file}: ${problem}`);
    this.name = 'MnistFormatError';
  }
}

/**
 * Parses the bytes of an idx3-ubyte image file (big-endian magic 0x803, count, rows, cols, then
 * one byte per pixel) into `count · 784` values in [0, 1]; `path` names the file in errors.
 */
export function parseIdxImages(bytes: Uint8Array, path = '<idx3 buffer>'): Float32Array {
  if (bytes.length < 16) throw new MnistFormatError(path, 'too short for an idx3 header');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = view.getUint32(0, false);
  if (magic !== 0x803) {
    throw new MnistFormatError(
      path,
      `not an idx3-ubyte image file (magic 0x${magic.toString(16)}, expected 0x803)`,
    );
  }
  const count = view.getUint32(4, false);
  const rows = view.getUint32(8, false);
  const cols = view.getUint32(12, false);
  if (rows !== SIDE || cols !== SIDE)
    throw new MnistFormatError(path, `images are ${rows}×${cols}, expected 28×28`);
  if (bytes.length < 16 + count * PIXELS) {
    throw new MnistFormatError(
      path,
      `truncated: ${count} images need ${16 + count * PIXELS} bytes, found ${bytes.length}`,
    );
  }
  const out = new Float32Array(count * PIXELS);
  for (let i = 0; i < out.length; i++) out[i] = (bytes[16 + i] as number) / 255;
  return out;
}

/**
 * Splits digits (`count · 784` values in [0, 1]) into disjoint train and test pools, so test
 * sequences only show digits never seen in training. The split is a fixed-seed shuffle of all
 * digits (the same on every run and machine); the test pool takes `round(count · testFraction)`.
 */
export function splitDigits(all: Float32Array, testFraction = 0.1): { train: DigitPool; test: DigitPool } {
  if (typeof testFraction !== 'number' || !(testFraction > 0 && testFraction < 1)) {
    throw new ConvLSTMArgumentError('testFraction', 'a number in (0, 1)', describeValue(testFraction));
  }
  if (!(all instanceof Float32Array) || all.length === 0 || all.length % PIXELS !== 0) {
    throw new ConvLSTMArgumentError(
      'digits',
      `a Float32Array of a positive multiple of ${PIXELS} values`,
      describeValue(all),
    );
  }
  const count = all.length / PIXELS;
  const order = Array.from({ length: count }, (_, i) => i);
  const random = new SeededRandom(SPLIT_SEED);
  for (let i = count - 1; i > 0; i--) {
    const j = random.int(i + 1);
    [order[i], order[j]] = [order[j] as number, order[i] as number];
  }
  const testCount = Math.min(count - 1, Math.max(1, Math.round(count * testFraction)));
  const pool = (indices: number[]): DigitPool => {
    const pixels = new Float32Array(indices.length * PIXELS);
    indices.forEach((src, k) => {
      pixels.set(all.subarray(src * PIXELS, (src + 1) * PIXELS), k * PIXELS);
    });
    return { count: indices.length, size: SIDE, pixels };
  };
  return { train: pool(order.slice(testCount)), test: pool(order.slice(0, testCount)) };
}
