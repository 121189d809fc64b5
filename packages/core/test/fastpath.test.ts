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
  ConvLSTM,
  type ConvLSTMCell,
  type ConvLSTMOptions,
  runStack,
} from '../src/index.js';
import { chooseMode } from '../src/sequence.js';
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
  const reference = build({ ...base, mode: 'hoisted', fusedGates: false });
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
  ['fused gates', { fusedGates: true }],
  ['checkpointing every 2 steps', { checkpointEvery: 2 }],
  ['checkpointing every 3 steps (ragged last segment)', { checkpointEvery: 3 }],
  ['concat schedule', { mode: 'concat' }],
  ['gatewise schedule', { mode: 'gatewise' }],
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

  it('fused path of an input-free stack (bias added per step) matches the reference', () => {
    const model = build({ inChannels: 1, hiddenChannels: 3, kernelSize: 3 });
    const cell = model.allCells[0];
    const layer = [
      {
        forward: { config: { ...cell!.config, inChannels: 0 }, params: { ...cell!.params, kernel: null } },
        backward: null,
      },
    ];
    const h0 = rand([2, 4, 4, 3], 41);
    const c0 = rand([2, 4, 4, 3], 43);
    const run = (fused: boolean, checkpointEvery: number): Tensor[] =>
      tidy(() => {
        const call = {
          initialH: [h0],
          initialC: [c0],
          lengths: null,
          training: false,
          dropoutSeed: 0,
          stateSpatial: [[4, 4]],
        };
        const behaviour = {
          returnSequences: true,
          goBackwards: false,
          dropout: 0,
          recurrentDropout: 0,
          fused,
          checkpointEvery,
        };
        const { grads, value } = variableGrads(
          () =>
            sum(mul(runStack(layer, behaviour, null, 2, 4, call).output, rand([2, 4, 4, 4, 3], 5))) as Scalar,
          model.trainableWeights.filter((w) => w.name !== (cell!.params.kernel as { name?: string }).name),
        );
        return [value, ...Object.values(grads)];
      });
    try {
      const a = run(false, 0);
      const b = run(true, 0);
      const c = run(true, 2);
      a.forEach((t, i) => {
        assertAllClose((b[i] as Tensor).dataSync(), t.dataSync(), `fused ${i}`, 1e-4, 1e-3);
        assertAllClose((c[i] as Tensor).dataSync(), t.dataSync(), `checkpoint ${i}`, 1e-4, 1e-3);
      });
      for (const t of [...a, ...b, ...c]) t.dispose();
    } finally {
      h0.dispose();
      c0.dispose();
      model.dispose();
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
    const convs = async (mode: 'hoisted' | 'concat' | 'gatewise', withState: boolean) => {
      const model = build({ inChannels: 2, hiddenChannels: 3, kernelSize: 3, mode });
      const xs = rand([2, 4, 4, 4, 2], 5);
      const state = { h: [rand([2, 4, 4, 3], 6)], c: [rand([2, 4, 4, 3], 7)] };
      const info = await profile(
        () => model.forward(xs as never, withState ? { initialState: state } : {}).output,
      );
      for (const t of [xs, ...state.h, ...state.c]) t.dispose();
      (info.result as Tensor).dispose();
      model.dispose();
      // Gatewise input convolutions carry their bias (FusedConv2D); the others are plain.
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
    // gatewise: four input convolutions, then four recurrent per step but the first.
    expect((await convs('gatewise', false)).length).toBe(4 + 4 * 3);
    expect((await convs('gatewise', true)).length).toBe(4 + 4 * 4);
  });

  it('rejects bad fast-path options before any tensor work', () => {
    const before = memory().numTensors;
    expect(
      () => new ConvLSTM({ inChannels: 1, hiddenChannels: 1, kernelSize: 3, mode: 'fast' as never }),
    ).toThrow(/options\.mode/);
    expect(
      () => new ConvLSTM({ inChannels: 1, hiddenChannels: 1, kernelSize: 3, checkpointEvery: -1 }),
    ).toThrow(/options\.checkpointEvery/);
    expect(
      () => new ConvLSTM({ inChannels: 1, hiddenChannels: 1, kernelSize: 3, fusedGates: 1 as never }),
    ).toThrow(/options\.fusedGates/);
    expect(memory().numTensors).toBe(before);
  });

  it("'auto' concatenates [x, h] when Cin <= C and the kernels allow it, else hoists", () => {
    const config = (options: Partial<ConvLSTMOptions>): CellConfig => {
      const model = new ConvLSTM({ inChannels: 4, hiddenChannels: 8, kernelSize: 3, ...options });
      const result = (model.allCells[0] as ConvLSTMCell).config;
      model.dispose();
      return result;
    };
    expect(chooseMode(config({}), 'auto')).toBe('concat');
    expect(chooseMode(config({ inChannels: 16 }), 'auto')).toBe('hoisted');
    expect(chooseMode(config({ recurrentKernelSize: 1 }), 'auto')).toBe('hoisted');
    expect(chooseMode(config({ strides: 2 }), 'concat')).toBe('hoisted');
    expect(chooseMode(config({}), 'hoisted')).toBe('hoisted');
    expect(chooseMode(config({ strides: 2 }), 'gatewise')).toBe('gatewise');
    // (The wasm rules — gatewise forward, concat under a gradient tape — are checked by
    // @convlstm/backend-node's wasm tests.)
  });
});
