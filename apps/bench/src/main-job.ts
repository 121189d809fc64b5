import { type Timing, timingOf } from '@convlstm/bench-harness';
import {
  EncoderForecaster,
  type EncoderForecasterOptions,
  PRESETS,
  type SequenceStream,
  train,
} from '@convlstm/train';

/**
 * The README's main job (`pnpm main-job`: apps/moving-mnist's `main-job` script) as a benchmark
 * workload: its model and one full training step of its recipe. `test/main-job.test.ts` checks
 * these against the script's flags, so the two cannot drift apart.
 */
export const MAIN_JOB = {
  preset: 'cpu-small',
  stateKernel: 5,
  batchSize: 8,
  learningRate: 3e-3,
  l1Weight: 1,
  clipNorm: 1,
} as const;

/** The main job's model options: the `cpu-small` preset with its state kernel set to `stateKernel`. */
export function mainJobModelOptions(): EncoderForecasterOptions {
  const options = PRESETS[MAIN_JOB.preset].options;
  return {
    ...options,
    layers: options.layers.map((l) => ({ ...l, recurrentKernelSize: MAIN_JOB.stateKernel })),
  };
}

/**
 * Random 0/1 frames (one in ten lit, like Moving MNIST's digits) so the step, not the data
 * generator, is timed; the same batch every step.
 */
function randomFrames(model: EncoderForecaster): SequenceStream {
  const { frameSize: size, inputFrames, outputFrames } = model.config;
  let seed = 12345;
  const bits = (n: number): Float32Array =>
    Float32Array.from({ length: n }, () => {
      seed = (seed * 1103515245 + 12345) >>> 0;
      return seed / 2 ** 32 < 0.1 ? 1 : 0;
    });
  const frame = size * size;
  const count = MAIN_JOB.batchSize;
  const batch = {
    inputs: bits(count * inputFrames * frame),
    targets: bits(count * outputFrames * frame),
    count,
    inputFrames,
    outputFrames,
    height: size,
    width: size,
  };
  let position = 0;
  return {
    inputFrames,
    outputFrames,
    height: size,
    width: size,
    channels: 1,
    nextBatch: () => {
      position++;
      return batch;
    },
    getState: () => ({ seed: 0, position }),
    setState: (s) => {
      position = s.position;
    },
  };
}

/**
 * Times the main job's training step on the active backend through `@convlstm/train`'s own
 * loop (`train()`: forward, BCE + L1, gradients, global-norm clipping, one Adam update, the loss
 * read back): the time between consecutive steps after `warmups` steps, `reps` of them, fewer
 * when a step is slower than `budgetMs / reps`.
 */
export async function timeMainJobStep(warmups: number, reps: number, budgetMs: number): Promise<Timing> {
  const model = new EncoderForecaster(mainJobModelOptions());
  const stamps: number[] = [];
  const stop = new AbortController();
  try {
    await train(model, randomFrames(model), {
      batchSize: MAIN_JOB.batchSize,
      optimizer: { name: 'adam', learningRate: MAIN_JOB.learningRate },
      l1Weight: MAIN_JOB.l1Weight,
      clipNorm: MAIN_JOB.clipNorm,
      maxSteps: warmups + reps,
      divergence: false,
      signal: stop.signal,
      callbacks: {
        onStep: ({ step }) => {
          stamps.push(performance.now());
          // Past the warm-up, stop early when the steps so far show the rest would overrun the budget.
          if (step > warmups + 1) {
            const first = stamps[warmups] as number;
            const perStep = ((stamps[stamps.length - 1] as number) - first) / (step - warmups - 1);
            if (performance.now() - first + perStep > budgetMs) stop.abort();
          }
        },
      },
    });
  } finally {
    model.dispose();
  }
  return timingOf(stamps.slice(warmups).map((t, k) => t - (stamps[warmups - 1 + k] as number)));
}
