import { CONVLSTM_GATES, getBackendProfile } from '@convlstm/core/backend';
import { getKernel, randomNormal, type Tensor } from '@tensorflow/tfjs-core';
import {
  type Contender,
  coreContender,
  coreVariants,
  layersContender,
  noGateKernelContender,
  plainContender,
} from './impls.js';
import {
  type BackendPeak,
  type ForwardMemory,
  forwardMemory,
  forwardOnce,
  measurePeak,
  type Timing,
  type TrainMemory,
  time,
  trainMemory,
  trainOnce,
} from './measure.js';
import { type BenchShape, FULL_SHAPES, QUICK_SHAPES, stackFlops } from './shapes.js';

/**
 * One backend to measure: its TF.js name and how to make it the active one. The harness is
 * runtime-agnostic; `node-backends.ts` supplies Node's (wasm, native TensorFlow, cpu), the web
 * demo's bench page the browser's (WebGPU, WebGL, wasm).
 */
export interface BenchBackend {
  readonly name: string;
  /** Activates the backend; resolves `null` when it is active, else why it is unavailable. */
  activate(): Promise<string | null>;
}

/** A contender only some runtimes have (the browser's WebGPU path without its gate kernel). */
export interface ExtraContender {
  readonly name: string;
  /** Whether it applies on this backend and shape. */
  applies(backend: string, shape: BenchShape): boolean;
  make(shape: BenchShape): Contender;
}

export interface BenchOptions {
  /** Scaled-down shapes and budgets (under a minute). */
  readonly quick: boolean;
  /** Backends to run, in order. */
  readonly backends: readonly BenchBackend[];
  /** Runtime description for the report, e.g. `node v20.20.2` or the browser's user agent. */
  readonly runtime?: string;
  /** Contenders besides the core variants, the plain reference and tfjs-layers. */
  readonly extraContenders?: readonly ExtraContender[];
  /** Shape ids to run (`a`–`d`); default all. */
  readonly shapes?: readonly string[];
  /** Shapes to use instead of the built-in ones (tests). */
  readonly customShapes?: readonly BenchShape[];
  /** Skip a run estimated (from the measured peak) above this many seconds; default 15, quick 3. */
  readonly maxRunSeconds?: number;
  /** Progress lines. */
  readonly log?: (line: string) => void;
}

export type Phase = 'forward' | 'train';

/** One contender on one shape, phase and backend. */
export interface BenchResult {
  readonly shape: string;
  readonly contender: string;
  readonly phase: Phase;
  readonly status: 'ok' | 'skipped' | 'failed';
  readonly reason?: string;
  /**
   * Set when the cpu reference's training run did not fit the budget and one step of a `T = 1`
   * sequence was timed instead; `timing` is then that time × T, a lower bound (a one-step
   * sequence skips the input-gradient convolution).
   */
  readonly extrapolatedFromSteps?: number;
  readonly timing?: Timing;
  readonly sequencesPerSec?: number;
  /** FLOPs of the call by the formula in `stackFlops`, in GFLOP. */
  readonly gflop: number;
  readonly gflopPerSec?: number;
  /** Median of the plain reference ÷ this median (> 1: faster than the reference). */
  readonly vsPlain?: number;
  /** Median of tfjs-layers ÷ this median. */
  readonly vsLayers?: number;
  readonly forwardMemory?: ForwardMemory;
  readonly trainMemory?: TrainMemory;
}

export interface BackendReport {
  readonly backend: string;
  readonly available: boolean;
  readonly reason?: string;
  readonly peak?: BackendPeak;
  readonly results: BenchResult[];
}

export interface BenchReport {
  readonly meta: {
    readonly date: string;
    readonly runtime: string;
    readonly quick: boolean;
    readonly flopFormula: string;
  };
  readonly shapes: readonly BenchShape[];
  readonly backends: BackendReport[];
  /** Cross-backend figures of the brief's targets. */
  readonly targets: Record<string, number | null>;
}

