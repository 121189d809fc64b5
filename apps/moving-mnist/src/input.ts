import { readdir, stat } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { UsageError } from '@convlstm/cli';
import { type GrayImage, readGrayGif, readGrayPng } from '@convlstm/pictures';
import { readNpy } from '@convlstm/train/node';

/** Sequences read for `predict`: flat `[N, T, H, W]` (channel 1 implied), values in [0, 1]. */
export interface InputSequences {
  readonly data: Float32Array;
  readonly count: number;
  readonly frames: number;
  readonly height: number;
  readonly width: number;
  /** What was read, for messages. */
  readonly description: string;
}

function fromFrames(frames: readonly GrayImage[], description: string): InputSequences {
  const first = frames[0];
  if (first === undefined) throw new UsageError(`${description}: no frames`);
  frames.forEach((f, i) => {
    if (f.width !== first.width || f.height !== first.height) {
      throw new UsageError(
        `${description}: frame ${i} is ${f.width}x${f.height}, frame 0 is ${first.width}x${first.height}`,
      );
    }
  });
  const size = first.width * first.height;
  const data = new Float32Array(frames.length * size);
  frames.forEach((f, i) => {
    data.set(f.data, i * size);
  });
  return { data, count: 1, frames: frames.length, height: first.height, width: first.width, description };
}

/**
 * Float frames must be intensities in [0, 1]: NaN, infinities or 0-255 values stored as float
 * would give NaN or saturated forecasts without a word, so they are refused with where and what.
 */
function assertUnitRange(values: Float32Array, path: string): void {
  let bad = 0;
  let first = -1;
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number;
    if (!(v >= 0 && v <= 1)) {
      bad++;
      if (first === -1) first = i;
    }
  }
  if (bad === 0) return;
  const v = values[first] as number;
  const hint = v > 1 && Number.isFinite(v) ? ' (for 0-255 pixel values save the array as uint8)' : '';
  throw new UsageError(
    `--input: ${path}: float32 values must be in [0, 1]; ${bad} of ${values.length} are not (first at flat index ${first}: ${v})${hint}`,
  );
}

/**
 * Reads `.npy` arrays of shape `[T, H, W]`, `[N, T, H, W]` or `[N, T, H, W, 1]`; uint8 is
 * scaled by 1/255, float32 is taken as already in [0, 1].
 */
async function readNpyInput(path: string): Promise<InputSequences> {
  let array: Awaited<ReturnType<typeof readNpy>>;
  try {
    array = await readNpy(path);
  } catch (error) {
    throw new UsageError(`${path}: ${(error as Error).message}`);
  }
  let shape = [...array.shape];
  if (shape.length === 5 && shape[4] === 1) shape = shape.slice(0, 4);
  if (shape.length === 3) shape = [1, ...shape];
  if (shape.length !== 4) {
    throw new UsageError(
      `${path}: expected shape [T, H, W], [N, T, H, W] or [N, T, H, W, 1], got [${array.shape.join(', ')}]`,
    );
  }
  const [count, frames, height, width] = shape as [number, number, number, number];
  if (count === 0 || frames === 0 || height === 0 || width === 0) {
    throw new UsageError(`--input: ${path} is empty (shape [${array.shape.join(', ')}])`);
  }
  if (array.dtype === 'float32') assertUnitRange(array.data as Float32Array, path);
  const data =
    array.dtype === 'uint8'
      ? Float32Array.from(array.data as Uint8Array, (v) => v / 255)
      : new Float32Array(array.data as Float32Array);
  return {
    data,
    count,
    frames,
    height,
    width,
    description: `${path} (${array.dtype} [${array.shape.join(', ')}])`,
  };
}

/**
 * Reads `predict`'s `--input`: a `.npy` file, an animated `.gif`, or a folder of `.png`
 * frames in name order (natural order: frame2 before frame10).
 */
export async function readInput(path: string): Promise<InputSequences> {
  let info: Awaited<ReturnType<typeof stat>>;
  try {
    info = await stat(path);
  } catch {
    throw new UsageError(`--input: ${path} does not exist`);
  }
  if (info.isDirectory()) {
    const names = (await readdir(path))
      .filter((n) => extname(n).toLowerCase() === '.png')
      .sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
    if (names.length === 0) throw new UsageError(`--input: folder ${path} has no .png files`);
    const frames: GrayImage[] = [];
    for (const n of names) frames.push(await readGrayPng(join(path, n)));
    return fromFrames(frames, `${path} (${names.length} PNG frames)`);
  }
  const ext = extname(path).toLowerCase();
  if (ext === '.npy') return readNpyInput(path);
  if (ext === '.gif') {
    const frames = await readGrayGif(path);
    return fromFrames(frames, `${path} (${frames.length} GIF frames)`);
  }
  throw new UsageError(`--input: ${path}: expected a .npy file, a .gif file or a folder of .png frames`);
}
