import { ConvLSTM, type ConvLSTMOptions, type ForwardOptions } from '@convlstm/core';
import { CONVLSTM_GATES } from '@convlstm/core/backend';
import { randomizeCell, refArray, refGates } from '@convlstm/core/testing';
import {
  backend,
  cast,
  engine,
  grad,
  memory,
  type NamedTensorMap,
  profile,
  sum,
  type Tensor,
  tidy,
  zeros,
} from '@tensorflow/tfjs-core';
import { afterAll, expect, it } from 'vitest';
import { registerWasmInferenceKernels, unregisterWasmInferenceKernels } from '../src/index.js';
import { maxExcess, seededTensor } from './helpers.js';

/** The core's float64 reference of the gate half of eq. 3 (`refGates`), on `z (+ x)`. */
function referenceGates(
  z: Float32Array,
  x: Float32Array | null,
  c: Float32Array,
  peepholes: readonly Float32Array[] | null,
  shape: readonly number[],
): { h: Float64Array; c: Float64Array } {
  const channels = shape[shape.length - 1] as number;
  const pre = refArray([...shape.slice(0, -1), 4 * channels], z);
  if (x !== null) for (let e = 0; e < x.length; e++) pre.data[e] = (pre.data[e] as number) + (x[e] as number);
  const peep = (k: number) => (peepholes === null ? null : refArray([channels], peepholes[k]));
  const out = refGates(
    { activation: 'tanh', recurrentActivation: 'sigmoid' },
    { peepholeI: peep(0), peepholeF: peep(1), peepholeO: peep(2) },
    pre,
    refArray(shape, c),
  );
  return { h: out.h.data, c: out.c.data };
}

interface Case {
  readonly shape: number[];
  /** With the second term `x` added in the kernel. */
  readonly x: boolean;
  readonly peepholes: boolean;
  readonly scale: number;
}

function runCase(k: Case, seed: number): { maxH: number; maxC: number } {
  const channels = k.shape[k.shape.length - 1] as number;
  const gateShape = [...k.shape.slice(0, -1), 4 * channels];
  const owned: Tensor[] = [];
  const make = (shape: number[], s: number, scale = k.scale): Tensor => {
    const t = seededTensor(shape, seed * 100 + s, scale);
    owned.push(t);
    return t;
  };
  const operand = (name: 'z' | 'x', s: number) => {
    const t = make(gateShape, s);
    return { inputs: { [name]: t }, values: t.dataSync() as Float32Array };
  };
  const z = operand('z', 1);
  const x = k.x ? operand('x', 10) : null;
  const c = make(k.shape, 20, 2);
  const peepholes = k.peepholes ? [30, 31, 32].map((s) => make([channels], s, 0.5)) : null;
  const inputs: NamedTensorMap = { ...z.inputs, ...(x?.inputs ?? {}), c } as NamedTensorMap;
  if (peepholes !== null) {
    Object.assign(inputs, { peepholeI: peepholes[0], peepholeF: peepholes[1], peepholeO: peepholes[2] });
  }
  const [h, cNext] = engine().runKernel(CONVLSTM_GATES, inputs) as [Tensor, Tensor];
  expect(h.shape).toEqual(k.shape);
  expect(cNext.shape).toEqual(k.shape);
  const expected = referenceGates(
    z.values,
    x?.values ?? null,
    c.dataSync() as Float32Array,
    peepholes?.map((p) => p.dataSync() as Float32Array) ?? null,
    k.shape,
  );
  const result = {
    maxH: maxExcess(h.dataSync(), expected.h, 1e-5),
    maxC: maxExcess(cNext.dataSync(), expected.c, 1e-5),
  };
  for (const t of [...owned, h, cNext]) t.dispose();
  return result;
}

/** A layer's forward outputs (output, final h and c) and whether the inference kernel ran. */
async function layerForward(
  options: ConvLSTMOptions,
  shape: number[],
  call: (xs: Tensor, model: ConvLSTM) => ForwardOptions,
): Promise<{ values: Float32Array[]; usedKernel: boolean }> {
  const model = new ConvLSTM({ ...options, seed: 3 });
  model.allCells.forEach((cell, i) => {
    randomizeCell(cell, 40 + i);
  });
  const xs = seededTensor(shape, 9);
  let values: Float32Array[] = [];
  const info = await profile(() => {
    values = tidy(() => {
      const out = model.forward(xs as never, call(xs, model));
      return [out.output, ...out.h, ...out.c].map((t) => t.dataSync() as Float32Array);
    });
    return [] as Tensor[];
  });
  xs.dispose();
  model.dispose();
  return { values, usedKernel: info.kernelNames.includes(CONVLSTM_GATES) };
}

