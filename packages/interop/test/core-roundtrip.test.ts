import '@tensorflow/tfjs-backend-cpu';
import { ConvLSTM } from '@convlstm/core';
import { memory, randomNormal, setBackend, type Tensor5D, tidy } from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  createConvLSTM,
  readWeights,
  type StackLayer,
  stackFromConvLSTM,
  writeWeights,
} from '../src/index.js';
import { expectClose, fixture } from './helpers.js';

beforeAll(async () => {
  await setBackend('cpu');
});

describe('a core ConvLSTM out and back', () => {
  it.each([
    ['safetensors', true],
    ['safetensors', false],
    ['h5', false],
  ] as const)('through %s (peepholes %s): identical weights and outputs', async (format, peephole) => {
    const model = new ConvLSTM<2>({
      inChannels: 3,
      hiddenChannels: [5, 2],
      kernelSize: [3, 3],
      layers: [{ kernelSize: [3, 5] }, { kernelSize: [1, 1] }],
      peephole,
      seed: 9,
    });
    const stack = stackFromConvLSTM(model);
    const back = createConvLSTM(
      await readWeights(await writeWeights(stack, format), { file: `m.${format}` }),
    );
    const before = memory().numTensors;
    const [a, b] = tidy(() => {
      const x = randomNormal([2, 4, 5, 7, 3], 0, 1, 'float32', 3) as Tensor5D;
      return [model.forward(x).output.dataSync(), back.forward(x).output.dataSync()];
    });
    expect(memory().numTensors).toBe(before);
    expectClose(b ?? [], a ?? [], 0);
    const wa = model.getWeights();
    const wb = back.getWeights();
    expect(wb.length).toBe(wa.length);
    wa.forEach((t, i) => {
      expect(Array.from(wb[i]?.dataSync() ?? [])).toEqual(Array.from(t.dataSync()));
    });
    for (const t of [...wa, ...wb]) t.dispose();
    model.dispose();
    back.dispose();
  });

  it('a stack with a wrong-sized weight or mixed settings is refused, allocating nothing', async () => {
    const stack = await readWeights(fixture('torch.pt'), { file: 'torch.pt' });
    const [l0, l1] = stack.layers as [StackLayer, StackLayer];
    const before = memory().numTensors;
    expect(() => createConvLSTM({ layers: [l0, { ...l1, bias: new Float32Array(5) }] })).toThrow(
      /layer cell_list\.1: expected a weight of \[12\] \(12 values\), received 5 values/,
    );
    expect(() => createConvLSTM({ layers: [l0, { ...l1, recurrentActivation: 'hardSigmoid' }] })).toThrow(
      /layer cell_list\.1: expected the same recurrentActivation as layer cell_list\.0/,
    );
    expect(memory().numTensors).toBe(before);
  });

  it('a layer the layouts cannot hold is refused by name (strides)', () => {
    const model = new ConvLSTM<2>({ inChannels: 1, hiddenChannels: 2, kernelSize: 3, strides: 2, seed: 1 });
    expect(() => stackFromConvLSTM(model)).toThrow(/model layer 0.*strides \[2, 2\]/);
    model.dispose();
  });
});
