import {
  add,
  concat,
  grad,
  memory,
  mul,
  type Scalar,
  slice,
  sum,
  type Tensor,
  tensor,
  tidy,
  variableGrads,
} from '@tensorflow/tfjs-core';
import { ConvLSTMCell } from '../cell.js';
import type { CellConfig, ConvLSTMCellOptions } from '../config.js';
import { ConvLSTM, type ConvLSTMOptions } from '../convlstm.js';
import { SeededRandom } from '../random.js';
import { reverseTime } from '../time-axis.js';
import { type RefArray, type RefCellWeights, refArray, refCellStep, refSequence } from './reference.js';

/** One named check; `run` throws an Error describing the first mismatch. */
export interface ConformanceCase {
  readonly name: string;
  readonly run: () => Promise<void>;
}

/** Tolerances of the suite; loosen them only for backends with reduced precision. */
export interface ConformanceOptions {
  /** Absolute tolerance of forward values. Default 1e-5. */
  atol?: number;
  /** Relative tolerance of forward values. Default 1e-4. */
  rtol?: number;
  /** Skip the 3-D and finite-difference cases (slow backends). Default false. */
  quick?: boolean;
  /** The stack options every sequence case runs with (default {@link CONFORMANCE_SCHEDULES}' `auto`). */
  schedule?: ConformanceSchedule;
}

/** A way of running the time loop, as stack options. */
export interface ConformanceSchedule {
  readonly name: string;
  readonly options: Pick<ConvLSTMOptions, 'mode' | 'gradient' | 'checkpointEvery'>;
}

/**
 * Every strategy of the time loop: each backend runs the suite once per entry, so a schedule that
 * `'auto'` picks on one backend only is still checked on all of them.
 */
export const CONFORMANCE_SCHEDULES: readonly ConformanceSchedule[] = [
  { name: 'auto', options: {} },
  { name: 'hoisted', options: { mode: 'hoisted' } },
  { name: 'concat', options: { mode: 'concat' } },
  { name: 'handwritten gradient', options: { gradient: 'handwritten' } },
  { name: 'checkpointed every 2 steps', options: { checkpointEvery: 2 } },
];

/** Uniform random values in [-scale, scale), seeded. */
export function randomValues(size: number, seed: number, scale = 0.5): Float32Array {
  const r = new SeededRandom(seed);
  return Float32Array.from({ length: size }, () => (2 * r.next() - 1) * scale);
}

function randomTensor(shape: number[], seed: number, scale = 0.5): Tensor {
  return tensor(
    randomValues(
      shape.reduce((a, b) => a * b, 1),
      seed,
      scale,
    ),
    shape,
  );
}

/** Reads a tensor into a reference array. */
export function toRef(t: Tensor): RefArray {
  return refArray(t.shape, t.dataSync());
}

/** Throws when `actual` and `expected` differ beyond `atol + rtol·|expected|` anywhere. */
export function assertAllClose(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  label: string,
  atol = 1e-5,
  rtol = 1e-4,
): void {
  if (actual.length !== expected.length) {
    throw new Error(`${label}: ${actual.length} values, expected ${expected.length}`);
  }
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i] as number;
    const e = expected[i] as number;
    if (!(Math.abs(a - e) <= atol + rtol * Math.abs(e))) {
      throw new Error(`${label}: element ${i} is ${a}, expected ${e} (atol ${atol}, rtol ${rtol})`);
    }
  }
}

/** Gives every weight of a cell random values (peepholes and bias included), seeded. */
export function randomizeCell(cell: ConvLSTMCell<1 | 2 | 3>, seed: number): void {
  const weights = cell.weightSpecs.map((s, i) => randomTensor([...s.shape], seed + 97 * i));
  cell.setWeights(weights);
  for (const w of weights) w.dispose();
}

/** Reads a cell's weights as reference arrays. */
export function refWeights(cell: ConvLSTMCell<1 | 2 | 3>): RefCellWeights {
  const p = cell.params;
  const read = (t: Tensor | null): RefArray | null => (t === null ? null : toRef(t));
  return {
    kernel: read(p.kernel),
    recurrentKernel: toRef(p.recurrentKernel),
    bias: read(p.bias),
    peepholeI: read(p.peepholeI),
    peepholeF: read(p.peepholeF),
    peepholeO: read(p.peepholeO),
  };
}

function refConfig(config: CellConfig): CellConfig {
  return config;
}

