import { beforeAll, describe } from 'vitest';
// The cases live with the kernels in @convlstm/backend-wasm, which runs them on TF.js' plain
// single-thread binary; only this package can start the threaded binary (shared memory).
import {
  defineInferenceGateLayerTests,
  defineInferenceGateTests,
} from '../../backend-wasm/test/inference-gates-cases.js';
import { defineWinogradTests } from '../../backend-wasm/test/winograd-cases.js';
import { useNodeBackend } from '../src/index.js';

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
