import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  composeGrid,
  decodeGrayGif,
  decodeGrayPng,
  encodeGrayGif,
  encodeGrayPng,
  encodeRgbPng,
  type GrayImage,
  gridGeometry,
  ImageFormatError,
  readGrayGif,
  readGrayPng,
  sideBySideFrames,
  upscale,
  writeGrayGif,
  writeGrayPng,
} from '../src/images/index.js';

/** A frame whose pixels are distinct multiples of 1/255, so 8-bit quantisation is exact. */
function pattern(width: number, height: number, salt: number): GrayImage {
  const data = new Float32Array(width * height);
  for (let i = 0; i < data.length; i++) data[i] = ((i * 37 + salt * 101) % 256) / 255;
  return { width, height, data };
}

function expectSameImage(actual: GrayImage, expected: GrayImage): void {
  expect([actual.width, actual.height]).toEqual([expected.width, expected.height]);
  for (let i = 0; i < expected.data.length; i++) {
    expect(Math.abs((actual.data[i] as number) - (expected.data[i] as number))).toBeLessThan(1e-6);
  }
}

const dir = await mkdtemp(join(tmpdir(), 'mm-images-'));
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('PNG', () => {
  it('round-trips a grayscale frame exactly (values on the 8-bit grid)', async () => {
    const image = pattern(13, 7, 1);
    expectSameImage(decodeGrayPng(encodeGrayPng(image)), image);
    const path = join(dir, 'frame.png');
    await writeGrayPng(path, image);
    expectSameImage(await readGrayPng(path), image);
  });

  it('clamps out-of-range and NaN values instead of wrapping', () => {
    const image: GrayImage = { width: 4, height: 1, data: Float32Array.from([-0.5, 1.7, Number.NaN, 0.5]) };
    const back = decodeGrayPng(encodeGrayPng(image));
    expect(Array.from(back.data)).toEqual([0, 1, 0, Math.round(0.5 * 255) / 255].map((v) => Math.fround(v)));
  });

  it('writes a valid PNG signature and RGB colour type for charts', () => {
    const png = encodeRgbPng({ width: 3, height: 2, data: new Uint8Array(18).fill(200) });
    expect(Array.from(png.subarray(0, 8))).toEqual([137, 80, 78, 71, 13, 10, 26, 10]);
    expect(png[25]).toBe(2); // IHDR colour type: truecolour
  });

  it('names the file when it is not a PNG', async () => {
    const path = join(dir, 'bad.png');
    await writeGrayGif(path, [pattern(2, 2, 0)]);
    await expect(readGrayPng(path)).rejects.toThrow(path);
  });

  // Found by the fuzzing suite (packages/fuzz): the reader took the header's size on trust.
  it('refuses a header declaring more pixels than maxPixels before decoding, naming the file', () => {
    const png = new Uint8Array(encodeGrayPng(pattern(4, 3, 0)));
    expect(() => decodeGrayPng(png, 'small.png', { maxPixels: 11 })).toThrow(
      /small\.png: declares 4x3 \(12 pixels\), over the limit of 11/,
    );
    expect(decodeGrayPng(png, 'small.png', { maxPixels: 12 }).width).toBe(4);
    const huge = png.slice();
    new DataView(huge.buffer).setUint32(16, 100_000, false); // IHDR width
    expect(() => decodeGrayPng(huge, 'huge.png')).toThrow(ImageFormatError);
  });

  it('refuses a truncated PNG with an ImageFormatError naming the file', () => {
    const png = new Uint8Array(encodeGrayPng(pattern(4, 3, 0)));
    const error = (() => {
      try {
        decodeGrayPng(png.subarray(0, 40), 'cut.png');
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(ImageFormatError);
    expect((error as ImageFormatError).file).toBe('cut.png');
  });
});

describe('GIF', () => {
  it('round-trips every frame of an animation exactly', async () => {
    const frames = [0, 1, 2, 3, 4].map((k) => pattern(17, 9, k));
    const decoded = decodeGrayGif(encodeGrayGif(frames, { delayMs: 100 }));
    expect(decoded).toHaveLength(frames.length);
    decoded.forEach((f, k) => {
      expectSameImage(f, frames[k] as GrayImage);
    });
    const path = join(dir, 'anim.gif');
    await writeGrayGif(path, frames);
    const read = await readGrayGif(path);
    expect(read).toHaveLength(5);
    expectSameImage(read[4] as GrayImage, frames[4] as GrayImage);
  });

  it('rejects frames of different sizes and empty animations', () => {
    expect(() => encodeGrayGif([pattern(2, 2, 0), pattern(3, 2, 0)])).toThrow(/frame 1 is 3x2/);
    expect(() => encodeGrayGif([])).toThrow(/at least one frame/);
  });

  // Found by the fuzzing suite (packages/fuzz): a 10-byte header declaring 8200x8192 made the
  // reader allocate a 256 MB canvas before it looked at a single frame.
  it('refuses a screen bigger than maxPixels before allocating, naming the file', () => {
    const header = new Uint8Array([...new TextEncoder().encode('GIF89a'), 0x08, 0x20, 0x00, 0x20, 0, 0, 0]);
    expect(() => decodeGrayGif(header, 'bomb.gif')).toThrow(ImageFormatError);
    expect(() => decodeGrayGif(header, 'bomb.gif')).toThrow(/bomb\.gif: .*over the limit of 16777216/);
    const gif = encodeGrayGif([pattern(4, 3, 0), pattern(4, 3, 1)]);
    expect(() => decodeGrayGif(gif, 'two.gif', { maxPixels: 23 })).toThrow(/2 frames of 4x3 \(24 pixels\)/);
    expect(decodeGrayGif(gif, 'two.gif', { maxPixels: 24 })).toHaveLength(2);
  });

  it('refuses a truncated GIF with an ImageFormatError naming the file', async () => {
    const gif = encodeGrayGif([pattern(17, 9, 0), pattern(17, 9, 1)]);
    for (const end of [3, 13, 40, gif.length - 5]) {
      expect(() => decodeGrayGif(gif.subarray(0, end), 'cut.gif')).toThrow(ImageFormatError);
    }
    const path = join(dir, 'cut.gif');
    await writeFile(path, gif.subarray(0, 40));
    await expect(readGrayGif(path)).rejects.toThrow(`${path}: not a readable GIF`);
  });
});

describe('grid', () => {
  const cell = (v: number): GrayImage => ({ width: 3, height: 2, data: new Float32Array(6).fill(v) });

  it('has the size gap + columns·(w + gap) by gap + rows·(h + gap)', () => {
    const grid = composeGrid(
      [
        [cell(0.1), cell(0.2)],
        [cell(0.3), cell(0.4)],
        [cell(0.5), cell(0.6)],
      ],
      { gap: 1, background: 0 },
    );
    expect(grid.width).toBe(1 + 2 * (3 + 1));
    expect(grid.height).toBe(1 + 3 * (2 + 1));
  });

  it('puts each frame at its row and column, with gaps of background between', () => {
    const rows = [0, 1, 2].map((r) => [0, 1, 2, 3].map((c) => cell((r * 4 + c + 1) / 16)));
    const gap = 2;
    const grid = composeGrid(rows, { gap, background: 1 });
    for (let r = 0; r < 3; r++) {
      for (let c = 0; c < 4; c++) {
        const x0 = gap + c * (3 + gap);
        const y0 = gap + r * (2 + gap);
        for (let y = 0; y < 2; y++) {
          for (let x = 0; x < 3; x++) {
            expect(grid.data[(y0 + y) * grid.width + x0 + x]).toBeCloseTo((r * 4 + c + 1) / 16, 6);
          }
        }
        expect(grid.data[y0 * grid.width + x0 - 1]).toBe(1); // the gap left of the cell
      }
    }
  });

  it('upscales cells and reserves room for labels', () => {
    const geo = gridGeometry(3, 10, 64, 64, {
      gap: 2,
      scale: 2,
      rowLabels: ['input', 'truth', 'prediction'],
    });
    expect(geo.cellWidth).toBe(128);
    const plain = gridGeometry(3, 10, 64, 64, { gap: 2, scale: 2 });
    expect(geo.width).toBeGreaterThan(plain.width);
    expect(geo.height).toBe(plain.height);
    const image = upscale(cell(0.5), 3);
    expect([image.width, image.height]).toEqual([9, 6]);
    const labelled = composeGrid([[cell(0)]], { rowLabels: ['input'], background: 0, gap: 0 });
    expect(labelled.data.some((v) => v === 1)).toBe(true); // the label's ink
  });

  it('makes one side-by-side frame per time step, each panel in its own column', () => {
    const frames = sideBySideFrames(
      [
        { label: 'input', frames: [cell(0.1), cell(0.2)] },
        { label: 'truth', frames: [cell(0.3), cell(0.4), cell(0.5)] },
      ],
      { gap: 1, columnLabels: [] },
    );
    expect(frames).toHaveLength(3);
    const at = (img: GrayImage, x: number, y: number): number => img.data[y * img.width + x] as number;
    expect(at(frames[1] as GrayImage, 1, 1)).toBeCloseTo(0.2, 6);
    expect(at(frames[1] as GrayImage, 1 + 3 + 1, 1)).toBeCloseTo(0.4, 6);
    expect(at(frames[2] as GrayImage, 1, 1)).toBeCloseTo(0.3, 6); // input ended: empty cell
  });
});
