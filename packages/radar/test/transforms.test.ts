import { ConvLSTMArgumentError } from '@convlstm/tensor';
import { describe, expect, it } from 'vitest';
import {
  AUGMENTATIONS,
  aggregateFrame,
  augmentFrame,
  augmentGrid,
  cropFrame,
  dbzToRainRate,
  FMI_ZR,
  findSequenceWindows,
  fromDbr,
  MARSHALL_PALMER,
  NO_DATA_COLOR,
  NO_RAIN_COLOR,
  RAIN_COLORS,
  RAIN_LEVELS,
  type RadarFrame,
  rainColor,
  rainRateToDbz,
  toDbr,
} from '../src/index.js';

function frame(width: number, height: number, rate: number[], valid: number[]): RadarFrame {
  return {
    source: 'test',
    format: 'fmi-pgm',
    width,
    height,
    time: new Date(0),
    rainRate: Float32Array.from(rate),
    valid: Uint8Array.from(valid),
    geometry: {},
    lineage: [],
  };
}

describe('Z-R relations and the dBR transform', () => {
  it('converts by Z = aR^b both ways, Marshall-Palmer by default', () => {
    // Marshall-Palmer: 1 mm/h is 10·log10(200) = 23.0103 dBZ; FMI: 10·log10(223) = 23.4830 dBZ.
    expect(rainRateToDbz(1)).toBeCloseTo(23.0103, 4);
    expect(rainRateToDbz(1, FMI_ZR)).toBeCloseTo(23.483, 3);
    // 40 dBZ: Z = 1e4, R = (1e4 / 200)^(1/1.6) = 50^0.625 = 11.53 mm/h.
    expect(dbzToRainRate(40, MARSHALL_PALMER)).toBeCloseTo(50 ** 0.625, 6);
    for (const r of [0.1, 1, 7.5, 80])
      expect(dbzToRainRate(rainRateToDbz(r, FMI_ZR), FMI_ZR)).toBeCloseTo(r, 6);
    expect(() => dbzToRainRate(10, { a: -1, b: 1.6 })).toThrow(ConvLSTMArgumentError);
  });

  it('dBR: 10·log10 R above the threshold, the zero value below, and back', () => {
    const r = Float32Array.from([0, 0.05, 0.1, 1, 10, 100]);
    const d = toDbr(r);
    expect(Array.from(d)).toEqual([-15, -15, -10, 0, 10, 20].map((v) => expect.closeTo(v, 5)));
    expect(Array.from(fromDbr(d))).toEqual([0, 0, 0.1, 1, 10, 100].map((v) => expect.closeTo(v, 5)));
    expect(toDbr(r, { threshold: 1, zeroValue: -99 })[2]).toBe(-99);
    expect(() => toDbr(r, { threshold: 0 })).toThrow(/Invalid threshold/);
  });
});

