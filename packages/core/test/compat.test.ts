import '@tensorflow/tfjs-backend-cpu';
import { ConvLSTMArgumentError } from '@convlstm/tensor';
import {
  memory,
  reshape,
  setBackend,
  slice,
  type Tensor,
  type Tensor4D,
  type Tensor5D,
  tensor,
  transpose,
} from '@tensorflow/tfjs-core';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ConvLSTM, ConvLSTMCell } from '../src/compat/index.js';
import { ConvLSTM as CoreConvLSTM } from '../src/index.js';
import {
  assertAllClose,
  randomizeCell,
  randomValues,
  refCellStep,
  refWeights,
  toRef,
} from '../src/testing/index.js';

function rand<T extends Tensor>(shape: number[], seed: number): T {
  const size = shape.reduce((a, b) => a * b, 1);
  return tensor(randomValues(size, seed, 1), shape) as T;
}

function close(actual: Tensor, expected: Tensor, label: string, atol = 1e-5): void {
  expect(actual.shape).toEqual(expected.shape);
  assertAllClose(actual.dataSync(), expected.dataSync(), label, atol);
}

/** Gives every weight of a compat stack random values so comparisons are not dominated by init. */
function randomize(model: ConvLSTM, seed: number): void {
  for (const layer of model.layers)
    for (const [i, cell] of layer.allCells.entries()) randomizeCell(cell, seed + i);
}

let disposables: { dispose(): void }[] = [];
const track = <T extends { dispose(): void }>(x: T): T => {
  disposables.push(x);
  return x;
};

beforeAll(async () => {
  await setBackend('cpu');
});
beforeEach(() => {
  disposables = [];
});
afterEach(() => {
  for (const d of disposables) d.dispose();
});

describe('compat ConvLSTMCell (channels-first)', () => {
  it('initHidden gives zero [B, C, H, W] states', () => {
    const cell = track(new ConvLSTMCell(3, 5, 3, true, { seed: 1 }));
    const [h, c] = cell.initHidden(2, [6, 7]);
    expect(h.shape).toEqual([2, 5, 6, 7]);
    expect(c.shape).toEqual([2, 5, 6, 7]);
    expect(Math.max(...h.dataSync(), ...c.dataSync())).toBe(0);
    h.dispose();
    c.dispose();
  });

  it('forward returns [h, c] equal to the plain-loop reference of eq. 3 (no peepholes)', () => {
    const cell = track(new ConvLSTMCell(3, 4, [3, 5], true, { seed: 2 }));
    randomizeCell(cell.core, 11);
    const x = track(rand<Tensor4D>([2, 3, 5, 6], 3));
    const h0 = track(rand<Tensor4D>([2, 4, 5, 6], 4));
    const c0 = track(rand<Tensor4D>([2, 4, 5, 6], 5));
    const [h, c] = cell.forward(x, [h0, c0]);
    const last = (t: Tensor) => toRef(transpose(t, [0, 2, 3, 1]));
    const ref = refCellStep(cell.core.config, refWeights(cell.core), last(x), last(h0), last(c0));
    const hLast = transpose(h, [0, 2, 3, 1]);
    const cLast = transpose(c, [0, 2, 3, 1]);
    assertAllClose(hLast.dataSync(), ref.h.data, 'h');
    assertAllClose(cLast.dataSync(), ref.c.data, 'c');
    expect(h.shape).toEqual([2, 4, 5, 6]);
    for (const t of [h, c, hLast, cLast]) t.dispose();
  });

  it('has no peepholes by default, and the paper’s with { peephole: true }', () => {
    const plain = track(new ConvLSTMCell(2, 3, 3, true, { seed: 1 }));
    const peep = track(new ConvLSTMCell(2, 3, 3, true, { seed: 1, peephole: true }));
    expect(plain.core.weightSpecs.map((s) => s.name)).toEqual(['kernel', 'recurrentKernel', 'bias']);
    expect(peep.core.weightSpecs.map((s) => s.name)).toEqual([
      'kernel',
      'recurrentKernel',
      'bias',
      'peepholeI',
      'peepholeF',
      'peepholeO',
    ]);
    const noBias = track(new ConvLSTMCell(2, 3, 3, false, { seed: 1 }));
    expect(noBias.core.weightSpecs.map((s) => s.name)).toEqual(['kernel', 'recurrentKernel']);
  });

  it('a missing state means zeros', () => {
    const cell = track(new ConvLSTMCell(2, 3, 3, true, { seed: 7 }));
    randomizeCell(cell.core, 8);
    const x = track(rand<Tensor4D>([1, 2, 4, 4], 9));
    const [h0, c0] = cell.initHidden(1, [4, 4]);
    track(h0);
    track(c0);
    const a = cell.forward(x);
    const b = cell.forward(x, [h0, c0]);
    close(a[0], b[0], 'h');
    close(a[1], b[1], 'c');
    for (const t of [...a, ...b]) t.dispose();
  });

  it('rejects bad arguments with ConvLSTMArgumentError and leaks nothing', () => {
    const cell = track(new ConvLSTMCell(2, 3, 3, true, { seed: 7 }));
    const before = memory().numTensors;
    const x = track(rand<Tensor4D>([1, 2, 4, 4], 9));
    const wrongC = track(rand<Tensor4D>([1, 3, 4, 4], 9));
    const wrongState = track(rand<Tensor4D>([1, 3, 4, 5], 9));
    expect(() => cell.forward(wrongC)).toThrow(
      /Invalid x: expected shape \[\?, 2, \?, \?\] \(\[B, C, H, W\]\)/,
    );
    expect(() => cell.forward(x, [wrongState, wrongState])).toThrow(ConvLSTMArgumentError);
    expect(() => cell.forward(x, [wrongState] as unknown as [Tensor4D, Tensor4D])).toThrow(/pair \[h, c\]/);
    expect(() => new ConvLSTMCell(0, 3, 3)).toThrow(/Invalid inputDim/);
    expect(() => new ConvLSTMCell(2, 3, [3, 3, 3] as unknown as number)).toThrow(/Invalid kernelSize/);
    expect(() => cell.initHidden(2, [4] as unknown as [number, number])).toThrow(/Invalid imageSize/);
    expect(memory().numTensors).toBe(before + 3);
  });
});

