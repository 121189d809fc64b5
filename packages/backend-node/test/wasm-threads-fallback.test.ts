// tfjs-core's Node build first, so it creates the process-wide engine (see conformance-wasm).
import '@tensorflow/tfjs-core';
import { conv2d, getBackend, ones, type Tensor4D } from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { formatBackendReport, useNodeBackend } from '../src/index.js';

// A file of its own: the worker script's directory is made once per process.
describe('wasm threads that cannot start', () => {
  it('fall back to one thread, saying why, instead of leaving wasm unusable', async () => {
    const saved = process.env.TMPDIR;
    // os.tmpdir() reads TMPDIR on every call: the worker script cannot be written there.
    process.env.TMPDIR = '/nonexistent/convlstm-test';
    try {
      const report = await useNodeBackend({ backend: 'wasm', wasmThreads: 2 });
      expect(getBackend()).toBe('wasm');
      // The inference kernels link to the single-thread binary's (plain) memory instead.
      expect(report.wasm).toMatchObject({
        binary: 'tfjs-backend-wasm-simd.wasm',
        threads: 1,
        inferenceKernels: true,
      });
      expect(report.wasm?.threadsError).toMatch(/ENOENT.*nonexistent/);
      expect(formatBackendReport(report)).toMatch(/1 thread\(s\) \(threads failed: ENOENT/);
      const y = conv2d(ones([1, 4, 4, 2]) as Tensor4D, ones([3, 3, 2, 1]) as Tensor4D, 1, 'same');
      // Centre pixel: a full 3×3×2 window of ones.
      expect((y.dataSync() as Float32Array)[5]).toBe(18);
      y.dispose();
    } finally {
      if (saved === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = saved;
    }
  });
});
