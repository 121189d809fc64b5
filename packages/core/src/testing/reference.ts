/**
 * An independent reference of ConvLSTM (eq. 3 of Shi et al. 2015) in plain loops over
 * Float64Arrays: no TF.js op is used, so it checks the tensor implementation from outside.
 * Layouts are channels-last like the library: frames `[N, ...S, C]`, kernels `[...k, Cin, Cout]`.
 */

/** A dense array with its shape. */
export interface RefArray {
  readonly shape: readonly number[];
  readonly data: Float64Array;
}

export function refArray(shape: readonly number[], data?: ArrayLike<number>): RefArray {
  const size = shape.reduce((a, b) => a * b, 1);
  const out = new Float64Array(size);
  if (data) {
    if (data.length !== size) throw new Error(`refArray: ${data.length} values for shape [${shape}]`);
    out.set(data);
  }
  return { shape: [...shape], data: out };
}

/** Settings the reference needs; a subset of the library's resolved cell config. */
export interface RefCellConfig {
  readonly inChannels: number;
  readonly hiddenChannels: number;
  readonly spatialRank: 1 | 2 | 3;
  readonly strides: readonly number[];
  readonly dilationRate: readonly number[];
  readonly activation: string;
  readonly recurrentActivation: string;
}

/** Weights in library order, as plain arrays; absent ones are `null`. */
export interface RefCellWeights {
  readonly kernel: RefArray | null;
  readonly recurrentKernel: RefArray;
  readonly bias: RefArray | null;
  readonly peepholeI: RefArray | null;
  readonly peepholeF: RefArray | null;
  readonly peepholeO: RefArray | null;
}

function act(name: string, v: number): number {
  switch (name) {
    case 'tanh':
      return Math.tanh(v);
    case 'sigmoid':
      return 1 / (1 + Math.exp(-v));
    case 'hardSigmoid':
      return Math.min(1, Math.max(0, 0.2 * v + 0.5));
    case 'relu':
      return Math.max(0, v);
    case 'linear':
      return v;
    default:
      throw new Error(`reference: unknown activation ${name}`);
  }
}

/** Left-pads a spatial tuple to 3 entries so one 3-D loop serves ranks 1–3. */
function to3(values: readonly number[], fill: number): [number, number, number] {
  const out = [fill, fill, fill, ...values].slice(-3);
  return out as [number, number, number];
}

/**
 * TensorFlow "same" convolution: output `ceil(in / stride)`, total padding
 * `max((out − 1)·stride + k_eff − in, 0)` with the smaller half before.
 */
export function refConv(
  x: RefArray,
  kernel: RefArray,
  strides: readonly number[],
  dilations: readonly number[],
): RefArray {
  const rank = x.shape.length - 2;
  const n = x.shape[0] as number;
  const cin = x.shape.at(-1) as number;
  const cout = kernel.shape.at(-1) as number;
  const S = to3(x.shape.slice(1, 1 + rank), 1);
  const K = to3(kernel.shape.slice(0, rank), 1);
  const st = to3(strides, 1);
  const dl = to3(dilations, 1);
  const O = S.map((s, i) => Math.ceil(s / (st[i] as number))) as [number, number, number];
  const before = S.map((s, i) => {
    const keff = ((K[i] as number) - 1) * (dl[i] as number) + 1;
    const total = Math.max(((O[i] as number) - 1) * (st[i] as number) + keff - s, 0);
    return Math.floor(total / 2);
  });
  const out = refArray([n, ...O.slice(3 - rank), cout]);
  for (let b = 0; b < n; b++)
    for (let o0 = 0; o0 < O[0]; o0++)
      for (let o1 = 0; o1 < O[1]; o1++)
        for (let o2 = 0; o2 < O[2]; o2++) {
          const outBase = (((b * O[0] + o0) * O[1] + o1) * O[2] + o2) * cout;
          for (let k0 = 0; k0 < K[0]; k0++) {
            const i0 = o0 * st[0] + k0 * dl[0] - (before[0] as number);
            if (i0 < 0 || i0 >= S[0]) continue;
            for (let k1 = 0; k1 < K[1]; k1++) {
              const i1 = o1 * st[1] + k1 * dl[1] - (before[1] as number);
              if (i1 < 0 || i1 >= S[1]) continue;
              for (let k2 = 0; k2 < K[2]; k2++) {
                const i2 = o2 * st[2] + k2 * dl[2] - (before[2] as number);
                if (i2 < 0 || i2 >= S[2]) continue;
                const xBase = (((b * S[0] + i0) * S[1] + i1) * S[2] + i2) * cin;
                const kBase = ((k0 * K[1] + k1) * K[2] + k2) * cin * cout;
                for (let ci = 0; ci < cin; ci++) {
                  const xv = x.data[xBase + ci] as number;
                  const kRow = kBase + ci * cout;
                  for (let co = 0; co < cout; co++) {
                    const o = outBase + co;
                    out.data[o] = (out.data[o] as number) + xv * (kernel.data[kRow + co] as number);
                  }
                }
              }
            }
          }
        }
  return out;
}

