import '@tensorflow/tfjs-backend-cpu';
// tfjs-layers calls chained tensor methods (`x.flatten()`); tfjs-core's Node build does not
// register them (the `@tensorflow/tfjs` bundle does).
import '@tensorflow/tfjs-core/dist/public/chained_ops/register_all_chained_ops';
import { ConvLSTM, type ConvLSTMOptions } from '@convlstm/core';
import { assertAllClose, randomValues } from '@convlstm/core/testing';
import { ConvLSTMArgumentError } from '@convlstm/tensor';
import {
  abs,
  add,
  io,
  mean,
  memory,
  mul,
  serialization,
  setBackend,
  sub,
  type Tensor,
  tensor,
  tidy,
  train,
} from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import { ConvLSTMLayer, type ConvLSTMLayerOptions, convLstm } from '../src/index.js';

function rand(shape: number[], seed: number, scale = 1): Tensor {
  return tensor(
    randomValues(
      shape.reduce((a, b) => a * b, 1),
      seed,
      scale,
    ),
    shape,
  );
}

function close(actual: Tensor, expected: Tensor, label: string, atol = 1e-5): void {
  expect(actual.shape, label).toEqual(expected.shape);
  assertAllClose(actual.dataSync(), expected.dataSync(), label, atol);
}

beforeAll(async () => {
  await setBackend('cpu');
});

interface EquivalenceCase {
  name: string;
  options: ConvLSTMLayerOptions & { seed: number };
  input: number[];
}

const EQUIVALENCE: EquivalenceCase[] = [
  {
    name: '2-D, two layers, peepholes, strides on the second layer',
    options: {
      hiddenChannels: [3, 2],
      kernelSize: [3, 3],
      layers: [{}, { strides: 2, kernelSize: [2, 3] }],
      seed: 11,
      returnSequences: true,
      returnState: true,
    },
    input: [2, 3, 5, 6, 2],
  },
  {
    name: '2-D bidirectional, final h only',
    options: { hiddenChannels: 2, kernelSize: 3, bidirectional: true, seed: 12 },
    input: [2, 4, 4, 4, 1],
  },
  {
    name: '1-D (kernel [3]), no bias, hardSigmoid, goBackwards',
    options: {
      hiddenChannels: 3,
      kernelSize: [3],
      useBias: false,
      recurrentActivation: 'hardSigmoid',
      goBackwards: true,
      seed: 13,
      returnSequences: true,
      returnState: true,
    },
    input: [2, 5, 7, 2],
  },
  {
    name: '3-D (kernel [1, 3, 3]), strides [1, 2, 2], no peepholes',
    options: {
      hiddenChannels: 2,
      kernelSize: [1, 3, 3],
      strides: [1, 2, 2],
      peephole: false,
      seed: 14,
      returnSequences: true,
    },
    input: [1, 2, 2, 5, 4, 2],
  },
];

