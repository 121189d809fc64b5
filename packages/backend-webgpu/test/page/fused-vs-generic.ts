import { ConvLSTMCell } from '@convlstm/core';
import { CONVLSTM_GATES } from '@convlstm/core/backend';
import { convSame, gateArithmetic, projectInput } from '@convlstm/core/internal';
import { assertAllClose, randomizeCell, randomValues } from '@convlstm/core/testing';
import * as tf from '@tensorflow/tfjs-core';
import { type Peepholes, runGatesKernel } from '../../src/index.js';

/** One named in-page check; throws on mismatch. */
export interface PageCase {
  readonly name: string;
  readonly run: () => Promise<void>;
}

type Gates = (z: tf.Tensor, c: tf.Tensor, p: Peepholes | null) => { h: tf.Tensor; c: tf.Tensor };

/** The generic path: the core's gate arithmetic in TF.js ops (never a backend's kernel). */
function generic(): Gates {
  return (z, c, peep) => {
    const values = gateArithmetic(
      { activation: 'tanh', recurrentActivation: 'sigmoid' },
      { peepholeI: peep?.i ?? null, peepholeF: peep?.f ?? null, peepholeO: peep?.o ?? null },
      z,
      c,
    );
    return { h: values.h, c: values.c };
  };
}

interface Problem {
  readonly shapes: { z: number[]; c: number[] };
  readonly values: Float32Array[];
  readonly withPeepholes: boolean;
}

function problem(
  spatial: number[],
  channels: number,
  withPeepholes: boolean,
  seed: number,
  zScale: number,
): Problem {
  const n = 2;
  const z = [n, ...spatial, 4 * channels];
  const c = [n, ...spatial, channels];
  const size = (s: number[]) => s.reduce((a, b) => a * b, 1);
  return {
    shapes: { z, c },
    withPeepholes,
    values: [
      randomValues(size(z), seed, zScale),
      randomValues(size(c), seed + 1, 1.5),
      randomValues(channels, seed + 2, 0.8),
      randomValues(channels, seed + 3, 0.8),
      randomValues(channels, seed + 4, 0.8),
      // Random weights on both outputs make the loss depend on h' and c' separately.
      randomValues(size(c), seed + 5, 1),
      randomValues(size(c), seed + 6, 1),
    ],
  };
}

/** `[h', c', dz, dc, (dw_ci, dw_cf, dw_co)]` of `gates` on `backend`, read back as arrays. */
async function evaluate(backend: string, gates: Gates, p: Problem): Promise<Float32Array[]> {
  const previous = tf.getBackend();
  await tf.setBackend(backend);
  const before = tf.memory().numTensors;
  const channels = p.shapes.c[p.shapes.c.length - 1] as number;
  const [zv, cv, piv, pfv, pov, whv, wcv] = p.values as [Float32Array, ...Float32Array[]];
  const z = tf.tensor(zv, p.shapes.z);
  const c = tf.tensor(cv as Float32Array, p.shapes.c);
  const peep = p.withPeepholes ? [piv, pfv, pov].map((v) => tf.tensor(v as Float32Array, [channels])) : [];
  const wh = tf.tensor(whv as Float32Array, p.shapes.c);
  const wc = tf.tensor(wcv as Float32Array, p.shapes.c);
  const peepOf = (t: tf.Tensor[]): Peepholes | null =>
    p.withPeepholes ? { i: t[0] as tf.Tensor, f: t[1] as tf.Tensor, o: t[2] as tf.Tensor } : null;
  const inputs = [z, c, ...peep];
  let values: Float32Array[];
  try {
    const forward = tf.tidy(() => gates(z, c, peepOf(peep)));
    const grads = tf.grads((...xs: tf.Tensor[]) => {
      const [zz, cc, ...pp] = xs as [tf.Tensor, tf.Tensor, ...tf.Tensor[]];
      const out = gates(zz, cc, peepOf(pp));
      return tf.add(tf.sum(tf.mul(out.h, wh)), tf.sum(tf.mul(out.c, wc))) as tf.Scalar;
    })(inputs);
    const all = [forward.h, forward.c, ...grads];
    values = await Promise.all(all.map(async (t) => (await t.data()) as Float32Array));
    tf.dispose(all);
  } finally {
    tf.dispose([...inputs, wh, wc]);
    await tf.setBackend(previous);
  }
  // numTensors counts every backend's tensors: one engine-wide register.
  const leaked = tf.memory().numTensors - before;
  if (leaked !== 0) throw new Error(`${backend}: ${leaked} tensors leaked`);
  return values;
}

const NAMES = ["h'", "c'", 'dz', 'dc', 'dw_ci', 'dw_cf', 'dw_co'];

function assertSame(actual: Float32Array[], expected: Float32Array[], label: string): void {
  if (actual.length !== expected.length)
    throw new Error(`${label}: ${actual.length} results, expected ${expected.length}`);
  for (let i = 0; i < expected.length; i++) {
    // Forward values tight; gradients a little looser (longer chains of f32 ops on both sides).
    const tol = i < 2 ? [1e-5, 1e-4] : [1e-4, 1e-3];
    assertAllClose(
      actual[i] as Float32Array,
      expected[i] as Float32Array,
      `${label}: ${NAMES[i]}`,
      tol[0],
      tol[1],
    );
  }
}

