import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BenchReport, BenchShape } from '@convlstm/bench-harness';
import { countEncoderForecasterParams, resolveEncoderForecasterConfig } from '@convlstm/train';
import { describe, expect, it } from 'vitest';
import { MAIN_JOB, mainJobModelOptions } from '../src/main-job.js';
import { formatPeerTable } from '../src/peer-table.js';
import { runTorchPeer, torchUnavailable } from '../src/torch-peer.js';

const SHAPE: BenchShape = {
  id: 'c',
  label: 'tiny',
  batch: 1,
  steps: 2,
  height: 4,
  width: 4,
  inChannels: 2,
  hidden: [3],
  kernel: 3,
};

describe('the main job as a bench workload', () => {
  it("is the moving-mnist main-job script's model and recipe", () => {
    const pkg = JSON.parse(readFileSync(join(__dirname, '../../moving-mnist/package.json'), 'utf8')) as {
      scripts: Record<string, string>;
    };
    const script = pkg.scripts['main-job'] as string;
    const flag = (name: string) => script.match(new RegExp(`--${name} (\\S+)`))?.[1];
    expect(flag('preset')).toBe(MAIN_JOB.preset);
    expect(Number(flag('state-kernel'))).toBe(MAIN_JOB.stateKernel);
    expect(Number(flag('lr'))).toBe(MAIN_JOB.learningRate);
    expect(Number(flag('l1-weight'))).toBe(MAIN_JOB.l1Weight);
    // Batch size, clipping and the optimiser are the CLI's defaults unless the script sets them.
    const specs = readFileSync(join(__dirname, '../../moving-mnist/src/config/specs.ts'), 'utf8');
    if (flag('batch-size') === undefined)
      expect(specs).toMatch(new RegExp(`batchSize: ${MAIN_JOB.batchSize},`));
    if (flag('clip-norm') === undefined) expect(specs).toMatch(new RegExp(`clipNorm: ${MAIN_JOB.clipNorm},`));
    if (flag('optimizer') === undefined) expect(specs).toMatch(/optimizer: 'adam',/);
    const config = resolveEncoderForecasterConfig(mainJobModelOptions());
    expect(config.layers.every((l) => l.recurrentKernelSize === MAIN_JOB.stateKernel)).toBe(true);
    // 16→4·24 (3×3) + 24→4·24 (5×5) + bias + peepholes, the input-free forecaster, the 1×1 output.
    const layer = (cin: number) => cin * 9 * 96 + 24 * 25 * 96 + 96 + 72;
    expect(countEncoderForecasterParams(mainJobModelOptions())).toBe(layer(16) + layer(0) + 24 * 16 + 16);
  });
});

describe('the PyTorch peer', () => {
  const fake = join(__dirname, 'fixtures/fake-peer.mjs');

  it('is skipped, saying why, where the Python has no torch', () => {
    expect(torchUnavailable('/nonexistent/python3')).toMatch(/not found .*CONVLSTM_BENCH_PYTHON/);
    // node is no Python: `-c "import torch"` fails.
    expect(torchUnavailable(process.execPath)).toMatch(/cannot import torch/);
  });

  it('gets the spec on stdin and returns the report; a failure names the exit code and the last lines', () => {
    const report = runTorchPeer({
      shapes: [SHAPE],
      mainJob: mainJobModelOptions(),
      warmups: 1,
      reps: 3,
      budgetSeconds: 1,
      python: process.execPath,
      script: fake,
    });
    expect(report.shapes.map((s) => s.id)).toEqual(['c']);
    const spec = (report.mainJob as unknown as { spec: Record<string, unknown> }).spec;
    expect(spec).toMatchObject({ batchSize: 8, learningRate: 3e-3, l1Weight: 1, clipNorm: 1 });
    expect(spec.model).toMatchObject({ frameSize: 64, patchSize: 4, inputKernelSize: 3, channels: 1 });
    expect(() =>
      runTorchPeer({
        shapes: [],
        mainJob: null,
        warmups: 1,
        reps: 1,
        budgetSeconds: 1,
        python: process.execPath,
        script: fake,
      }),
    ).toThrow(/exit 1.*RuntimeError: no shapes/);
  });
});

describe('the × PyTorch table', () => {
  it('divides our medians by PyTorch’s, per backend, for core:default, the best core contender and the main job', () => {
    const timing = (ms: number) => ({ reps: 3, medianMs: ms, minMs: ms, maxMs: ms, spread: 0 });
    const result = (contender: string, phase: 'forward' | 'train', ms: number) => ({
      shape: 'c',
      contender,
      phase,
      status: 'ok' as const,
      gflop: 0,
      timing: timing(ms),
    });
    const report = {
      meta: { date: '', runtime: '', quick: false, flopFormula: '' },
      shapes: [SHAPE],
      targets: {},
      backends: [
        {
          backend: 'tensorflow',
          available: true,
          results: [
            result('core:default', 'forward', 30),
            result('core:hoisted', 'forward', 15),
            result('core:default', 'train', 90),
            result('plain', 'train', 10),
          ],
        },
        { backend: 'cpu', available: true, results: [] },
      ],
    } as BenchReport;
    const torchTiming = (ms: number) => ({ medianMs: ms, minMs: ms, maxMs: ms, runs: 3 });
    const lines = formatPeerTable(report, {
      mainJob: { tensorflow: timing(150) },
      pytorch: {
        torch: '2.x',
        threads: 2,
        shapes: [{ id: 'c', params: 1, forward: torchTiming(10), train: torchTiming(30) }],
        mainJob: { params: 129760, train: torchTiming(120) },
      },
    });
    const row = (start: string) => lines.find((l) => l.startsWith(start)) ?? '';
    // forward: default 30/10 = 3.00×, best core:hoisted 15/10 = 1.50×; train: 90/30 = 3.00× (plain is no core contender).
    expect(row('| (c) forward')).toBe('| (c) forward | 10.0 | 30.0 | 3.00× | core:hoisted 15.0 | 1.50× |');
    expect(row('| (c) train')).toBe('| (c) train | 30.0 | 90.0 | 3.00× | core:default 90.0 | 3.00× |');
    expect(row('| main job')).toBe('| main job, one training step | 120.0 | 150.0 | 1.25× | |  |');
    // The cpu backend gets no column (minutes per main-job step).
    expect(lines[2]).not.toMatch(/cpu/);
  });
});
