import { describe, expect, it } from 'vitest';
import { matchToLast } from '../src/index.js';

describe('matchToLast', () => {
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
    const out = matchToLast(nowcast, last, valid, 2);
    // Valid observed values sorted: [0, 0.4, 1, 3, 12].
    expect([...out.subarray(0, 6)]).toEqual([12, 0, 1, 3, 0, 0.4].map(Math.fround));
    expect([...out.subarray(6, 12)]).toEqual([0, 12, 1, 0.4, 0, 3].map(Math.fround));
  });
});
