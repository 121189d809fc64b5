// tfjs-core's Node build first (see wasm-fallback.test.ts).
import '@tensorflow/tfjs-core';
import { WASM_TRAINING_KERNELS } from '@convlstm/backend-wasm';
import { ConvLSTMArgumentError } from '@convlstm/tensor';
import { getBackend, getKernel } from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { useWebGPUBackend } from '../src/index.js';

// Node has no navigator.gpu, and tfjs-backend-wasm runs here: the wasm fallback without a browser
// (wasm-fallback.test.ts trains through it in Chromium).
describe('the wasm fallback outside a browser', () => {
  it('rejects bad options naming the option, what it expected and what it got', async () => {
    await expect(useWebGPUBackend({ wasmKernels: 'yes' as never })).rejects.toThrow(ConvLSTMArgumentError);
    await expect(useWebGPUBackend({ gateKernels: 1 as never })).rejects.toThrow(
      /options\.gateKernels.*a boolean/,
    );
    await expect(useWebGPUBackend({ fallback: ['wasm'] } as never)).rejects.toThrow(
      /options\.fallback.*unknown/,
    );
  });

  it("registers @convlstm/backend-wasm's kernels when it ends on wasm, and says so", async () => {
    const report = await useWebGPUBackend({ fallbacks: ['wasm'] });
    expect(getBackend()).toBe('wasm');
    expect(report).toMatchObject({ backend: 'wasm', fellBack: true, gateKernels: false, wasmKernels: true });
    expect(report.wasmKernelsError).toBeUndefined();
    expect([...(report.wasm?.addedKernels ?? [])].sort()).toEqual(
      WASM_TRAINING_KERNELS.map((k) => k.kernelName).sort(),
    );
    expect(report.wasm?.inferenceKernels, report.wasm?.inferenceKernelsError).toBe(true);
    for (const k of WASM_TRAINING_KERNELS)
      expect(getKernel(k.kernelName, 'wasm')?.kernelFunc).toBe(k.kernelFunc);
    // Idempotent: a second call registers nothing new.
    const again = await useWebGPUBackend({ fallbacks: ['wasm'] });
    expect(again.wasm).toEqual({ addedKernels: [], inferenceKernels: true });
  });
});
