import {
  add,
  concat,
  conv2dTranspose,
  customGrad,
  engine,
  type GradSaveFunc,
  getBackend,
  getKernel,
  mul,
  type NamedTensorMap,
  reshape,
  reverse,
  scalar,
  split,
  stack,
  sub,
  sum,
  type Tensor,
  type Tensor4D,
  tidy,
  transpose,
  unstack,
  zeros,
} from '@tensorflow/tfjs-core';
import type { CellConfig } from './config.js';
import { convSame } from './conv.js';
import { gateArithmetic } from './gates.js';
import { CONVLSTM_GATES, CONVLSTM_GATES_GRAD } from './kernel-names.js';
import { splitTime, squeezeTime, unstackTime } from './time-axis.js';
import type { CellParams } from './weights.js';

/*
 * The `gradient: 'handwritten'` strategy of the time loop (and gradient checkpointing through
 * time, which uses it): a hoisted direction runs as segments, each one differentiable unit whose
 * backward pass is eq. 3 differentiated by hand — fewer kernels and far fewer saved tensors than
 * autodiff through every op of every step.
 */

/**
 * Why a cell cannot take the hand-written gradient, or `null` when it can: it needs 2-D and the
 * paper's activations (sigmoid gates, tanh candidate and output), whose derivative it is.
 */
export function handwrittenGradientUnsupported(config: CellConfig): string | null {
  if (config.spatialRank !== 2) return `a 2-D cell (this one is ${config.spatialRank}-D)`;
  if (config.recurrentActivation !== 'sigmoid' || config.activation !== 'tanh') {
    return `activation 'tanh' and recurrentActivation 'sigmoid' (this cell has '${config.activation}' and '${config.recurrentActivation}')`;
  }
  return null;
}

/** The activations the hand-written backward differentiates. */
const PAPER_ACTIVATIONS = { activation: 'tanh', recurrentActivation: 'sigmoid' } as const;

/** What one segment reads besides its time slice of projected inputs. */
interface SegmentWeights {
  readonly recurrentKernel: Tensor;
  /** Added per step only when there is no projected input (an input-free cell). */
  readonly bias: Tensor | null;
  readonly peepholeI: Tensor | null;
  readonly peepholeF: Tensor | null;
  readonly peepholeO: Tensor | null;
}

/** Gate values (floats) per chunk of the many-step filter and peephole gradients. */
const CHUNK_FLOATS = 1 << 22;

/**
 * Per-step forward values the hand-written backward reads: the gates and `tanh(c')` (TF.js-op
 * path), or only the pre-activations `z` where the backend's gate kernels run the step
 * ({@link CONVLSTM_GATES_GRAD} recomputes the gates from `z`).
 */
interface StepRecord {
  hPrev: Tensor;
  cPrev: Tensor;
  c: Tensor;
  h: Tensor;
  gates: { i: Tensor; f: Tensor; g: Tensor; o: Tensor; tc: Tensor } | null;
  z: Tensor | null;
}

/**
 * Whether this segment runs the backend's gate kernels: both {@link CONVLSTM_GATES} and
 * {@link CONVLSTM_GATES_GRAD} are registered for the active backend and the cell has all three
 * peepholes or none (the kernels' forms).
 */
function useGateKernels(w: SegmentWeights): boolean {
  const backend = getBackend();
  const peepholes = [w.peepholeI, w.peepholeF, w.peepholeO].filter((p) => p !== null).length;
  return (
    (peepholes === 0 || peepholes === 3) &&
    getKernel(CONVLSTM_GATES, backend) !== undefined &&
    getKernel(CONVLSTM_GATES_GRAD, backend) !== undefined
  );
}

/** The peephole inputs of the gate kernels: the cell's three, or none (zeros for the gradient kernel). */
function kernelPeepholes(w: SegmentWeights, forGradient: boolean, channels: number): NamedTensorMap {
  if (w.peepholeI !== null && w.peepholeF !== null && w.peepholeO !== null) {
    return { peepholeI: w.peepholeI, peepholeF: w.peepholeF, peepholeO: w.peepholeO };
  }
  if (!forGradient) return {};
  const none = zeros([channels]);
  return { peepholeI: none, peepholeF: none, peepholeO: none };
}