/** Asserts that `f` leaves the number of live tensors unchanged. */
async function withoutLeaks(label: string, f: () => Promise<void> | void): Promise<void> {
  const before = memory().numTensors;
  await f();
  const after = memory().numTensors;
  if (after !== before) throw new Error(`${label}: ${after - before} tensors leaked`);
}

function cellCase(
  name: string,
  options: ConvLSTMCellOptions,
  spatial: number[],
  o: Required<ConformanceOptions>,
): ConformanceCase {
  return {
    name: `cell forward matches the reference: ${name}`,
    run: () =>
      withoutLeaks(name, () => {
        const cell = new ConvLSTMCell<1 | 2 | 3>({ ...options, seed: 1 });
        randomizeCell(cell, 11);
        const cfg = cell.config;
        const x = randomTensor([2, ...spatial, cfg.inChannels], 5, 1);
        const stateShape = cell.stateShape(2, spatial);
        const h = randomTensor(stateShape, 6);
        const c = randomTensor(stateShape, 7);
        const out = cell.step(x as never, { h, c } as never);
        const ref = refCellStep(refConfig(cfg), refWeights(cell), toRef(x), toRef(h), toRef(c));
        if (out.h.shape.join() !== ref.h.shape.join()) {
          throw new Error(`${name}: h shape [${out.h.shape}] vs reference [${ref.h.shape}]`);
        }
        assertAllClose(out.h.dataSync(), ref.h.data, `${name} h`, o.atol, o.rtol);
        assertAllClose(out.c.dataSync(), ref.c.data, `${name} c`, o.atol, o.rtol);
        // A missing state means zeros.
        const fresh = cell.step(x as never);
        const zero = refArray(stateShape);
        const refFresh = refCellStep(refConfig(cfg), refWeights(cell), toRef(x), zero, zero);
        assertAllClose(fresh.h.dataSync(), refFresh.h.data, `${name} zero-state h`, o.atol, o.rtol);
        for (const t of [x, h, c, out.h, out.c, fresh.h, fresh.c]) t.dispose();
        cell.dispose();
      }),
  };
}

let scheduleOptions: ConformanceSchedule['options'] = {};

/** A stack on the schedule of the case being run (each case sets it before it builds one). */
function stack(options: ConvLSTMOptions, seed: number): ConvLSTM<1 | 2 | 3> {
  const layer = new ConvLSTM<1 | 2 | 3>({ ...options, ...scheduleOptions, seed });
  layer.allCells.forEach((cell, i) => {
    randomizeCell(cell, seed * 1000 + i * 31);
  });
  return layer;
}

function sliceTime(xs: Tensor, start: number, size: number): Tensor {
  const begin = xs.shape.map((_, i) => (i === 1 ? start : 0));
  const sizes = xs.shape.map((d, i) => (i === 1 ? size : d));
  return slice(xs, begin, sizes);
}

function sliceBatch(xs: Tensor, n: number): Tensor {
  const begin = xs.shape.map((_, i) => (i === 0 ? n : 0));
  const sizes = xs.shape.map((d, i) => (i === 0 ? 1 : d));
  return slice(xs, begin, sizes);
}

/**
 * Central finite differences of `loss` against the analytic gradients, on a few
 * sampled entries of every trainable weight and of the input.
 */