/**
 * The gate kernel on WebGPU against the generic path on the CPU backend (the independent reference),
 * and against the generic path on WebGPU itself where that one is sound: tfjs-backend-webgpu
 * 4.22 emits invalid WGSL for rank-5 broadcasting binary ops ("cannot index type 'vec5'"),
 * so its generic 3-D step is wrong and only the CPU comparison applies there.
 */
async function compare(
  spatial: number[],
  channels: number,
  withPeepholes: boolean,
  seed: number,
  zScale = 1.5,
) {
  const p = problem(spatial, channels, withPeepholes, seed, zScale);
  const fused = await evaluate('webgpu', runGatesKernel, p);
  const cpu = await evaluate('cpu', generic(), p);
  assertSame(fused, cpu, 'kernel (webgpu) vs generic (cpu)');
  if (spatial.length < 3) {
    const gpu = await evaluate('webgpu', generic(), p);
    assertSame(fused, gpu, 'kernel (webgpu) vs generic (webgpu)');
  }
}

/**
 * The hook proposed for core, written out: a whole cell step with the convolutions from core and
 * the gate arithmetic from the gate kernel equals `ConvLSTMCell.step`, on WebGPU; also with the
 * projected input passed as the kernel's second term `x` (added in the WGSL program).
 */
async function cellStepThroughFusedKernel(): Promise<void> {
  const cell = new ConvLSTMCell({ inChannels: 2, hiddenChannels: 3, kernelSize: 3, seed: 1 });
  const x = random4([2, 5, 6, 2], 71);
  const h = random4([2, 5, 6, 3], 72);
  const c = random4([2, 5, 6, 3], 73);
  try {
    randomizeCell(cell, 74);
    const p = cell.params;
    const expected = tf.tidy(() => {
      const next = cell.step(x, { h, c });
      return { h: next.h as tf.Tensor, c: next.c as tf.Tensor };
    });
    const fused = tf.tidy(() => {
      const z = tf.add(projectInput(cell.config, p, x), convSame(h, p.recurrentKernel, 2, [1, 1], [1, 1]));
      return runGatesKernel(z, c, {
        i: p.peepholeI as tf.Tensor,
        f: p.peepholeF as tf.Tensor,
        o: p.peepholeO as tf.Tensor,
      });
    });
    const withX = tf.tidy(() => {
      const [hNext, cNext] = tf.engine().runKernel(CONVLSTM_GATES, {
        z: convSame(h, p.recurrentKernel, 2, [1, 1], [1, 1]),
        x: projectInput(cell.config, p, x),
        c,
        peepholeI: p.peepholeI as tf.Tensor,
        peepholeF: p.peepholeF as tf.Tensor,
        peepholeO: p.peepholeO as tf.Tensor,
      }) as [tf.Tensor, tf.Tensor];
      return { h: hNext, c: cNext };
    });
    assertAllClose(await fused.h.data(), await expected.h.data(), "h'", 1e-5, 1e-4);
    assertAllClose(await fused.c.data(), await expected.c.data(), "c'", 1e-5, 1e-4);
    assertAllClose(await withX.h.data(), await expected.h.data(), "h' (z + x)", 1e-5, 1e-4);
    assertAllClose(await withX.c.data(), await expected.c.data(), "c' (z + x)", 1e-5, 1e-4);
    tf.dispose([fused.h, fused.c, withX.h, withX.c, expected.h, expected.c]);
  } finally {
    tf.dispose([x, h, c]);
    cell.dispose();
  }
}

function random4(shape: number[], seed: number): tf.Tensor4D {
  return tf.tensor4d(
    randomValues(
      shape.reduce((a, b) => a * b, 1),
      seed,
      0.8,
    ),
    shape as [number, number, number, number],
  );
}

/** The WGSL gate kernels against the core's `gateArithmetic` in TF.js ops, forward and gradients. */
export function fusedCases(): PageCase[] {
  return [
    { name: 'gate kernel = generic: 2-D, peepholes', run: () => compare([3, 4], 5, true, 11) },
    { name: 'gate kernel = generic: 2-D, no peepholes', run: () => compare([4, 3], 3, false, 23) },
    { name: 'gate kernel = generic: 1-D, peepholes', run: () => compare([7], 2, true, 37) },
    {
      name: 'gate kernel = generic: 3-D, peepholes (cpu reference only)',
      run: () => compare([2, 3, 2], 4, true, 41),
    },
    // Saturated gates: the fused sigmoid/tanh must stay finite and agree at |z| up to 30.
    { name: 'gate kernel = generic: saturated pre-activations', run: () => compare([2, 2], 3, true, 53, 30) },
    {
      name: 'a cell step with the gate kernel (z + x form too) equals ConvLSTMCell.step',
      run: cellStepThroughFusedKernel,
    },
    {
      name: 'runGatesKernel rejects a c that does not match z',
      run: async () => {
        const z = tf.zeros([1, 2, 2, 8]);
        const c = tf.zeros([1, 2, 2, 3]);
        try {
          runGatesKernel(z, c);
          throw new Error('no error thrown');
        } catch (error) {
          if (!(error instanceof Error) || error.name !== 'ConvLSTMArgumentError') throw error;
        } finally {
          tf.dispose([z, c]);
        }
      },
    },
  ];
}
