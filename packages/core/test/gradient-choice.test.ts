import '@tensorflow/tfjs-backend-cpu';
import {
  add,
  concat,
  type KernelFunc,
  memory,
  mul,
  registerKernel,
  type Scalar,
  setBackend,
  square,
  stack,
  sub,
  sum,
  type Tensor,
  tensor,
  tidy,
  unregisterKernel,
  variableGrads,
} from '@tensorflow/tfjs-core';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  CONVLSTM_GATES,
  CONVLSTM_GATES_GRAD,
  registerBackendProfile,
  unregisterBackendProfile,
} from '../src/backend.js';
import { resolveCellConfig } from '../src/config.js';
import { gateArithmetic } from '../src/gates.js';
import { ConvLSTM, type ConvLSTMOptions } from '../src/index.js';
import { runsHandwritten, type StackBehaviour } from '../src/sequence.js';
import { assertAllClose, randomizeCell, randomValues } from '../src/testing/index.js';

const PAPER = { activation: 'tanh', recurrentActivation: 'sigmoid' } as const;

beforeAll(async () => {
  await setBackend('cpu');
});

afterEach(() => {
  unregisterBackendProfile('cpu', 'preferredGradient');
});

describe("gradient 'auto'", () => {
  const behaviour = (over: Partial<StackBehaviour> = {}): StackBehaviour => ({
    returnSequences: true,
    goBackwards: false,
    dropout: 0,
    recurrentDropout: 0,
    mode: 'auto',
    gradient: 'auto',
    checkpointEvery: 0,
    ...over,
  });
  const paper = resolveCellConfig({ inChannels: 2, hiddenChannels: 3, kernelSize: 3 });
  const hard = resolveCellConfig({
    inChannels: 2,
    hiddenChannels: 3,
    kernelSize: 3,
    recurrentActivation: 'hardSigmoid',
  });

  it('runs the hand-written backward only while recording, where the profile prefers it and the call allows it', () => {
    expect(runsHandwritten(behaviour(), paper, true, false)).toBe(false);
    registerBackendProfile('cpu', { preferredGradient: () => 'handwritten' });
    expect(runsHandwritten(behaviour(), paper, true, false)).toBe(true);
    expect(runsHandwritten(behaviour(), paper, false, false)).toBe(false);
    expect(runsHandwritten(behaviour(), paper, true, true)).toBe(false);
    expect(runsHandwritten(behaviour({ mode: 'concat' }), paper, true, false)).toBe(false);
    expect(runsHandwritten(behaviour({ recurrentDropout: 0.1 }), paper, true, false)).toBe(false);
    expect(runsHandwritten(behaviour(), hard, true, false)).toBe(false);
    // Explicit choices are kept whatever the profile says.
    expect(runsHandwritten(behaviour({ gradient: 'autodiff' }), paper, true, false)).toBe(false);
    expect(runsHandwritten(behaviour({ gradient: 'handwritten' }), paper, false, false)).toBe(true);
  });
});

/**
 * The kernel contract of CONVLSTM_GATES and CONVLSTM_GATES_GRAD, written for the cpu backend
 * with TF.js ops and autodiff, so the core's kernel path can be compared with its op path.
 */