/** Forward of `k` steps (no tape: this runs inside a custom gradient). */
function forwardSteps(
  w: SegmentWeights,
  zxSteps: readonly Tensor[] | null,
  steps: number,
  h0: Tensor,
  c0: Tensor,
  kernels: boolean,
): StepRecord[] {
  const records: StepRecord[] = [];
  let h = h0;
  let c = c0;
  const peepholes = kernels ? kernelPeepholes(w, false, c0.shape[c0.rank - 1] as number) : null;
  for (let t = 0; t < steps; t++) {
    const hPrev = h;
    const cPrev = c;
    // Per-step scope: only the record outlives the step.
    const out = tidy(() => {
      let z = convSame(hPrev, w.recurrentKernel, 2, [1, 1], [1, 1]);
      if (zxSteps !== null) z = add(z, zxSteps[t] as Tensor);
      else if (w.bias !== null) z = add(z, w.bias);
      if (peepholes !== null) {
        const [hNext, cNext] = engine().runKernel(CONVLSTM_GATES, { z, c: cPrev, ...peepholes }) as [
          Tensor,
          Tensor,
        ];
        return { z, h: hNext, c: cNext };
      }
      const v = gateArithmetic(PAPER_ACTIVATIONS, w, z, cPrev);
      return { i: v.i, f: v.f, g: v.g, o: v.o, c: v.c, tc: v.tanhC, h: v.h };
    });
    const { h: hNext, c: cNext } = out as { h: Tensor; c: Tensor };
    const gates = 'z' in out ? null : (out as { i: Tensor; f: Tensor; g: Tensor; o: Tensor; tc: Tensor });
    records.push({ hPrev, cPrev, c: cNext, h: hNext, gates, z: 'z' in out ? (out.z as Tensor) : null });
    h = hNext;
    c = cNext;
  }
  return records;
}

/**
 * Hand-written backpropagation through `records` (eq. 3 differentiated by hand). Per step it
 * runs only the gate derivatives and one transposed convolution for `dh`; the recurrent
 * kernel's gradient is one filter-gradient convolution over all steps at the end.
 */
