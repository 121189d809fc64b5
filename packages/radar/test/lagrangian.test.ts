import { describe, expect, it } from 'vitest';
import {
  advectEachLead,
  advectSemiLagrangian,
  extrapolationNowcast,
  lagrangianArrays,
  lagrangianChange,
  lagrangianNowcast,
  lagrangianOracleNowcast,
  type MotionField,
  observationsToLagrangian,
  type RadarEvent,
  type RadarFrame,
  RadarSequenceStream,
  radarNetworkNowcast,
  rainToUnit,
  reverseMotion,
  toLagrangianFrame,
  unitToRain,
} from '../src/index.js';

const W = 64;
const H = 56;
const PX = W * H;

/** Rain of three Gaussian cells, translated by `k·(vx, vy)` pixels; exact at fractional shifts. */
function blobs(k: number, vx: number, vy: number): Float32Array {
  const cells = [
    { cx: 20, cy: 22, s: 5, a: 12 },
    { cx: 38, cy: 30, s: 4, a: 4 },
    { cx: 30, cy: 16, s: 3, a: 30 },
  ];
  const f = new Float32Array(PX);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      let r = 0;
      for (const c of cells)
        r += c.a * Math.exp(-((x - k * vx - c.cx) ** 2 + (y - k * vy - c.cy) ** 2) / (2 * c.s ** 2));
      f[y * W + x] = r;
    }
  }
  return f;
}

function uniform(u: number, v: number): MotionField {
  return { width: W, height: H, u: new Float32Array(PX).fill(u), v: new Float32Array(PX).fill(v) };
}

/** Largest absolute difference over pixels at least `margin` from every edge. */
function interiorError(a: Float32Array, b: Float32Array, margin: number): number {
  let worst = 0;
  for (let y = margin; y < H - margin; y++)
    for (let x = margin; x < W - margin; x++)
      worst = Math.max(worst, Math.abs((a[y * W + x] as number) - (b[y * W + x] as number)));
  return worst;
}

const ones = new Uint8Array(PX).fill(1);

describe('advection along each lead', () => {
  it('with the same field at every lead is exactly advectSemiLagrangian', () => {
    const field = blobs(0, 0, 0);
    const motion = uniform(1.3, -0.6);
    const steps = 5;
    const once = advectSemiLagrangian(field, ones, motion, steps);
    const fields = new Float32Array(steps * PX);
    for (let t = 0; t < steps; t++) fields.set(field, t * PX);
    const each = advectEachLead(fields, ones, motion);
    expect(each.rainRate).toEqual(once.rainRate);
    expect(each.valid).toEqual(once.valid);
  });

  it('round-trips a Gaussian blob under uniform integer motion (forward, then back along the reversed field)', () => {
    const field = blobs(0, 0, 0);
    const motion = uniform(2, -1);
    const steps = 4;
    const forward = advectSemiLagrangian(field, ones, motion, steps);
    // Lead t forward then t steps back: each lead returns to the original.
    const back = advectEachLead(forward.rainRate, forward.valid, reverseMotion(motion));
    for (let t = 0; t < steps; t++) {
      const lead = back.rainRate.subarray(t * PX, (t + 1) * PX);
      // Pixels whose trajectory never left the grid: margin of the whole displacement.
      expect(interiorError(lead, field, 2 * (t + 1) + 1)).toBeLessThan(1e-4);
    }
    // And lead t of the forward advection is the field moved by exactly t·(2, −1) pixels.
    const lead3 = forward.rainRate.subarray(2 * PX, 3 * PX);
    expect(interiorError(lead3, blobs(3, 2, -1), 7)).toBeLessThan(1e-4);
  });

  it("with 'nearest' sampling moves a single-pixel shower whole where bilinear smears it", () => {
    const field = new Float32Array(PX);
    field[20 * W + 20] = 3;
    const motion = uniform(1.4, 0.6);
    const near = advectEachLead(Float32Array.of(...field, ...field), ones, motion, 'nearest');
    const smooth = advectEachLead(Float32Array.of(...field, ...field), ones, motion);
    for (let t = 0; t < 2; t++) {
      const lead = near.rainRate.subarray(t * PX, (t + 1) * PX);
      // One pixel keeps the whole 3 mm/h, near where the motion takes it (21.4, 20.6), then (22.8, 21.2).
      expect(lead.filter((r) => r > 0)).toEqual(Float32Array.of(3));
      const at = lead.indexOf(3);
      expect(
        Math.hypot((at % W) - (20 + 1.4 * (t + 1)), Math.floor(at / W) - (20 + 0.6 * (t + 1))),
      ).toBeLessThan(1);
      expect(Math.max(...smooth.rainRate.subarray(t * PX, (t + 1) * PX))).toBeLessThan(3 * 0.7);
    }
  });

  it('refuses fields that are not whole frames, and masks of the wrong size', () => {
    const motion = uniform(0, 0);
    expect(() => advectEachLead(new Float32Array(PX + 1), ones, motion)).toThrow(/fields/);
    expect(() => advectEachLead(new Float32Array(2 * PX), new Uint8Array(3), motion)).toThrow(/valid/);
  });
});