/** The kernel's tests; call inside a `describe` whose `beforeAll` made wasm the backend. */
export function defineInferenceGateTests(): void {
  it('computes eq. 3 like a float64 reference with and without x, with and without peepholes', () => {
    const layouts: Array<Pick<Case, 'x'>> = [{ x: false }, { x: true }];
    // C = 16 runs four lanes at a time; C = 7 and C = 1 run the one-lane tail; ranks 3 to 5.
    const shapes = [
      [2, 9, 9, 16],
      [3, 5, 7],
      [2, 3, 4, 5, 1],
    ];
    let seed = 1;
    const failures: string[] = [];
    for (const shape of shapes) {
      for (const layout of layouts) {
        for (const peepholes of [false, true]) {
          const r = runCase({ shape, ...layout, peepholes, scale: 3 }, seed++);
          if (!(r.maxH <= 2e-6 && r.maxC <= 2e-6)) {
            failures.push(
              `[${shape}] ${JSON.stringify(layout)} peepholes ${peepholes}: ${JSON.stringify(r)}`,
            );
          }
        }
      }
    }
    expect(failures).toEqual([]);
  });

  it('saturates without NaN or overflow for pre-activations far outside the clamp', () => {
    const r = runCase({ shape: [1, 4, 4, 12], x: true, peepholes: true, scale: 500 }, 99);
    expect(r.maxH).toBeLessThanOrEqual(2e-6);
    expect(r.maxC).toBeLessThanOrEqual(2e-6);
  });

  it('still computes correctly after the wasm heap has grown', () => {
    const first = runCase({ shape: [2, 6, 6, 8], x: true, peepholes: false, scale: 3 }, 7);
    expect(first.maxH).toBeLessThanOrEqual(2e-6);
    const heapBytes = (): number =>
      (backend() as unknown as { wasm: { HEAPU8: Uint8Array } }).wasm.HEAPU8.byteLength;
    const before = heapBytes();
    // More than the heap holds now: TF.js grows its memory, and the new tensors land beyond the old end.
    const big = zeros([before / 4 + 1024]);
    expect(heapBytes()).toBeGreaterThan(before);
    const r = runCase({ shape: [2, 6, 6, 8], x: true, peepholes: true, scale: 3 }, 8);
    big.dispose();
    expect(r.maxH).toBeLessThanOrEqual(2e-6);
    expect(r.maxC).toBeLessThanOrEqual(2e-6);
  });

  it('rejects bad inputs naming the input, what it expected and what it got, and leaks nothing', () => {
    const c = seededTensor([2, 3, 3, 4], 1);
    const z = seededTensor([2, 3, 3, 16], 2);
    const wrong = seededTensor([2, 3, 3, 5], 4);
    const p = seededTensor([4], 5);
    const before = memory().numTensors;
    const run = (inputs: Record<string, Tensor>) => () => engine().runKernel(CONVLSTM_GATES, inputs);
    expect(run({ z })).toThrow(/input 'c' is missing/);
    expect(run({ c })).toThrow(/input 'z' is missing/);
    expect(run({ z: wrong, c })).toThrow(/input 'z' must have shape \[2,3,3,16\], got \[2,3,3,5\]/);
    expect(run({ z, x: c, c })).toThrow(/input 'x' must have shape \[2,3,3,16\], got \[2,3,3,4\]/);
    expect(run({ z, c, peepholeI: p })).toThrow(/peepholeI, peepholeF, peepholeO come together; got 1 of 3/);
    expect(run({ z, c, peepholeI: z, peepholeF: p, peepholeO: p })).toThrow(
      /input 'peepholeI' must have shape \[4\], got \[2,3,3,16\]/,
    );
    const ints = cast(c, 'int32');
    expect(run({ z, c: ints })).toThrow(/input 'c' must be float32, got int32/);
    expect(memory().numTensors).toBe(before + 1);
    for (const t of [c, z, wrong, p, ints]) t.dispose();
  });
}