function contendersFor(
  backend: string,
  shape: BenchShape,
  extra: readonly ExtraContender[],
): (() => Contender)[] {
  const core = [
    // A schedule the backend's profile marks broken ('auto' never picks it there) would time a
    // wrong answer.
    ...coreVariants(shape)
      .filter(([, options]) => {
        const mode = options.mode ?? 'auto';
        return mode === 'auto' || getBackendProfile(backend).brokenSchedules?.[mode] === undefined;
      })
      .map(
        ([name, options]) =>
          () =>
            coreContender(name, shape, options),
      ),
    ...(getKernel(CONVLSTM_GATES, backend) !== undefined && !shape.memoryOnly
      ? [() => noGateKernelContender(shape)]
      : []),
    ...extra.filter((e) => e.applies(backend, shape)).map((e) => () => e.make(shape)),
  ];
  const others = [() => plainContender(shape), () => layersContender(shape)];
  if (!shape.memoryOnly) return [...core, ...others];
  // The long sequence can exhaust wasm's heap, which never shrinks: checkpointing and the
  // plain reference (the memory comparison) run first.
  const checkpoint = coreVariants(shape).findIndex(([name]) => name.startsWith('core:checkpoint'));
  return [
    ...(checkpoint >= 0 ? [core[checkpoint] as () => Contender] : []),
    others[0] as () => Contender,
    ...core.filter((_, i) => i !== checkpoint),
    others[1] as () => Contender,
  ];
}

/** Runs `run` inside the contender's wrapper, if it has one. */
function within<T>(c: Contender, run: () => Promise<T>): Promise<T> {
  return c.around === undefined ? run() : c.around(run);
}

function withRatios(results: BenchResult[]): BenchResult[] {
  const medianOf = (shape: string, phase: Phase, name: string): number | undefined =>
    results.find((r) => r.shape === shape && r.phase === phase && r.contender === name && r.status === 'ok')
      ?.timing?.medianMs;
  return results.map((r) => {
    if (r.status !== 'ok' || r.timing === undefined) return r;
    const plain = medianOf(r.shape, r.phase, 'plain');
    const layers = medianOf(r.shape, r.phase, 'tfjs-layers');
    return {
      ...r,
      ...(plain === undefined ? {} : { vsPlain: plain / r.timing.medianMs }),
      ...(layers === undefined ? {} : { vsLayers: layers / r.timing.medianMs }),
    };
  });
}

/** The fields of every timed result. */
function timedResult(
  shape: BenchShape,
  contender: string,
  phase: Phase,
  gflop: number,
  timing: Timing,
): BenchResult {
  return {
    shape: shape.id,
    contender,
    phase,
    status: 'ok',
    timing,
    sequencesPerSec: (shape.batch * 1e3) / timing.medianMs,
    gflop,
    gflopPerSec: gflop / (timing.medianMs / 1e3),
  };
}

/** One training step of a `T = 1` sequence, timed, and that timing scaled by the shape's T. */
async function timeOneStepScaled(
  c: Contender,
  shape: BenchShape,
  maxReps: number,
  budgetMs: number,
): Promise<{ timing: Timing; step: Timing }> {
  const one = randomNormal([shape.batch, 1, shape.height, shape.width, shape.inChannels]);
  try {
    const step = await time(() => within(c, () => trainOnce(c, one)), maxReps, budgetMs);
    const timing: Timing = {
      ...step,
      medianMs: step.medianMs * shape.steps,
      minMs: step.minMs * shape.steps,
      maxMs: step.maxMs * shape.steps,
    };
    return { timing, step };
  } finally {
    one.dispose();
  }
}