describe('the Lagrangian frame of a window', () => {
  const [vx, vy] = [1.5, -0.75];
  const inputs = Array.from({ length: 6 }, (_, k) => blobs(k, vx, vy));

  it('recovers a known translation and aligns every input with the last', () => {
    const lagr = toLagrangianFrame(inputs, ones, W, H);
    const last = inputs[5] as Float32Array;
    const rainy: number[] = [];
    for (let i = 0; i < PX; i++) {
      if ((last[i] as number) < 1) continue;
      rainy.push(Math.hypot((lagr.motion.u[i] as number) - vx, (lagr.motion.v[i] as number) - vy));
    }
    rainy.sort((a, b) => a - b);
    expect(rainy.length).toBeGreaterThan(200);
    expect(rainy[Math.floor(rainy.length / 2)]).toBeLessThan(0.05);
    // The last frame is its own image; earlier frames, moved to its time, match it where it rains.
    expect(lagr.rainRate.subarray(5 * PX)).toEqual(last);
    for (let k = 0; k < 5; k++) {
      const moved = lagr.rainRate.subarray(k * PX, (k + 1) * PX);
      expect(interiorError(moved, last, 12)).toBeLessThan(0.05 * 30);
    }
    const first = lagr.rainRate.subarray(0, PX);
    // Far better aligned than the raw first frame.
    expect(interiorError(first, last, 12)).toBeLessThan(
      interiorError(inputs[0] as Float32Array, last, 12) / 5,
    );
  });

  it('carries observations back to the last input, so a pure translation gives no-change targets', () => {
    const lagr = toLagrangianFrame(inputs, ones, W, H);
    const steps = 4;
    const observed = new Float32Array(steps * PX);
    for (let t = 0; t < steps; t++) observed.set(blobs(6 + t, vx, vy), t * PX);
    const last = inputs[5] as Float32Array;
    // Bilinear (the default): within 3% of the 30 mm/h peak, as sampling at fractional shifts smooths a little per step.
    const back = observationsToLagrangian(observed, ones, lagr.motion);
    for (let t = 0; t < steps; t++)
      expect(interiorError(back.rainRate.subarray(t * PX, (t + 1) * PX), last, 14)).toBeLessThan(0.9);
    // Nearest (the oracle's): every value is an observed one, moved, never mixed; off by at most
    // half a pixel's slope of the blobs (the steepest is about 30 · e^(−1/2) / 3 mm/h per pixel).
    const near = observationsToLagrangian(observed, ones, lagr.motion, 'nearest');
    for (let t = 0; t < steps; t++) {
      const lead = near.rainRate.subarray(t * PX, (t + 1) * PX);
      const values = new Set(observed.subarray(t * PX, (t + 1) * PX));
      for (let i = 0; i < PX; i++)
        if (near.valid[t * PX + i] === 1) expect(values.has(lead[i] as number)).toBe(true);
      expect(interiorError(lead, last, 14)).toBeLessThan(0.5 * ((30 * Math.exp(-0.5)) / 3) + 0.5);
    }
    const arrays = lagrangianArrays(lagr, back);
    expect(arrays.inputs).toHaveLength(6 * PX);
    expect(arrays.targets).toHaveLength(steps * PX);
    const lastUnit = rainToUnit(last);
    let checked = 0;
    for (let t = 0; t < steps; t++) {
      for (let y = 14; y < H - 14; y++) {
        for (let x = 14; x < W - 14; x++) {
          const i = t * PX + y * W + x;
          expect(arrays.mask[i]).toBe(1);
          // Coded change (Δ + 1) / 2 with Δ = unit(back) − unit(last) ≈ 0.
          expect(Math.abs((arrays.targets[i] as number) - 0.5)).toBeLessThan(0.02);
          expect(arrays.inputs[5 * PX + y * W + x]).toBe(lastUnit[y * W + x]);
          checked++;
        }
      }
    }
    expect(checked).toBeGreaterThan(1000);
  });

  it('with no change forecast, is exactly the extrapolation nowcast at every lead (no-data included)', () => {
    const masks = inputs.map(() => {
      const m = new Uint8Array(PX).fill(1);
      // A no-data corner and a stripe, as composites have.
      for (let y = 0; y < 10; y++) for (let x = 0; x < 14; x++) m[y * W + x] = 0;
      for (let y = 30; y < 33; y++) for (let x = 0; x < W; x++) m[y * W + x] = 0;
      return m;
    });
    const steps = 12;
    const lagr = toLagrangianFrame(inputs, masks, W, H);
    const zeroLogits = new Float32Array(steps * PX);
    const ours = lagrangianNowcast(lagr, lagrangianChange(zeroLogits));
    const extra = extrapolationNowcast(inputs.slice(-3), masks.slice(-3), W, H, steps);
    expect(ours.steps).toBe(steps);
    expect(ours.rainRate).toEqual(extra.rainRate);
    expect(ours.valid).toEqual(extra.valid);
    expect(lagr.motion.u).toEqual(extra.motion.u);
  });

  it('applies a change in the unit (dBR) scale, growing rain where none was', () => {
    const dry = new Float32Array(PX);
    const wet = new Float32Array(PX).fill(10);
    const lagr = toLagrangianFrame([dry, wet, dry, wet], ones, W, H, { flow: { smoothingRadius: 0 } });
    // Motion zero where the flow has nothing to fit: the frames are flat.
    expect(Math.max(...lagr.motion.u.map(Math.abs))).toBe(0);
    const delta = 10 / 30; // +10 dB
    const change = new Float32Array(2 * PX).fill(delta);
    const now = lagrangianNowcast(lagr, change);
    // 10 mm/h (unit 2/3) + 10 dB = 100 mm/h.
    expect(now.rainRate[5 * W + 5]).toBeCloseTo(100, 2);
    const fromDry = toLagrangianFrame([wet, dry, wet, dry], ones, W, H, { flow: { smoothingRadius: 0 } });
    // 0 mm/h + 10 dB: unitToRain(1/3) = 1 mm/h.
    expect(lagrangianNowcast(fromDry, change).rainRate[5 * W + 5]).toBeCloseTo(
      unitToRain(Float32Array.of(delta))[0] as number,
      5,
    );
    // The change decoded from a logit is the coding's inverse.
    const coded = (delta + 1) / 2;
    expect(lagrangianChange(Float32Array.of(Math.log(coded / (1 - coded))))[0]).toBeCloseTo(delta, 6);
  });

  it('as a perfect network (the oracle), forecasts the observed growth along a known motion', () => {
    const motion = uniform(2, -1);
    const moving = Array.from({ length: 6 }, (_, k) => blobs(k, 2, -1));
    const lagr = toLagrangianFrame(moving, ones, W, H, { motion });
    const steps = 4;
    // The rain keeps moving with the field and grows by half at every lead.
    const observed = new Float32Array(steps * PX);
    for (let t = 0; t < steps; t++)
      observed.set(
        blobs(6 + t, 2, -1).map((r) => r * 1.5 ** (t + 1)),
        t * PX,
      );
    const oracle = lagrangianOracleNowcast(lagr, observed, ones);
    const extra = extrapolationNowcast(moving.slice(-3), ones, W, H, steps, {});
    for (let t = 0; t < steps; t++) {
      const want = observed.subarray(t * PX, (t + 1) * PX);
      const got = oracle.rainRate.subarray(t * PX, (t + 1) * PX);
      // Integer shifts sample exactly; rain under the 0.1 mm/h floor of the unit scale is left as is.
      const margin = 3 * (t + 1) + 1;
      expect(interiorError(got, want, margin)).toBeLessThan(0.1 + 1e-3 * 30 * 1.5 ** (t + 1));
      // Extrapolation misses the growth by a third or more of the peak.
      expect(interiorError(extra.rainRate.subarray(t * PX, (t + 1) * PX), want, margin)).toBeGreaterThan(
        10 * 1.5 ** t,
      );
    }
  });

  it('runs a network in either frame: the Lagrangian one sees aligned inputs and starts at extrapolation', async () => {
    const frames = inputs.map((rainRate) => ({ width: W, height: H, rainRate, valid: ones }));
    const seen: Float32Array[] = [];
    const zeros = async (unit: Float32Array) => {
      seen.push(unit);
      return new Float32Array(3 * PX);
    };
    const lagrangian = await radarNetworkNowcast('lagrangian', frames, zeros);
    const extra = extrapolationNowcast(inputs.slice(-3), ones, W, H, 3);
    expect(lagrangian).toEqual({ rainRate: extra.rainRate, valid: extra.valid });
    // Not everywhere: rain from outside the grid has no value.
    expect(lagrangian.valid.includes(0)).toBe(true);
    // The network got the inputs moved to the last one's time, on the unit scale.
    expect(seen[0]).toEqual(lagrangianArrays(toLagrangianFrame(inputs, ones, W, H)).inputs);
    // Eulerian: the inputs as observed; zero logits are probability 0.5, the unit scale's middle.
    const eulerian = await radarNetworkNowcast('eulerian', frames, zeros);
    expect(seen[1]?.subarray(0, PX)).toEqual(rainToUnit(inputs[0] as Float32Array));
    expect(eulerian.rainRate[0]).toBeCloseTo(unitToRain(Float32Array.of(0.5))[0] as number, 5);
    expect(eulerian.valid.every((v) => v === 1)).toBe(true);
    await expect(
      radarNetworkNowcast(
        'eulerian',
        [...frames, { width: 2, height: 2, rainRate: new Float32Array(4), valid: ones }],
        zeros,
      ),
    ).rejects.toThrow(/inputs\[6\]/);
  });

  it('takes a known motion field instead of estimating it, and refuses one of another grid', () => {
    const lagr = toLagrangianFrame(inputs, ones, W, H);
    expect(toLagrangianFrame(inputs, ones, W, H, { motion: lagr.motion })).toEqual(lagr);
    const small = { width: 4, height: 4, u: new Float32Array(16), v: new Float32Array(16) };
    expect(() => toLagrangianFrame(inputs, ones, W, H, { motion: small })).toThrow(/options\.motion/);
  });

  it('refuses a change of the wrong size or out of range before any advection', () => {
    const lagr = toLagrangianFrame(inputs, ones, W, H);
    expect(() => lagrangianNowcast(lagr, new Float32Array(PX + 3))).toThrow(/change/);
    const bad = new Float32Array(PX);
    bad[7] = Number.NaN;
    expect(() => lagrangianNowcast(lagr, bad)).toThrow(/change\[7\]/);
  });
});

