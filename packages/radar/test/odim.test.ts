import h5wasm, { type Group } from 'h5wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import { dbzToRainRate, MARSHALL_PALMER, parseRadarFile, RadarFileError } from '../src/index.js';

/**
 * Writes a small ODIM_H5 composite with h5wasm (the OPERA sample files may not be committed):
 * root `Conventions`, `what/date|time`, `where/projdef`, and one `dataset1` of the given quantity.
 */
function odimFile(options: {
  quantity: string;
  values: number[];
  gain?: number;
  offset?: number;
  start?: string;
  end?: string;
  conventions?: string;
}): Uint8Array {
  const path = `/odim-${Math.random().toString(36).slice(2)}.h5`;
  const f = new h5wasm.File(path, 'w');
  f.create_attribute('Conventions', options.conventions ?? 'ODIM_H5/V2_0');
  const what = f.create_group('what');
  what.create_attribute('date', '20180824');
  what.create_attribute('time', '181500');
  what.create_attribute('object', 'COMP');
  const where = f.create_group('where');
  where.create_attribute('projdef', '+proj=laea +lat_0=55.0 +lon_0=10.0 +units=m +ellps=WGS84');
  where.create_attribute('xscale', 2000);
  f.create_group('dataset1');
  const dsWhat = f.create_group('dataset1/what');
  dsWhat.create_attribute('quantity', options.quantity);
  dsWhat.create_attribute('gain', options.gain ?? 1);
  dsWhat.create_attribute('offset', options.offset ?? 0);
  dsWhat.create_attribute('nodata', 255);
  dsWhat.create_attribute('undetect', 0);
  dsWhat.create_attribute('startdate', '20180824');
  dsWhat.create_attribute('starttime', options.start ?? '180000');
  dsWhat.create_attribute('enddate', '20180824');
  dsWhat.create_attribute('endtime', options.end ?? '181500');
  const data1 = f.create_group('dataset1/data1') as Group;
  data1.create_dataset({
    name: 'data',
    data: Float64Array.from(options.values),
    shape: [2, 3],
    dtype: '<d',
  });
  f.close();
  const bytes = FS.readFile(path);
  FS.unlink(path);
  return bytes;
}

let FS: Awaited<typeof h5wasm.ready>['FS'];
beforeAll(async () => {
  FS = (await h5wasm.ready).FS;
});

describe('ODIM_H5 reader (synthetic files written with h5wasm)', () => {
  // Raw values: 0 = undetect (no rain, valid), 255 = nodata, others scaled by gain/offset.
  const raw = [0, 255, 10, 20, 40, 100];

  it('RATE: gain and offset, nodata → no data, undetect → 0 mm/h, time and projection kept', async () => {
    const frame = await parseRadarFile(
      odimFile({ quantity: 'RATE', values: raw, gain: 0.1, offset: 0 }),
      'rate.h5',
    );
    expect(frame).toMatchObject({ format: 'odim-h5', width: 3, height: 2 });
    expect(frame.time.toISOString()).toBe('2018-08-24T18:15:00.000Z');
    expect(Array.from(frame.valid)).toEqual([1, 0, 1, 1, 1, 1]);
    expect(Array.from(frame.rainRate)).toEqual([0, 0, 1, 2, 4, 10].map((v) => expect.closeTo(v, 6)));
    expect(frame.geometry.projdef).toContain('+proj=laea');
    expect(frame.geometry.quantity).toBe('RATE');
  });

  it('DBZH: reflectivity through the Z-R relation (Marshall-Palmer by default, or the one given)', async () => {
    const bytes = odimFile({ quantity: 'DBZH', values: raw, gain: 0.5, offset: -32 });
    const frame = await parseRadarFile(bytes, 'dbz.h5');
    // raw 100 → 0.5·100 − 32 = 18 dBZ.
    expect(frame.rainRate[5]).toBeCloseTo((10 ** 1.8 / 200) ** (1 / 1.6), 5);
    expect(frame.rainRate[5]).toBeCloseTo(dbzToRainRate(18, MARSHALL_PALMER), 6);
    const fmi = await parseRadarFile(bytes, 'dbz.h5', { zr: { a: 223, b: 1.53 } });
    expect(fmi.rainRate[5]).toBeCloseTo((10 ** 1.8 / 223) ** (1 / 1.53), 5);
  });

  it('ACRR: an accumulation (mm) over start–end becomes a mean rate (mm/h)', async () => {
    // 15 minutes: 1 mm → 4 mm/h.
    const frame = await parseRadarFile(odimFile({ quantity: 'ACRR', values: raw, gain: 0.1 }), 'acrr.h5');
    expect(frame.rainRate[2]).toBeCloseTo(4, 6);
    await expect(
      parseRadarFile(odimFile({ quantity: 'ACRR', values: raw, start: '181500', end: '181500' }), 'zero.h5'),
    ).rejects.toThrow(/zero\.h5: dataset1: ACRR without a positive start\/end interval/);
  });

  it('names the file and the problem for an unsupported quantity or an unknown convention', async () => {
    const error = await parseRadarFile(odimFile({ quantity: 'VRADH', values: raw }), 'wind.h5').catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(RadarFileError);
    expect(String(error)).toMatch(
      /wind\.h5: no ODIM dataset with a supported quantity \(RATE, ACRR, DBZH, TH\)/,
    );
    await expect(
      parseRadarFile(odimFile({ quantity: 'RATE', values: raw, conventions: 'CF-1.6' }), 'cf.h5'),
    ).rejects.toThrow(/cf\.h5: HDF5 file follows neither KNMI/);
  });
});