function backwardSteps(
  w: SegmentWeights,
  records: readonly StepRecord[],
  dhs: readonly Tensor[],
  dhT: Tensor | null,
  dcT: Tensor,
): {
  dzs: Tensor[];
  dh0: Tensor;
  dc0: Tensor;
  dKernel: Tensor;
  dPeep: [Tensor | null, Tensor | null, Tensor | null];
} {
  const one = scalar(1);
  const steps = records.length;
  const dzs: Tensor[] = new Array<Tensor>(steps);
  const channels = dcT.shape[dcT.rank - 1] as number;
  const peepholes = w.peepholeI !== null || w.peepholeF !== null || w.peepholeO !== null;
  const gradPeepholes = (records[0] as StepRecord).gates === null ? kernelPeepholes(w, true, channels) : null;
  let accPrev: Tensor | null = null;
  // `dh` is the transposed convolution of `dz`. With odd kernel sides (symmetric 'same' padding)
  // that is a plain 'same' convolution with the spatially flipped, channel-swapped kernel, made
  // once here instead of by every step's transposed convolution (which flips it on some backends).
  const kernelShape = w.recurrentKernel.shape as number[];
  const flipped =
    (kernelShape[0] as number) % 2 === 1 && (kernelShape[1] as number) % 2 === 1
      ? transpose(reverse(w.recurrentKernel, [0, 1]), [0, 1, 3, 2])
      : null;
  let dhCarry: Tensor | null = dhT;
  let dc = dcT;
  for (let t = steps - 1; t >= 0; t--) {
    const r = records[t] as StepRecord;
    const carry = dhCarry;
    const dcNext = dc;
    // Per-step scope: only dz and the carried state gradients outlive the step.
    const out = tidy(() => {
      const dh = carry === null ? (dhs[t] as Tensor) : add(dhs[t] as Tensor, carry);
      let dz: Tensor;
      let dcPrev: Tensor;
      let partials: Tensor | null = null;
      if (r.gates === null) {
        [dz, dcPrev, partials] = engine().runKernel(CONVLSTM_GATES_GRAD, {
          z: r.z as Tensor,
          c: r.cPrev,
          ...(gradPeepholes as NamedTensorMap),
          dh,
          dcNext,
        }) as [Tensor, Tensor, Tensor];
      } else {
        const { i, f, g, o, tc } = r.gates;
        const dzo = mul(mul(dh, tc), mul(o, sub(one, o)));
        let dct = add(dcNext, mul(mul(dh, o), sub(one, mul(tc, tc))));
        if (w.peepholeO !== null) dct = add(dct, mul(dzo, w.peepholeO));
        const dzi = mul(mul(dct, g), mul(i, sub(one, i)));
        const dzf = mul(mul(dct, r.cPrev), mul(f, sub(one, f)));
        const dzg = mul(mul(dct, i), sub(one, mul(g, g)));
        dcPrev = mul(dct, f);
        if (w.peepholeI !== null) dcPrev = add(dcPrev, mul(dzi, w.peepholeI));
        if (w.peepholeF !== null) dcPrev = add(dcPrev, mul(dzf, w.peepholeF));
        dz = concat([dzi, dzf, dzg, dzo], -1);
      }
      const dhPrev =
        flipped !== null
          ? convSame(dz, flipped, 2, [1, 1], [1, 1])
          : conv2dTranspose(
              dz as Tensor4D,
              w.recurrentKernel as Tensor4D,
              r.hPrev.shape as number[] as [number, number, number, number],
              1,
              'same',
            );
      // The kernel's per-position peephole partials, summed over the steps as they come.
      if (partials === null || !peepholes) return { dz, dhPrev, dcPrev };
      return { dz, dhPrev, dcPrev, acc: accPrev === null ? partials : add(accPrev, partials) };
    }) as { dz: Tensor; dhPrev: Tensor; dcPrev: Tensor; acc?: Tensor };
    if (out.acc !== undefined) {
      accPrev?.dispose();
      accPrev = out.acc;
    }
    dzs[t] = out.dz;
    dhCarry = out.dhPrev;
    dc = out.dcPrev;
  }
  // Filter and peephole gradients over many steps at once (not one per step), in chunks
  // of at most CHUNK_FLOATS gate values: one chunk over T = 100 steps took gigabytes of
  // temporaries in wasm's filter-gradient kernel.
  const [n, hh, ww, ch] = (records[0] as StepRecord).hPrev.shape as [number, number, number, number];
  const chunk = Math.max(1, Math.min(steps, Math.floor(CHUNK_FLOATS / (n * hh * ww * 4 * ch))));
  let dKernel: Tensor | null = null;
  const dPeep: [Tensor | null, Tensor | null, Tensor | null] = [null, null, null];
  const accumulate = (total: Tensor | null, part: Tensor): Tensor => {
    if (total === null) return part;
    const next = add(total, part);
    total.dispose();
    part.dispose();
    return next;
  };
  for (let s0 = 0; s0 < steps; s0 += chunk) {
    const part = records.slice(s0, s0 + chunk);
    const m = n * part.length;
    const frames = (pick: (r: StepRecord) => Tensor): Tensor =>
      reshape(stack(part.map(pick), 1), [m, hh, ww, ch]);
    const grads = tidy(() => {
      const dzPart = reshape(stack(dzs.slice(s0, s0 + chunk), 1), [m, hh, ww, 4 * ch]);
      const filter = engine().runKernel(
        'Conv2DBackpropFilter',
        { x: frames((r) => r.hPrev), dy: dzPart },
        {
          strides: [1, 1],
          pad: 'same',
          dataFormat: 'NHWC',
          dimRoundingMode: undefined as unknown as string,
          filterShape: w.recurrentKernel.shape,
        },
      ) as Tensor;
      const out: Record<string, Tensor> = { filter };
      if (gradPeepholes === null && peepholes) {
        const [dzi, dzf, , dzo] = split(dzPart, 4, -1) as [Tensor, Tensor, Tensor, Tensor];
        const axes = [0, 1, 2];
        const cPrev = w.peepholeI !== null || w.peepholeF !== null ? frames((r) => r.cPrev) : null;
        if (w.peepholeI !== null) out.p0 = sum(mul(dzi, cPrev as Tensor), axes);
        if (w.peepholeF !== null) out.p1 = sum(mul(dzf, cPrev as Tensor), axes);
        if (w.peepholeO !== null)
          out.p2 = sum(
            mul(
              dzo,
              frames((r) => r.c),
            ),
            axes,
          );
      }
      return out;
    });
    dKernel = accumulate(dKernel, grads.filter as Tensor);
    for (let i = 0; i < 3; i++) {
      const g = grads[`p${i}`];
      if (g !== undefined) dPeep[i] = accumulate(dPeep[i] as Tensor | null, g);
    }
  }
  if (accPrev !== null) {
    const [dI, dF, dO] = unstack(sum(reshape(accPrev, [3, -1, channels]), 1), 0) as [Tensor, Tensor, Tensor];
    dPeep[0] = dI;
    dPeep[1] = dF;
    dPeep[2] = dO;
  }
  return { dzs, dh0: dhCarry as Tensor, dc0: dc, dKernel: dKernel as Tensor, dPeep };
}