describe('ConvLSTMLayer computes exactly the core ConvLSTM', () => {
  for (const c of EQUIVALENCE) {
    it(c.name, () => {
      const layer = new ConvLSTMLayer(c.options);
      const x = rand(c.input, 3);
      const raw = layer.apply(x);
      const outputs = Array.isArray(raw) ? (raw as Tensor[]) : [raw as Tensor];
      const { returnState, returnSequences, ...rest } = c.options;
      const core = new ConvLSTM({
        ...(rest as Omit<ConvLSTMOptions, 'inChannels'>),
        inChannels: c.input[c.input.length - 1] as number,
        returnSequences: returnSequences ?? false,
      });
      // Same seed, same initial weights, in the same order.
      const coreWeights = core.getWeights();
      const layerWeights = layer.getWeights();
      expect(layerWeights).toHaveLength(coreWeights.length);
      coreWeights.forEach((w, i) => {
        close(layerWeights[i] as Tensor, w, `initial weight ${i} (${layer.weights[i]?.originalName})`, 0);
      });
      const result = core.forward(x as never);
      close(outputs[0] as Tensor, result.output, 'output');
      if (returnState) {
        const n = result.h.length;
        expect(outputs).toHaveLength(1 + 2 * n);
        result.h.forEach((h, i) => {
          close(outputs[1 + i] as Tensor, h, `h ${i}`);
        });
        result.c.forEach((cs, i) => {
          close(outputs[1 + n + i] as Tensor, cs, `c ${i}`);
        });
      } else {
        expect(outputs).toHaveLength(1);
      }
      // computeOutputShape agrees with what call returns.
      const predicted = layer.computeOutputShape(c.input);
      const shapes = returnState ? (predicted as number[][]) : [predicted as number[]];
      expect(shapes).toEqual(outputs.map((o) => o.shape));
      for (const t of [x, ...outputs, ...coreWeights, ...result.h, ...result.c, result.output]) t.dispose();
      core.dispose();
      layer.dispose();
    });
  }

  it('names its weights as the core orders them, per layer and direction', () => {
    const single = new ConvLSTMLayer({ hiddenChannels: 2, kernelSize: 3, seed: 1 });
    single.apply(tfl.input({ shape: [3, 4, 4, 1] }));
    expect(single.weights.map((w) => w.originalName.split('/').slice(1).join('/'))).toEqual([
      'kernel',
      'recurrentKernel',
      'bias',
      'peepholeI',
      'peepholeF',
      'peepholeO',
    ]);
    const stacked = new ConvLSTMLayer({
      hiddenChannels: [2, 2],
      kernelSize: 3,
      peephole: false,
      bidirectional: true,
      seed: 1,
    });
    stacked.apply(tfl.input({ shape: [3, 4, 4, 1] }));
    expect(stacked.weights.map((w) => w.originalName.split('/').slice(1).join('/'))).toEqual([
      'layer0/kernel',
      'layer0/recurrentKernel',
      'layer0/bias',
      'layer0_backward/kernel',
      'layer0_backward/recurrentKernel',
      'layer0_backward/bias',
      'layer1/kernel',
      'layer1/recurrentKernel',
      'layer1/bias',
      'layer1_backward/kernel',
      'layer1_backward/recurrentKernel',
      'layer1_backward/bias',
    ]);
    // The second layer reads the 2·2 channels of the bidirectional first layer.
    expect(stacked.weights[6]?.shape).toEqual([3, 3, 4, 8]);
    single.dispose();
    stacked.dispose();
  });

  it('gives symbolic outputs the shapes computeOutputShape predicts (strides, unknown batch)', () => {
    const input = tfl.input({ shape: [4, 7, 5, 3] });
    const layer = convLstm({ hiddenChannels: [4, 2], kernelSize: 3, strides: 2, returnState: true, seed: 2 });
    const out = layer.apply(input) as tfl.SymbolicTensor[];
    expect(out.map((o) => o.shape)).toEqual([
      [null, 2, 2, 2],
      [null, 4, 3, 4],
      [null, 2, 2, 2],
      [null, 4, 3, 4],
      [null, 2, 2, 2],
    ]);
    layer.dispose();
  });
});

function sequentialModel(seed: number): tfl.Sequential {
  const model = tfl.sequential();
  model.add(new ConvLSTMLayer({ hiddenChannels: 4, kernelSize: 3, seed, inputShape: [3, 6, 6, 1] }));
  model.add(tfl.layers.conv2d({ filters: 1, kernelSize: 1, kernelInitializer: 'ones' }));
  return model;
}