describe('a Lagrangian training stream', () => {
  it('gives the Lagrangian arrays of its windows: inputs in [0, 1], coded changes, masks', () => {
    const times = Array.from({ length: 12 }, (_, k) => new Date(Date.UTC(2020, 0, 1, 12, 5 * k)));
    const frames: RadarFrame[] = times.map((time, k) => ({
      source: `f${k}`,
      format: 'fmi-pgm',
      width: W,
      height: H,
      time,
      rainRate: blobs(k, 1, 0.5),
      valid: ones,
      geometry: {},
      lineage: [],
    }));
    const event: RadarEvent = { name: 'moving', frames };
    const stream = new RadarSequenceStream([event], {
      inputFrames: 4,
      outputFrames: 3,
      seed: 3,
      frame: 'lagrangian',
    });
    const batch = stream.nextBatch(2);
    expect(batch.inputs).toHaveLength(2 * 4 * PX);
    expect(batch.targets).toHaveLength(2 * 3 * PX);
    expect(Math.min(...batch.targets)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...batch.targets)).toBeLessThanOrEqual(1);
    // A pure translation: the coded changes sit at 0.5 away from the edges, for any flip or turn.
    let far = 0;
    for (let n = 0; n < 2; n++)
      for (let t = 0; t < 3; t++)
        for (let y = 14; y < H - 14; y++)
          for (let x = 14; x < W - 14; x++)
            far = Math.max(far, Math.abs((batch.targets[((n * 3 + t) * H + y) * W + x] as number) - 0.5));
    expect(far).toBeLessThan(0.03);
    // Replayed from the same position, with the windows' motion now cached: the same batch.
    stream.setState({ seed: 3, position: 0 });
    expect(stream.nextBatch(2)).toEqual(batch);
    const fresh = new RadarSequenceStream([event], {
      inputFrames: 4,
      outputFrames: 3,
      seed: 3,
      frame: 'lagrangian',
    });
    expect(fresh.nextBatch(2)).toEqual(batch);
    const eulerian = new RadarSequenceStream([event], { inputFrames: 4, outputFrames: 3, seed: 3 });
    expect(eulerian.frame).toBe('eulerian');
    expect(
      () =>
        new RadarSequenceStream([event], {
          inputFrames: 4,
          outputFrames: 3,
          frame: 'sideways' as 'lagrangian',
        }),
    ).toThrow(/frame/);
  });
});
