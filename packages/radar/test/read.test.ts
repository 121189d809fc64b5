import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { FMI_ZR, MARSHALL_PALMER, parseRadarFile, RadarFileError } from '../src/index.js';
import { readRadarFile, readRadarFolder } from '../src/node.js';

const fixtures = join(import.meta.dirname, 'fixtures');
const fmiName = '201609281605_fmi.radar.composite.lowest_FIN_SUOMI1.pgm.gz';
const knmiName = 'RAD_NL25_RAP_5min_201008260305.h5';

/** Independent reference: the FMI rule dBZ = 0.5 v − 32, Z = 223 R^1.53, written out here. */
function fmiRate(v: number): number {
  if (v === 0) return 0;
  const z = 10 ** ((0.5 * v - 32) / 10);
  return (z / 223) ** (1 / 1.53);
}

async function rejects(bytes: Uint8Array, name: string, problem: RegExp): Promise<void> {
  const error = await parseRadarFile(bytes, name).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(RadarFileError);
  expect((error as RadarFileError).file).toBe(name);
  expect((error as RadarFileError).message).toMatch(problem);
}

describe('FMI PGM reader', () => {
  it('reads the committed crop pixel by pixel against the FMI conversion rule', async () => {
    const path = join(fixtures, fmiName);
    const frame = await readRadarFile(path);
    const raw = gunzipSync(readFileSync(path));
    const pixels = raw.subarray(raw.length - 96 * 96);
    expect(frame).toMatchObject({ format: 'fmi-pgm', width: 96, height: 96, source: path });
    expect(frame.time.toISOString()).toBe('2016-09-28T16:05:00.000Z');
    let nodata = 0;
    let wet = 0;
    for (let i = 0; i < pixels.length; i++) {
      const v = pixels[i] as number;
      if (v === 255) {
        nodata++;
        expect(frame.valid[i]).toBe(0);
        expect(frame.rainRate[i]).toBe(0);
      } else {
        expect(frame.valid[i]).toBe(1);
        expect(frame.rainRate[i]).toBeCloseTo(fmiRate(v), 5);
        if (fmiRate(v) >= 0.5) wet++;
      }
    }
    // The crop was chosen to hold both rain and the coverage edge.
    expect(nodata).toBeGreaterThan(0);
    expect(wet).toBeGreaterThan(100);
    expect(frame.geometry).toMatchObject({
      projection_name: 'SUOMI1',
      type: 'stereographic',
      truelatitude: 60,
      bottomleft: [18.6, 57.93],
      metersperpixel_x: 999.674053,
    });
  });

  it('applies a caller-chosen Z-R relation', async () => {
    const bytes = new Uint8Array(readFileSync(join(fixtures, fmiName)));
    const fmi = await parseRadarFile(bytes, 'a');
    const mp = await parseRadarFile(bytes, 'a', { zr: MARSHALL_PALMER });
    const i = fmi.rainRate.findIndex((r) => r > 1);
    const dbz = 10 * Math.log10(FMI_ZR.a * (fmi.rainRate[i] as number) ** FMI_ZR.b);
    expect(mp.rainRate[i]).toBeCloseTo((10 ** (dbz / 10) / 200) ** (1 / 1.6), 4);
  });

  it('reads an uncompressed PGM the same as the gzipped one', async () => {
    const gz = new Uint8Array(readFileSync(join(fixtures, fmiName)));
    const a = await parseRadarFile(gz, 'gz');
    const b = await parseRadarFile(new Uint8Array(gunzipSync(gz)), 'raw');
    expect(b.rainRate).toEqual(a.rainRate);
    expect(b.valid).toEqual(a.valid);
  });

  // Found by the fuzzing suite (packages/fuzz): fflate allocates what the gzip trailer declares,
  // so 4 bytes rewritten at the end of a 4.6 KB file made the reader allocate 4 GB.
  it('refuses a gzip trailer declaring a size over the limit before inflating, naming the file', async () => {
    const gz = new Uint8Array(readFileSync(join(fixtures, fmiName)));
    const bomb = gz.slice();
    new DataView(bomb.buffer).setUint32(bomb.length - 4, 0xff7f_0000, true);
    await rejects(bomb, 'bomb.pgm.gz', /corrupt gzip stream \(its trailer declares 4286513152 bytes/);
    // A trailer understating the size truncates the inflated PGM, which the parser then refuses.
    const small = gz.slice();
    new DataView(small.buffer).setUint32(small.length - 4, 100, true);
    await rejects(small, 'small.pgm.gz', /small\.pgm\.gz: /);
  });

  it('rejects truncated, corrupt, foreign and unknown files, naming the file and the problem', async () => {
    const raw = new Uint8Array(gunzipSync(readFileSync(join(fixtures, fmiName))));
    await rejects(raw.subarray(0, raw.length - 10), 'short.pgm', /truncated: 96x96 pixels need 9216 bytes/);
    const gz = new Uint8Array(readFileSync(join(fixtures, fmiName)));
    await rejects(gz.subarray(0, 200), 'cut.pgm.gz', /corrupt gzip stream/);
    const text = new TextDecoder('latin1').decode(raw);
    const noTime = new Uint8Array(
      Buffer.from(text.replace('# obstime 201609281605', '# obstime_x 1'), 'latin1'),
    );
    await rejects(noTime, 'notime.pgm', /no "obstime" comment/);
    const badTime = new Uint8Array(Buffer.from(text.replace('201609281605', '201613281605'), 'latin1'));
    await rejects(badTime, 'badtime.pgm', /obstime "201613281605" is not YYYYMMDDHHMM/);
    await rejects(
      new Uint8Array(gzipSync(Buffer.from('P2\n2 2\n255\n1 2 3 4\n'))),
      'ascii.pgm.gz',
      /not a binary PGM/,
    );
    await rejects(
      new Uint8Array(Buffer.from('P5\n4 x\n255\n')),
      'hdr.pgm',
      /expected a positive integer, found "x"/,
    );
    // A GIF goes to the MeteoSwiss reader, which finds this one cut short.
    await rejects(new Uint8Array(Buffer.from('GIF89a....')), 'pic.gif', /truncated: 10 bytes/);
    await rejects(
      new Uint8Array(Buffer.from('\x89PNG\r\n\x1a\n....', 'latin1')),
      'pic.png',
      /unknown format \(first bytes 89 50 4e 47 0d 0a 1a 0a\); expected .*MeteoSwiss GIF/,
    );
    await rejects(new Uint8Array(0), 'empty.h5', /empty file/);
  });
});

interface KnmiReference {
  readonly height: number;
  readonly width: number;
  readonly missing: number;
  readonly sum_mm_per_h: number;
  readonly max_mm_per_h: number;
  readonly samples: readonly [number, number, number][];
}

describe('KNMI HDF5 reader', () => {
  it('matches h5py on the committed crop (a reference written by scripts/reference.py)', async () => {
    const ref = JSON.parse(readFileSync(join(fixtures, 'reference.json'), 'utf8')).knmi as KnmiReference;
    const frame = await readRadarFile(join(fixtures, knmiName));
    expect(frame).toMatchObject({ format: 'knmi-hdf5', width: ref.width, height: ref.height });
    expect(frame.time.toISOString()).toBe('2010-08-26T03:05:00.000Z');
    let missing = 0;
    let sum = 0;
    let max = 0;
    for (let i = 0; i < frame.valid.length; i++) {
      if (frame.valid[i] === 0) missing++;
      sum += frame.rainRate[i] as number;
      max = Math.max(max, frame.rainRate[i] as number);
    }
    expect(missing).toBe(ref.missing);
    expect(sum).toBeCloseTo(ref.sum_mm_per_h, 2);
    expect(max).toBeCloseTo(ref.max_mm_per_h, 4);
    for (const [y, x, rate] of ref.samples) expect(frame.rainRate[y * frame.width + x]).toBeCloseTo(rate, 4);
    expect(frame.geometry).toMatchObject({
      projection_name: 'STEREOGRAPHIC',
      geo_number_columns: 700,
      accumulation_minutes: 5,
    });
    expect(String(frame.geometry.projection_proj4_params)).toContain('+proj=stere');
  });

  it('rejects a corrupt HDF5 and one of neither convention, naming the file', async () => {
    const bytes = new Uint8Array(readFileSync(join(fixtures, knmiName)));
    // One line naming what failed and why, not HDF5's diagnostic dump.
    await rejects(
      bytes.subarray(0, 600),
      'cut.h5',
      /^cut\.h5: corrupt HDF5 file \(H5Fopen: unable to [^\n]+\)$/,
    );
    const scrambled = bytes.slice();
    for (let i = 800; i < scrambled.length; i += 7) scrambled[i] = (scrambled[i] as number) ^ 0x5a;
    await rejects(scrambled, 'scrambled.h5', /corrupt HDF5|no dataset|not "GEO=|neither KNMI/);
    // Still usable after corrupt input: the HDF5 library's state is not poisoned.
    const frame = await parseRadarFile(bytes, 'again.h5');
    expect(frame.width).toBe(64);
  });
});

describe('folder reading', () => {
  it('reads a folder of mixed formats sorted by time', async () => {
    const frames = await readRadarFolder(fixtures);
    expect(frames.map((f) => f.time.toISOString())).toEqual([
      '2010-08-26T03:00:00.000Z',
      '2010-08-26T03:05:00.000Z',
      '2010-08-26T03:10:00.000Z',
      '2016-09-28T16:00:00.000Z',
      '2016-09-28T16:05:00.000Z',
      '2016-09-28T16:10:00.000Z',
    ]);
  });

  it('names a missing file or folder', async () => {
    await expect(readRadarFile(join(fixtures, 'nope.h5'))).rejects.toThrow(/nope\.h5: no such file/);
    await expect(readRadarFolder(join(fixtures, 'nope'))).rejects.toThrow(/nope: no such folder/);
  });
});

const sample = join(import.meta.dirname, '../../../../shared/data/radar');
const haveSample = existsSync(join(sample, 'fmi/20160928'));
if (!haveSample)
  console.log(`full-sample reader tests skipped: ${sample} is absent (the pysteps sample data)`);

describe.skipIf(!haveSample)('full pysteps sample', () => {
  it('FMI: every frame reads; rain and coverage fractions match the sample README', async () => {
    for (const [event, wetFraction] of [
      ['20160928', 0.12],
      ['20170509', 0.02],
    ] as const) {
      const frames = await readRadarFolder(join(sample, 'fmi', event));
      expect(frames).toHaveLength(40);
      for (const f of frames) expect([f.width, f.height]).toEqual([760, 1226]);
      const mid = frames[20] as (typeof frames)[number];
      let covered = 0;
      let wet = 0;
      for (let i = 0; i < mid.valid.length; i++) {
        if (mid.valid[i] === 1) {
          covered++;
          if ((mid.rainRate[i] as number) > 0.5) wet++;
        }
      }
      expect(1 - covered / mid.valid.length).toBeCloseTo(0.24, 2);
      // The README's "about 12% / 2% of the covered pixels" are fractions of the whole grid:
      // of the covered pixels they are about 16% and 3%.
      expect(wet / mid.valid.length).toBeCloseTo(wetFraction, 2);
    }
  });

  it('KNMI: 92 frames, 5 minutes apart, 765 x 700', async () => {
    const frames = await readRadarFolder(join(sample, 'knmi/20100826'));
    expect(frames).toHaveLength(92);
    expect(frames[0]?.time.toISOString()).toBe('2010-08-26T00:00:00.000Z');
    expect(frames[91]?.time.toISOString()).toBe('2010-08-26T07:35:00.000Z');
    for (const f of frames) expect([f.height, f.width]).toEqual([765, 700]);
  });

  it('OPERA ODIM_H5: matches h5py statistics (reference.json)', async () => {
    const refs = JSON.parse(readFileSync(join(fixtures, 'reference.json'), 'utf8')).opera as Record<
      string,
      { nodata: number; undetect: number; sum: number; max: number; height: number; width: number }
    >;
    for (const [name, ref] of Object.entries(refs)) {
      const frame = await readRadarFile(join(sample, 'opera/20180824', name));
      expect([frame.height, frame.width]).toEqual([ref.height, ref.width]);
      let missing = 0;
      let zeros = 0;
      let sum = 0;
      let max = 0;
      for (let i = 0; i < frame.valid.length; i++) {
        if (frame.valid[i] === 0) missing++;
        else if (frame.rainRate[i] === 0) zeros++;
        sum += frame.rainRate[i] as number;
        max = Math.max(max, frame.rainRate[i] as number);
      }
      expect(missing).toBe(ref.nodata);
      expect(zeros).toBeGreaterThanOrEqual(ref.undetect);
      expect(sum / ref.sum).toBeCloseTo(1, 5);
      expect(max).toBeCloseTo(ref.max, 3);
      expect(String(frame.geometry.projdef)).toContain('+proj=laea');
      expect(frame.geometry.quantity).toBe('RATE');
    }
    const first = await readRadarFile(join(sample, 'opera/20180824/T_PAAH21_C_EUOC_20180824180000.hdf'));
    expect(first.time.toISOString()).toBe('2018-08-24T18:00:00.000Z');
  });
});