async function gradientCase(label: string, options: ConvLSTMOptions, xsShape: number[]): Promise<void> {
  const layer = stack(options, 3);
  const xs = randomTensor(xsShape, 21, 1);
  const probeOut = tidy(() => layer.forward(xs as never).output);
  const probe = randomTensor(probeOut.shape, 22, 1);
  probeOut.dispose();
  const loss = (input: Tensor): Scalar =>
    tidy(() => {
      const out = layer.forward(input as never);
      return add(sum(mul(out.output, probe)), sum(out.c[out.c.length - 1] as Tensor)) as Scalar;
    });
  const vars = layer.trainableWeights;
  const { grads, value } = variableGrads(() => loss(xs), vars);
  value.dispose();
  const dx = grad((input: Tensor) => loss(input))(xs);
  const eps = 5e-3;
  const check = (analytic: number, plus: number, minus: number, where: string): void => {
    const fd = (plus - minus) / (2 * eps);
    if (!(Math.abs(fd - analytic) <= 2e-3 + 2e-2 * Math.abs(fd))) {
      throw new Error(`${label}: gradient of ${where} is ${analytic}, finite differences give ${fd}`);
    }
  };
  const lossAt = (input: Tensor): number => {
    const l = loss(input);
    const v = l.dataSync()[0] as number;
    l.dispose();
    return v;
  };
  const r = new SeededRandom(99);
  for (const v of vars) {
    const g = (grads[v.name] as Tensor).dataSync();
    const base = v.dataSync().slice();
    for (let s = 0; s < 3; s++) {
      const idx = r.int(base.length);
      const at = (delta: number): number => {
        const values = base.slice();
        values[idx] = (values[idx] as number) + delta;
        const t = tensor(values, v.shape);
        v.assign(t);
        t.dispose();
        return lossAt(xs);
      };
      check(g[idx] as number, at(eps), at(-eps), `${v.name}[${idx}]`);
      const restore = tensor(base, v.shape);
      v.assign(restore);
      restore.dispose();
    }
  }
  const xBase = xs.dataSync();
  const dxv = dx.dataSync();
  for (let s = 0; s < 4; s++) {
    const idx = r.int(xBase.length);
    const at = (delta: number): number => {
      const values = xBase.slice();
      values[idx] = (values[idx] as number) + delta;
      const t = tensor(values, xs.shape);
      const l = lossAt(t);
      t.dispose();
      return l;
    };
    check(dxv[idx] as number, at(eps), at(-eps), `xs[${idx}]`);
  }
  for (const t of [xs, probe, dx, ...Object.values(grads)]) t.dispose();
  layer.dispose();
}

/**
 * The conformance suite: forward values against the plain-loop reference, gradients
 * against finite differences, streaming, masks, bidirectional and tensor leaks. It
 * runs on whatever backend is active, so every binding runs the same checks.
 */