/** Runs every contender on every shape and phase on one backend (already active). */
async function runBackend(
  backend: string,
  extra: readonly ExtraContender[],
  shapes: readonly BenchShape[],
  quick: boolean,
  maxRunSeconds: number | undefined,
  log: (line: string) => void,
): Promise<BackendReport> {
  const budgetMs = quick ? 150 : 4000;
  const maxReps = quick ? 2 : 5;
  // Skip a run estimated above this (the cpu backend needs minutes for the large shapes).
  const maxRunMs = (maxRunSeconds ?? (quick ? 3 : 15)) * 1e3;
  const peak = await measurePeak(quick, budgetMs);
  log(
    `${backend}: peak conv ${peak.convGflops.toFixed(2)} GFLOP/s, matMul ${peak.matMulGflops.toFixed(2)} GFLOP/s`,
  );
  const results: BenchResult[] = [];
  // A wasm abort (heap exhausted) leaves the backend unusable: stop there and say so.
  let broken: string | null = null;
  for (const shape of shapes) {
    if (broken !== null) break;
    const xs: Tensor = randomNormal([shape.batch, shape.steps, shape.height, shape.width, shape.inChannels]);
    const phases: Phase[] = shape.memoryOnly ? ['train'] : ['forward', 'train'];
    for (const make of contendersFor(backend, shape, extra)) {
      if (broken !== null) break;
      let contender: Contender | null = null;
      try {
        contender = make();
        const c = contender;
        for (const phase of phases) {
          const gflop = stackFlops(shape, phase === 'train') / 1e9;
          // Reference-style loops run slower than the backend's peak; allow a factor of 4.
          const estimateMs =
            ((gflop / Math.max(peak.convGflops, 1e-3)) * 1e3 * 4) / (c.name === 'plain' ? 1 : 2);
          // The cpu reference's training step (the denominator of the wasm training target) that
          // does not fit: one step of a T = 1 sequence is timed and scaled by T, labelled so. It is
          // a lower bound — a one-step sequence has no input-gradient convolution (x and the zero
          // state do not depend on the weights) — so the ratio it gives is conservative.
          const extrapolate =
            estimateMs > maxRunMs &&
            estimateMs / shape.steps <= maxRunMs &&
            backend === 'cpu' &&
            c.name === 'plain' &&
            phase === 'train' &&
            shape.steps > 1 &&
            shape.memoryOnly !== true;
          if (extrapolate) {
            const { timing, step } = await timeOneStepScaled(c, shape, maxReps, budgetMs);
            results.push({ ...timedResult(shape, c.name, phase, gflop, timing), extrapolatedFromSteps: 1 });
            log(
              `${backend} (${shape.id}) ${phase.padEnd(7)} ${c.name.padEnd(18)} ${timing.medianMs.toFixed(1).padStart(9)} ms ` +
                `(${shape.steps} × one step of ${step.medianMs.toFixed(1)} ms, n=${step.reps})`,
            );
            continue;
          }
          if (estimateMs > maxRunMs) {
            results.push({
              shape: shape.id,
              contender: c.name,
              phase,
              status: 'skipped',
              reason: `estimated ${(estimateMs / 1e3).toFixed(0)} s per run at the measured peak`,
              gflop,
            });
            continue;
          }
          // tfjs-layers builds its weights on the first call.
          if (c.variables.length === 0) await within(c, () => forwardOnce(c, xs));
          const timing =
            phase === 'forward'
              ? await time(() => within(c, () => forwardOnce(c, xs)), maxReps, budgetMs)
              : await time(() => within(c, () => trainOnce(c, xs)), maxReps, budgetMs);
          const result: BenchResult = {
            ...timedResult(shape, c.name, phase, gflop, timing),
            // The forward's memory needs one more run; skipped where one run is over budget.
            ...(phase === 'forward'
              ? timing.medianMs < budgetMs
                ? { forwardMemory: await within(c, async () => forwardMemory(c, xs)) }
                : {}
              : { trainMemory: await within(c, () => trainMemory(c, xs)) }),
          };
          results.push(result);
          const mem =
            result.trainMemory !== undefined
              ? `peak ${result.trainMemory.peakTensors} tensors ${(result.trainMemory.peakBytes / 2 ** 20).toFixed(1)} MiB`
              : `alive ${result.forwardMemory?.aliveTensors ?? '–'} tensors`;
          log(
            `${backend} (${shape.id}) ${phase.padEnd(7)} ${c.name.padEnd(18)} ${timing.medianMs.toFixed(1).padStart(9)} ms ` +
              `(n=${timing.reps}, ±${(timing.spread * 50).toFixed(0)}%) ${result.gflopPerSec?.toFixed(2)} GFLOP/s, ${mem}`,
          );
        }
      } catch (error) {
        const reason = error instanceof Error ? error.message.split('\n')[0] : String(error);
        for (const phase of phases) {
          if (
            !results.some((r) => r.shape === shape.id && r.phase === phase && r.contender === contender?.name)
          ) {
            results.push({
              shape: shape.id,
              contender: contender?.name ?? 'unknown',
              phase,
              status: 'failed',
              ...(reason === undefined ? {} : { reason }),
              gflop: stackFlops(shape, phase === 'train') / 1e9,
            });
          }
        }
        log(`${backend} (${shape.id}) ${contender?.name}: failed: ${reason}`);
        if (/Aborted|memory access out of bounds|out of memory/i.test(reason ?? '')) {
          broken = `stopped after (${shape.id}) ${contender?.name}: ${reason}`;
        }
      } finally {
        if (broken === null) contender?.dispose();
      }
    }
    if (broken === null) xs.dispose();
  }
  return {
    backend,
    available: true,
    ...(broken === null ? {} : { reason: broken }),
    peak,
    results: withRatios(results),
  };
}

function medianFor(
  report: BenchReport,
  backend: string,
  shape: string,
  phase: Phase,
  name: string,
): number | null {
  const b = report.backends.find((x) => x.backend === backend);
  const r = b?.results.find(
    (x) => x.shape === shape && x.phase === phase && x.contender === name && x.status === 'ok',
  );
  return r?.timing?.medianMs ?? null;
}