describe('grid operations', () => {
  // 4 x 3 grid, values = index, pixel 5 has no data.
  const f = frame(
    4,
    3,
    Array.from({ length: 12 }, (_, i) => i),
    Array.from({ length: 12 }, (_, i) => (i === 5 ? 0 : 1)),
  );

  it('crops rain rate and mask together and records it', () => {
    const c = cropFrame(f, { x: 1, y: 1, width: 2, height: 2 });
    expect(Array.from(c.rainRate)).toEqual([5, 6, 9, 10]);
    expect(Array.from(c.valid)).toEqual([0, 1, 1, 1]);
    expect(c.lineage).toEqual(['crop x=1 y=1 2x2']);
    expect(() => cropFrame(f, { x: 3, y: 0, width: 2, height: 1 })).toThrow(/inside the 4x3 grid/);
  });

  it('aggregates by block means over valid pixels only', () => {
    const a = aggregateFrame(f, 2);
    // Blocks of the first two rows (the last row is dropped): {0,1,4,(5)} and {2,3,6,7}.
    expect(a.width).toBe(2);
    expect(a.height).toBe(1);
    expect(a.rainRate[0]).toBeCloseTo((0 + 1 + 4) / 3, 6);
    expect(a.rainRate[1]).toBeCloseTo((2 + 3 + 6 + 7) / 4, 6);
    expect(Array.from(a.valid)).toEqual([1, 1]);
    // With all four fine pixels required, the block holding no-data becomes no-data.
    const strict = aggregateFrame(f, 2, { minValidFraction: 1 });
    expect(Array.from(strict.valid)).toEqual([0, 1]);
    expect(strict.rainRate[0]).toBe(0);
    expect(() => aggregateFrame(f, 5)).toThrow(/factor/);
  });

  it('flips and quarter-turns, matching hand-written results', () => {
    // 3 x 2 grid:  a b c
    //              d e f
    const g = Float32Array.from([1, 2, 3, 4, 5, 6]);
    expect(Array.from(augmentGrid(g, 3, 2, 'flipHorizontal').grid)).toEqual([3, 2, 1, 6, 5, 4]);
    expect(Array.from(augmentGrid(g, 3, 2, 'flipVertical').grid)).toEqual([4, 5, 6, 1, 2, 3]);
    expect(Array.from(augmentGrid(g, 3, 2, 'rotate180').grid)).toEqual([6, 5, 4, 3, 2, 1]);
    // Counter-clockwise: c f / b e / a d.
    const r90 = augmentGrid(g, 3, 2, 'rotate90');
    expect([r90.width, r90.height]).toEqual([2, 3]);
    expect(Array.from(r90.grid)).toEqual([3, 6, 2, 5, 1, 4]);
    expect(Array.from(augmentGrid(g, 3, 2, 'rotate270').grid)).toEqual([4, 1, 5, 2, 6, 3]);
    // Four quarter turns are the identity; a flip twice is too.
    let t = { grid: g, width: 3, height: 2 };
    for (let k = 0; k < 4; k++) t = augmentGrid(t.grid, t.width, t.height, 'rotate90');
    expect(Array.from(t.grid)).toEqual(Array.from(g));
    for (const aug of AUGMENTATIONS) {
      const a = augmentFrame(f, aug);
      expect(a.rainRate[a.valid.indexOf(0)]).toBe(5);
    }
  });
});

describe('sequence windows', () => {
  const at = (minutes: number[]) => minutes.map((m) => new Date(Date.UTC(2020, 0, 1, 0, m)));

  it('cuts windows inside runs of 5-minute steps and never across a gap', () => {
    // 0..20 regular, 30 missing 25 (gap), then 30..45.
    const w = findSequenceWindows(at([0, 5, 10, 15, 20, 30, 35, 40, 45]), { length: 3 });
    expect(w.starts).toEqual([0, 1, 2, 5, 6]);
    expect(w.gaps).toHaveLength(1);
    expect(w.gaps[0]).toMatchObject({ index: 4 });
    expect(w.gaps[0]?.after.toISOString()).toBe('2020-01-01T00:30:00.000Z');
    expect(findSequenceWindows(at([0, 5, 10, 15, 20]), { length: 2, stride: 2 }).starts).toEqual([0, 2]);
    expect(findSequenceWindows(at([0, 5]), { length: 3 }).starts).toEqual([]);
  });

  it('refuses unsorted or duplicate times', () => {
    expect(() => findSequenceWindows(at([0, 10, 5]), { length: 2 })).toThrow(/Invalid times\[2\]/);
    expect(() => findSequenceWindows(at([0, 0]), { length: 2 })).toThrow(/Invalid times\[1\]/);
  });
});

describe('the rain-rate colour scale', () => {
  it('maps each class [level k, level k+1) to its colour, no rain to white and no data to grey', () => {
    expect(rainColor(0.05, true)).toEqual(NO_RAIN_COLOR);
    expect(rainColor(5, false)).toEqual(NO_DATA_COLOR);
    for (const [k, level] of RAIN_LEVELS.entries()) {
      expect(rainColor(level, true)).toEqual(RAIN_COLORS[k]);
      expect(rainColor(level * 0.999, true)).toEqual(k === 0 ? NO_RAIN_COLOR : RAIN_COLORS[k - 1]);
    }
    expect(rainColor(1000, true)).toEqual(RAIN_COLORS[RAIN_COLORS.length - 1]);
    expect(RAIN_COLORS).toHaveLength(RAIN_LEVELS.length);
  });
});
