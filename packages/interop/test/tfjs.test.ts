import '@tensorflow/tfjs-backend-cpu';
import '@convlstm/layers';
import { io, memory, setBackend, type Tensor, tensor5d } from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import { readTfjs, readWeights, writeTfjs } from '../src/index.js';
import { expectClose, fixture, reference } from './helpers.js';

beforeAll(async () => {
  await setBackend('cpu');
});

describe('TF.js layers model out and back', () => {
  it('a converted Keras model loads with tf.loadLayersModel (@convlstm/layers) and predicts what Keras does', async () => {
    const stack = await readWeights(fixture('keras.keras'), { file: 'keras.keras' });
    const files = writeTfjs(stack);
    const before = memory().numTensors;
    const model = await tfl.loadLayersModel(
      io.fromMemory({
        modelTopology: files.modelJson.modelTopology as object,
        weightSpecs: files.modelJson.weightsManifest[0]?.weights ?? [],
        weightData: files.weights.slice().buffer,
      }),
    );
    const x = tensor5d(
      reference.keras.input,
      reference.keras.inputShape as [number, number, number, number, number],
    );
    const y = model.predict(x) as Tensor;
    expectClose(y.dataSync(), reference.keras.output, 1e-5);
    x.dispose();
    y.dispose();
    model.dispose();
    expect(memory().numTensors).toBe(before);
  });

  it('PyTorch → TF.js → in: exact, including a one-layer stack (unprefixed weight names)', async () => {
    const stack = await readWeights(fixture('torch.pt'), { file: 'torch.pt' });
    for (const s of [stack, { layers: stack.layers.slice(0, 1) }]) {
      const files = writeTfjs(s);
      const back = readTfjs(JSON.parse(JSON.stringify(files.modelJson)), files.weights, 'model.json');
      expect(back.layers.length).toBe(s.layers.length);
      back.layers.forEach((l, i) => {
        const e = s.layers[i];
        expect(Array.from(l.kernel)).toEqual(Array.from(e?.kernel ?? []));
        expect(Array.from(l.recurrentKernel)).toEqual(Array.from(e?.recurrentKernel ?? []));
        expect(Array.from(l.bias ?? [])).toEqual(Array.from(e?.bias ?? []));
        expect([l.activation, l.recurrentActivation]).toEqual(['tanh', 'sigmoid']);
      });
    }
  });

  it('a weights file of the wrong size is refused, naming the byte counts', async () => {
    const files = writeTfjs(await readWeights(fixture('torch.pt'), { file: 'torch.pt' }));
    expect(() => readTfjs(files.modelJson, files.weights.subarray(0, 100), 'm.json')).toThrow(
      /m\.json: its weights file has 100 bytes, the manifest needs \d+/,
    );
  });
});
