import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-core/dist/public/chained_ops/register_all_chained_ops';
import { getBackend, memory, setBackend, type Tensor, type Tensor5D, tensor } from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import { type ActivationName, ConvLSTM } from '../src/index.js';
import { assertAllClose, randomValues } from '../src/testing/index.js';

/**
 * The core ConvLSTM without peepholes is Keras' ConvLSTM2D: same weights (kernel,
 * recurrentKernel, bias; gates i, f, c, o), same "same" padding, same strides. tfjs-layers
 * is the independent implementation it is checked against.
 */

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

interface PeerCase {
  name: string;
  input: [number, number, number, number, number];
  filters: number;
  kernelSize: number | [number, number];
  strides?: number | [number, number];
  useBias?: boolean;
  recurrentActivation: ActivationName;
  /** Randomise the tfjs-layers weights (bias included) before copying them. */
  randomWeights: boolean;
  returnSequences?: boolean;
}

const CASES: PeerCase[] = [
  {
    name: 'sigmoid, 3×3',
    input: [2, 4, 5, 6, 2],
    filters: 3,
    kernelSize: 3,
    recurrentActivation: 'sigmoid',
    randomWeights: true,
  },
  {
    name: 'hardSigmoid (tfjs-layers’ default) on both sides',
    input: [2, 3, 5, 5, 3],
    filters: 2,
    kernelSize: 3,
    recurrentActivation: 'hardSigmoid',
    randomWeights: true,
  },
  {
    name: 'even kernel 2×2',
    input: [1, 3, 5, 6, 2],
    filters: 3,
    kernelSize: 2,
    recurrentActivation: 'sigmoid',
    randomWeights: true,
  },
  {
    name: 'even, non-square kernel [2, 4]',
    input: [2, 3, 6, 7, 1],
    filters: 2,
    kernelSize: [2, 4],
    recurrentActivation: 'sigmoid',
    randomWeights: true,
  },
  {
    name: 'strides 2 (state is ceil(size / 2))',
    input: [2, 3, 5, 6, 2],
    filters: 3,
    kernelSize: 3,
    strides: 2,
    recurrentActivation: 'sigmoid',
    randomWeights: true,
  },
  {
    name: 'strides [1, 2] with an even kernel',
    input: [1, 3, 6, 7, 2],
    filters: 2,
    kernelSize: [4, 2],
    strides: [1, 2],
    recurrentActivation: 'sigmoid',
    randomWeights: true,
  },
  {
    name: 'no bias',
    input: [2, 3, 4, 4, 2],
    filters: 2,
    kernelSize: 3,
    useBias: false,
    recurrentActivation: 'sigmoid',
    randomWeights: true,
  },
  {
    name: 'tfjs-layers’ own initial weights loaded unchanged via getWeights()',
    input: [2, 4, 5, 5, 2],
    filters: 4,
    kernelSize: 3,
    recurrentActivation: 'sigmoid',
    randomWeights: false,
  },
  {
    name: 'returnSequences false',
    input: [2, 4, 5, 5, 2],
    filters: 3,
    kernelSize: 3,
    recurrentActivation: 'sigmoid',
    randomWeights: true,
    returnSequences: false,
  },
];

function close(actual: Tensor, expected: Tensor, label: string): void {
  expect(actual.shape, label).toEqual(expected.shape);
  assertAllClose(actual.dataSync(), expected.dataSync(), label, 1e-5, 1e-4);
}

