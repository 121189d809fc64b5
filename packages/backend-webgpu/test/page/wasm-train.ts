import { CONFORMANCE_SCHEDULES, conformanceCases } from '@convlstm/core/testing';
import * as tf from '@tensorflow/tfjs-core';
import { type BrowserBackendReport, useWebGPUBackend } from '../../src/index.js';
import { type TinyTrainingResult, trainTinyConvLSTM } from '../wasm-train-case.js';

/** What the page hands back to the vitest process through `window.__convlstmWasm`. */
export interface WasmPageResults {
  readonly report: BrowserBackendReport | null;
  readonly backend: string;
  /** What the init script left of the GPU APIs: both must be gone for the test to mean anything. */
  readonly navigatorGpu: string;
  readonly webgl2Context: boolean;
  readonly result?: TinyTrainingResult;
  /** With `?suite=conformance`: the core's quick conformance suite, once per schedule. */
  readonly cases?: { name: string; ok: boolean; error?: string; ms: number }[];
  readonly error?: string;
}

async function conformance(): Promise<NonNullable<WasmPageResults['cases']>> {
  const cases: NonNullable<WasmPageResults['cases']> = [];
  for (const schedule of CONFORMANCE_SCHEDULES) {
    for (const c of conformanceCases({ quick: true, schedule })) {
      const start = performance.now();
      try {
        await c.run();
        cases.push({ name: c.name, ok: true, ms: performance.now() - start });
      } catch (error) {
        cases.push({ name: c.name, ok: false, error: String(error), ms: performance.now() - start });
      }
    }
  }
  return cases;
}

declare global {
  interface Window {
    __convlstmWasm?: WasmPageResults;
  }
}

async function main(): Promise<void> {
  const params = new URLSearchParams(location.search);
  const steps = Number(params.get('steps') ?? '3');
  const navigatorGpu = typeof (navigator as { gpu?: unknown }).gpu;
  const webgl2Context = document.createElement('canvas').getContext('webgl2') !== null;
  let report: BrowserBackendReport | null = null;
  try {
    report = await useWebGPUBackend({
      // The test's server serves tfjs-backend-wasm's binaries from this folder.
      wasmPaths: new URL('wasm/', location.href).href,
      wasmKernels: params.get('kernels') !== 'off',
    });
    if (params.get('suite') === 'conformance') {
      const cases = await conformance();
      window.__convlstmWasm = { report, backend: tf.getBackend(), navigatorGpu, webgl2Context, cases };
      return;
    }
    const result = await trainTinyConvLSTM(steps);
    window.__convlstmWasm = { report, backend: tf.getBackend(), navigatorGpu, webgl2Context, result };
  } catch (error) {
    const message = error instanceof Error ? `${error.message}\n${error.stack ?? ''}` : String(error);
    window.__convlstmWasm = { report, backend: tf.getBackend(), navigatorGpu, webgl2Context, error: message };
  }
}

void main();