let gateCalls = 0;
let gradCalls = 0;
const peepholesOf = (inputs: Record<string, Tensor | undefined>) => ({
  peepholeI: inputs.peepholeI ?? null,
  peepholeF: inputs.peepholeF ?? null,
  peepholeO: inputs.peepholeO ?? null,
});
const gatesKernel: KernelFunc = ({ inputs }) => {
  gateCalls++;
  const ins = inputs as Record<string, Tensor | undefined>;
  return tidy(() => {
    const z = ins.x === undefined ? (ins.z as Tensor) : add(ins.z as Tensor, ins.x);
    const v = gateArithmetic(PAPER, peepholesOf(ins), z, ins.c as Tensor);
    return [v.h, v.c];
  });
};
const gradKernel: KernelFunc = ({ inputs }) => {
  gradCalls++;
  const ins = inputs as Record<string, Tensor>;
  // Eq. 3 differentiated by hand (nested kernels record no tape, so no autodiff here).
  return tidy(() => {
    const { z, c, dh, dcNext } = ins as Record<string, Tensor>;
    const v = gateArithmetic(PAPER, peepholesOf(ins), z as Tensor, c as Tensor);
    const dOut = mul(dh as Tensor, v.tanhC);
    const dzo = mul(dOut, mul(v.o, sub(1, v.o)));
    const dcNew = add(
      add(dcNext as Tensor, mul(mul(dh as Tensor, v.o), sub(1, square(v.tanhC)))),
      mul(dzo, ins.peepholeO as Tensor),
    );
    const dzi = mul(mul(dcNew, v.g), mul(v.i, sub(1, v.i)));
    const dzf = mul(mul(dcNew, c as Tensor), mul(v.f, sub(1, v.f)));
    const dzg = mul(mul(dcNew, v.i), sub(1, square(v.g)));
    const dcPrev = add(
      mul(dcNew, v.f),
      add(mul(dzi, ins.peepholeI as Tensor), mul(dzf, ins.peepholeF as Tensor)),
    );
    const partials = stack([mul(dzi, c as Tensor), mul(dzf, c as Tensor), mul(dzo, v.c)], 0);
    return [concat([dzi, dzf, dzg, dzo], -1), dcPrev, partials];
  });
};

function withGateKernels<T>(fn: () => T): T {
  registerKernel({ kernelName: CONVLSTM_GATES, backendName: 'cpu', kernelFunc: gatesKernel });
  registerKernel({ kernelName: CONVLSTM_GATES_GRAD, backendName: 'cpu', kernelFunc: gradKernel });
  try {
    return fn();
  } finally {
    unregisterKernel(CONVLSTM_GATES, 'cpu');
    unregisterKernel(CONVLSTM_GATES_GRAD, 'cpu');
  }
}

describe('the hand-written gradient on the backend gate kernels', () => {
  const cases: [string, ConvLSTMOptions][] = [
    ['2 layers, peepholes', { inChannels: 2, hiddenChannels: [3, 2], kernelSize: 3, seed: 5 }],
    [
      'no peepholes, 5×5 state kernel',
      { inChannels: 1, hiddenChannels: 3, kernelSize: 3, peephole: false, seed: 6 },
    ],
  ];
  for (const [name, options] of cases) {
    it(`equals the op path and autodiff: ${name}`, () => {
      const xs = tensor(randomValues(2 * 4 * 5 * 5 * options.inChannels, 11), [
        2,
        4,
        5,
        5,
        options.inChannels,
      ]);
      const run = (gradient: 'autodiff' | 'handwritten', checkpointEvery = 0): Float32Array[] => {
        const layer = new ConvLSTM({ ...options, gradient, checkpointEvery });
        layer.allCells.forEach((cell, i) => {
          randomizeCell(cell, 7 + 13 * i);
        });
        const { value, grads: g } = variableGrads(
          () => sum(mul(layer.forward(xs as never).output, 0.5)) as Scalar,
          layer.trainableWeights,
        );
        const out = [
          value.dataSync() as Float32Array,
          ...layer.trainableWeights.map((w) => g[w.name]?.dataSync() as Float32Array),
        ];
        value.dispose();
        for (const t of Object.values(g)) t.dispose();
        layer.dispose();
        return out;
      };
      const autodiff = run('autodiff');
      const ops = run('handwritten');
      const before = memory().numTensors;
      gateCalls = 0;
      gradCalls = 0;
      const kernels = withGateKernels(() => run('handwritten'));
      const checkpointed = withGateKernels(() => run('handwritten', 2));
      expect(memory().numTensors).toBe(before);
      expect(gateCalls).toBeGreaterThan(0);
      expect(gradCalls).toBeGreaterThan(0);
      ops.forEach((o, i) => {
        assertAllClose(o, autodiff[i] as Float32Array, `op path vs autodiff, entry ${i}`);
        assertAllClose(kernels[i] as Float32Array, o, `kernel path vs op path, entry ${i}`);
        assertAllClose(checkpointed[i] as Float32Array, o, `checkpointed kernel path vs op path, entry ${i}`);
      });
      xs.dispose();
    });
  }
});
