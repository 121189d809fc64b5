import {
  conv2d,
  dispose,
  matMul,
  memory,
  profile,
  randomNormal,
  type Scalar,
  sum,
  type Tensor,
  type Tensor4D,
  tidy,
  variableGrads,
} from '@tensorflow/tfjs-core';
import type { Contender } from './impls.js';

/** Timing of repeated runs, in milliseconds. */
export interface Timing {
  readonly reps: number;
  readonly medianMs: number;
  readonly minMs: number;
  readonly maxMs: number;
  /** `(max − min) / median`. */
  readonly spread: number;
}

/** The median of `values` (the mean of the middle two for an even count). */
export function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

/** The {@link Timing} of measured run times, in milliseconds. */
export function timingOf(samples: readonly number[]): Timing {
  const med = median(samples);
  const min = Math.min(...samples);
  const max = Math.max(...samples);
  return {
    reps: samples.length,
    medianMs: med,
    minMs: min,
    maxMs: max,
    spread: med > 0 ? (max - min) / med : 0,
  };
}

/** At most this many warm-up runs, within a quarter of the time budget. */
const WARM_UP_RUNS = 5;

/**
 * Runs `fn` to warm up (kernel compilation, weight building, allocation, JIT), then `reps`
 * times — fewer when one run is slow (at least one), so the whole stays near `budgetMs`.
 */
export async function time(
  fn: () => void | Promise<void>,
  maxReps: number,
  budgetMs: number,
): Promise<Timing> {
  // Warm-up: at least one run, more while they are short. One run left the first contender
  // of a shape up to 20% slower than the same code measured later (V8 still tiering up the
  // shared JS, on the cores XNNPACK's threads also use).
  const warmStart = performance.now();
  let warm = Number.POSITIVE_INFINITY;
  for (let run = 0; run < WARM_UP_RUNS; run++) {
    const t0 = performance.now();
    await fn();
    warm = Math.min(warm, performance.now() - t0);
    if (performance.now() - warmStart > budgetMs / 4) break;
  }
  const samples: number[] = [];
  // A run far over the budget is measured once more, after its warm-up: the first run also
  // pays for shader compilation (WebGPU) and heap growth, which are not the layer's speed.
  if (warm > 2 * budgetMs) {
    const start = performance.now();
    await fn();
    const ms = performance.now() - start;
    return { reps: 1, medianMs: ms, minMs: ms, maxMs: ms, spread: 0 };
  }
  const reps = Math.max(1, Math.min(maxReps, Math.floor(budgetMs / Math.max(warm, 1e-3))));
  for (let r = 0; r < reps; r++) {
    const start = performance.now();
    await fn();
    samples.push(performance.now() - start);
  }
  return timingOf(samples);
}

/**
 * One forward pass, read back (so asynchronous backends finish; asynchronously, because a
 * synchronous read stalls WebGPU), then freed.
 */
export async function forwardOnce(c: Contender, xs: Tensor): Promise<void> {
  const out = tidy(() => c.forward(xs));
  await out.data();
  out.dispose();
}

/** One training step: loss = Σ outputs, gradients of every variable, read back, then freed. */
export async function trainOnce(c: Contender, xs: Tensor): Promise<void> {
  const { value, grads } = variableGrads(() => sum(c.forward(xs)) as Scalar, c.variables);
  await Promise.all([value.data(), ...Object.values(grads).map((g) => g.data())]);
  dispose([value, ...Object.values(grads)]);
}

/** Tensors and bytes a call leaves alive, and what outlives disposing its result. */
export interface ForwardMemory {
  /** Tensors alive while the output is held (the output included). */
  readonly aliveTensors: number;
  readonly aliveBytes: number;
  /** Tensors left after the output is disposed (0 = no leak). */
  readonly leakedTensors: number;
}

export function forwardMemory(c: Contender, xs: Tensor): ForwardMemory {
  const before = memory();
  const out = tidy(() => c.forward(xs));
  const during = memory();
  out.dispose();
  return {
    aliveTensors: during.numTensors - before.numTensors,
    aliveBytes: during.numBytes - before.numBytes,
    leakedTensors: memory().numTensors - before.numTensors,
  };
}

/** The peak of a training step, from TF.js' profiler (snapshots after every kernel). */
export interface TrainMemory {
  /** Most tensors alive at once during the step, above what was alive before it. */
  readonly peakTensors: number;
  /** Most bytes alive at once during the step, above what was alive before it. */
  readonly peakBytes: number;
  /** Kernels run by the step (kernels inside custom gradients included). */
  readonly kernels: number;
  /** Tensors left after the step's results are disposed (0 = no leak). */
  readonly leakedTensors: number;
}

export async function trainMemory(c: Contender, xs: Tensor): Promise<TrainMemory> {
  const before = memory();
  const info = await profile(async () => {
    await trainOnce(c, xs);
  });
  const peakTensors = info.kernels.reduce((m, k) => Math.max(m, k.totalTensorsSnapshot), before.numTensors);
  return {
    peakTensors: peakTensors - before.numTensors,
    peakBytes: info.peakBytes - before.numBytes,
    kernels: info.kernels.length,
    leakedTensors: memory().numTensors - before.numTensors,
  };
}

/** What the backend reaches on one large convolution and one large matrix product alone. */
export interface BackendPeak {
  readonly convGflops: number;
  readonly matMulGflops: number;
  readonly convShape: string;
  readonly matMulSize: number;
}

export async function measurePeak(quick: boolean, budgetMs: number): Promise<BackendPeak> {
  const [n, hw, ci, co, k] = quick ? [2, 32, 32, 32, 3] : [8, 64, 64, 64, 3];
  const size = quick ? 256 : 1024;
  const x = randomNormal([n, hw, hw, ci]) as Tensor4D;
  const f = randomNormal([k, k, ci, co]) as Tensor4D;
  const a = randomNormal([size, size]);
  const b = randomNormal([size, size]);
  try {
    const conv = await time(
      async () => {
        const y = conv2d(x, f, 1, 'same');
        await y.data();
        y.dispose();
      },
      5,
      budgetMs,
    );
    const mm = await time(
      async () => {
        const y = matMul(a, b);
        await y.data();
        y.dispose();
      },
      5,
      budgetMs,
    );
    const convFlops = 2 * n * hw * hw * k * k * ci * co;
    const mmFlops = 2 * size ** 3;
    return {
      convGflops: convFlops / (conv.minMs * 1e6),
      matMulGflops: mmFlops / (mm.minMs * 1e6),
      convShape: `x [${n}, ${hw}, ${hw}, ${ci}] * k [${k}, ${k}, ${ci}, ${co}]`,
      matMulSize: size,
    };
  } finally {
    dispose([x, f, a, b]);
  }
}
