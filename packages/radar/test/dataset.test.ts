import { describe, expect, it } from 'vitest';
import {
  type RadarEvent,
  type RadarFrame,
  RadarSequenceStream,
  radarSequenceSet,
  radarWindows,
  rainToUnit,
  unitToRain,
} from '../src/index.js';

function frame(minute: number, w = 3, h = 2): RadarFrame {
  const px = w * h;
  return {
    source: `t${minute}`,
    format: 'fmi-pgm',
    width: w,
    height: h,
    time: new Date(Date.UTC(2020, 0, 1, 0, minute)),
    // Each frame's rain encodes its minute, so windows can be identified.
    rainRate: Float32Array.from({ length: px }, (_, i) => (i === 0 ? 0 : 10 ** ((minute / 5 - 5) / 10))),
    valid: Uint8Array.from({ length: px }, (_, i) => (i === px - 1 ? 0 : 1)),
    geometry: {},
    lineage: [],
  };
}

describe('unit scaling', () => {
  it('maps 0.1 → 0, 1 → 1/3, 10 → 2/3, 100 mm/h → 1 and back', () => {
    const u = rainToUnit(Float32Array.from([0, 0.05, 0.1, 1, 10, 100, 500]));
    expect(Array.from(u)).toEqual([0, 0, 0, 1 / 3, 2 / 3, 1, 1].map((v) => expect.closeTo(v, 6)));
    const r = unitToRain(Float32Array.from([0, 0.01, 1 / 3, 2 / 3, 1]));
    expect(Array.from(r)).toEqual([0, 0, 1, 10, 100].map((v) => expect.closeTo(v, 4)));
  });
});

describe('radar sequences', () => {
  // Event A: 0..35 min with 20 missing; event B: 0..15.
  const a: RadarEvent = { name: 'a', frames: [0, 5, 10, 15, 25, 30, 35, 40].map((m) => frame(m)) };
  const b: RadarEvent = { name: 'b', frames: [0, 5, 10, 15].map((m) => frame(m)) };

  it('finds windows per event without bridging gaps', () => {
    expect(radarWindows([a, b], { inputFrames: 2, outputFrames: 2 })).toEqual([
      { event: 0, start: 0 },
      { event: 0, start: 4 },
      { event: 1, start: 0 },
    ]);
  });

  it('streams seeded, resumable batches whose masks come from the target frames', () => {
    const s1 = new RadarSequenceStream([a, b], { inputFrames: 2, outputFrames: 2, seed: 4, augment: false });
    const first = s1.nextBatch(3);
    const second = s1.nextBatch(2);
    const s2 = new RadarSequenceStream([a, b], { inputFrames: 2, outputFrames: 2, seed: 4, augment: false });
    s2.setState({ seed: 4, position: 3 });
    expect(s2.nextBatch(2)).toEqual(second);
    expect(first.mask.length).toBe(3 * 2 * 6);
    expect(Array.from(first.mask.subarray(0, 6))).toEqual([1, 1, 1, 1, 1, 0]);
    // Targets are the two frames after the inputs: consecutive minutes, 5 apart.
    for (let n = 0; n < 3; n++) {
      const t0 = unitToRain(first.targets.subarray(n * 12 + 1, n * 12 + 2))[0] as number;
      const t1 = unitToRain(first.targets.subarray(n * 12 + 7, n * 12 + 8))[0] as number;
      const i1 = unitToRain(first.inputs.subarray(n * 12 + 7, n * 12 + 8))[0] as number;
      expect(10 * Math.log10(t1) - 10 * Math.log10(t0)).toBeCloseTo(1, 3);
      expect(10 * Math.log10(t0) - 10 * Math.log10(i1)).toBeCloseTo(1, 3);
    }
    expect(() => s2.setState({ seed: 5, position: 0 })).toThrow(/seed 4/);
    expect(() => new RadarSequenceStream([b], { inputFrames: 3, outputFrames: 3 })).toThrow(/without gaps/);
  });

  it('augments inputs, targets and mask with the same flip or turn', () => {
    const s = new RadarSequenceStream([a], { inputFrames: 2, outputFrames: 2, seed: 1 });
    for (let k = 0; k < 20; k++) {
      const batch = s.nextBatch(1);
      // The one no-data pixel and the one dry pixel sit at mirrored/turned corners, never apart.
      const dry = batch.inputs.subarray(0, 6).indexOf(0);
      const missing = batch.mask.subarray(0, 6).indexOf(0);
      expect(dry).toBeGreaterThanOrEqual(0);
      expect(missing).toBeGreaterThanOrEqual(0);
      expect(batch.targets[dry]).toBe(0);
      expect(dry + missing).toBe(5);
    }
  });

  it('builds a fixed sequence set with masks', () => {
    const set = radarSequenceSet([a, b], radarWindows([a, b], { inputFrames: 2, outputFrames: 2 }), 2, 2);
    expect(set).toMatchObject({ count: 3, frames: 4, height: 2, width: 3, inputFrames: 2 });
    expect(set.data.length).toBe(3 * 4 * 6);
    expect(set.mask.filter((m) => m === 0).length).toBe(3 * 4);
  });
});
