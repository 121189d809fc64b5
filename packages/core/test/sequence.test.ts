import '@tensorflow/tfjs-backend-cpu';
import { memory, reverse, setBackend, sum, type Tensor, tensor, variableGrads } from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { ConvLSTM } from '../src/index.js';
import { assertAllClose, randomValues } from '../src/testing/index.js';

beforeAll(async () => {
  await setBackend('cpu');
});

const input = (shape: number[], seed: number): Tensor =>
  tensor(
    randomValues(
      shape.reduce((a, b) => a * b, 1),
      seed,
      1,
    ),
    shape,
  );

const disposeAll = (...ts: (Tensor | Tensor[])[]): void => {
  for (const t of ts.flat()) t.dispose();
};

describe('ConvLSTM sequence options', () => {
  it('a one-step sequence trains on every schedule, with the same gradients', () => {
    // Regression: tfjs-core's Unpack gradient threw on the size-1 time axis.
    const before = memory().numTensors;
    const x = input([2, 1, 4, 4, 2], 3);
    const gradsOf = (options: object): Float32Array[] => {
      const model = new ConvLSTM({ inChannels: 2, hiddenChannels: 3, kernelSize: 3, seed: 5, ...options });
      const { value, grads } = variableGrads(() => sum(model.forward(x as never, { training: true }).output));
      // A weight the step never reads (the recurrent kernel from a zero state, on the schedules
      // that skip that convolution) gets no gradient: zero.
      const out = model.trainableWeights.map(
        (w) => (grads[w.name]?.dataSync() as Float32Array | undefined) ?? new Float32Array(w.size),
      );
      disposeAll(value, Object.values(grads));
      model.dispose();
      return out;
    };
    const reference = gradsOf({ mode: 'hoisted' });
    // From a zero state only the input kernel, bias and output peephole see a gradient.
    expect(reference[0]?.some((v) => v !== 0)).toBe(true);
    for (const options of [{ mode: 'concat' }, { gradient: 'handwritten' }, { checkpointEvery: 1 }]) {
      gradsOf(options).forEach((g, i) => {
        assertAllClose(g, reference[i] as Float32Array, `${JSON.stringify(options)} grad ${i}`);
      });
    }
    x.dispose();
    expect(memory().numTensors).toBe(before);
  });

  it('goBackwards equals the forward run on the reversed sequence, outputs in processing order', () => {
    const back = new ConvLSTM({
      inChannels: 2,
      hiddenChannels: 3,
      kernelSize: 3,
      goBackwards: true,
      seed: 4,
    });
    const fwd = new ConvLSTM({ inChannels: 2, hiddenChannels: 3, kernelSize: 3, seed: 5 });
    const w = back.getWeights();
    fwd.setWeights(w);
    const xs = input([2, 4, 5, 5, 2], 1);
    const rev = reverse(xs, 1);
    const a = back.forward(xs as never);
    const b = fwd.forward(rev as never);
    assertAllClose(a.output.dataSync(), b.output.dataSync(), 'outputs');
    assertAllClose((a.c[0] as Tensor).dataSync(), (b.c[0] as Tensor).dataSync(), 'final c');
    disposeAll(w, xs, rev, a.output, a.h, a.c, b.output, b.h, b.c);
    back.dispose();
    fwd.dispose();
  });

  it('returnSequences: false returns the final h of the last layer', () => {
    const layer = new ConvLSTM({
      inChannels: 1,
      hiddenChannels: [2, 3],
      kernelSize: 3,
      returnSequences: false,
      seed: 6,
    });
    const xs = input([2, 3, 4, 4, 1], 2);
    const out = layer.forward(xs as never);
    expect(out.output.shape).toEqual([2, 4, 4, 3]);
    assertAllClose(out.output.dataSync(), (out.h[1] as Tensor).dataSync(), 'final h', 0, 0);
    disposeAll(xs, out.output, out.h, out.c);
    layer.dispose();
  });

  it('dropout acts only in training, is seeded, and differs between calls', () => {
    const options = {
      inChannels: 1,
      hiddenChannels: [3, 3],
      kernelSize: 3,
      dropout: 0.5,
      recurrentDropout: 0.5,
      seed: 7,
    };
    const a = new ConvLSTM(options);
    const b = new ConvLSTM(options);
    const plain = new ConvLSTM({ ...options, dropout: 0, recurrentDropout: 0 });
    const xs = input([2, 3, 4, 4, 1], 3);
    const before = memory().numTensors;
    const inference = a.forward(xs as never);
    const reference = plain.forward(xs as never);
    assertAllClose(
      inference.output.dataSync(),
      reference.output.dataSync(),
      'inference ignores dropout',
      0,
      0,
    );
    const t1 = a.forward(xs as never, { training: true });
    const t2 = b.forward(xs as never, { training: true });
    assertAllClose(t1.output.dataSync(), t2.output.dataSync(), 'same seed, same masks', 0, 0);
    expect(Array.from(t1.output.dataSync())).not.toEqual(Array.from(reference.output.dataSync()));
    const t3 = a.forward(xs as never, { training: true });
    expect(Array.from(t3.output.dataSync())).not.toEqual(Array.from(t1.output.dataSync()));
    for (const r of [inference, reference, t1, t2, t3]) disposeAll(r.output, r.h, r.c);
    expect(memory().numTensors).toBe(before);
    disposeAll(xs);
    for (const l of [a, b, plain]) l.dispose();
  });

  it('strides shrink the state per layer; 1-D and 3-D stacks run', () => {
    const layer = new ConvLSTM({ inChannels: 1, hiddenChannels: [2, 2], kernelSize: 3, strides: 2, seed: 8 });
    const xs = input([1, 2, 9, 8, 1], 4);
    const out = layer.forward(xs as never);
    expect(out.h.map((h) => h.shape)).toEqual([
      [1, 5, 4, 2],
      [1, 3, 2, 2],
    ]);
    disposeAll(xs, out.output, out.h, out.c);
    layer.dispose();
    const one = new ConvLSTM<1>({ inChannels: 2, hiddenChannels: 3, kernelSize: 5, spatialRank: 1, seed: 9 });
    const x1 = input([2, 3, 7, 2], 5);
    const o1 = one.forward(x1 as never);
    expect(o1.output.shape).toEqual([2, 3, 7, 3]);
    disposeAll(x1, o1.output, o1.h, o1.c);
    one.dispose();
    const three = new ConvLSTM<3>({ inChannels: 1, hiddenChannels: 2, kernelSize: [1, 3, 3], seed: 10 });
    const x3 = input([1, 2, 2, 4, 4, 1], 6);
    const o3 = three.forward(x3 as never);
    expect(o3.output.shape).toEqual([1, 2, 2, 4, 4, 2]);
    disposeAll(x3, o3.output, o3.h, o3.c);
    three.dispose();
  });
});