/**
 * Runs `k` steps as one differentiable unit whose backward pass is written by hand.
 * Inputs: projected inputs `zx [N, k, H, W, 4C]` (or `null` for an input-free cell), the
 * state `h0, c0 [N, H, W, C]`. Returns the packed `[N, k + 1, H, W, C]`: the `k` outputs
 * followed by the final cell state (a custom gradient has one output).
 *
 * With `recompute`, the forward keeps only the segment's inputs and the backward re-runs
 * the `k` steps first (gradient checkpointing through time); otherwise the forward keeps
 * every step's gates.
 */
export function handwrittenSegment(
  params: CellParams,
  zx: Tensor | null,
  steps: number,
  h0: Tensor,
  c0: Tensor,
  recompute: boolean,
): Tensor {
  const inputs: Tensor[] = [h0, c0, params.recurrentKernel];
  const zxIndex = zx === null ? -1 : inputs.push(zx) - 1;
  const biasIndex = zx === null && params.bias !== null ? inputs.push(params.bias) - 1 : -1;
  const peepIndex = [params.peepholeI, params.peepholeF, params.peepholeO].map((p) =>
    p === null ? -1 : inputs.push(p) - 1,
  );
  const run = customGrad((...args: (Tensor | GradSaveFunc)[]) => {
    const save = args[args.length - 1] as GradSaveFunc;
    const xs = args.slice(0, -1) as Tensor[];
    const weights = (values: readonly Tensor[]): SegmentWeights => ({
      recurrentKernel: values[2] as Tensor,
      bias: biasIndex < 0 ? null : (values[biasIndex] as Tensor),
      peepholeI: peepIndex[0] === -1 ? null : (values[peepIndex[0] as number] as Tensor),
      peepholeF: peepIndex[1] === -1 ? null : (values[peepIndex[1] as number] as Tensor),
      peepholeO: peepIndex[2] === -1 ? null : (values[peepIndex[2] as number] as Tensor),
    });
    const w = weights(xs);
    const kernels = useGateKernels(w);
    const zxSteps = zxIndex < 0 ? null : unstackTime(xs[zxIndex] as Tensor);
    const records = forwardSteps(w, zxSteps, steps, xs[0] as Tensor, xs[1] as Tensor, kernels);
    const last = records[steps - 1] as StepRecord;
    const hs = records.map((r) => r.h);
    const value = stack([...hs, last.c], 1);
    // Saved flat: the inputs, then per step hPrev, cPrev and z (gate kernels) or the gates.
    const perStep = kernels ? 3 : 8;
    if (recompute) {
      save(xs);
    } else {
      save([
        ...xs,
        ...records.flatMap((r) => {
          if (r.gates === null) return [r.hPrev, r.cPrev, r.z as Tensor];
          const { i, f, g, o, tc } = r.gates;
          return [r.hPrev, r.cPrev, i, f, g, o, r.c, tc];
        }),
      ]);
    }
    // tfjs runs a custom gradient outside any per-node scope: without this tidy every
    // temporary of the backward (and the recomputed segment) would live to the end of backprop.
    const gradFunc = (dy: Tensor | Tensor[], saved: Tensor[]): Tensor[] =>
      tidy(() => {
        const savedInputs = saved.slice(0, xs.length);
        const sw = weights(savedInputs);
        let recs: StepRecord[];
        if (recompute) {
          const steps0 = zxIndex < 0 ? null : unstackTime(savedInputs[zxIndex] as Tensor);
          recs = forwardSteps(sw, steps0, steps, savedInputs[0] as Tensor, savedInputs[1] as Tensor, kernels);
        } else {
          recs = [];
          for (let t = 0; t < steps; t++) {
            const b = xs.length + perStep * t;
            // The backward never reads a step's own output `h`.
            if (kernels) {
              const [hPrev, cPrev, z] = saved.slice(b, b + 3) as [Tensor, Tensor, Tensor];
              recs.push({ hPrev, cPrev, c: cPrev, h: hPrev, gates: null, z });
            } else {
              const [hPrev, cPrev, i, f, g, o, c, tc] = saved.slice(b, b + 8) as Tensor[] as [
                Tensor,
                Tensor,
                Tensor,
                Tensor,
                Tensor,
                Tensor,
                Tensor,
                Tensor,
              ];
              recs.push({ hPrev, cPrev, c, h: hPrev, gates: { i, f, g, o, tc }, z: null });
            }
          }
        }
        const parts = unstackTime(dy as Tensor);
        const back = backwardSteps(sw, recs, parts.slice(0, steps), null, parts[steps] as Tensor);
        const grads: Tensor[] = [back.dh0, back.dc0, back.dKernel];
        if (zxIndex >= 0) grads[zxIndex] = stack(back.dzs, 1);
        if (biasIndex >= 0) grads[biasIndex] = sum(stack(back.dzs, 0), [0, 1, 2, 3]);
        peepIndex.forEach((index, p) => {
          if (index >= 0) grads[index] = back.dPeep[p] as Tensor;
        });
        return grads;
      });
    return { value, gradFunc };
  });
  return run(...inputs);
}

