import '@tensorflow/tfjs-backend-cpu';
import { ConvLSTM, loadStateDict, stateDict } from '@convlstm/core/compat';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, expect, it } from 'vitest';
import { createConvLSTM, readTorch, readWeights } from '../src/index.js';
import { fixture } from './helpers.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

// The README's examples, on a fixture instead of convlstm.pt.
it("the README's examples run", async () => {
  const bytes = fixture('torch.pt');
  const stack = await readWeights(bytes, { file: 'convlstm.pt' });
  const model = createConvLSTM(stack);
  const x = tf.zeros([1, 10, 64, 64, stack.layers[0]?.inChannels ?? 1]);
  const { output } = model.forward(x as tf.Tensor5D);
  expect(output.shape).toEqual([1, 10, 64, 64, 3]);
  const net = new ConvLSTM(
    2,
    [4, 3],
    [
      [3, 3],
      [5, 3],
    ],
    2,
    true,
  );
  loadStateDict(net, readTorch(bytes, 'convlstm.pt').tensors);
  expect(Object.keys(stateDict(net))).toHaveLength(4);
  for (const t of [x, output]) t.dispose();
  model.dispose();
  net.dispose();
});
