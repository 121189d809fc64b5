import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeGrayGif, type GrayImage, writeGrayPng } from '@convlstm/pictures';
import { writeNpy } from '@convlstm/train/node';
import { afterAll, describe, expect, it } from 'vitest';
import { readInput } from '../src/input.js';

const dir = await mkdtemp(join(tmpdir(), 'mm-input-'));
afterAll(() => rm(dir, { recursive: true, force: true }));

const flat = (k: number): GrayImage => ({ width: 4, height: 3, data: new Float32Array(12).fill(k / 255) });

describe('predict input', () => {
  it('reads a PNG folder in natural name order (frame2 before frame10)', async () => {
    const folder = join(dir, 'pngs');
    await mkdir(folder);
    for (const k of [1, 2, 10]) await writeGrayPng(join(folder, `frame${k}.png`), flat(k));
    await writeFile(join(folder, 'notes.txt'), 'ignored');
    const input = await readInput(folder);
    expect([input.count, input.frames, input.height, input.width]).toEqual([1, 3, 3, 4]);
    expect(
      [input.data[0], input.data[12], input.data[24]].map((v) => Math.round((v as number) * 255)),
    ).toEqual([1, 2, 10]);
  });

  it('reads an animated GIF as one sequence', async () => {
    const path = join(dir, 'clip.gif');
    await writeFile(path, encodeGrayGif([flat(5), flat(6)]));
    const input = await readInput(path);
    expect([input.count, input.frames]).toEqual([1, 2]);
    expect(Math.round((input.data[12] as number) * 255)).toBe(6);
  });

  it('reads .npy [T,H,W] uint8 scaled to [0, 1] and [N,T,H,W,1] float32 as is', async () => {
    const a = join(dir, 'a.npy');
    await writeNpy(a, {
      data: Uint8Array.from({ length: 2 * 3 * 4 }, (_, i) => i * 10),
      shape: [2, 3, 4],
      dtype: 'uint8',
    });
    const ia = await readInput(a);
    expect([ia.count, ia.frames, ia.height, ia.width]).toEqual([1, 2, 3, 4]);
    expect(ia.data[5]).toBeCloseTo(50 / 255, 6);
    const b = join(dir, 'b.npy');
    await writeNpy(b, {
      data: new Float32Array(2 * 3 * 1 * 2 * 1).fill(0.25),
      shape: [2, 3, 1, 2, 1],
      dtype: 'float32',
    });
    const ib = await readInput(b);
    expect([ib.count, ib.frames, ib.height, ib.width]).toEqual([2, 3, 1, 2]);
    expect(ib.data[11]).toBe(0.25);
  });

  it('explains unsupported shapes, files and empty folders', async () => {
    const bad = join(dir, 'bad.npy');
    await writeNpy(bad, { data: new Float32Array(4), shape: [4], dtype: 'float32' });
    await expect(readInput(bad)).rejects.toThrow(
      /expected shape \[T, H, W\], \[N, T, H, W\] or \[N, T, H, W, 1\], got \[4\]/,
    );
    const txt = join(dir, 'x.txt');
    await writeFile(txt, 'x');
    await expect(readInput(txt)).rejects.toThrow(
      /expected a .npy file, a .gif file or a folder of .png frames/,
    );
    const empty = join(dir, 'empty');
    await mkdir(empty);
    await expect(readInput(empty)).rejects.toThrow(/has no .png files/);
  });
});