export function conformanceCases(options: ConformanceOptions = {}): ConformanceCase[] {
  const o: Required<ConformanceOptions> = {
    atol: options.atol ?? 1e-5,
    rtol: options.rtol ?? 1e-4,
    quick: options.quick ?? false,
    schedule: options.schedule ?? (CONFORMANCE_SCHEDULES[0] as ConformanceSchedule),
  };
  const variant = o.schedule.options;
  const isDefault = o.schedule.name === 'auto';
  // The hand-written gradient runs 2-D stacks without per-sample lengths or recurrent dropout.
  const handwritten = variant.gradient === 'handwritten' || (variant.checkpointEvery ?? 0) > 0;
  const cells: ConformanceCase[] = [
    cellCase('2-D, 3×3, peepholes', { inChannels: 3, hiddenChannels: 4, kernelSize: 3 }, [5, 6], o),
    cellCase(
      '2-D, even 2×4 kernel, no peepholes, hardSigmoid',
      {
        inChannels: 2,
        hiddenChannels: 3,
        kernelSize: [2, 4],
        peephole: false,
        recurrentActivation: 'hardSigmoid',
      },
      [5, 4],
      o,
    ),
    cellCase(
      '2-D, (5×5)-1×1 kernels, strides 2',
      { inChannels: 2, hiddenChannels: 3, kernelSize: 5, recurrentKernelSize: 1, strides: 2 },
      [7, 6],
      o,
    ),
    cellCase(
      '2-D, dilation 2, no bias',
      { inChannels: 2, hiddenChannels: 3, kernelSize: 3, dilationRate: [2, 3], useBias: false },
      [7, 8],
      o,
    ),
    cellCase(
      '1-D, kernel 4, dilation 2',
      { inChannels: 2, hiddenChannels: 3, kernelSize: 4, dilationRate: 2, spatialRank: 1 },
      [9],
      o,
    ),
    cellCase('3-D, 3×2×3 kernel', { inChannels: 2, hiddenChannels: 2, kernelSize: [3, 2, 3] }, [4, 3, 5], o),
  ];
  const sequences: (ConformanceCase | null)[] = [
    {
      name: 'stacked sequence matches the reference layer by layer',
      run: () =>
        withoutLeaks('sequence', () => {
          const layer = stack({ inChannels: 2, hiddenChannels: [3, 2], kernelSize: 3 }, 4);
          const xs = randomTensor([2, 4, 5, 5, 2], 8, 1);
          const out = layer.forward(xs as never);
          let input = toRef(xs);
          let last: ReturnType<typeof refSequence> | null = null;
          layer.allCells.forEach((cell, l) => {
            const zero = refArray(cell.stateShape(2, [5, 5]));
            last = refSequence(refConfig(cell.config), refWeights(cell), input, zero, zero);
            assertAllClose((out.h[l] as Tensor).dataSync(), last.h.data, `layer ${l} h`, o.atol, o.rtol);
            assertAllClose((out.c[l] as Tensor).dataSync(), last.c.data, `layer ${l} c`, o.atol, o.rtol);
            input = last.outputs;
          });
          assertAllClose(out.output.dataSync(), input.data, 'output sequence', o.atol, o.rtol);
          for (const t of [xs, out.output, ...out.h, ...out.c]) t.dispose();
          layer.dispose();
        }),
    },
    {
      name: 'streaming: two halves with the state carried equal the whole',
      run: () =>
        withoutLeaks('streaming', () => {
          const layer = stack({ inChannels: 2, hiddenChannels: [3, 3], kernelSize: 3 }, 5);
          const xs = randomTensor([2, 6, 4, 5, 2], 9, 1);
          const whole = layer.forward(xs as never);
          const a = sliceTime(xs, 0, 3);
          const b = sliceTime(xs, 3, 3);
          const first = layer.forward(a as never);
          const second = layer.forward(b as never, { initialState: { h: first.h, c: first.c } });
          const joined = concat([first.output, second.output], 1);
          assertAllClose(joined.dataSync(), whole.output.dataSync(), 'streamed output', o.atol, o.rtol);
          whole.h.forEach((h, i) => {
            assertAllClose(
              (second.h[i] as Tensor).dataSync(),
              h.dataSync(),
              `streamed h[${i}]`,
              o.atol,
              o.rtol,
            );
          });
          for (const t of [
            xs,
            a,
            b,
            joined,
            whole.output,
            first.output,
            second.output,
            ...whole.h,
            ...whole.c,
            ...first.h,
            ...first.c,
            ...second.h,
            ...second.c,
          ])
            t.dispose();
          layer.dispose();
        }),
    },
    handwritten
      ? null
      : {
          name: 'lengths: each sample of a padded batch gets the state it gets alone (bidirectional)',
          run: () =>
            withoutLeaks('lengths', () => {
              const layer = stack(
                { inChannels: 2, hiddenChannels: 3, kernelSize: 3, bidirectional: true },
                6,
              );
              const xs = randomTensor([3, 5, 4, 4, 2], 10, 1);
              const lengths = [5, 2, 3];
              const batched = layer.forward(xs as never, { lengths });
              lengths.forEach((len, n) => {
                const alone = tidy(() => sliceTime(sliceBatch(xs, n), 0, len));
                const single = layer.forward(alone as never);
                for (let i = 0; i < 2; i++) {
                  const hn = sliceBatch(batched.h[i] as Tensor, n);
                  const cn = sliceBatch(batched.c[i] as Tensor, n);
                  assertAllClose(
                    hn.dataSync(),
                    (single.h[i] as Tensor).dataSync(),
                    `sample ${n} h[${i}]`,
                    o.atol,
                    o.rtol,
                  );
                  assertAllClose(
                    cn.dataSync(),
                    (single.c[i] as Tensor).dataSync(),
                    `sample ${n} c[${i}]`,
                    o.atol,
                    o.rtol,
                  );
                  hn.dispose();
                  cn.dispose();
                }
                const outN = tidy(() => sliceTime(sliceBatch(batched.output, n), 0, len));
                assertAllClose(
                  outN.dataSync(),
                  single.output.dataSync(),
                  `sample ${n} outputs`,
                  o.atol,
                  o.rtol,
                );
                if (len < 5) {
                  const padded = tidy(() => sliceTime(sliceBatch(batched.output, n), len, 5 - len));
                  assertAllClose(
                    padded.dataSync(),
                    new Float32Array(padded.size),
                    `sample ${n} padded outputs`,
                    0,
                    0,
                  );
                  padded.dispose();
                }
                for (const t of [alone, outN, single.output, ...single.h, ...single.c]) t.dispose();
              });
              for (const t of [xs, batched.output, ...batched.h, ...batched.c]) t.dispose();
              layer.dispose();
            }),
        },
    {
      name: 'bidirectional: the backward direction is the forward one on the reversed sequence',
      run: () =>
        withoutLeaks('bidirectional', () => {
          const bi = stack({ inChannels: 2, hiddenChannels: 3, kernelSize: 3, bidirectional: true }, 7);
          const uni = new ConvLSTM<1 | 2 | 3>({
            inChannels: 2,
            hiddenChannels: 3,
            kernelSize: 3,
            ...scheduleOptions,
            seed: 1,
          });
          const backwardWeights = (
            bi.cells[0] as { backward: ConvLSTMCell<1 | 2 | 3> }
          ).backward.getWeights();
          uni.setWeights(backwardWeights);
          const xs = randomTensor([2, 4, 4, 5, 2], 12, 1);
          const both = bi.forward(xs as never);
          const rev = tidy(() => reverseTime(xs));
          const alone = uni.forward(rev as never);
          const backwardPart = slice(both.output, [0, 0, 0, 0, 3], [-1, -1, -1, -1, 3]);
          const aligned = tidy(() => reverseTime(alone.output));
          assertAllClose(backwardPart.dataSync(), aligned.dataSync(), 'backward outputs', o.atol, o.rtol);
          assertAllClose(
            (both.h[1] as Tensor).dataSync(),
            (alone.h[0] as Tensor).dataSync(),
            'backward h',
            o.atol,
            o.rtol,
          );
          for (const t of [
            xs,
            rev,
            backwardPart,
            aligned,
            both.output,
            alone.output,
            ...backwardWeights,
            ...both.h,
            ...both.c,
            ...alone.h,
            ...alone.c,
          ])
            t.dispose();
          bi.dispose();
          uni.dispose();
        }),
    },
    {
      name: 'no tensor leaks: forward, a throwing call and a gradient step',
      run: () =>
        withoutLeaks('leaks', () => {
          const layer = stack(
            {
              inChannels: 1,
              hiddenChannels: 2,
              kernelSize: 3,
              dropout: 0.2,
              recurrentDropout: handwritten ? 0 : 0.2,
              numLayers: 2,
            },
            8,
          );
          const xs = randomTensor([1, 3, 4, 4, 1], 13);
          const bad = randomTensor([1, 4, 4, 9], 14);
          let threw = false;
          try {
            layer.forward(xs as never, { initialState: { h: [bad, bad], c: [bad, bad] } });
          } catch {
            threw = true;
          }
          if (!threw) throw new Error('a mismatched initial state was accepted');
          const { value, grads } = variableGrads(
            () => sum(layer.forward(xs as never, { training: true }).output) as Scalar,
            layer.trainableWeights,
          );
          for (const t of [xs, bad, value, ...Object.values(grads)]) t.dispose();
          layer.dispose();
        }),
    },
  ];
  if (!o.quick) {
    sequences.push(
      {
        name: 'gradients match finite differences: 2-D stack, peepholes, strides',
        run: () =>
          withoutLeaks('grad 2-D', () =>
            gradientCase(
              '2-D',
              {
                inChannels: 2,
                hiddenChannels: [3, 2],
                kernelSize: 3,
                strides: 1,
                layers: [{ strides: 2 }, {}],
              },
              [2, 3, 5, 5, 2],
            ),
          ),
      },
      handwritten
        ? null
        : {
            name: 'gradients match finite differences: 1-D dilated, bidirectional',
            run: () =>
              withoutLeaks('grad 1-D', () =>
                gradientCase(
                  '1-D dilated',
                  {
                    inChannels: 2,
                    hiddenChannels: 2,
                    kernelSize: 3,
                    dilationRate: 2,
                    spatialRank: 1,
                    bidirectional: true,
                  },
                  [2, 3, 7, 2],
                ),
              ),
          },
      handwritten
        ? null
        : {
            name: 'gradients match finite differences: 3-D',
            run: () =>
              withoutLeaks('grad 3-D', () =>
                gradientCase(
                  '3-D',
                  { inChannels: 1, hiddenChannels: 2, kernelSize: [2, 3, 3] },
                  [1, 2, 3, 4, 4, 1],
                ),
              ),
          },
    );
  }
  const scheduled = sequences
    .filter((c): c is ConformanceCase => c !== null)
    .map((c) => ({
      name: isDefault ? c.name : `${c.name} [${o.schedule.name}]`,
      run: async () => {
        scheduleOptions = variant;
        try {
          await c.run();
        } finally {
          scheduleOptions = {};
        }
      },
    }));
  // A cell has no time loop: its cases run once, with the default schedule.
  return isDefault ? [...cells, ...scheduled] : scheduled;
}
