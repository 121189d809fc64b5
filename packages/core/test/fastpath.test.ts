import '@tensorflow/tfjs-backend-cpu';
import {
  add,
  memory,
  mul,
  profile,
  type Scalar,
  setBackend,
  sum,
  type Tensor,
  tensor,
  tidy,
  variableGrads,
  zeros,
} from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  type CellConfig,
  getBackendProfile,
  registerBackendProfile,
  unregisterBackendProfile,
} from '../src/backend.js';
import { ConvLSTM, type ConvLSTMCell, type ConvLSTMOptions } from '../src/index.js';
import { chooseSchedule } from '../src/sequence.js';
import { assertAllClose, randomizeCell, randomValues } from '../src/testing/index.js';

function rand(shape: number[], seed: number): Tensor {
  return tensor(
    randomValues(
      shape.reduce((a, b) => a * b, 1),
      seed,
    ),
    shape,
  );
}

function build(options: ConvLSTMOptions): ConvLSTM {
  const model = new ConvLSTM({ ...options, seed: 7 });
  model.allCells.forEach((cell, i) => {
    randomizeCell(cell, 100 + 31 * i);
  });
  return model;
}

/** Output, final states, and the gradient of a loss touching all of them w.r.t. every weight and `xs`. */
function evaluate(model: ConvLSTM, xs: Tensor): { values: Tensor[]; grads: Tensor[] } {
  return tidy(() => {
    const values = model.forward(xs as never);
    const loss = (): Scalar => {
      const out = model.forward(xs as never);
      let total = sum(mul(out.output, rand(out.output.shape, 5)));
      out.h.forEach((h, i) => {
        total = add(total, sum(mul(h, rand(h.shape, 11 + i))));
      });
      out.c.forEach((c, i) => {
        total = add(total, sum(mul(c, rand(c.shape, 23 + i))));
      });
      return total as Scalar;
    };
    const { grads } = variableGrads(loss, model.trainableWeights);
    return {
      values: [values.output, ...values.h, ...values.c],
      grads: model.trainableWeights.map((w) => grads[w.name] as Tensor),
    };
  }) as { values: Tensor[]; grads: Tensor[] };
}

function compare(base: ConvLSTMOptions, fast: Partial<ConvLSTMOptions>, shape: number[]): void {
  const reference = build({ ...base, mode: 'hoisted' });
  const candidate = build({ ...base, ...fast });
  const xs = rand(shape, 3);
  try {
    const a = evaluate(reference, xs);
    const b = evaluate(candidate, xs);
    a.values.forEach((v, i) => {
      assertAllClose((b.values[i] as Tensor).dataSync(), v.dataSync(), `value ${i}`, 1e-5, 1e-4);
    });
    a.grads.forEach((g, i) => {
      assertAllClose((b.grads[i] as Tensor).dataSync(), g.dataSync(), `grad ${i}`, 1e-4, 1e-3);
    });
    for (const t of [...a.values, ...a.grads, ...b.values, ...b.grads]) t.dispose();
  } finally {
    xs.dispose();
    reference.dispose();
    candidate.dispose();
  }
}

const FAST_PATHS: [string, Partial<ConvLSTMOptions>][] = [
  ['hand-written gradient', { gradient: 'handwritten' }],
  ['checkpointing every 2 steps', { checkpointEvery: 2 }],
  ['checkpointing every 3 steps (ragged last segment)', { checkpointEvery: 3 }],
  ['concat schedule', { mode: 'concat' }],
];

const CONFIGS: [string, ConvLSTMOptions, number[]][] = [
  ['peephole, 1 layer', { inChannels: 2, hiddenChannels: 3, kernelSize: 3 }, [2, 5, 5, 4, 2]],
  [
    'no peephole, no bias, 2 layers, even kernel',
    { inChannels: 3, hiddenChannels: [4, 2], kernelSize: 2, peephole: false, useBias: false },
    [1, 4, 4, 3, 3],
  ],
  [
    'bidirectional, goBackwards, last output only',
    {
      inChannels: 2,
      hiddenChannels: 2,
      kernelSize: 3,
      bidirectional: true,
      goBackwards: true,
      returnSequences: false,
    },
    [2, 4, 3, 3, 2],
  ],
  [
    '1x1 recurrent kernel (falls back where it cannot apply)',
    { inChannels: 2, hiddenChannels: 3, kernelSize: 3, recurrentKernelSize: 1 },
    [1, 3, 4, 4, 2],
  ],
];

