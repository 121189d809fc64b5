import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  advectSemiLagrangian,
  aggregateFrame,
  extrapolationNowcast,
  lucasKanade,
  NowcastVerifier,
  persistenceNowcast,
  toDbr,
} from '../src/index.js';
import { readRadarFolder } from '../src/node.js';

/** A seeded generator (mulberry32), so the synthetic fields are the same on every run. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const W = 128;
const H = 112;

/**
 * A rain field of Gaussian cells, defined on continuous coordinates, so frame k of a field moving
 * at (vx, vy) px/step is exactly g(x − k·vx, y − k·vy), fractional shifts included.
 */
function movingField(vx: number, vy: number, frames: number, seed = 1): Float32Array[] {
  const random = rng(seed);
  const cells = Array.from({ length: 40 }, () => ({
    cx: random() * (W + 40) - 20,
    cy: random() * (H + 40) - 20,
    sigma: 3 + random() * 6,
    amp: 0.5 + random() * 15,
  }));
  return Array.from({ length: frames }, (_, k) => {
    const f = new Float32Array(W * H);
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < W; x++) {
        let s = 0;
        for (const c of cells)
          s += c.amp * Math.exp(-((x - k * vx - c.cx) ** 2 + (y - k * vy - c.cy) ** 2) / (2 * c.sigma ** 2));
        f[y * W + x] = s;
      }
    }
    return f;
  });
}

describe('optical flow on a field moved by a known velocity', () => {
  it.each([
    [1.7, -0.9],
    [-2.4, 3.1],
    [0.3, 0.0],
  ])('recovers (%f, %f) px/step within 0.2 px/step where it rains', (vx, vy) => {
    const [f0, f1] = movingField(vx, vy, 2) as [Float32Array, Float32Array];
    // dBR clamped at 0.1 mm/h (continuous), as extrapolationNowcast uses it.
    const dbr = { threshold: 0.1, zeroValue: -10 };
    const flow = lucasKanade(toDbr(f0, dbr), toDbr(f1, dbr), W, H);
    const errors: number[] = [];
    for (let y = 12; y < H - 12; y++) {
      for (let x = 12; x < W - 12; x++) {
        const i = y * W + x;
        if ((f0[i] as number) < 0.5) continue;
        errors.push(Math.hypot((flow.u[i] as number) - vx, (flow.v[i] as number) - vy));
      }
    }
    errors.sort((a, b) => a - b);
    expect(errors.length).toBeGreaterThan(2000);
    expect(errors[Math.floor(errors.length * 0.5)]).toBeLessThan(0.05);
    // Every rainy pixel away from the edge, not just most of them.
    expect(errors[errors.length - 1]).toBeLessThan(0.2);
  });

  it('ignores no-data pixels: a masked band does not stop the estimate elsewhere', () => {
    const [f0, f1] = movingField(1.2, 0.8, 2, 7) as [Float32Array, Float32Array];
    const valid = new Uint8Array(W * H).fill(1);
    for (let y = 0; y < H; y++) for (let x = 50; x < 60; x++) valid[y * W + x] = 0;
    // Garbage in the masked band must not leak into the fit.
    for (let i = 0; i < valid.length; i++) if (valid[i] === 0) f1[i] = 100 * ((i * 7919) % 13);
    const dbr = { threshold: 0.1, zeroValue: -10 };
    const flow = lucasKanade(toDbr(f0, dbr), toDbr(f1, dbr), W, H, valid);
    const errors: number[] = [];
    for (let y = 12; y < H - 12; y++) {
      for (let x = 12; x < W - 12; x++) {
        const i = y * W + x;
        if (x > 35 && x < 75) continue;
        if ((f0[i] as number) < 0.5) continue;
        errors.push(Math.hypot((flow.u[i] as number) - 1.2, (flow.v[i] as number) - 0.8));
      }
    }
    errors.sort((a, b) => a - b);
    expect(errors[errors.length - 1]).toBeLessThan(0.2);
  });
});

