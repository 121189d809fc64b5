// tfjs-core's Node build first, so it creates the process-wide engine (see conformance-wasm).
import '@tensorflow/tfjs-core';
import { conv2d, getBackend, type Tensor4D } from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { maxExcess, seededTensor } from '../../backend-wasm/test/helpers.js';
import { formatBackendReport, useNodeBackend } from '../src/index.js';

// A file of its own: a process holds one wasm backend, and the threaded one is tested elsewhere.
describe('wasm with one thread', () => {
  it("wasmThreads: 1 keeps TF.js' own single-thread SIMD binary, computing what cpu computes", async () => {
    const run = (): Float32Array => {
      const x = seededTensor([2, 12, 12, 8], 5) as Tensor4D;
      const w = seededTensor([3, 3, 8, 16], 6, 0.3) as Tensor4D;
      const y = conv2d(x, w, 1, 'same');
      const values = y.dataSync() as Float32Array;
      for (const t of [x, w, y]) t.dispose();
      return values;
    };
    await useNodeBackend({ backend: 'cpu' });
    const expected = run();
    const report = await useNodeBackend({ backend: 'wasm', wasmThreads: 1 });
    expect(getBackend()).toBe('wasm');
    expect(report.wasm).toMatchObject({
      simd: true,
      binary: 'tfjs-backend-wasm-simd.wasm',
      threads: 1,
      inferenceKernels: true,
    });
    expect(formatBackendReport(report)).toMatch(/tfjs-backend-wasm-simd\.wasm, 1 thread\(s\)$/);
    expect(maxExcess(run(), expected, 1e-4)).toBeLessThanOrEqual(1e-4);
  });
});

// The inference kernels on this binary (plain memory) are tested in @convlstm/backend-wasm.
