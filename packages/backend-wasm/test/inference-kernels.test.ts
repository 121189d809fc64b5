// tfjs-core's Node build first, so it creates the process-wide engine: under vitest, core's deep
// ESM import of tfjs-core's gradients would otherwise create it from a partial ESM copy.
import '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import { getBackend, setBackend } from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect } from 'vitest';
import { registerWasmKernels } from '../src/index.js';
import { defineInferenceGateLayerTests, defineInferenceGateTests } from './inference-gates-cases.js';
import { defineWinogradTests } from './winograd-cases.js';

// TF.js' own wasm backend: in Node its single-thread SIMD binary, on a plain (unshared) memory,
// as in a page that is not cross-origin isolated. @convlstm/backend-node runs the same cases on
// its threaded binary (shared memory).
describe('the inference kernels on single-thread wasm (plain memory)', () => {
  beforeAll(async () => {
    expect(await setBackend('wasm')).toBe(true);
    expect(getBackend()).toBe('wasm');
    const report = await registerWasmKernels();
    expect(report.inferenceKernels, report.inferenceKernelsError).toBe(true);
  });
  defineInferenceGateTests();
  defineInferenceGateLayerTests();
  defineWinogradTests();
});
