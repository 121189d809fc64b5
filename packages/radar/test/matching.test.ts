import { describe, expect, it } from 'vitest';
import { matchEmpiricalCdf } from '../src/index.js';

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
