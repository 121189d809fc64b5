import { readFile } from 'node:fs/promises';
import { writeFileAtomic } from '@convlstm/files';
import { GifReader, GifWriter } from 'omggif';
import { assertPixels, ImageFormatError, type ImageReadOptions } from './errors.js';
import { type GrayImage, toByte } from './image.js';

/** Options of {@link encodeGrayGif}. */
export interface GifOptions {
  /** Delay between frames in milliseconds (GIF stores hundredths of a second). Default 200. */
  delayMs?: number;
  /** Loop count, 0 = forever (the default). */
  loop?: number;
}

// 256 grays: index i is gray level i, so a frame's bytes are its palette indices.
const GRAY_PALETTE = Array.from({ length: 256 }, (_, i) => (i << 16) | (i << 8) | i);

/** Encodes equally sized grayscale frames as a looping animated GIF (256-level gray palette). */
export function encodeGrayGif(frames: readonly GrayImage[], options: GifOptions = {}): Uint8Array {
  const first = frames[0];
  if (first === undefined) throw new RangeError('a GIF needs at least one frame');
  const { width, height } = first;
  frames.forEach((f, i) => {
    if (f.width !== width || f.height !== height) {
      throw new RangeError(`GIF frame ${i} is ${f.width}x${f.height}, frame 0 is ${width}x${height}`);
    }
  });
  const delay = Math.max(0, Math.round((options.delayMs ?? 200) / 10));
  // LZW codes are at most 12 bits per pixel, plus sub-block length bytes: 1.6 bytes/pixel is a safe bound.
  const buffer = new Uint8Array(1024 + frames.length * (Math.ceil(width * height * 1.6) + 64));
  const writer = new GifWriter(buffer, width, height, { palette: GRAY_PALETTE, loop: options.loop ?? 0 });
  const indices = new Uint8Array(width * height);
  for (const frame of frames) {
    for (let i = 0; i < indices.length; i++) indices[i] = toByte(frame.data[i] as number);
    writer.addFrame(0, 0, width, height, indices as unknown as number[], { delay });
  }
  return buffer.slice(0, writer.end());
}

/** omggif throws plain errors (and TypeErrors on truncated data): they become the file's error. */
function gifStep<T>(file: string, step: () => T): T {
  try {
    return step();
  } catch (error) {
    throw new ImageFormatError(file, `not a readable GIF: ${(error as Error).message}`);
  }
}

/**
 * Decodes every frame of a GIF to full-size grayscale images, compositing partial frames
 * over the previous canvas and honouring "restore to background" disposal, as viewers do.
 * Throws an {@link ImageFormatError} naming `file` for a file that is not a readable GIF or
 * declares more pixels than `options.maxPixels`, checked before decoding.
 */
export function decodeGrayGif(bytes: Uint8Array, file = 'GIF', options: ImageReadOptions = {}): GrayImage[] {
  let reader: GifReader;
  try {
    reader = new GifReader(bytes);
  } catch (error) {
    throw new ImageFormatError(file, `not a readable GIF: ${(error as Error).message}`);
  }
  const { width, height } = reader;
  const count = reader.numFrames();
  assertPixels(file, `${count} frames of ${width}x${height}`, width * height * Math.max(1, count), options);
  if (width < 1 || height < 1 || count < 1)
    throw new ImageFormatError(file, `not a readable GIF: ${width}x${height} with ${count} frames`);
  const canvas = new Uint8Array(width * height * 4);
  const frames: GrayImage[] = [];
  for (let f = 0; f < count; f++) {
    const info = gifStep(file, () => reader.frameInfo(f));
    // A frame must lie inside the canvas; omggif would write past its rows otherwise.
    if (info.x + info.width > width || info.y + info.height > height)
      throw new ImageFormatError(
        file,
        `frame ${f} (${info.width}x${info.height} at ${info.x},${info.y}) lies outside the ${width}x${height} canvas`,
      );
    const before = info.disposal === 3 ? canvas.slice() : null;
    gifStep(file, () => reader.decodeAndBlitFrameRGBA(f, canvas));
    const data = new Float32Array(width * height);
    for (let i = 0; i < data.length; i++) {
      const r = canvas[4 * i] as number;
      const g = canvas[4 * i + 1] as number;
      const b = canvas[4 * i + 2] as number;
      const a = canvas[4 * i + 3] as number;
      data[i] = ((0.299 * r + 0.587 * g + 0.114 * b) / 255) * (a / 255);
    }
    frames.push({ width, height, data });
    if (info.disposal === 2) {
      for (let y = info.y; y < info.y + info.height; y++)
        canvas.fill(0, 4 * (y * width + info.x), 4 * (y * width + info.x + info.width));
    } else if (before !== null) {
      canvas.set(before);
    }
  }
  return frames;
}

/** Writes an animated grayscale GIF (temp file, then rename). */
export async function writeGrayGif(
  path: string,
  frames: readonly GrayImage[],
  options: GifOptions = {},
): Promise<void> {
  await writeFileAtomic(path, encodeGrayGif(frames, options));
}

/** Reads every frame of a GIF file as grayscale; errors name the file. */
export async function readGrayGif(path: string, options: ImageReadOptions = {}): Promise<GrayImage[]> {
  return decodeGrayGif(await readFile(path), path, options);
}