/**
 * Runs one direction with the hand-written gradient: `zx [N, T, H, W, 4C]` (or `null`) in processing order,
 * in segments of `segment` steps (each recomputed in the backward pass when `recompute`).
 * Returns the outputs `[N, T, H, W, C]` in processing order and the final state.
 */
export function runHandwrittenDirection(
  params: CellParams,
  zx: Tensor | null,
  steps: number,
  h0: Tensor,
  c0: Tensor,
  segment: number,
  recompute: boolean,
): { sequence: Tensor; h: Tensor; c: Tensor } {
  const outputs: Tensor[] = [];
  let h = h0;
  let c = c0;
  const sizes: number[] = [];
  for (let t0 = 0; t0 < steps; t0 += segment) sizes.push(Math.min(segment, steps - t0));
  // One split (whose gradient is one concat), not a slice per segment: each slice's gradient
  // is a zero-padded copy of the whole sequence, and backprop keeps them all to its end.
  const zxSegs = zx === null ? null : sizes.length === 1 ? [zx] : splitTime(zx, sizes);
  sizes.forEach((k, s) => {
    const packed = handwrittenSegment(
      params,
      zxSegs === null ? null : (zxSegs[s] as Tensor),
      k,
      h,
      c,
      recompute,
    );
    const parts = splitTime(packed, k > 1 ? [k - 1, 1, 1] : [1, 1]);
    const cPart = parts[parts.length - 1] as Tensor;
    const hPart = parts[parts.length - 2] as Tensor;
    outputs.push(...parts.slice(0, -1));
    h = squeezeTime(hPart);
    c = squeezeTime(cPart);
  });
  const sequence = outputs.length === 1 ? (outputs[0] as Tensor) : concat(outputs, 1);
  return { sequence, h, c };
}
