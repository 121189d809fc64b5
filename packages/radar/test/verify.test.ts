import { describe, expect, it } from 'vitest';
import type { FssConvention } from '../src/index.js';
import { categoricalScores, NowcastVerifier, verifyNowcast } from '../src/index.js';

// One lead time on a 2 x 3 grid; pixel 4 has no data (its wild forecast must not count).
//   forecast  0  2  6     observed  1   2  0     valid  1 1 1
//             1 100 3               0 0.5  7            1 0 1
const forecast = Float32Array.from([0, 2, 6, 1, 100, 3]);
const observed = Float32Array.from([1, 2, 0, 0, 0.5, 7]);
const valid = Uint8Array.from([1, 1, 1, 1, 0, 1]);
const shape = { leadTimes: 1, height: 2, width: 3 };

describe('verification scores against hand-computed tables', () => {
  const [scores] = verifyNowcast(forecast, observed, valid, shape, {
    thresholds: [1, 5],
    fssScales: [1, 3],
    fssThreshold: 1,
  });

  it('contingency table and categorical scores at 1 and 5 mm/h', () => {
    // 1 mm/h over the five valid pixels (f, o): (0,1) miss, (2,2) hit, (6,0) false alarm,
    // (1,0) false alarm, (3,7) hit → a=2 b=2 c=1 d=0; aᵣ = 4·3/5 = 2.4.
    expect(scores?.categorical[0]).toMatchObject({
      threshold: 1,
      hits: 2,
      falseAlarms: 2,
      misses: 1,
      correctNegatives: 0,
    });
    const one = scores?.categorical[0];
    expect(one?.csi).toBeCloseTo(2 / 5, 12);
    expect(one?.pod).toBeCloseTo(2 / 3, 12);
    expect(one?.far).toBeCloseTo(2 / 4, 12);
    expect(one?.bias).toBeCloseTo(4 / 3, 12);
    expect(one?.ets).toBeCloseTo((2 - 2.4) / (5 - 2.4), 12);
    // 5 mm/h: (6,0) false alarm, (3,7) miss, three correct negatives; aᵣ = 1·1/5.
    expect(scores?.categorical[1]).toMatchObject({
      hits: 0,
      falseAlarms: 1,
      misses: 1,
      correctNegatives: 3,
      csi: 0,
      pod: 0,
      far: 1,
      bias: 1,
    });
    expect(scores?.categorical[1]?.ets).toBeCloseTo((0 - 0.2) / (2 - 0.2), 12);
  });

  it('MAE, RMSE and Pearson correlation over valid pixels', () => {
    expect(scores?.pixels).toBe(5);
    // |errors| 1 0 6 1 4; squares 1 0 36 1 16.
    expect(scores?.mae).toBeCloseTo(12 / 5, 6);
    expect(scores?.rmse).toBeCloseTo(Math.sqrt(54 / 5), 6);
    // Deviations from the means 2.4 and 2: Σdf·do = 1, Σdf² = 21.2, Σdo² = 34.
    expect(scores?.correlation).toBeCloseTo(1 / Math.sqrt(21.2 * 34), 6);
  });

  it('FSS at scales 1 and 3 with the masked pixel left out of the fractions', () => {
    // Scale 1: events f 0 1 1 1 1, o 1 1 0 0 1 → Σ(f−o)² = 3, Σ(f²+o²) = 7.
    expect(scores?.fss[0]).toEqual({ scale: 1, threshold: 1, value: expect.closeTo(1 - 3 / 7, 12) });
    // Scale 3 (clipped windows, fractions over valid pixels): corner pixels (0,0) and (1,0): 2/3 vs
    // 2/3; (0,1): 4/5 vs 3/5; (0,2) and (1,2): 3/3 vs 2/3.
    const num = 0 + 0 + (4 / 5 - 3 / 5) ** 2 + 2 * (1 - 2 / 3) ** 2;
    const den = 2 * (8 / 9) + (16 / 25 + 9 / 25) + 2 * (1 + 4 / 9);
    expect(scores?.fss[1]?.value).toBeCloseTo(1 - num / den, 12);
  });
});