describe('fast paths match the reference path (cpu)', () => {
  beforeAll(async () => {
    await setBackend('cpu');
  });
  for (const [configName, options, shape] of CONFIGS) {
    for (const [pathName, fast] of FAST_PATHS) {
      it(`${pathName}: ${configName}`, () => {
        compare(options, fast, shape);
      });
    }
  }

  it('an input-free stack (bias added per step) gives the same values and gradients on every strategy', () => {
    const h0 = rand([2, 4, 4, 3], 41);
    const c0 = rand([2, 4, 4, 3], 43);
    const run = (options: Partial<ConvLSTMOptions>): Tensor[] =>
      tidy(() => {
        const model = build({ inChannels: 0, hiddenChannels: 3, kernelSize: 3, ...options });
        const forward = () => model.forward(null, { steps: 4, initialState: { h: [h0], c: [c0] } });
        const { grads, value } = variableGrads(
          () => sum(mul(forward().output, rand([2, 4, 4, 4, 3], 5))) as Scalar,
          model.trainableWeights,
        );
        const out = [value, ...model.trainableWeights.map((w) => grads[w.name] as Tensor)];
        model.dispose();
        return out;
      });
    try {
      const a = run({});
      const b = run({ gradient: 'handwritten' });
      const c = run({ checkpointEvery: 2 });
      a.forEach((t, i) => {
        assertAllClose((b[i] as Tensor).dataSync(), t.dataSync(), `handwritten ${i}`, 1e-4, 1e-3);
        assertAllClose((c[i] as Tensor).dataSync(), t.dataSync(), `checkpoint ${i}`, 1e-4, 1e-3);
      });
      for (const t of [...a, ...b, ...c]) t.dispose();
    } finally {
      h0.dispose();
      c0.dispose();
    }
  });

  for (const [pathName, fast] of FAST_PATHS) {
    it(`${pathName}: a training step leaks no tensor`, () => {
      const model = build({ inChannels: 2, hiddenChannels: 3, kernelSize: 3, ...fast });
      const xs = rand([2, 5, 4, 4, 2], 3);
      const before = memory().numTensors;
      const { value, grads } = variableGrads(
        () => sum(model.forward(xs as never).output) as Scalar,
        model.trainableWeights,
      );
      value.dispose();
      for (const g of Object.values(grads)) g.dispose();
      expect(memory().numTensors).toBe(before);
      xs.dispose();
      model.dispose();
    });
  }

  it('checkpointing lowers the tensors alive at the peak of a training step', async () => {
    const peak = async (options: Partial<ConvLSTMOptions>): Promise<number> => {
      const model = build({ inChannels: 2, hiddenChannels: 3, kernelSize: 3, ...options });
      const xs = rand([1, 24, 4, 4, 2], 3);
      const base = memory().numTensors;
      const info = await profile(() => {
        const { value, grads } = variableGrads(
          () => sum(model.forward(xs as never).output) as Scalar,
          model.trainableWeights,
        );
        value.dispose();
        for (const g of Object.values(grads)) g.dispose();
        return zeros([1]);
      });
      xs.dispose();
      model.dispose();
      return Math.max(...info.kernels.map((k) => k.totalTensorsSnapshot)) - base;
    };
    const plain = await peak({ mode: 'hoisted' });
    const checkpointed = await peak({ checkpointEvery: 5 });
    console.log(`peak tensors in a T=24 training step: plain ${plain}, checkpointEvery 5: ${checkpointed}`);
    expect(checkpointed * 4).toBeLessThanOrEqual(plain);
  });

  it('the first step from a zero state runs no recurrent convolution, in every schedule', async () => {
    // [N, T, H, W, Cin] = [2, 4, 4, 4, 2], C = 3: per schedule, the Conv2D calls of one forward
    // and the input channels of the first one that sees step 0.
    const convs = async (mode: 'hoisted' | 'concat', withState: boolean) => {
      const model = build({ inChannels: 2, hiddenChannels: 3, kernelSize: 3, mode });
      const xs = rand([2, 4, 4, 4, 2], 5);
      const state = { h: [rand([2, 4, 4, 3], 6)], c: [rand([2, 4, 4, 3], 7)] };
      const info = await profile(
        () => model.forward(xs as never, withState ? { initialState: state } : {}).output,
      );
      for (const t of [xs, ...state.h, ...state.c]) t.dispose();
      (info.result as Tensor).dispose();
      model.dispose();
      // Convolutions that carry their bias are FusedConv2D.
      return info.kernels
        .filter((k) => k.name === 'Conv2D' || k.name === 'FusedConv2D')
        .map((k) => k.inputShapes[0]?.[3]);
    };
    // hoisted: one input convolution over all frames, then one recurrent per step but the first.
    expect(await convs('hoisted', false)).toEqual([2, 3, 3, 3]);
    expect(await convs('hoisted', true)).toEqual([2, 3, 3, 3, 3]);
    // concat: the first step convolves x_0 alone, the others [x_t, h].
    expect(await convs('concat', false)).toEqual([2, 5, 5, 5]);
    expect(await convs('concat', true)).toEqual([5, 5, 5, 5]);
  });

  it('rejects bad fast-path options before any tensor work', () => {
    const before = memory().numTensors;
    expect(
      () => new ConvLSTM({ inChannels: 1, hiddenChannels: 1, kernelSize: 3, mode: 'fast' as never }),
    ).toThrow(/options\.mode/);
    expect(
      () => new ConvLSTM({ inChannels: 1, hiddenChannels: 1, kernelSize: 3, checkpointEvery: -1 }),
    ).toThrow(/options\.checkpointEvery/);
    const base = { inChannels: 1, hiddenChannels: 1, kernelSize: 3 };
    expect(() => new ConvLSTM({ ...base, gradient: 'fused' as never })).toThrow(/options\.gradient/);
    // Options that cannot combine are refused, never silently ignored.
    expect(() => new ConvLSTM({ ...base, checkpointEvery: 2, gradient: 'autodiff' })).toThrow(
      /options\.gradient: expected 'handwritten'/,
    );
    expect(() => new ConvLSTM({ ...base, gradient: 'handwritten', mode: 'concat' })).toThrow(/options\.mode/);
    expect(() => new ConvLSTM({ ...base, checkpointEvery: 2, recurrentDropout: 0.1 })).toThrow(
      /options\.recurrentDropout/,
    );
    expect(() => new ConvLSTM({ ...base, gradient: 'handwritten', spatialRank: 1 })).toThrow(
      /needs a 2-D cell/,
    );
    expect(() => new ConvLSTM({ ...base, checkpointEvery: 2, recurrentActivation: 'hardSigmoid' })).toThrow(
      /needs activation 'tanh' and recurrentActivation 'sigmoid'/,
    );
    expect(() => new ConvLSTM({ ...base, fusedGates: true } as never)).toThrow(
      /options\.fusedGates: expected one of the known options: .*gradient/,
    );
    const model = new ConvLSTM({ ...base, checkpointEvery: 2 });
    const xs = zeros([2, 3, 4, 4, 1]);
    const counted = memory().numTensors;
    expect(() => model.forward(xs as never, { lengths: [3, 1] })).toThrow(
      /options\.lengths: expected absent/,
    );
    expect(memory().numTensors).toBe(counted);
    xs.dispose();
    model.dispose();
    expect(memory().numTensors).toBe(before);
  });

  it("'auto' concatenates [x, h] when Cin <= C and the kernels allow it, else hoists", () => {
    const config = (options: Partial<ConvLSTMOptions>): CellConfig => {
      const model = new ConvLSTM({ inChannels: 4, hiddenChannels: 8, kernelSize: 3, ...options });
      const result = (model.allCells[0] as ConvLSTMCell).config;
      model.dispose();
      return result;
    };
    expect(chooseSchedule(config({}), 'auto')).toBe('concat');
    expect(chooseSchedule(config({ inChannels: 16 }), 'auto')).toBe('hoisted');
    expect(chooseSchedule(config({ recurrentKernelSize: 1 }), 'auto')).toBe('hoisted');
    expect(chooseSchedule(config({ strides: 2 }), 'concat')).toBe('hoisted');
    expect(chooseSchedule(config({}), 'hoisted')).toBe('hoisted');
  });

  it("a backend's profile steers 'auto' and refuses a schedule it marks broken; the core names no backend", () => {
    const config = (options: Partial<ConvLSTMOptions>): CellConfig => {
      const model = new ConvLSTM({ inChannels: 4, hiddenChannels: 8, kernelSize: 3, ...options });
      const result = (model.allCells[0] as ConvLSTMCell).config;
      model.dispose();
      return result;
    };
    const seen: boolean[] = [];
    try {
      registerBackendProfile('cpu', {
        preferredSchedule: (_, { recording }) => {
          seen.push(recording);
          return recording ? 'concat' : 'hoisted';
        },
      });
      expect(chooseSchedule(config({}), 'auto', false)).toBe('hoisted');
      expect(chooseSchedule(config({ inChannels: 16 }), 'auto', true)).toBe('concat');
      // Only where both schedules can run.
      expect(chooseSchedule(config({ strides: 2 }), 'auto', true)).toBe('hoisted');
      expect(seen).toEqual([false, true]);
      registerBackendProfile('cpu', { brokenSchedules: { concat: 'returns zero states' } });
      unregisterBackendProfile('cpu', 'preferredSchedule');
      expect(chooseSchedule(config({}), 'auto')).toBe('hoisted');
      expect(() => chooseSchedule(config({}), 'concat')).toThrow(
        /options\.mode.*'concat': returns zero states/,
      );
      const model = new ConvLSTM({ inChannels: 1, hiddenChannels: 2, kernelSize: 3, mode: 'concat' });
      const xs = zeros([1, 2, 3, 3, 1]);
      const before = memory().numTensors;
      expect(() => model.forward(xs as never)).toThrow(/returns zero states/);
      expect(memory().numTensors).toBe(before);
      xs.dispose();
      model.dispose();
    } finally {
      unregisterBackendProfile('cpu');
    }
    expect(getBackendProfile('cpu')).toEqual({});
  });
});
