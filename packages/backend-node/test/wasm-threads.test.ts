// tfjs-core's Node build first, so it creates the process-wide engine (see conformance-wasm).
import '@tensorflow/tfjs-core';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ConvLSTMArgumentError } from '@convlstm/tensor';
import {
  conv2d,
  getBackend,
  grad,
  matMul,
  memory,
  square,
  sum,
  type Tensor,
  type Tensor4D,
} from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { maxExcess, seededTensor } from '../../backend-wasm/test/helpers.js';
import { createThreadedWasmBackend, type NodeBackendReport, useNodeBackend } from '../src/index.js';
import { describeInferenceKernels } from './inference-suite.js';

const packageDir = join(dirname(fileURLToPath(import.meta.url)), '..');

/** Work big enough for XNNPACK to split across threads, and a gradient through our kernels. */
function workload(): Float32Array[] {
  const x = seededTensor([4, 16, 16, 32], 1) as Tensor4D;
  const w = seededTensor([5, 5, 32, 64], 2, 0.2) as Tensor4D;
  const a = seededTensor([192, 320], 3);
  const b = seededTensor([320, 160], 4);
  const outputs: Tensor[] = [
    conv2d(x, w, 1, 'same'),
    matMul(a, b),
    grad((filter) => sum(square(conv2d(x, filter as Tensor4D, 1, 'same'))))(w),
  ];
  const values = outputs.map((t) => t.dataSync() as Float32Array);
  for (const t of [x, w, a, b, ...outputs]) t.dispose();
  return values;
}

describe('wasm with XNNPACK threads in Node', () => {
  let reference: Float32Array[];
  let report: NodeBackendReport;

  beforeAll(async () => {
    await useNodeBackend({ backend: 'cpu' });
    reference = workload();
    report = await useNodeBackend({ backend: 'wasm', wasmThreads: 2 });
  });

  it('runs the threaded SIMD binary with the threads asked for', () => {
    expect(getBackend()).toBe('wasm');
    expect(report.wasm).toMatchObject({
      simd: true,
      multiThread: true,
      binary: 'tfjs-backend-wasm-threaded-simd.wasm',
      threads: 2,
      inferenceKernels: true,
    });
    expect(report.wasm?.inferenceKernelsError).toBeUndefined();
  });

  it('computes what the cpu backend computes, leaking no tensor', () => {
    const before = memory().numTensors;
    const values = workload();
    expect(memory().numTensors).toBe(before);
    const names = ['conv2d', 'matMul', 'filter gradient'];
    values.forEach((v, i) => {
      const expected = reference[i] as Float32Array;
      const scale = expected.reduce((m, e) => Math.max(m, Math.abs(e)), 0);
      expect(maxExcess(v, expected, 1e-4), names[i]).toBeLessThanOrEqual(1e-5 * scale);
    });
  });

  it('lets a program that used it exit on its own', () => {
    const dist = join(packageDir, 'dist', 'index.js');
    expect(existsSync(dist), `${dist} missing: run pnpm build (turbo builds before test)`).toBe(true);
    const script = [
      `import { useNodeBackend } from ${JSON.stringify(pathToFileURL(dist).href)};`,
      `import { conv2d, ones } from '@tensorflow/tfjs-core';`,
      `const r = await useNodeBackend({ backend: 'wasm', wasmThreads: 2 });`,
      `conv2d(ones([2, 8, 8, 4]), ones([3, 3, 4, 8]), 1, 'same').dataSync();`,
      "console.log('threads', r.wasm.threads);",
    ].join('\n');
    const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
      cwd: packageDir,
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(child.error, 'the child was killed: its pthread workers kept it alive').toBeUndefined();
    expect(child.stderr).toBe('');
    expect(child.stdout.trim()).toBe('threads 2');
    expect(child.status).toBe(0);
  });

  it('rejects a thread count out of range before loading anything', async () => {
    const pkg = { BackendWasm: class {}, setThreadsCount: () => {}, getThreadsCount: () => 1 } as never;
    for (const threads of [1, 9, 2.5]) {
      await expect(createThreadedWasmBackend(pkg, '/nowhere/dist/x.js', threads)).rejects.toThrow(
        ConvLSTMArgumentError,
      );
    }
  });
});

describeInferenceKernels(2);