/** The fastest core variant on a shape, phase and backend. */
function bestCore(report: BenchReport, backend: string, shape: string, phase: Phase): number | null {
  const b = report.backends.find((x) => x.backend === backend);
  const times = (b?.results ?? [])
    .filter(
      (x) => x.shape === shape && x.phase === phase && x.contender.startsWith('core:') && x.status === 'ok',
    )
    .map((x) => x.timing?.medianMs as number);
  return times.length === 0 ? null : Math.min(...times);
}

function ratio(num: number | null, den: number | null): number | null {
  return num === null || den === null ? null : num / den;
}

/** Runs the benchmark; never throws for an unavailable backend (it is reported instead). */
export async function runBench(options: BenchOptions): Promise<BenchReport> {
  const log = options.log ?? (() => {});
  const all = options.customShapes ?? (options.quick ? QUICK_SHAPES : FULL_SHAPES);
  const shapes = options.shapes ? options.shapes.flatMap((id) => all.filter((s) => s.id === id)) : all;
  const report: BenchReport = {
    meta: {
      date: new Date().toISOString(),
      runtime: options.runtime ?? 'unknown',
      quick: options.quick,
      flopFormula: "2·N·H'·W'·k²·(C_in + C_h)·4·C_h per layer and step; ×3 for a training step",
    },
    shapes,
    backends: [],
    targets: {},
  };
  for (const backend of options.backends) {
    const problem = await backend.activate();
    if (problem !== null) {
      log(`${backend.name}: unavailable (${problem})`);
      report.backends.push({ backend: backend.name, available: false, reason: problem, results: [] });
      continue;
    }
    report.backends.push(
      await runBackend(
        backend.name,
        options.extraContenders ?? [],
        shapes,
        options.quick,
        options.maxRunSeconds,
        log,
      ),
    );
  }
  const t = report.targets;
  for (const b of report.backends.filter((x) => x.available && x.backend !== 'cpu')) {
    for (const shape of ['a', 'c']) {
      t[`${b.backend} forward (${shape}): best core vs tfjs-layers`] = ratio(
        medianFor(report, b.backend, shape, 'forward', 'tfjs-layers'),
        bestCore(report, b.backend, shape, 'forward'),
      );
      t[`${b.backend} forward (${shape}): best core vs plain`] = ratio(
        medianFor(report, b.backend, shape, 'forward', 'plain'),
        bestCore(report, b.backend, shape, 'forward'),
      );
      const stock = medianFor(report, b.backend, shape, 'forward', 'plain:stock-wasm');
      if (stock !== null) {
        t[`${b.backend} forward (${shape}): best core vs plain on stock kernels`] = ratio(
          stock,
          bestCore(report, b.backend, shape, 'forward'),
        );
      }
    }
  }
  // What threads buy: `wasm` (threads) against TF.js' own single-thread wasm in Node.
  const single = 'wasm:1-thread';
  if (report.backends.some((b) => b.available && b.backend === single)) {
    for (const shape of ['a', 'c']) {
      for (const phase of ['forward', 'train'] as const) {
        t[`wasm ${phase} (${shape}): best core vs tfjs-layers on ${single}`] = ratio(
          medianFor(report, single, shape, phase, 'tfjs-layers'),
          bestCore(report, 'wasm', shape, phase),
        );
        t[`wasm ${phase} (${shape}): best core, ${single} / wasm`] = ratio(
          bestCore(report, single, shape, phase),
          bestCore(report, 'wasm', shape, phase),
        );
      }
    }
  }
  t['wasm train (c): best core vs plain on cpu'] = ratio(
    medianFor(report, 'cpu', 'c', 'train', 'plain'),
    bestCore(report, 'wasm', 'c', 'train'),
  );
  t['tensorflow forward (a): best core ms'] = bestCore(report, 'tensorflow', 'a', 'forward');
  const d = (name: string): number | null => {
    const b = report.backends.find((x) => x.available);
    const r = b?.results.find((x) => x.shape === 'd' && x.contender === name && x.status === 'ok');
    return r?.trainMemory?.peakTensors ?? null;
  };
  const dBackend = report.backends.find((x) => x.available)?.backend;
  const every = report.backends
    .flatMap((b) => b.results)
    .find((r) => r.shape === 'd' && r.contender.startsWith('core:checkpoint'))?.contender;
  if (dBackend !== undefined && every !== undefined) {
    t['(d) peak tensors: checkpoint / plain'] = ratio(d(every), d('plain'));
    t['(d) train time: checkpoint / plain'] = ratio(
      medianFor(report, dBackend, 'd', 'train', every),
      medianFor(report, dBackend, 'd', 'train', 'plain'),
    );
  }
  return report;
}