describe('core ConvLSTM (peephole: false) equals tfjs-layers convLstm2d on the cpu backend', () => {
  beforeAll(async () => {
    await setBackend('cpu');
    expect(getBackend()).toBe('cpu');
  });

  it('shares one tfjs-core with tfjs-layers', () => {
    const layer = tfl.layers.dense({ units: 1, inputShape: [2] });
    const x = rand([1, 2], 1);
    const y = layer.apply(x) as Tensor;
    // A second tfjs-core would have its own engine: this tensor would not be tracked by ours.
    expect(memory().numTensors).toBeGreaterThan(0);
    expect(y.constructor).toBe(x.constructor);
    x.dispose();
    y.dispose();
    layer.dispose();
  });

  for (const c of CASES) {
    it(c.name, () => {
      const cin = c.input[4];
      const returnSequences = c.returnSequences ?? true;
      const peer = tfl.layers.convLstm2d({
        filters: c.filters,
        kernelSize: c.kernelSize,
        strides: c.strides ?? 1,
        padding: 'same',
        useBias: c.useBias ?? true,
        recurrentActivation: c.recurrentActivation,
        returnSequences,
        returnState: true,
      });
      const x = rand(c.input, 7) as Tensor5D;
      // Applying builds the layer (its weights exist only then).
      for (const v of peer.apply(x) as Tensor[]) v.dispose();
      if (c.randomWeights) {
        // tfjs-layers' getWeights() returns its variables themselves: read, never dispose.
        const shapes = peer.getWeights().map((v) => v.shape);
        const values = shapes.map((shape, i) => rand(shape, 100 + i, 0.5));
        peer.setWeights(values);
        for (const v of values) v.dispose();
      }
      const [peerOut, peerH, peerC] = peer.apply(x) as Tensor[];

      const ours = new ConvLSTM({
        inChannels: cin,
        hiddenChannels: c.filters,
        kernelSize: c.kernelSize,
        spatialRank: 2,
        strides: c.strides ?? 1,
        useBias: c.useBias ?? true,
        peephole: false,
        recurrentActivation: c.recurrentActivation,
        returnSequences,
      });
      const before = memory().numTensors;
      const weights = peer.getWeights();
      expect(ours.allCells[0]?.weightSpecs.map((s) => s.shape)).toEqual(weights.map((v) => v.shape));
      ours.setWeights(weights); // Same order, unchanged: kernel, recurrentKernel, bias.
      expect(memory().numTensors).toBe(before);
      const result = ours.forward(x);
      close(result.output, peerOut as Tensor, 'output');
      close(result.h[0] as Tensor, peerH as Tensor, 'final h');
      close(result.c[0] as Tensor, peerC as Tensor, 'final c');
      for (const v of [x, peerOut, peerH, peerC, result.output, ...result.h, ...result.c]) v?.dispose();
      ours.dispose();
      peer.dispose();
    });
  }

  it('differs when only tfjs-layers keeps its hardSigmoid default (the comparison is sensitive)', () => {
    const peer = tfl.layers.convLstm2d({ filters: 2, kernelSize: 3, padding: 'same', returnSequences: true });
    const x = rand([1, 3, 4, 4, 2], 5) as Tensor5D;
    const peerOut = peer.apply(x) as Tensor;
    const ours = new ConvLSTM({ inChannels: 2, hiddenChannels: 2, kernelSize: 3, peephole: false });
    ours.setWeights(peer.getWeights());
    const result = ours.forward(x);
    const a = Array.from(result.output.dataSync());
    const b = peerOut.dataSync();
    const maxDiff = a.reduce((m, v, i) => Math.max(m, Math.abs(v - (b[i] as number))), 0);
    expect(maxDiff).toBeGreaterThan(1e-3);
    for (const v of [x, peerOut, result.output, ...result.h, ...result.c]) v.dispose();
    ours.dispose();
    peer.dispose();
  });

  it('two stacked convLstm2d layers equal a two-layer core stack with their weights concatenated', () => {
    const first = tfl.layers.convLstm2d({
      filters: 3,
      kernelSize: 3,
      padding: 'same',
      recurrentActivation: 'sigmoid',
      returnSequences: true,
    });
    const second = tfl.layers.convLstm2d({
      filters: 2,
      kernelSize: [1, 3],
      padding: 'same',
      recurrentActivation: 'sigmoid',
      returnSequences: true,
      returnState: true,
    });
    const x = rand([2, 3, 4, 5, 2], 3) as Tensor5D;
    const mid = first.apply(x) as Tensor;
    const [out, h, c] = second.apply(mid) as Tensor[];
    const ours = new ConvLSTM({
      inChannels: 2,
      hiddenChannels: [3, 2],
      kernelSize: [3, 3],
      layers: [{ kernelSize: [3, 3] }, { kernelSize: [1, 3] }],
      peephole: false,
    });
    const weights = [...first.getWeights(), ...second.getWeights()];
    ours.setWeights(weights);
    const result = ours.forward(x);
    close(result.output, out as Tensor, 'output');
    close(result.h[1] as Tensor, h as Tensor, 'final h of layer 2');
    close(result.c[1] as Tensor, c as Tensor, 'final c of layer 2');
    for (const v of [x, mid, out, h, c, result.output, ...result.h, ...result.c]) v?.dispose();
    ours.dispose();
    first.dispose();
    second.dispose();
  });
});
