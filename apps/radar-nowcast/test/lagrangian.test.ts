import '@tensorflow/tfjs-backend-cpu';
import { extrapolationNowcast, type RadarFrame, rainToUnit, unitToRain } from '@convlstm/radar';
import { EncoderForecaster } from '@convlstm/train';
import { memory, setBackend, tensor5d } from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { networkNowcast, startAtExtrapolation } from '../src/verification.js';

const S = 32;
const PX = S * S;

/** Six frames of two rain cells moving (1.5, −0.5) px per step, with a no-data corner. */
function frames(size = S): RadarFrame[] {
  return Array.from({ length: 6 }, (_, k) => {
    const rain = new Float32Array(size * size);
    const valid = new Uint8Array(size * size).fill(1);
    for (let y = 0; y < size; y++) {
      for (let x = 0; x < size; x++) {
        const a = 20 * Math.exp(-((x - 10 - 1.5 * k) ** 2 + (y - 16 + 0.5 * k) ** 2) / 18);
        const b = 6 * Math.exp(-((x - 20 - 1.5 * k) ** 2 + (y - 10 + 0.5 * k) ** 2) / 8);
        rain[y * size + x] = a + b;
        if (x < 5 && y < 6) {
          valid[y * size + x] = 0;
          rain[y * size + x] = 0;
        }
      }
    }
    return {
      source: `f${k}`,
      format: 'fmi-pgm' as const,
      width: size,
      height: size,
      time: new Date(Date.UTC(2020, 0, 1, 12, 5 * k)),
      rainRate: rain,
      valid,
      geometry: {},
      lineage: [],
    };
  });
}

const model = (seed = 3) =>
  new EncoderForecaster({
    height: S,
    width: S,
    patchSize: 4,
    inputKernelSize: 3,
    layers: [{ hiddenChannels: 2, recurrentKernelSize: 3 }],
    inputFrames: 6,
    outputFrames: 4,
    seed,
  });

beforeAll(async () => {
  await setBackend('cpu');
});

describe('the Lagrangian ConvLSTM nowcast', () => {
  it('with a zero output convolution is exactly the extrapolation nowcast at every lead, leaking nothing', async () => {
    const net = startAtExtrapolation(model());
    try {
      const inputs = frames();
      const before = memory().numTensors;
      const { rainRate: ours, valid } = await networkNowcast(net, 'lagrangian', inputs);
      expect(memory().numTensors).toBe(before);
      const extra = extrapolationNowcast(
        inputs.slice(-3).map((f) => f.rainRate),
        inputs.slice(-3).map((f) => f.valid),
        S,
        S,
        4,
      );
      expect(ours).toEqual(extra.rainRate);
      expect(valid).toEqual(extra.valid);
      // Not a trivial case: the rain moved, so this is not persistence.
      expect(ours.subarray(3 * PX)).not.toEqual(inputs[5]?.rainRate);
    } finally {
      net.dispose();
    }
  });

  it('with a trained (non-zero) network differs from extrapolation, and has no rain where it has no value', async () => {
    const net = model();
    try {
      const inputs = frames();
      const { rainRate: ours } = await networkNowcast(net, 'lagrangian', inputs);
      const extra = extrapolationNowcast(
        inputs.map((f) => f.rainRate),
        inputs.map((f) => f.valid),
        S,
        S,
        4,
      );
      expect(ours).not.toEqual(extra.rainRate);
      for (let i = 0; i < ours.length; i++) {
        expect(Number.isFinite(ours[i])).toBe(true);
        expect(ours[i]).toBeGreaterThanOrEqual(0);
        if (extra.valid[i] === 0) expect(ours[i]).toBe(0);
      }
    } finally {
      net.dispose();
    }
  });

  it('in the Eulerian frame is the network on the unit-scaled inputs, as before', async () => {
    const net = model();
    try {
      const inputs = frames();
      const unit = new Float32Array(6 * PX);
      for (const [t, f] of inputs.entries()) unit.set(rainToUnit(f.rainRate), t * PX);
      const x = tensor5d(unit, [1, 6, S, S, 1]);
      const y = net.predict(x, 4);
      const want = unitToRain((await y.data()) as Float32Array);
      x.dispose();
      y.dispose();
      const { rainRate: got } = await networkNowcast(net, 'eulerian', inputs);
      expect(got).toHaveLength(want.length);
      // TF.js' sigmoid and the nowcast's own differ in the last bits of float32.
      for (const [i, w] of want.entries())
        expect(Math.abs((got[i] as number) - w)).toBeLessThan(1e-5 * (1 + w));
    } finally {
      net.dispose();
    }
  });

  it('leaks no tensor when a call throws: too few frames, or frames of another grid', async () => {
    const net = startAtExtrapolation(model());
    try {
      const before = memory().numTensors;
      await expect(networkNowcast(net, 'lagrangian', frames().slice(1))).rejects.toThrow(/6 input frames/);
      // The arrays are moved to the Lagrangian frame, then the network refuses the 40x40 grid.
      await expect(networkNowcast(net, 'lagrangian', frames(40))).rejects.toThrow(/inputs/);
      expect(memory().numTensors).toBe(before);
    } finally {
      net.dispose();
    }
  });
});
