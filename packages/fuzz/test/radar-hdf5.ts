import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseRadarFile, RadarFileError } from '@convlstm/radar';
import h5wasm, { type Group } from 'h5wasm';
import { it } from 'vitest';
import { arbitraryBytes, fuzzReader, fuzzRuns, mutated, testTimeout } from '../src/index.js';

/**
 * The HDF5 radar properties (KNMI, ODIM_H5, random bytes behind the HDF5 signature), one per test
 * file: h5wasm (libhdf5 2.0.0) leaks on every file it fails to open, and after about 2,250
 * failures in one process it crashes ("null function or function signature mismatch", then
 * Aborted()) and the next open never returns. Vitest gives each file a fresh module, so a large
 * run stays under that count per property (see the README's fuzzing paragraph).
 */
export function hdf5Property(kind: 'knmi' | 'odim' | 'random'): void {
  const runs = fuzzRuns(kind === 'random' ? 100 : 150);
  it(
    `${kind === 'random' ? 'random bytes behind the HDF5 signature' : `mutations of a ${kind.toUpperCase()} file`}: a frame or a RadarFileError`,
    async () => {
      const base =
        kind === 'knmi'
          ? new Uint8Array(
              readFileSync(
                join(import.meta.dirname, '../../radar/test/fixtures/RAD_NL25_RAP_5min_201008260300.h5'),
              ),
            )
          : kind === 'odim'
            ? await odimFile()
            : null;
      await fuzzReader({
        target: `radar ${kind === 'random' ? 'HDF5 (random bytes)' : `${kind.toUpperCase()} HDF5 (mutated)`}`,
        input:
          base === null
            ? arbitraryBytes(Uint8Array.from([0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]))
            : mutated(base),
        read: ({ bytes }) => parseRadarFile(bytes, `${kind}.h5`),
        allowed: [RadarFileError],
        runs,
      });
    },
    testTimeout(runs, 300),
  );
}

/** A 4×5 ODIM_H5 composite of DBZH (the OPERA samples may not be committed). */
export async function odimFile(): Promise<Uint8Array> {
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
