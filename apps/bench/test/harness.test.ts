import '@tensorflow/tfjs-backend-cpu';
import { type BenchShape, formatReport, runBench, stackFlops } from '@convlstm/bench-harness';
import { describe, expect, it } from 'vitest';
import { nodeBackends } from '../src/node-backends.js';

const TINY: BenchShape[] = [
  { id: 'a', label: 'tiny', batch: 1, steps: 2, height: 4, width: 4, inChannels: 2, hidden: [3], kernel: 3 },
  {
    id: 'd',
    label: 'tiny long',
    batch: 1,
    steps: 6,
    height: 4,
    width: 4,
    inChannels: 2,
    hidden: [3],
    kernel: 3,
    memoryOnly: true,
  },
];

describe('bench harness (tiny shapes, quick mode, cpu)', () => {
  it('fills every figure with finite numbers and consistent ratios', async () => {
    const report = await runBench({ quick: true, backends: nodeBackends(['cpu']), customShapes: TINY });
    expect(report.backends).toHaveLength(1);
    const cpu = report.backends[0];
    expect(cpu?.available).toBe(true);
    expect(Number.isFinite(cpu?.peak?.convGflops)).toBe(true);
    expect(Number.isFinite(cpu?.peak?.matMulGflops)).toBe(true);
    const results = cpu?.results ?? [];
    const names = new Set(results.map((r) => r.contender));
    for (const name of ['core:default', 'core:handwritten', 'plain', 'tfjs-layers'])
      expect(names.has(name)).toBe(true);
    // (d) is a training-only shape.
    expect(results.filter((r) => r.shape === 'd').every((r) => r.phase === 'train')).toBe(true);
    for (const r of results) {
      expect(r.status, `${r.shape} ${r.phase} ${r.contender}: ${r.reason}`).toBe('ok');
      const shape = TINY.find((s) => s.id === r.shape) as BenchShape;
      expect(r.gflop).toBeCloseTo(stackFlops(shape, r.phase === 'train') / 1e9, 12);
      for (const v of [r.timing?.medianMs, r.sequencesPerSec, r.gflopPerSec, r.vsPlain, r.vsLayers]) {
        expect(Number.isFinite(v)).toBe(true);
        expect(v).toBeGreaterThan(0);
      }
      if (r.contender === 'plain') expect(r.vsPlain).toBe(1);
      if (r.contender === 'tfjs-layers') expect(r.vsLayers).toBe(1);
      if (r.phase === 'train') {
        expect(r.trainMemory?.leakedTensors).toBe(0);
        expect(r.trainMemory?.peakTensors).toBeGreaterThan(0);
      } else if (r.forwardMemory !== undefined) {
        // Measured only where one run fits the time budget (not always on a loaded machine).
        expect(r.forwardMemory.leakedTensors).toBe(0);
        expect(r.forwardMemory.aliveTensors).toBe(1);
      }
    }
    const ratio = report.targets['(d) peak tensors: checkpoint / plain'];
    expect(Number.isFinite(ratio)).toBe(true);
    const forwards = results.filter((r) => r.phase === 'forward');
    expect(forwards.some((r) => r.forwardMemory !== undefined)).toBe(true);
    expect(JSON.parse(JSON.stringify(report))).toEqual(report);
    expect(formatReport(report)).toContain('| a | forward | core:default |');
  }, 120_000);

  it('counts FLOPs by the formula 2·N·H·W·k²·(Cin + C)·4C per layer and step, ×3 for training', () => {
    const s: BenchShape = {
      id: 'x',
      label: '',
      batch: 2,
      steps: 3,
      height: 5,
      width: 7,
      inChannels: 4,
      hidden: [6, 2],
      kernel: 3,
    };
    const layer1 = 2 * 2 * 5 * 7 * 9 * (4 + 6) * 24 * 3;
    const layer2 = 2 * 2 * 5 * 7 * 9 * (6 + 2) * 8 * 3;
    expect(stackFlops(s, false)).toBe(layer1 + layer2);
    expect(stackFlops(s, true)).toBe(3 * (layer1 + layer2));
  });
});