/**
 * The gate half of eq. 3 on plain arrays: pre-activations `z [..., 4C]` (gates i, f, c, o stacked;
 * convolutions and bias summed) and the cell state `c [..., C]` to `h'`, `c'` `[..., C]`.
 */
export function refGates(
  config: Pick<RefCellConfig, 'activation' | 'recurrentActivation'>,
  peepholes: Pick<RefCellWeights, 'peepholeI' | 'peepholeF' | 'peepholeO'>,
  z: RefArray,
  c: RefArray,
): { h: RefArray; c: RefArray } {
  const C = c.shape[c.shape.length - 1] as number;
  const hOut = refArray(c.shape);
  const cOut = refArray(c.shape);
  const positions = c.data.length / C;
  const ra = config.recurrentActivation;
  const { peepholeI, peepholeF, peepholeO } = peepholes;
  for (let p = 0; p < positions; p++) {
    for (let ch = 0; ch < C; ch++) {
      const pre = (gate: number): number => z.data[p * 4 * C + gate * C + ch] as number;
      const cPrev = c.data[p * C + ch] as number;
      const i = act(ra, pre(0) + (peepholeI ? (peepholeI.data[ch] as number) * cPrev : 0));
      const f = act(ra, pre(1) + (peepholeF ? (peepholeF.data[ch] as number) * cPrev : 0));
      const g = act(config.activation, pre(2));
      const cNew = f * cPrev + i * g;
      const o = act(ra, pre(3) + (peepholeO ? (peepholeO.data[ch] as number) * cNew : 0));
      cOut.data[p * C + ch] = cNew;
      hOut.data[p * C + ch] = o * act(config.activation, cNew);
    }
  }
  return { h: hOut, c: cOut };
}

/** One step of eq. 3 on plain arrays; `x` is `null` for an input-free cell. */
export function refCellStep(
  config: RefCellConfig,
  w: RefCellWeights,
  x: RefArray | null,
  h: RefArray,
  c: RefArray,
): { h: RefArray; c: RefArray } {
  const C = config.hiddenChannels;
  const rank = config.spatialRank;
  const ones = new Array<number>(rank).fill(1);
  const z = refConv(h, w.recurrentKernel, ones, ones);
  const zx =
    x !== null && w.kernel !== null ? refConv(x, w.kernel, config.strides, config.dilationRate) : null;
  for (let idx = 0; idx < z.data.length; idx++) {
    const bias = w.bias ? (w.bias.data[idx % (4 * C)] as number) : 0;
    z.data[idx] = (z.data[idx] as number) + (zx ? (zx.data[idx] as number) : 0) + bias;
  }
  return refGates(config, w, z, c);
}

/** Frame `t` of a sequence `[N, T, ...S, C]` as `[N, ...S, C]`. */
export function refFrame(xs: RefArray, t: number): RefArray {
  const [n, steps] = xs.shape as [number, number];
  const frame = xs.shape.slice(2).reduce((a, b) => a * b, 1);
  const out = refArray([n, ...xs.shape.slice(2)]);
  for (let b = 0; b < n; b++) {
    out.data.set(xs.data.subarray((b * steps + t) * frame, (b * steps + t + 1) * frame), b * frame);
  }
  return out;
}

/** Stacks frames `[N, ...S, C]` along a new time axis: `[N, T, ...S, C]`. */
export function refStack(frames: readonly RefArray[]): RefArray {
  const first = frames[0] as RefArray;
  const n = first.shape[0] as number;
  const frame = first.data.length / n;
  const out = refArray([n, frames.length, ...first.shape.slice(1)]);
  frames.forEach((f, t) => {
    for (let b = 0; b < n; b++) {
      out.data.set(f.data.subarray(b * frame, (b + 1) * frame), (b * frames.length + t) * frame);
    }
  });
  return out;
}

/** Runs one layer over a whole sequence `[N, T, ...S, Cin]` from `(h0, c0)`. */
export function refSequence(
  config: RefCellConfig,
  w: RefCellWeights,
  xs: RefArray,
  h0: RefArray,
  c0: RefArray,
): { outputs: RefArray; h: RefArray; c: RefArray } {
  const steps = xs.shape[1] as number;
  let h = h0;
  let c = c0;
  const outs: RefArray[] = [];
  for (let t = 0; t < steps; t++) {
    ({ h, c } = refCellStep(config, w, refFrame(xs, t), h, c));
    outs.push(h);
  }
  return { outputs: refStack(outs), h, c };
}