/** Layer-level tests: every schedule through the kernel against the same layer on TF.js ops. */
export function defineInferenceGateLayerTests(): void {
  afterAll(() => {
    registerWasmInferenceKernels();
  });

  it('gives a ConvLSTM forward the values of the TF.js-op path on every schedule and option', async () => {
    const state = (xs: Tensor, model: ConvLSTM): ForwardOptions => {
      const spatial = xs.shape.slice(2, -1);
      const n = xs.shape[0] as number;
      const h = model.allCells.map((cell, i) =>
        seededTensor([n, ...spatial, cell.config.hiddenChannels], 60 + i),
      );
      const c = model.allCells.map((cell, i) =>
        seededTensor([n, ...spatial, cell.config.hiddenChannels], 80 + i),
      );
      return { initialState: { h, c } };
    };
    const cases: Array<[string, ConvLSTMOptions, number[], (xs: Tensor, m: ConvLSTM) => ForwardOptions]> = [];
    for (const mode of ['hoisted', 'concat'] as const) {
      cases.push([
        `${mode}, peepholes`,
        { inChannels: 3, hiddenChannels: 8, kernelSize: 3, mode },
        [2, 4, 6, 6, 3],
        () => ({}),
      ]);
      cases.push([
        `${mode}, no peepholes, 2 layers, initial state`,
        { inChannels: 3, hiddenChannels: [6, 5], kernelSize: [3, 2], mode, peephole: false },
        [2, 3, 5, 5, 3],
        state,
      ]);
      cases.push([
        `${mode}, bidirectional, lengths`,
        { inChannels: 2, hiddenChannels: 4, kernelSize: 3, mode, bidirectional: true },
        [3, 4, 5, 5, 2],
        () => ({ lengths: [4, 2, 3] }),
      ]);
    }
    // 5×5 with channels divisible by 4: 'auto' runs hoisted with Winograd convolutions.
    cases.push([
      '5×5 auto (Winograd), peepholes, odd sizes',
      { inChannels: 4, hiddenChannels: 8, kernelSize: 5 },
      [2, 4, 7, 5, 4],
      () => ({}),
    ]);
    cases.push([
      '5×5 auto (Winograd), bidirectional, initial state',
      { inChannels: 8, hiddenChannels: 4, kernelSize: 5, bidirectional: true, peephole: false },
      [1, 3, 6, 6, 8],
      state,
    ]);
    cases.push([
      '1-D, hoisted',
      { inChannels: 3, hiddenChannels: 7, mode: 'hoisted', spatialRank: 1, kernelSize: 3 },
      [2, 4, 9, 3],
      () => ({}),
    ]);
    const failures: string[] = [];
    for (const [name, options, shape, call] of cases) {
      registerWasmInferenceKernels();
      const fast = await layerForward(options, shape, call);
      unregisterWasmInferenceKernels();
      const ops = await layerForward(options, shape, call);
      if (!fast.usedKernel || ops.usedKernel)
        failures.push(`${name}: kernel used ${fast.usedKernel}/${ops.usedKernel}`);
      fast.values.forEach((v, i) => {
        const excess = maxExcess(v, ops.values[i] as Float32Array, 1e-5);
        if (!(excess <= 1e-5)) failures.push(`${name}: value ${i} off by ${excess}`);
      });
    }
    registerWasmInferenceKernels();
    expect(failures).toEqual([]);
  });

  it('is not used while a gradient is being recorded, and a forward through it leaks no tensor', async () => {
    registerWasmInferenceKernels();
    const model = new ConvLSTM({
      inChannels: 2,
      hiddenChannels: 4,
      kernelSize: 3,
      mode: 'hoisted',
      seed: 1,
    });
    const xs = seededTensor([1, 3, 4, 4, 2], 5);
    const before = memory().numTensors;
    const recorded = await profile(() => {
      const g = grad((x: Tensor) => sum(model.forward(x as never).output))(xs);
      g.dispose();
      return [] as Tensor[];
    });
    expect(recorded.kernelNames).not.toContain(CONVLSTM_GATES);
    const inference = await profile(() => {
      tidy(() => {
        model.forward(xs as never).output.dataSync();
      });
      return [] as Tensor[];
    });
    expect(inference.kernelNames).toContain(CONVLSTM_GATES);
    expect(memory().numTensors).toBe(before);
    xs.dispose();
    model.dispose();
  });
}
