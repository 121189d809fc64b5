/**
 * A grayscale image, row-major: pixel `(x, y)` is `data[y * width + x]`, intensity in `[0, 1]`
 * (0 = black). Moving MNIST frames are `[H, W, 1]` slices of a `[N, T, H, W, 1]` sequence.
 */
export interface GrayImage {
  readonly width: number;
  readonly height: number;
  readonly data: Float32Array;
}

/** An 8-bit RGB image, row-major, 3 bytes per pixel (used for charts). */
export interface RgbImage {
  readonly width: number;
  readonly height: number;
  readonly data: Uint8Array;
}

/** A new grayscale image filled with `value`. */
export function grayImage(width: number, height: number, value = 0): GrayImage {
  assertSize(width, height);
  return { width, height, data: new Float32Array(width * height).fill(value) };
}

/** Throws a clear error for a size that is not a positive integer pair. */
export function assertSize(width: number, height: number): void {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new RangeError(`image size must be positive integers, got ${width}x${height}`);
  }
}

/** Clamps to `[0, 1]` and quantises to a byte; NaN becomes 0 so a broken model still renders. */
export function toByte(value: number): number {
  if (!(value > 0)) return 0;
  if (value >= 1) return 255;
  return Math.round(value * 255);
}

/**
 * Splits a flat `[T, H, W]` (channel 1 dropped) buffer into `T` frames; `offset` is where
 * the sequence starts in `values`.
 */
export function framesFromArray(
  values: ArrayLike<number>,
  frames: number,
  height: number,
  width: number,
  offset = 0,
): GrayImage[] {
  assertSize(width, height);
  const size = width * height;
  if (offset + frames * size > values.length) {
    throw new RangeError(
      `need ${frames}x${height}x${width} values from offset ${offset}, got ${values.length} values`,
    );
  }
  const out: GrayImage[] = [];
  for (let t = 0; t < frames; t++) {
    const data = new Float32Array(size);
    const start = offset + t * size;
    for (let i = 0; i < size; i++) data[i] = values[start + i] as number;
    out.push({ width, height, data });
  }
  return out;
}

/** Nearest-neighbour upscaling by an integer factor (small 64×64 frames are hard to see otherwise). */
export function upscale(image: GrayImage, factor: number): GrayImage {
  if (!Number.isInteger(factor) || factor < 1) {
    throw new RangeError(`scale must be a positive integer, got ${factor}`);
  }
  if (factor === 1) return image;
  const width = image.width * factor;
  const height = image.height * factor;
  const data = new Float32Array(width * height);
  for (let y = 0; y < height; y++) {
    const row = Math.floor(y / factor) * image.width;
    for (let x = 0; x < width; x++) data[y * width + x] = image.data[row + Math.floor(x / factor)] as number;
  }
  return { width, height, data };
}