describe('pooling and lead times', () => {
  it('keeps lead times apart, pools cases by summing tables, and takes a [T, H, W] mask', () => {
    const v = new NowcastVerifier(2, 2, 3, { thresholds: [1], fssScales: [1] });
    // Lead 1: the case above; lead 2: a perfect forecast.
    const f = new Float32Array(12);
    const o = new Float32Array(12);
    f.set(forecast);
    o.set(observed);
    f.set(observed, 6);
    o.set(observed, 6);
    const mask = new Uint8Array(12).fill(1);
    mask.set(valid);
    v.add(f, o, mask);
    v.add(f, o, mask);
    const [lead1, lead2] = v.result();
    expect(lead1).toMatchObject({ lead: 1, pixels: 10 });
    expect(lead1?.categorical[0]).toMatchObject({ hits: 4, falseAlarms: 4, misses: 2, correctNegatives: 0 });
    expect(lead1?.categorical[0]?.csi).toBeCloseTo(0.4, 12);
    expect(lead2).toMatchObject({ lead: 2, pixels: 12, mae: 0, rmse: 0 });
    expect(lead2?.correlation).toBeCloseTo(1, 6);
    expect(lead2?.categorical[0]?.csi).toBe(1);
    expect(lead2?.fss[0]?.value).toBe(1);
  });

  it('gives NaN for scores with an empty denominator', () => {
    const s = categoricalScores({ hits: 0, falseAlarms: 0, misses: 0, correctNegatives: 9 });
    expect(s.csi).toBeNaN();
    expect(s.pod).toBeNaN();
    expect(s.far).toBeNaN();
    const [dry] = verifyNowcast(new Float32Array(6), new Float32Array(6), new Uint8Array(6).fill(1), shape, {
      fssScales: [3],
    });
    expect(dry?.correlation).toBeNaN();
    expect(dry?.fss[0]?.value).toBeNaN();
  });

  it('refuses wrong sizes, even scales and non-finite values at valid pixels', () => {
    expect(() => verifyNowcast(forecast.subarray(1), observed, valid, shape)).toThrow(
      /Invalid forecast: expected 6 values \[1, 2, 3\]/,
    );
    expect(() => verifyNowcast(forecast, observed, new Uint8Array(5), shape)).toThrow(/Invalid valid/);
    expect(() => new NowcastVerifier(1, 2, 3, { fssScales: [2] })).toThrow(
      /Invalid fssScales\[0\]: expected an odd integer/,
    );
    const bad = observed.slice();
    bad[2] = Number.NaN;
    expect(() => verifyNowcast(forecast, bad, valid, shape)).toThrow(
      /Invalid observed: expected finite rain rates/,
    );
    bad[2] = 0;
    bad[4] = Number.NaN;
    expect(() => verifyNowcast(forecast, bad, valid, shape)).not.toThrow();
  });
});

describe('FSS conventions: clipped windows and pysteps zero padding', () => {
  const fssAt = (
    f: number[],
    o: number[],
    valid: number[],
    h: number,
    w: number,
    scale: number,
    fssConvention?: FssConvention,
  ): number =>
    verifyNowcast(
      Float32Array.from(f),
      Float32Array.from(o),
      Uint8Array.from(valid),
      { leadTimes: 1, height: h, width: w },
      { fssScales: [scale], fssThreshold: 1, ...(fssConvention === undefined ? {} : { fssConvention }) },
    )[0]?.fss[0]?.value ?? Number.NaN;

  // 3x3, one forecast event in the top-left corner, one observed in the bottom-right.
  const f = [5, 0, 0, 0, 0, 0, 0, 0, 0];
  const o = [0, 0, 0, 0, 0, 0, 0, 0, 5];
  const all = new Array(9).fill(1);

  it('pysteps: fractions over the full 3x3 window, zeros outside the grid (worked by hand)', () => {
    // Each event reaches the 4 pixels whose window holds it, each with fraction 1/9; they share
    // the centre. Σpf² = Σpo² = 4/81, Σpf·po = 1/81: FSS = 1 − (4 − 2 + 4)/(4 + 4) = 0.25.
    expect(fssAt(f, o, all, 3, 3, 3, 'pysteps')).toBeCloseTo(0.25, 12);
  });

  it('clipped (the default): fractions over the part of the window inside the grid (worked by hand)', () => {
    // The corner window holds 4 pixels, the edge ones 6, the centre 9: Σpf² = Σpo² =
    // 1/16 + 2/36 + 1/81, Σpf·po = 1/81 (the centre).
    const sq = 1 / 16 + 2 / 36 + 1 / 81;
    const expected = 1 - (2 * sq - 2 / 81) / (2 * sq);
    expect(fssAt(f, o, all, 3, 3, 3)).toBeCloseTo(expected, 12);
    expect(fssAt(f, o, all, 3, 3, 3, 'clipped')).toBeCloseTo(expected, 12);
    expect(Math.abs(expected - 0.25)).toBeGreaterThan(0.1);
  });

  it('with a masked pixel: pysteps counts it as no event and sums over every pixel', () => {
    // 3x4; the pixel at row 0, column 1 has no data (its forecast event must not count).
    // References from a direct Python transcription of each rule (pysteps: 34/41).
    const fm = [5, 5, 0, 0, 0, 0, 0, 0, 0, 0, 5, 0];
    const om = [5, 0, 0, 0, 0, 5, 0, 0, 0, 0, 0, 5];
    const vm = [1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1];
    expect(fssAt(fm, om, vm, 3, 4, 3, 'pysteps')).toBeCloseTo(34 / 41, 12);
    expect(fssAt(fm, om, vm, 3, 4, 3, 'clipped')).toBeCloseTo(0.7931918185774383, 12);
    // At scale 1 there is no window: the two conventions are the same score.
    expect(fssAt(fm, om, vm, 3, 4, 1, 'pysteps')).toBeCloseTo(0.4, 12);
    expect(fssAt(fm, om, vm, 3, 4, 1, 'clipped')).toBeCloseTo(0.4, 12);
  });

  it('the two agree away from edges and masks, and an unknown convention is refused', () => {
    // 9x9 with events only in the middle: no 3x3 window near them reaches an edge.
    const g = (cells: number[]) => {
      const a = new Array(81).fill(0);
      for (const c of cells) a[c] = 5;
      return a;
    };
    const fi = g([30, 40]);
    const oi = g([40, 50]);
    const v = new Array(81).fill(1);
    expect(fssAt(fi, oi, v, 9, 9, 3, 'pysteps')).toBeCloseTo(fssAt(fi, oi, v, 9, 9, 3, 'clipped'), 12);
    expect(
      () => new NowcastVerifier(1, 2, 2, { fssConvention: 'padded' as unknown as FssConvention }),
    ).toThrow(/fssConvention.*'clipped' or 'pysteps'/);
  });
});
