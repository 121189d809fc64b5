import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseRadarFile, RadarFileError } from '@convlstm/radar';
import { gunzipSync, gzipSync } from 'fflate';
import h5wasm, { type Group } from 'h5wasm';
import { beforeAll, describe, it } from 'vitest';
import { arbitraryBytes, fuzzReader, fuzzRuns, mutated, testTimeout } from '../src/index.js';

/**
 * `parseRadarFile` (FMI PGM, gzipped or not; KNMI HDF5; ODIM_H5) on mutations of the committed
 * FMI and KNMI samples, of a small ODIM_H5 written here, and on random bytes behind each magic:
 * a frame or a `RadarFileError`, nothing else.
 */
const fixtures = join(import.meta.dirname, '../../radar/test/fixtures');
const fmiGz = new Uint8Array(
  readFileSync(join(fixtures, '201609281605_fmi.radar.composite.lowest_FIN_SUOMI1.pgm.gz')),
);
const knmi = new Uint8Array(readFileSync(join(fixtures, 'RAD_NL25_RAP_5min_201008260300.h5')));

/** A 4×5 ODIM_H5 composite of DBZH (the OPERA samples may not be committed). */
async function odimFile(): Promise<Uint8Array> {
  const { FS } = await h5wasm.ready;
  const path = '/fuzz-odim.h5';
  const f = new h5wasm.File(path, 'w');
  f.create_attribute('Conventions', 'ODIM_H5/V2_0');
  const what = f.create_group('what');
  what.create_attribute('date', '20180824');
  what.create_attribute('time', '181500');
  what.create_attribute('object', 'COMP');
  const where = f.create_group('where');
  where.create_attribute('projdef', '+proj=laea +lat_0=55.0 +lon_0=10.0 +units=m +ellps=WGS84');
  where.create_attribute('xscale', 2000);
  f.create_group('dataset1');
  const dsWhat = f.create_group('dataset1/what');
  dsWhat.create_attribute('quantity', 'DBZH');
  dsWhat.create_attribute('gain', 0.5);
  dsWhat.create_attribute('offset', -32);
  dsWhat.create_attribute('nodata', 255);
  dsWhat.create_attribute('undetect', 0);
  dsWhat.create_attribute('startdate', '20180824');
  dsWhat.create_attribute('starttime', '181000');
  dsWhat.create_attribute('enddate', '20180824');
  dsWhat.create_attribute('endtime', '181500');
  const data1 = f.create_group('dataset1/data1') as Group;
  data1.create_dataset({
    name: 'data',
    data: Uint8Array.from({ length: 20 }, (_, i) => (i * 37) % 256),
    shape: [4, 5],
    dtype: '<B',
  });
  f.close();
  const bytes = FS.readFile(path);
  FS.unlink(path);
  return bytes;
}

let odim: Uint8Array;
beforeAll(async () => {
  odim = await odimFile();
});

const MUTATION_RUNS = fuzzRuns(150);
const RANDOM_RUNS = fuzzRuns(100);
const allowed = [RadarFileError];

describe('fuzz: radar readers (parseRadarFile)', () => {
  it(
    'FMI PGM.gz: mutations of the gzipped file',
    async () => {
      await fuzzReader({
        target: 'radar FMI pgm.gz (mutated gzip)',
        input: mutated(fmiGz),
        read: ({ bytes }) => parseRadarFile(bytes, 'fmi.pgm.gz'),
        allowed,
        runs: MUTATION_RUNS,
      });
    },
    testTimeout(MUTATION_RUNS, 200),
  );

  it(
    'FMI PGM: mutations of the PGM inside, plain and gzipped again (header sizes inflated)',
    async () => {
      const pgm = gunzipSync(fmiGz);
      await fuzzReader({
        target: 'radar FMI pgm (mutated PGM, plain and re-gzipped)',
        input: mutated(pgm),
        read: async ({ bytes }) => {
          await parseRadarFile(bytes, 'fmi.pgm');
          // Gzipped, a declared size can only be checked against the inflated length.
          return parseRadarFile(gzipSync(bytes, { level: 1 }), 'fmi.pgm.gz');
        },
        allowed,
        runs: MUTATION_RUNS,
      });
    },
    testTimeout(MUTATION_RUNS, 300),
  );

  it(
    'KNMI HDF5: mutations of a sample',
    async () => {
      await fuzzReader({
        target: 'radar KNMI HDF5 (mutated)',
        input: mutated(knmi),
        read: ({ bytes }) => parseRadarFile(bytes, 'knmi.h5'),
        allowed,
        runs: MUTATION_RUNS,
      });
    },
    testTimeout(MUTATION_RUNS, 300),
  );

  it(
    'ODIM_H5: mutations of a small composite',
    async () => {
      await fuzzReader({
        target: 'radar ODIM_H5 (mutated)',
        input: mutated(odim),
        read: ({ bytes }) => parseRadarFile(bytes, 'odim.h5'),
        allowed,
        runs: MUTATION_RUNS,
      });
    },
    testTimeout(MUTATION_RUNS, 300),
  );

  for (const [what, magic] of [
    ['gzip', [0x1f, 0x8b, 0x08, 0x00]],
    ['PGM', [...new TextEncoder().encode('P5\n')]],
    ['HDF5', [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]],
    ['no', []],
  ] as const) {
    it(
      `random bytes behind the ${what} magic`,
      async () => {
        await fuzzReader({
          target: `radar parseRadarFile (random bytes, ${what} magic)`,
          input: arbitraryBytes(Uint8Array.from(magic)),
          read: ({ bytes }) => parseRadarFile(bytes, 'random'),
          allowed,
          runs: RANDOM_RUNS,
        });
      },
      testTimeout(RANDOM_RUNS, 200),
    );
  }
});
