import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseRadarFile, RadarFileError } from '@convlstm/radar';
import { gunzipSync, gzipSync } from 'fflate';
import { describe, it } from 'vitest';
import { arbitraryBytes, fuzzReader, fuzzRuns, mutated, testTimeout } from '../src/index.js';

/**
 * `parseRadarFile` on FMI PGM (gzipped or not): mutations of a committed sample and random bytes
 * behind each magic give a frame or a `RadarFileError`, nothing else. The HDF5 formats are in
 * radar-*.test.ts, one property a file: see radar-hdf5.ts.
 */
const fixtures = join(import.meta.dirname, '../../radar/test/fixtures');
const fmiGz = new Uint8Array(
  readFileSync(join(fixtures, '201609281605_fmi.radar.composite.lowest_FIN_SUOMI1.pgm.gz')),
);

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

  for (const [what, magic] of [
    ['gzip', [0x1f, 0x8b, 0x08, 0x00]],
    ['PGM', [...new TextEncoder().encode('P5\n')]],
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