describe('semi-Lagrangian advection', () => {
  it('moves a field by whole pixels exactly under constant motion, no-data where it came from outside', () => {
    const w = 6;
    const h = 5;
    const field = Float32Array.from({ length: w * h }, (_, i) => i);
    const valid = new Uint8Array(w * h).fill(1);
    const motion = {
      width: w,
      height: h,
      u: new Float32Array(w * h).fill(2),
      v: new Float32Array(w * h).fill(1),
    };
    const out = advectSemiLagrangian(field, valid, motion, 2);
    for (let t = 1; t <= 2; t++) {
      for (let y = 0; y < h; y++) {
        for (let x = 0; x < w; x++) {
          const i = (t - 1) * w * h + y * w + x;
          const sx = x - 2 * t;
          const sy = y - t;
          if (sx >= 0 && sy >= 0) {
            expect(out.valid[i]).toBe(1);
            expect(out.rainRate[i]).toBeCloseTo(sy * w + sx, 5);
          } else {
            expect(out.valid[i]).toBe(0);
          }
        }
      }
    }
  });

  it('extrapolation of a moving field beats persistence by far and stays close to the truth', () => {
    const frames = movingField(1.5, -1, 15, 3);
    const valid = new Uint8Array(W * H).fill(1);
    const inputs = frames.slice(0, 3);
    const steps = 12;
    const extra = extrapolationNowcast(inputs, valid, W, H, steps);
    const persist = persistenceNowcast(inputs[2] as Float32Array, valid, W, H, steps);
    const truth = new Float32Array(steps * W * H);
    for (const [t, f] of frames.slice(3).entries()) truth.set(f, t * W * H);
    // Compare away from the inflow edge, where rain comes from outside the grid.
    const inner = new Uint8Array(W * H);
    for (let y = 0; y < H - 14; y++) for (let x = 20; x < W; x++) inner[y * W + x] = 1;
    const ve = new NowcastVerifier(steps, H, W, { fssScales: [1] });
    ve.add(extra.rainRate, truth, inner);
    const vp = new NowcastVerifier(steps, H, W, { fssScales: [1] });
    vp.add(persist.rainRate, truth, inner);
    const e = ve.result();
    const p = vp.result();
    for (let t = 0; t < steps; t++) {
      expect(e[t]?.mae).toBeLessThan((p[t]?.mae as number) / 3);
      expect(e[t]?.categorical[1]?.csi).toBeGreaterThan(0.9);
    }
  });
});

const sample = join(import.meta.dirname, '../../../../shared/data/radar');
const haveSample = existsSync(join(sample, 'fmi/20160928'));
if (!haveSample)
  console.log(`real-event baseline tests skipped: ${sample} is absent (the pysteps sample data)`);

describe.skipIf(!haveSample)('baselines on the real FMI events (4 km grid)', () => {
  it.each(['20160928', '20170509'])(
    '%s: extrapolation beats persistence on CSI at 1 mm/h from 15 min on',
    async (event) => {
      const frames = (await readRadarFolder(join(sample, 'fmi', event))).map((f) => aggregateFrame(f, 4));
      const { width, height } = frames[0] as (typeof frames)[number];
      const steps = 12;
      const px = width * height;
      const ve = new NowcastVerifier(steps, height, width, { thresholds: [1], fssScales: [1] });
      const vp = new NowcastVerifier(steps, height, width, { thresholds: [1], fssScales: [1] });
      for (let start = 0; start + 3 + steps <= frames.length; start += 4) {
        const inputs = frames.slice(start, start + 3);
        const targets = frames.slice(start + 3, start + 3 + steps);
        const truth = new Float32Array(steps * px);
        const mask = new Uint8Array(steps * px);
        targets.forEach((f, t) => {
          truth.set(f.rainRate, t * px);
          mask.set(f.valid, t * px);
        });
        const extra = extrapolationNowcast(
          inputs.map((f) => f.rainRate),
          inputs.map((f) => f.valid),
          width,
          height,
          steps,
        );
        const last = inputs[2] as (typeof inputs)[number];
        ve.add(extra.rainRate, truth, mask);
        vp.add(persistenceNowcast(last.rainRate, last.valid, width, height, steps).rainRate, truth, mask);
      }
      const e = ve.result().map((s) => s.categorical[0]?.csi as number);
      const p = vp.result().map((s) => s.categorical[0]?.csi as number);
      console.log(`${event} CSI@1mm/h extrapolation ${e.map((x) => x.toFixed(3)).join(' ')}`);
      console.log(`${event} CSI@1mm/h persistence   ${p.map((x) => x.toFixed(3)).join(' ')}`);
      for (let t = 2; t < steps; t++) expect(e[t]).toBeGreaterThan(p[t] as number);
    },
    // Dense optical flow on ~20 real windows: a minute alone, longer when the suite shares two cores.
    300_000,
  );
});
