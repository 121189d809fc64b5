import '@tensorflow/tfjs-core';
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConvLSTM } from '@convlstm/core';
import { engine, mean, type Scalar, square, type Tensor5D, train } from '@tensorflow/tfjs-core';
import { describe, it } from 'vitest';
import { seededTensor } from '../../backend-wasm/test/helpers.js';
import { type NodeBackendName, useNodeBackend } from '../src/index.js';
import { nativeAddonProblem } from './native-addon.js';

/**
 * Times one training step (forward, variableGrads, Adam update) of the tiny
 * ConvLSTM: N=4, T=10, 8→16 channels, 32×32 frames, 3×3 kernels. Not part of the normal
 * run (it takes about a minute): `CONVLSTM_BENCH=1 npx vitest run test/bench-train-step.test.ts`.
 * The cpu backend runs T=2 and is scaled by 5 (the step is linear in T); the others run T=10.
 * Prints a table and writes test-artifacts/bench-train-step.json. No assertions on time.
 */
const enabled = process.env.CONVLSTM_BENCH === '1';
if (!enabled) console.log('[skip] training-step benchmark: set CONVLSTM_BENCH=1 to run it (about a minute)');

function stepSeconds(t: number, steps: number): number[] {
  const lstm = new ConvLSTM({ inChannels: 8, hiddenChannels: 16, kernelSize: 3, seed: 1 });
  const xs = seededTensor([4, t, 32, 32, 8], 2) as Tensor5D;
  const optimizer = train.adam(1e-3);
  const times: number[] = [];
  for (let s = 0; s < steps; s++) {
    const start = performance.now();
    const loss = optimizer.minimize(() => mean(square(lstm.forward(xs).output)) as Scalar, true);
    loss?.dataSync();
    loss?.dispose();
    times.push((performance.now() - start) / 1000);
  }
  optimizer.dispose();
  lstm.dispose();
  xs.dispose();
  return times;
}

describe.runIf(enabled)('training step of the tiny ConvLSTM (N=4, T=10, 8→16, 32×32, k=3)', () => {
  it('times cpu (T=2, scaled), wasm and native tensorflow', async () => {
    const rows: { backend: NodeBackendName; detail: string; stepsSeconds: number[]; perStepT10: number }[] =
      [];
    const native = nativeAddonProblem() === null;
    for (const backend of ['wasm', ...(native ? (['tensorflow'] as const) : []), 'cpu'] as const) {
      const report = await useNodeBackend({ backend });
      const detail = report.wasm ? `${report.wasm.binary}, ${report.wasm.threads} thread` : report.package;
      const t = backend === 'cpu' ? 2 : 10;
      const steps = backend === 'cpu' ? 1 : 3;
      const times = stepSeconds(t, steps);
      // The first step of a fresh layer includes one-off setup; report the best step.
      const best = Math.min(...times.slice(steps > 1 ? 1 : 0));
      rows.push({ backend, detail, stepsSeconds: times, perStepT10: (best * 10) / t });
      console.log(`${engine().backendName}: steps ${times.map((s) => s.toFixed(2)).join(', ')} s at T=${t}`);
    }
    console.log(
      `load average ${loadavg()
        .map((l) => l.toFixed(1))
        .join(' ')} on ${cpus().length} CPUs`,
    );
    console.log(
      [
        '| backend | detail | one step, T=10 (s) |',
        '|---|---|---|',
        ...rows.map(
          (r) =>
            `| ${r.backend} | ${r.detail} | ${r.perStepT10.toFixed(2)}${r.backend === 'cpu' ? ' (T=2 ×5)' : ''} |`,
        ),
      ].join('\n'),
    );
    const out = join(
      dirname(fileURLToPath(import.meta.url)),
      '..',
      'test-artifacts',
      'bench-train-step.json',
    );
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(
      `${out}.tmp`,
      JSON.stringify({ node: process.version, cpus: cpus().length, loadavg: loadavg(), rows }, null, 2),
    );
    renameSync(`${out}.tmp`, out);
  }, 600_000);
});
