import { readFile } from 'node:fs/promises';
import { writeFileAtomic } from '@convlstm/files';
import pngjs from 'pngjs';
import { assertPixels, ImageFormatError, type ImageReadOptions } from './errors.js';
import { assertSize, type GrayImage, type RgbImage, toByte } from './image.js';

const { PNG } = pngjs;

/** Encodes a grayscale image as an 8-bit grayscale PNG (colour type 0). */
export function encodeGrayPng(image: GrayImage): Buffer {
  assertSize(image.width, image.height);
  const png = new PNG({ width: image.width, height: image.height, colorType: 0, inputColorType: 0 });
  const bytes = Buffer.alloc(image.width * image.height);
  for (let i = 0; i < bytes.length; i++) bytes[i] = toByte(image.data[i] as number);
  png.data = bytes;
  return PNG.sync.write(png, { colorType: 0, inputColorType: 0 });
}

/** Encodes an RGB image as an 8-bit RGB PNG (colour type 2). */
export function encodeRgbPng(image: RgbImage): Buffer {
  assertSize(image.width, image.height);
  const png = new PNG({ width: image.width, height: image.height, colorType: 2, inputColorType: 2 });
  png.data = Buffer.from(image.data.buffer, image.data.byteOffset, image.data.byteLength);
  return PNG.sync.write(png, { colorType: 2, inputColorType: 2 });
}

/** The width and height a PNG's IHDR declares (big-endian at bytes 16–23), or null when too short. */
function declaredSize(bytes: Uint8Array): { width: number; height: number } | null {
  if (bytes.length < 24) return null;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return { width: view.getUint32(16, false), height: view.getUint32(20, false) };
}

/**
 * Decodes any PNG (palette, RGB(A), 16-bit, interlaced: pngjs normalises to RGBA) to grayscale:
 * Rec. 601 luma, composited over black so transparent pixels read as background. Throws an
 * {@link ImageFormatError} naming `file` for a file that is not a readable PNG or whose header
 * declares more pixels than `options.maxPixels`, checked before decoding.
 */
export function decodeGrayPng(bytes: Uint8Array, file = 'PNG', options: ImageReadOptions = {}): GrayImage {
  const size = declaredSize(bytes);
  if (size !== null) assertPixels(file, `${size.width}x${size.height}`, size.width * size.height, options);
  let png: { width: number; height: number; data: Buffer };
  try {
    png = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  } catch (error) {
    throw new ImageFormatError(file, `not a readable PNG: ${(error as Error).message}`);
  }
  const { width, height } = png;
  if (png.data.length < width * height * 4)
    throw new ImageFormatError(
      file,
      `not a readable PNG: ${png.data.length} bytes of pixels for ${width}x${height}`,
    );
  const data = new Float32Array(width * height);
  for (let i = 0; i < data.length; i++) {
    const r = png.data[4 * i] as number;
    const g = png.data[4 * i + 1] as number;
    const b = png.data[4 * i + 2] as number;
    const a = png.data[4 * i + 3] as number;
    data[i] = ((0.299 * r + 0.587 * g + 0.114 * b) / 255) * (a / 255);
  }
  return { width, height, data };
}

/** Writes a grayscale PNG (temp file, then rename). */
export async function writeGrayPng(path: string, image: GrayImage): Promise<void> {
  await writeFileAtomic(path, encodeGrayPng(image));
}

/** Writes an RGB PNG (temp file, then rename). */
export async function writeRgbPng(path: string, image: RgbImage): Promise<void> {
  await writeFileAtomic(path, encodeRgbPng(image));
}

/** Reads a PNG file as grayscale; errors name the file. */
export async function readGrayPng(path: string, options: ImageReadOptions = {}): Promise<GrayImage> {
  return decodeGrayPng(await readFile(path), path, options);
}
