import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import '@tensorflow/tfjs-backend-cpu';
import { setBackend } from '@tensorflow/tfjs-core';
import { GifReader } from 'omggif';
import pngjs from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../src/index.js';
import { captureContext, writeWeightsOnlyRun } from './helpers.js';

const fixtures = join(import.meta.dirname, '../../../packages/radar/test/fixtures');
let dir: string;

beforeAll(async () => {
  await setBackend('cpu');
  dir = await mkdtemp(join(tmpdir(), 'radar-nowcast-nc-'));
  // Six FMI frames 5 minutes apart, made from the committed crop by rewriting the obstime.
  const raw = gunzipSync(
    await readFile(join(fixtures, '201609281605_fmi.radar.composite.lowest_FIN_SUOMI1.pgm.gz')),
  );
  const text = raw.toString('latin1');
  await mkdir(join(dir, 'data/fmi/20160928'), { recursive: true });
  for (let k = 0; k < 6; k++) {
    const stamp = `2016092816${String(k * 5).padStart(2, '0')}`;
    const bytes = Buffer.from(text.replace('obstime 201609281605', `obstime ${stamp}`), 'latin1');
    await writeFile(
      join(dir, `data/fmi/20160928/${stamp}_fmi.radar.composite.lowest_FIN_SUOMI1.pgm.gz`),
      gzipSync(bytes),
    );
  }
  // A run folder as `train` writes it: the checkpoint and run.json's grid.
  await writeWeightsOnlyRun(
    join(dir, 'run'),
    { height: 32, width: 32, hiddenChannels: 4, inputFrames: 6, outputFrames: 2 },
    { factor: 1, size: 32 },
  );
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('nowcast --at', () => {
  it('writes a PNG and an animated GIF of observation | ConvLSTM | extrapolation', async () => {
    const ctx = captureContext();
    const out = join(dir, 'out');
    const code = await main(
      [
        'nowcast',
        '--at',
        '2016-09-28T16:25',
        '--run',
        join(dir, 'run'),
        '--data',
        join(dir, 'data'),
        '--out',
        out,
      ],
      ctx,
    );
    expect(ctx.err()).toBe('');
    expect(code).toBe(0);
    const png = pngjs.PNG.sync.read(await readFile(join(out, 'nowcast.png')));
    // Three columns of 32 × 3 px panels (+ padding); rows for the leads that exist (+15 min is past 2 frames).
    expect(png.width).toBeGreaterThanOrEqual(3 * 96);
    const gif = new GifReader(new Uint8Array(await readFile(join(out, 'nowcast.gif'))));
    expect(gif.numFrames()).toBe(2);
    expect(gif.width).toBe(png.width);
  });

  it('refuses a time outside the sample with a usage error naming the range', async () => {
    const ctx = captureContext();
    const code = await main(
      [
        'nowcast',
        '--at',
        '201609281610',
        '--run',
        join(dir, 'run'),
        '--data',
        join(dir, 'data'),
        '--out',
        join(dir, 'o2'),
      ],
      ctx,
    );
    expect(code).toBe(2);
    expect(ctx.err()).toMatch(
      /--at 201609281610: FMI 2016-09-28 has 6 input frames ending at times from 2016-09-28T16:25/,
    );
    const bad = captureContext();
    expect(await main(['nowcast', '--at', 'noon', '--run', join(dir, 'run')], bad)).toBe(2);
    expect(bad.err()).toMatch(/--at: "noon" is not/);
  });
});
