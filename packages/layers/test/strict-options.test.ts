import '@tensorflow/tfjs-backend-cpu';
import { ConvLSTMArgumentError } from '@convlstm/tensor';
import { memory, setBackend } from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { ConvLSTMLayer, convLstm } from '../src/index.js';
import { LAYER_OPTION_KEYS } from '../src/options.js';

beforeAll(async () => {
  await setBackend('cpu');
});

/** What `fn` threw; fails when it did not throw. */
function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected an error, none was thrown');
}

describe('strict options of ConvLSTMLayer', () => {
  it('lists every option of ConvLSTMLayerOptions once', () => {
    expect(new Set(LAYER_OPTION_KEYS).size).toBe(LAYER_OPTION_KEYS.length);
    expect([...LAYER_OPTION_KEYS].sort()).toEqual(
      [
        'hiddenChannels',
        'kernelSize',
        'recurrentKernelSize',
        'spatialRank',
        'numLayers',
        'layers',
        'peephole',
        'useBias',
        'strides',
        'dilationRate',
        'unitForgetBias',
        'activation',
        'recurrentActivation',
        'kernelInitializer',
        'recurrentInitializer',
        'biasInitializer',
        'peepholeInitializer',
        'bidirectional',
        'goBackwards',
        'dropout',
        'recurrentDropout',
        'seed',
        'returnSequences',
        'returnState',
        'inChannels',
      ].sort(),
    );
  });

  it('rejects a misspelt option naming it and the expected options, allocating nothing', () => {
    const before = memory().numTensors;
    for (const make of [
      () => new ConvLSTMLayer({ hiddenChannels: 2, kernelSize: 3, returnSequence: true } as never),
      () => convLstm({ hiddenChannels: 2, kernelSize: 3, returnSequence: true } as never),
    ]) {
      const error = thrown(make);
      expect(error).toBeInstanceOf(ConvLSTMArgumentError);
      const e = error as ConvLSTMArgumentError;
      expect(e.argument).toBe('options.returnSequence');
      expect(e.received).toBe('unknown option "returnSequence"');
      expect(e.expected).toBe(`one of the known options: ${LAYER_OPTION_KEYS.join(', ')}`);
      expect(e.message).toMatch(/^Invalid options\.returnSequence: expected one of the known options: /);
      expect(e.message).toMatch(/\breturnSequences\b/);
      expect(e.message).toMatch(/\bkernelSize\b/);
    }
    expect(memory().numTensors).toBe(before);
  });

  it('still accepts the tfjs-layers base arguments next to the options', () => {
    const layer = new ConvLSTMLayer({
      hiddenChannels: 2,
      kernelSize: 3,
      name: 'rnn',
      inputShape: [2, 4, 4, 1],
    });
    expect(layer.name).toBe('rnn');
  });
});
