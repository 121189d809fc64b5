import '@tensorflow/tfjs-backend-cpu';
import { setBackend } from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { countEncoderForecasterParams, EncoderForecaster, PRESETS } from '../src/index.js';

/** Table 1 of Shi et al. (2015): parameter counts of the ConvLSTM networks on Moving MNIST. */
const TABLE_1 = {
  'paper-5x5-256': 13_524_496,
  'paper-5x5-128-128': 10_042_896,
  'paper-5x5-128-64-64': 7_585_296,
  'paper-9x9-1x1-128-128': 11_550_224,
  'paper-9x9-1x1-128-64-64': 8_830_480,
} as const;

/** The paper's count written out: k_in²·Cin·4C + k_rec²·C·4C + 4C + 3C per cell, output 1×1 conv with bias. */
function paperFormula(kIn: number, kRec: number, channels: number[], patchChannels = 16): number {
  const cell = (cin: number, c: number, withInput: boolean) =>
    (withInput ? kIn * kIn * cin * 4 * c : 0) + kRec * kRec * c * 4 * c + 4 * c + 3 * c;
  let total = 0;
  channels.forEach((c, l) => {
    const cin = l === 0 ? patchChannels : (channels[l - 1] as number);
    total += cell(cin, c, true) + cell(cin, c, l > 0);
  });
  const sum = channels.reduce((a, b) => a + b, 0);
  return total + sum * patchChannels + patchChannels;
}

describe('presets', () => {
  beforeAll(async () => {
    await setBackend('cpu');
  });

  for (const [name, count] of Object.entries(TABLE_1)) {
    it(`${name} has the Table 1 parameter count ${count}`, () => {
      const preset = PRESETS[name as keyof typeof TABLE_1];
      expect(countEncoderForecasterParams(preset.options)).toBe(count);
      expect(preset.numParams).toBe(count);
    });
  }

  it('the independent formula agrees with Table 1', () => {
    expect(paperFormula(5, 5, [256])).toBe(TABLE_1['paper-5x5-256']);
    expect(paperFormula(5, 5, [128, 64, 64])).toBe(TABLE_1['paper-5x5-128-64-64']);
    expect(paperFormula(9, 1, [128, 128])).toBe(TABLE_1['paper-9x9-1x1-128-128']);
  });

  it('an instantiated paper model allocates exactly its counted parameters', () => {
    const model = new EncoderForecaster(PRESETS['paper-9x9-1x1-128-64-64'].options);
    try {
      expect(model.numParams).toBe(TABLE_1['paper-9x9-1x1-128-64-64']);
      expect(model.weightNames.length).toBe(model.trainableWeights.length);
    } finally {
      model.dispose();
    }
  });

  it('the small presets instantiate with their counted parameters', () => {
    for (const name of ['cpu-small', 'browser-tiny'] as const) {
      const model = new EncoderForecaster(PRESETS[name].options);
      expect(model.numParams).toBe(PRESETS[name].numParams);
      model.dispose();
    }
  });
});
