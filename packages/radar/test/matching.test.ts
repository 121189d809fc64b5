import { describe, expect, it } from 'vitest';
import { matchEmpiricalCdf, matchNowcast } from '../src/index.js';

const ones = (n: number) => new Uint8Array(n).fill(1);

describe('matchEmpiricalCdf (probability matching)', () => {
  it('gives each pixel the reference value of its rank (hand-computed)', () => {
    // Forecast ranks: 0.1 → 0, 0.5 → 3, 0.3 → 2, 0.2 → 1; the reference sorted is [0, 1, 2, 4].
    const out = matchEmpiricalCdf(
      Float32Array.from([0.1, 0.5, 0.3, 0.2]),
      ones(4),
      Float32Array.from([0, 4, 1, 2]),
      ones(4),
    );
    expect([...out]).toEqual([0, 4, 2, 1]);
  });

  it('ignores invalid pixels on both sides and writes 0 where the forecast is invalid', () => {
    // Valid forecast pixels 2 (0.2, rank 0) and 0 (0.9, rank 1); valid reference values 4, 0, 1,
    // sorted [0, 1, 4]; n = 2, m = 3: quantile indices ⌊0.5·3/2⌋ = 0 and ⌊1.5·3/2⌋ = 2.
    const out = matchEmpiricalCdf(
      Float32Array.from([0.9, 7, 0.2, 5]),
      Uint8Array.from([1, 0, 1, 0]),
      Float32Array.from([4, 99, 0, 1]),
      Uint8Array.from([1, 0, 1, 1]),
    );
    expect([...out]).toEqual([4, 0, 0, 0]);
  });

  it('returns a permutation of the reference that keeps the forecast ordering', () => {
    const n = 500;
    const forecast = Float32Array.from({ length: n }, (_, i) => Math.sin(i * 12.9898) * 0.5 + 0.5);
    const reference = Float32Array.from({ length: n }, (_, i) => ((i * 37) % 101) / 10);
    const out = matchEmpiricalCdf(forecast, ones(n), reference, ones(n));
    expect([...out].sort((a, b) => a - b)).toEqual([...reference].sort((a, b) => a - b));
    for (let i = 0; i < n; i++)
      for (let j = 0; j < n; j += 7)
        if ((forecast[i] as number) < (forecast[j] as number))
          expect(out[i] as number).toBeLessThanOrEqual(out[j] as number);
  });

  it('refuses arrays of different sizes and a reference with no valid pixel', () => {
    expect(() => matchEmpiricalCdf(new Float32Array(4), ones(4), new Float32Array(3), ones(3))).toThrow(
      /reference: expected 4 values/,
    );
    expect(() =>
      matchEmpiricalCdf(new Float32Array(4), ones(4), new Float32Array(4), new Uint8Array(4)),
    ).toThrow(/referenceValid: expected at least one valid pixel, received none/);
  });
});

describe('matchNowcast', () => {
  it('gives every lead time the last observation’s valid values, in the nowcast’s order', () => {
    // 2 lead times of a 2 × 3 grid; the last frame has one no-data pixel (index 4).
    const last = Float32Array.from([0, 0.4, 3, 12, 99, 1]);
    const valid = Uint8Array.from([1, 1, 1, 1, 0, 1]);
    const nowcast = Float32Array.from([
      // lead 1: ranks over valid pixels 0,1,2,3,5 → 0.2 < 0.3 < 0.5 < 0.6 < 0.9
      0.9, 0.2, 0.5, 0.6, 5, 0.3,
      // lead 2: 0.1 < 0.3 < 0.6 < 0.7 < 0.9
      0.1, 0.9, 0.6, 0.3, 0, 0.7,
    ]);
    const out = matchNowcast(nowcast, last, valid, 2);
    // Valid observed values sorted: [0, 0.4, 1, 3, 12].
    expect([...out.subarray(0, 6)]).toEqual([12, 0, 1, 3, 0, 0.4].map(Math.fround));
    expect([...out.subarray(6, 12)]).toEqual([0, 12, 1, 0.4, 0, 3].map(Math.fround));
  });
});
