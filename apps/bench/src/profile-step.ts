// Where a training step's milliseconds go, on one backend: the main job's step (by phase) or a
// bench shape's training step, with its kernels by kind.
// `pnpm --filter @convlstm/bench profile-step -- --backend tensorflow --workload main-job`
import { isNodeBackendName, useNodeBackend } from '@convlstm/backend-node';
import { coreContender, FULL_SHAPES, median, trainOnce } from '@convlstm/bench-harness';
import { runCli, UsageError } from '@convlstm/cli';
import {
  batchToTensors,
  bceFromLogits,
  clipByGlobalNorm,
  EncoderForecaster,
  MovingMnist,
  meanAbsoluteErrorFromLogits,
} from '@convlstm/train';
import { loadMnistDigits } from '@convlstm/train/node';
import {
  add,
  memory,
  mul,
  train as optimizers,
  profile,
  randomNormal,
  type Scalar,
  type Tensor,
  tidy,
} from '@tensorflow/tfjs-core';
import { MAIN_JOB, mainJobModelOptions } from './main-job.js';

const USAGE = `Usage: profile-step [--backend NAME] [--workload main-job|a|b|c|d] [--steps N]

Times a training step on one backend (default tensorflow, main-job): the main job's by phase
(data generator, forward + loss, backward, clipping + Adam), then one step under tf.profile: the
kernels by kind with their time, tensors and bytes allocated.`;

function option(argv: readonly string[], name: string, fallback: string): string {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 && argv[i + 1] !== undefined ? (argv[i + 1] as string) : fallback;
}

async function profileStep(argv: readonly string[]): Promise<number> {
  if (argv.includes('--help')) {
    console.log(USAGE);
    return 0;
  }
  const backend = option(argv, 'backend', 'tensorflow');
  if (!isNodeBackendName(backend)) throw new UsageError(`--backend: unknown backend "${backend}"`);
  const workload = option(argv, 'workload', 'main-job');
  const steps = Number(option(argv, 'steps', '9'));
  if (!Number.isInteger(steps) || steps < 1) throw new UsageError('--steps: expected a positive integer');
  await useNodeBackend({ backend });

  // `phased`: also time a forward alone (an extra one), for the split by phase.
  let step: (phased: boolean) => void | Promise<void>;
  let phases: Record<string, number[]> = {};
  let cleanup: () => void;
  if (workload === 'main-job') {
    const model = new EncoderForecaster(mainJobModelOptions());
    const data = new MovingMnist({ digits: loadMnistDigits().train, seed: 1 });
    const optimizer = optimizers.adam(MAIN_JOB.learningRate);
    const vars = model.trainableWeights;
    phases = {
      'data generator': [],
      'forward + loss': [],
      'forward + loss + backward': [],
      'clip + Adam': [],
    };
    const lap = (name: string, t0: number): number => {
      const now = performance.now();
      phases[name]?.push(now - t0);
      return now;
    };
    step = (phased) => {
      let t = performance.now();
      const { inputs, targets } = batchToTensors(data.nextBatch(MAIN_JOB.batchSize));
      t = lap('data generator', t);
      const loss = (): Scalar => {
        const logits = model.predictLogits(inputs, model.config.outputFrames);
        return add(
          bceFromLogits(logits, targets),
          mul(meanAbsoluteErrorFromLogits(logits, targets), MAIN_JOB.l1Weight),
        ) as Scalar;
      };
      if (phased) {
        tidy(() => {
          loss().dataSync();
        });
        t = lap('forward + loss', t);
      }
      tidy(() => {
        const { value, grads } = optimizer.computeGradients(loss, vars);
        value.dataSync();
        t = lap(phased ? 'forward + loss + backward' : 'step', t);
        const clipped = clipByGlobalNorm(
          vars.map((v) => grads[v.name] as Tensor),
          MAIN_JOB.clipNorm,
        );
        optimizer.applyGradients(vars.map((v, i) => ({ name: v.name, tensor: clipped.grads[i] as Tensor })));
        clipped.norm.dataSync();
        lap('clip + Adam', t);
      });
      inputs.dispose();
      targets.dispose();
    };
    cleanup = () => {
      model.dispose();
      optimizer.dispose();
    };
  } else {
    const shape = FULL_SHAPES.find((s) => s.id === workload);
    if (shape === undefined)
      throw new UsageError(`--workload: expected main-job or a shape id, got "${workload}"`);
    const contender = coreContender('core:default', shape, {});
    const xs = randomNormal([shape.batch, shape.steps, shape.height, shape.width, shape.inChannels]);
    step = () => trainOnce(contender, xs);
    cleanup = () => {
      contender.dispose();
      xs.dispose();
    };
  }
  try {
    for (let i = 0; i < 2; i++) await step(false);
    const times: number[] = [];
    for (let i = 0; i < steps; i++) {
      const t0 = performance.now();
      await step(false);
      times.push(performance.now() - t0);
    }
    console.log(`${backend}, ${workload}: training step median ${median(times).toFixed(1)} ms over ${steps}`);
    if (Object.keys(phases).length > 0) {
      for (const p of Object.values(phases)) p.length = 0;
      for (let i = 0; i < steps; i++) await step(true);
      console.log('  by phase (steps that also run a forward alone; medians):');
      for (const [name, values] of Object.entries(phases)) {
        if (name !== 'step') console.log(`    ${name}: ${median(values).toFixed(1)} ms`);
      }
    }
    const before = memory().numTensors;
    const t0 = performance.now();
    const info = await profile(async () => {
      await step(false);
      return [] as Tensor[];
    });
    const wall = performance.now() - t0;
    const byKernel = new Map<string, { calls: number; ms: number }>();
    let kernelMs = 0;
    for (const k of info.kernels) {
      const entry = byKernel.get(k.name) ?? { calls: 0, ms: 0 };
      entry.calls++;
      const ms = Number(await k.kernelTimeMs);
      entry.ms += ms;
      kernelMs += ms;
      byKernel.set(k.name, entry);
    }
    console.log(
      `one step under tf.profile: ${wall.toFixed(1)} ms wall, ${info.kernels.length} kernels, ` +
        `${kernelMs.toFixed(1)} ms in kernels (nested kernels count in their caller too), ` +
        `${info.newTensors} tensors and ${(info.newBytes / 2 ** 20).toFixed(1)} MiB left, ` +
        `peak ${(info.peakBytes / 2 ** 20).toFixed(1)} MiB; tensors alive before/after: ${before}/${memory().numTensors}`,
    );
    console.log('| kernel | calls | ms |\n|---|---:|---:|');
    for (const [kernel, e] of [...byKernel].sort((a, b) => b[1].ms - a[1].ms)) {
      console.log(`| ${kernel} | ${e.calls} | ${e.ms.toFixed(1)} |`);
    }
  } finally {
    cleanup();
  }
  return 0;
}

void runCli({ program: 'profile-step', command: null, main: ({ argv }) => profileStep(argv) });