describe('compat ConvLSTM (the seed notebook’s API)', () => {
  it('runs the docstring example (at a smaller size)', () => {
    const x = track(rand<Tensor5D>([2, 3, 4, 8, 8], 1));
    const convlstm = track(new ConvLSTM(4, 16, 3, 1, true, true, false));
    const [outputs, lastStates] = convlstm.forward(x);
    const h = lastStates[0]?.[0] as Tensor4D;
    expect(h.shape).toEqual([2, 16, 8, 8]);
    expect(outputs).toHaveLength(1);
    expect(outputs[0]?.shape).toEqual([2, 3, 16, 8, 8]);
    // The last output frame is the last hidden state.
    const lastFrame = reshape(slice(outputs[0] as Tensor5D, [0, 2], [2, 1]), [2, 16, 8, 8]);
    close(lastFrame, h, 'last frame = h');
    for (const t of [...outputs, ...lastStates.flat(), lastFrame]) t.dispose();
  });

  it('equals the core layer on the same weights after layout transposes', () => {
    const compat = track(new ConvLSTM(3, [4, 5], [3, [5, 3]], 2, true, true, false, { seed: 3 }));
    randomize(compat, 20);
    const core = track(
      new CoreConvLSTM({
        inChannels: 3,
        hiddenChannels: [4, 5],
        kernelSize: 3,
        layers: [{ kernelSize: [3, 3] }, { kernelSize: [5, 3] }],
        peephole: false,
      }),
    );
    const weights = compat.getWeights();
    core.setWeights(weights);
    for (const w of weights) w.dispose();
    const x = track(rand<Tensor5D>([2, 4, 3, 6, 5], 4));
    const [outs, states] = compat.forward(x);
    const xLast = transpose(x, [0, 1, 3, 4, 2]);
    const ref = core.forward(xLast as Tensor5D);
    const refOut = transpose(ref.output, [0, 1, 4, 2, 3]);
    const refH = transpose(ref.h[1] as Tensor, [0, 3, 1, 2]);
    const refC = transpose(ref.c[1] as Tensor, [0, 3, 1, 2]);
    close(outs[0] as Tensor, refOut, 'output');
    close(states[0]?.[0] as Tensor, refH, 'h');
    close(states[0]?.[1] as Tensor, refC, 'c');
    for (const t of [...outs, ...states.flat(), xLast, ref.output, ...ref.h, ...ref.c, refOut, refH, refC]) {
      t.dispose();
    }
  });

  it('with { peephole: true } equals the core layer with peepholes (the paper’s eq. 3)', () => {
    const compat = track(new ConvLSTM(2, 3, 3, 1, true, true, false, { seed: 4, peephole: true }));
    randomize(compat, 50);
    const core = track(new CoreConvLSTM({ inChannels: 2, hiddenChannels: 3, kernelSize: 3 }));
    const weights = compat.getWeights();
    expect(weights).toHaveLength(6);
    core.setWeights(weights);
    for (const w of weights) w.dispose();
    const x = track(rand<Tensor5D>([2, 3, 2, 4, 5], 6));
    const [outs, states] = compat.forward(x);
    const xLast = transpose(x, [0, 1, 3, 4, 2]);
    const ref = core.forward(xLast as Tensor5D);
    const refOut = transpose(ref.output, [0, 1, 4, 2, 3]);
    const refC = transpose(ref.c[0] as Tensor, [0, 3, 1, 2]);
    close(outs[0] as Tensor, refOut, 'output');
    close(states[0]?.[1] as Tensor, refC, 'c');
    for (const t of [...outs, ...states.flat(), xLast, ref.output, ...ref.h, ...ref.c, refOut, refC])
      t.dispose();
  });

  it('gives the same result with batchFirst false on the time-major input', () => {
    const a = track(new ConvLSTM(2, 3, 3, 2, true, true, true, { seed: 5 }));
    const b = track(new ConvLSTM(2, 3, 3, 2, false, true, true, { seed: 6 }));
    randomize(a, 30);
    const weights = a.getWeights();
    b.setWeights(weights);
    for (const w of weights) w.dispose();
    const x = track(rand<Tensor5D>([2, 4, 2, 5, 5], 7));
    const xT = track(transpose(x, [1, 0, 2, 3, 4]));
    const [outA, stA] = a.forward(x);
    const [outB, stB] = b.forward(xT);
    // Outputs are [B, T, C, H, W] either way, as the seed documents.
    outA.forEach((o, l) => {
      expect(o.shape).toEqual([2, 4, 3, 5, 5]);
      close(outB[l] as Tensor, o, `output ${l}`);
    });
    stA.forEach(([h, c], l) => {
      close(stB[l]?.[0] as Tensor, h, `h ${l}`);
      close(stB[l]?.[1] as Tensor, c, `c ${l}`);
    });
    for (const t of [...outA, ...outB, ...stA.flat(), ...stB.flat()]) t.dispose();
  });

  it('continues from hiddenState: two chunks equal one pass (streaming)', () => {
    const model = track(new ConvLSTM(2, [3, 4], 3, 2, true, true, true, { seed: 8 }));
    randomize(model, 40);
    const x = track(rand<Tensor5D>([2, 5, 2, 4, 4], 9));
    const [fullOut, fullStates] = model.forward(x);
    const first = slice(x, [0, 0], [2, 2]);
    const second = slice(x, [0, 2], [2, 3]);
    const [out1, states1] = model.forward(first);
    const [out2, states2] = model.forward(second, states1);
    fullStates.forEach(([h, c], l) => {
      close(states2[l]?.[0] as Tensor, h, `h ${l}`);
      close(states2[l]?.[1] as Tensor, c, `c ${l}`);
    });
    const tail = slice(fullOut[1] as Tensor5D, [0, 2], [2, 3]);
    close(out2[1] as Tensor, tail, 'second chunk output');
    for (const t of [...fullOut, ...fullStates.flat(), first, second, ...out1, ...states1.flat(), ...out2]) {
      t.dispose();
    }
    for (const t of [...states2.flat(), tail]) t.dispose();
  });

  it('accepts int kernels, [kh, kw] pairs and per-layer lists', () => {
    const intKernel = track(new ConvLSTM(1, 2, 3, 1, true, true, false, { seed: 1 }));
    expect(intKernel.kernelSize).toEqual([[3, 3]]);
    const pair = track(new ConvLSTM(1, 2, [3, 5], 2, true, true, false, { seed: 1 }));
    expect(pair.kernelSize).toEqual([
      [3, 5],
      [3, 5],
    ]);
    const perLayer = track(new ConvLSTM(1, [2, 3, 4], [3, 5, [1, 3]], 3, true, true, false, { seed: 1 }));
    expect(perLayer.kernelSize).toEqual([
      [3, 3],
      [5, 5],
      [1, 3],
    ]);
    expect(perLayer.layers[2]?.allCells[0]?.config.kernelSize).toEqual([1, 3]);
    expect(perLayer.layers[1]?.allCells[0]?.config.inChannels).toBe(2);
    // Even kernels keep H × W ("same" padding), unlike the seed's k // 2 padding.
    const even = track(new ConvLSTM(1, 2, 4, 1, true, true, false, { seed: 1 }));
    const x = track(rand<Tensor5D>([1, 2, 1, 5, 6], 2));
    const [outs, states] = even.forward(x);
    expect(outs[0]?.shape).toEqual([1, 2, 2, 5, 6]);
    for (const t of [...outs, ...states.flat()]) t.dispose();
  });

  it('returns every layer with returnAllLayers, else only the last', () => {
    const x = track(rand<Tensor5D>([1, 2, 2, 4, 4], 3));
    const all = track(new ConvLSTM(2, [3, 4, 5], 3, 3, true, true, true, { seed: 2 }));
    const [outs, states] = all.forward(x);
    expect(outs.map((o) => o.shape)).toEqual([
      [1, 2, 3, 4, 4],
      [1, 2, 4, 4, 4],
      [1, 2, 5, 4, 4],
    ]);
    expect(states.map(([h, c]) => [h.shape, c.shape])).toEqual([
      [
        [1, 3, 4, 4],
        [1, 3, 4, 4],
      ],
      [
        [1, 4, 4, 4],
        [1, 4, 4, 4],
      ],
      [
        [1, 5, 4, 4],
        [1, 5, 4, 4],
      ],
    ]);
    const lastOnly = track(new ConvLSTM(2, [3, 4, 5], 3, 3, true, true, false, { seed: 2 }));
    const weights = all.getWeights();
    lastOnly.setWeights(weights);
    for (const w of weights) w.dispose();
    const [outsL, statesL] = lastOnly.forward(x);
    expect(outsL).toHaveLength(1);
    expect(statesL).toHaveLength(1);
    close(outsL[0] as Tensor, outs[2] as Tensor, 'last layer output');
    close(statesL[0]?.[1] as Tensor, states[2]?.[1] as Tensor, 'last layer c');
    for (const t of [...outs, ...states.flat(), ...outsL, ...statesL.flat()]) t.dispose();
  });

  it('leaves the tensor count unchanged once results are disposed, also when a call throws', () => {
    const model = track(new ConvLSTM(2, [3, 3], 3, 2, false, true, true, { seed: 9 }));
    const x = track(rand<Tensor5D>([3, 2, 2, 4, 4], 1));
    const before = memory().numTensors;
    const [outs, states] = model.forward(x);
    expect(memory().numTensors).toBe(before + outs.length + 2 * states.length);
    const [outs2, states2] = model.forward(x, states);
    for (const t of [...outs, ...states.flat(), ...outs2, ...states2.flat()]) t.dispose();
    expect(memory().numTensors).toBe(before);
    const bad = track(rand<Tensor4D>([2, 3, 4, 4], 1));
    expect(() => model.forward(x, [[bad, bad]])).toThrow(ConvLSTMArgumentError);
    expect(memory().numTensors).toBe(before + 1);
  });

  it('rejects bad input with clear errors before any work', () => {
    const model = track(new ConvLSTM(2, [3, 4], 3, 2, true, true, false, { seed: 9 }));
    const x = track(rand<Tensor5D>([1, 2, 2, 4, 4], 1));
    const h = track(rand<Tensor4D>([1, 3, 4, 4], 1));
    const wrongC = track(rand<Tensor5D>([1, 2, 5, 4, 4], 1));
    expect(() => model.forward(wrongC)).toThrow(
      /Invalid input: expected shape \[\?, \?, 2, \?, \?\] \(\[B, T, C, H, W\]\), received shape \[1, 2, 5, 4, 4\]/,
    );
    expect(() => model.forward(h as unknown as Tensor5D)).toThrow(/Invalid input/);
    expect(() => model.forward(x, [[h, h]])).toThrow(/Invalid hiddenState: expected 2 pairs/);
    expect(() =>
      model.forward(x, [
        [h, h],
        [h, h],
      ]),
    ).toThrow(/Invalid hiddenState\[1\]\[0\] \(h\)/);
    expect(() => new ConvLSTM(2, [3, 4], 3, 3)).toThrow(
      /Invalid hiddenDim: expected a positive integer or 3/,
    );
    expect(() => new ConvLSTM(2, 3, [3, 3, 3], 2)).toThrow(/Invalid kernelSize: expected one kernel/);
    expect(() => new ConvLSTM(2, 3, 0, 1)).toThrow(/Invalid kernelSize/);
    expect(() => new ConvLSTM(2, 3, 3, 0)).toThrow(/Invalid numLayers/);
    expect(() => new ConvLSTM(2, 3, 3, 1, 1 as unknown as boolean)).toThrow(
      /Invalid batchFirst: expected a boolean/,
    );
    expect(() => new ConvLSTM(2, 3, 3, 1, true, true, false, { peepholes: true } as never)).toThrow(
      /Invalid options.peepholes/,
    );
    const w = model.getWeights();
    expect(() => model.setWeights(w.slice(1))).toThrow(/Invalid weights: expected 6 tensors/);
    expect(() => model.setWeights([...w.slice(0, 3), ...w.slice(0, 3)])).toThrow(
      /Invalid weights\[3\] \(kernel\)/,
    );
    for (const t of w) t.dispose();
  });
});
