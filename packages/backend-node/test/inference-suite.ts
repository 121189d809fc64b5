import { beforeAll, describe } from 'vitest';
import { useNodeBackend } from '../src/index.js';
import { defineInferenceGateLayerTests, defineInferenceGateTests } from './inference-gates-cases.js';
import { defineWinogradTests } from './winograd-cases.js';

/** The inference kernels' tests on wasm with `threads` XNNPACK threads (1: TF.js' own binary). */
export function describeInferenceKernels(threads: number): void {
  const memory = threads > 1 ? 'threaded wasm (shared memory)' : 'single-thread wasm (plain memory)';
  describe(`the inference kernels on ${memory}`, () => {
    beforeAll(async () => {
      await useNodeBackend({ backend: 'wasm', wasmThreads: threads });
    });
    defineInferenceGateTests();
    defineInferenceGateLayerTests();
    defineWinogradTests();
  });
}
