// tfjs-core's Node build first (see inference-kernels.test.ts).
import '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { getBackendProfile } from '@convlstm/core/backend';
import { ConvLSTMArgumentError } from '@convlstm/tensor';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { engine, getKernel, setBackend } from '@tensorflow/tfjs-core';
import { afterAll, describe, expect, it } from 'vitest';
import {
  linkWasmPrograms,
  PROGRAM_NAMES,
  registerWasmKernels,
  WASM_INFERENCE_KERNELS,
  WASM_TRAINING_KERNELS,
} from '../src/index.js';
import { decodeBase64, wasmProgram, winogradAccelerator } from '../src/internal.js';

function expectInferenceKernels(registered: boolean): void {
  for (const k of WASM_INFERENCE_KERNELS) {
    expect(getKernel(k.kernelName, 'wasm')?.kernelFunc === k.kernelFunc, k.kernelName).toBe(registered);
  }
  expect(getBackendProfile('wasm').convAccelerator === winogradAccelerator).toBe(registered);
}

describe('registerWasmKernels', () => {
  afterAll(async () => {
    await setBackend('cpu');
  });

  it('throws, saying what it expected, when the wasm backend is not initialised yet', async () => {
    expect(engine().registry.wasm).toBeUndefined();
    await expect(registerWasmKernels()).rejects.toThrow(
      /no initialised 'wasm' backend.*setBackend\('wasm'\)/,
    );
  });

  it('rejects bad options naming the option, what it expected and what it got', async () => {
    await expect(registerWasmKernels(null as never)).rejects.toThrow(ConvLSTMArgumentError);
    await expect(registerWasmKernels({ inferenceKernels: 'yes' as never })).rejects.toThrow(
      /options\.inferenceKernels.*a boolean.*yes/,
    );
    await expect(registerWasmKernels({ inferenceKernel: false } as never)).rejects.toThrow(
      /options\.inferenceKernel.*unknown option/,
    );
    await expect(linkWasmPrograms(undefined as never)).rejects.toThrow(ConvLSTMArgumentError);
  });

  it('registers the training and inference kernels and links every program to the heap, once', async () => {
    expect(await setBackend('wasm')).toBe(true);
    const report = await registerWasmKernels();
    expect(report).toEqual({
      addedKernels: WASM_TRAINING_KERNELS.map((k) => k.kernelName),
      inferenceKernels: true,
    });
    for (const k of WASM_TRAINING_KERNELS) {
      expect(getKernel(k.kernelName, 'wasm')?.kernelFunc).toBe(k.kernelFunc);
      expect(getKernel(k.kernelName, 'cpu')?.kernelFunc).not.toBe(k.kernelFunc);
    }
    expectInferenceKernels(true);
    // Linked up front: the lazy path hands back the very instances linkWasmPrograms made.
    const backend = engine().findBackend('wasm') as BackendWasm;
    const linked = PROGRAM_NAMES.map((name) => wasmProgram(backend, name));
    await linkWasmPrograms(backend);
    expect(PROGRAM_NAMES.map((name) => wasmProgram(backend, name))).toEqual(linked);
    expect(await registerWasmKernels()).toEqual({ addedKernels: [], inferenceKernels: true });
  });

  it('inferenceKernels: false removes the inference kernels and keeps the training ones', async () => {
    expect(await registerWasmKernels({ inferenceKernels: false })).toEqual({
      addedKernels: [],
      inferenceKernels: false,
    });
    expectInferenceKernels(false);
    expect(getKernel('Conv2DBackpropFilter', 'wasm')).toBeDefined();
    expect((await registerWasmKernels()).inferenceKernels).toBe(true);
    expectInferenceKernels(true);
  });

  it('reports, instead of throwing, when the programs cannot link, and leaves the inference kernels off', async () => {
    const notWasm = engine().findBackend('cpu') as unknown as BackendWasm;
    const report = await registerWasmKernels({ backend: notWasm });
    expect(report.inferenceKernels).toBe(false);
    expect(report.inferenceKernelsError).toMatch(/heap memory was not found/);
    expectInferenceKernels(false);
    await registerWasmKernels();
  });
});

describe('decodeBase64', () => {
  it('decodes every length and byte value without Buffer', () => {
    const bytes = Uint8Array.from({ length: 259 }, (_, i) => (i * 37 + 11) % 256);
    for (const length of [0, 1, 2, 3, 4, 255, 256, 257, 258, 259]) {
      const part = bytes.subarray(0, length);
      const base64 = Buffer.from(part).toString('base64');
      expect(Array.from(decodeBase64(base64))).toEqual(Array.from(part));
    }
  });
});