describe('ConvLSTMLayer in tfjs-layers models', () => {
  it('trains in a tf.sequential with model.fit (the loss goes down)', async () => {
    const model = sequentialModel(5);
    model.compile({ optimizer: train.adam(0.05), loss: 'meanSquaredError' });
    const x = rand([8, 3, 6, 6, 1], 21, 1);
    // Target: a smooth function of the sequence (the mean frame), which the model can fit.
    const y = mul(mean(x, 1), 0.5);
    const initial = model.layers[0]?.getWeights().map((w) => w.clone()) ?? [];
    const history = await model.fit(x, y, { epochs: 4, batchSize: 8, shuffle: false, verbose: 0 });
    const losses = history.history.loss as number[];
    expect(losses.every(Number.isFinite)).toBe(true);
    expect(losses[losses.length - 1] as number).toBeLessThan((losses[0] as number) * 0.8);
    console.info(`model.fit losses: ${losses.map((l) => l.toFixed(5)).join(' → ')}`);
    // The gradients reach the ConvLSTM's own weights (not just the head's).
    const trained = model.layers[0]?.getWeights() ?? [];
    expect(trained).toHaveLength(6);
    const moved = trained.map((w, i) =>
      Math.max(...Array.from(abs(sub(w, initial[i] as Tensor)).dataSync())),
    );
    expect(moved.slice(0, 3).every((d) => d > 1e-4)).toBe(true);
    for (const t of initial) t.dispose();
    x.dispose();
    y.dispose();
    model.dispose();
  });

  it('saves and loads through an in-memory handler with identical predictions', async () => {
    // Options whose names and values tfjs-layers rewrites to snake_case in the JSON and back.
    const model = tfl.sequential();
    model.add(
      new ConvLSTMLayer({
        hiddenChannels: [3, 2],
        kernelSize: [3, 3],
        layers: [{ recurrentKernelSize: [1, 1] }, { strides: [2, 1] }],
        recurrentActivation: 'hardSigmoid',
        kernelInitializer: 'heNormal',
        seed: 6,
        inputShape: [3, 6, 6, 1],
      }),
    );
    model.add(tfl.layers.conv2d({ filters: 1, kernelSize: 1 }));
    const x = rand([2, 3, 6, 6, 1], 22);
    const before = model.predict(x) as Tensor;
    let saved: io.ModelArtifacts | null = null;
    await model.save(
      io.withSaveHandler(async (artifacts) => {
        saved = artifacts;
        return { modelArtifactsInfo: io.getModelArtifactsInfoForJSON(artifacts) };
      }),
    );
    expect(saved).not.toBeNull();
    const topology = JSON.stringify((saved as unknown as io.ModelArtifacts).modelTopology);
    expect(topology).toContain('"class_name":"ConvLSTM"');
    const loaded = await tfl.loadLayersModel(io.fromMemory(saved as unknown as io.ModelArtifacts));
    const after = loaded.predict(x) as Tensor;
    close(after, before, 'prediction after load', 0);
    const loadedLayer = loaded.layers[0] as ConvLSTMLayer;
    expect(loadedLayer).toBeInstanceOf(ConvLSTMLayer);
    expect(loadedLayer.getConfig()).toEqual(model.layers[0]?.getConfig());
    for (const t of [x, before, after]) t.dispose();
    model.dispose();
    loaded.dispose();
  });

  it('replaces tf.layers.convLstm2d: its weights load unchanged and predictions match', () => {
    const peer = tfl.layers.convLstm2d({
      filters: 3,
      kernelSize: 3,
      padding: 'same',
      inputShape: [3, 5, 5, 2],
    });
    const ours = new ConvLSTMLayer({
      hiddenChannels: 3,
      kernelSize: 3,
      peephole: false,
      recurrentActivation: 'hardSigmoid',
      inputShape: [3, 5, 5, 2],
    });
    const a = tfl.sequential({ layers: [peer] });
    const b = tfl.sequential({ layers: [ours] });
    const weights = tidy(() => peer.getWeights().map((w, i) => add(w, rand(w.shape, 60 + i, 0.3))));
    peer.setWeights(weights);
    ours.setWeights(weights);
    const x = rand([2, 3, 5, 5, 2], 9);
    const ya = a.predict(x) as Tensor;
    const yb = b.predict(x) as Tensor;
    close(yb, ya, 'prediction vs convLstm2d');
    for (const t of [x, ya, yb, ...weights]) t.dispose();
    a.dispose();
    b.dispose();
  });

  it('works in a functional tf.model with returnState', () => {
    const input = tfl.input({ shape: [3, 4, 4, 2] });
    const [seq, h, c] = convLstm({
      hiddenChannels: 3,
      kernelSize: 3,
      returnSequences: true,
      returnState: true,
      seed: 7,
    }).apply(input) as tfl.SymbolicTensor[];
    const model = tfl.model({
      inputs: input,
      outputs: [seq as tfl.SymbolicTensor, h as tfl.SymbolicTensor, c as tfl.SymbolicTensor],
    });
    const x = rand([2, 3, 4, 4, 2], 1);
    const outs = model.predict(x) as Tensor[];
    expect(outs.map((o) => o.shape)).toEqual([
      [2, 3, 4, 4, 3],
      [2, 4, 4, 3],
      [2, 4, 4, 3],
    ]);
    for (const t of [x, ...outs]) t.dispose();
    model.dispose();
  });

  it('round-trips getConfig → fromConfig (and through the serialisation registry)', () => {
    const layer = new ConvLSTMLayer({
      hiddenChannels: [3, 2],
      kernelSize: [3, 5],
      layers: [{ strides: [1, 2] }, {}],
      recurrentActivation: 'hardSigmoid',
      dropout: 0.1,
      returnSequences: true,
      name: 'encoder',
    });
    const config = layer.getConfig();
    expect(config.seed).toEqual(expect.any(Number));
    const copy = serialization.SerializationMap.getMap().classNameMap.ConvLSTM;
    expect(copy).toBeDefined();
    const rebuilt = ConvLSTMLayer.fromConfig(ConvLSTMLayer, config) as ConvLSTMLayer;
    expect(rebuilt).toBeInstanceOf(ConvLSTMLayer);
    expect(rebuilt.getConfig()).toEqual(config);
    expect(JSON.parse(JSON.stringify(config))).toEqual(config);
    // Same config (seed included): same initial weights.
    layer.apply(tfl.input({ shape: [2, 4, 4, 2] }));
    rebuilt.apply(tfl.input({ shape: [2, 4, 4, 2] }));
    layer.getWeights().forEach((w, i) => {
      close(rebuilt.getWeights()[i] as Tensor, w, `weight ${i}`, 0);
    });
    layer.dispose();
    rebuilt.dispose();
  });

  it('leaks no tensor on predict', () => {
    const model = sequentialModel(8);
    const x = rand([2, 3, 6, 6, 1], 23);
    (model.predict(x) as Tensor).dispose(); // First call builds nothing new, but warm up anyway.
    const before = memory().numTensors;
    const y = model.predict(x) as Tensor;
    expect(memory().numTensors).toBe(before + 1);
    y.dispose();
    expect(memory().numTensors).toBe(before);
    x.dispose();
    model.dispose();
  });

  it('rejects bad options and inputs with clear errors', () => {
    expect(() => new ConvLSTMLayer({ hiddenChannels: 0, kernelSize: 3 })).toThrow(ConvLSTMArgumentError);
    expect(() => new ConvLSTMLayer({ hiddenChannels: 2, kernelSize: [3, 3, 3, 3] })).toThrow(
      /Invalid options \(layer 0\)\.kernelSize/,
    );
    expect(() => new ConvLSTMLayer({ hiddenChannels: 2, kernelSize: 3, filters: 2 } as never)).toThrow(
      /Invalid options\.filters: expected one of the known options: /,
    );
    expect(
      () => new ConvLSTMLayer({ hiddenChannels: 2, kernelSize: 3, kernelInitializer: (() => 0) as never }),
    ).toThrow(/initializer name/);
    expect(() => new ConvLSTMLayer({ hiddenChannels: [2, 2], kernelSize: 3, numLayers: 3 })).toThrow(
      /Invalid options\.hiddenChannels/,
    );
    const layer = new ConvLSTMLayer({ hiddenChannels: 2, kernelSize: 3, inChannels: 3 });
    expect(() => layer.apply(tfl.input({ shape: [3, 4, 4, 2] }))).toThrow(
      /Invalid inputShape: expected 3 channels/,
    );
    const rank = new ConvLSTMLayer({ hiddenChannels: 2, kernelSize: 3 });
    expect(() => rank.apply(tfl.input({ shape: [4, 4, 2] }))).toThrow(/expected ndim=5/);
  });
});
