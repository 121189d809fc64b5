import { defaultWasmThreads, type NodeBackendName, useNodeBackend } from '@convlstm/backend-node';
import { withStockWasmKernels } from '@convlstm/backend-wasm';
import { type BenchBackend, type ExtraContender, plainContender } from '@convlstm/bench-harness';
import { getBackend, removeBackend, setBackend } from '@tensorflow/tfjs-core';

/**
 * Node backends the bench tries, in this order. `wasm` is what `useNodeBackend` gives (one
 * XNNPACK thread per core); `wasm:1-thread` is TF.js' own single-thread wasm binary, what
 * TF.js users get in Node, measured in the same process.
 */
export const NODE_BENCH_BACKENDS = ['wasm', 'wasm:1-thread', 'tensorflow', 'cpu'] as const;
export type NodeBenchBackend = (typeof NODE_BENCH_BACKENDS)[number];

/**
 * A process holds one wasm backend; a different thread count means replacing it (the
 * harness disposes every tensor of a backend before moving to the next).
 */
function wasmBackend(name: NodeBenchBackend, threads: number): BenchBackend {
  return {
    name,
    activate: async () => {
      try {
        let report = await useNodeBackend({ backend: 'wasm', wasmThreads: threads });
        if (report.wasm?.threads !== threads) {
          removeBackend('wasm');
          report = await useNodeBackend({ backend: 'wasm', wasmThreads: threads });
        }
        return report.wasm?.threads === threads
          ? null
          : `wasm runs ${report.wasm?.threads} thread(s), not ${threads}`;
      } catch (error) {
        return error instanceof Error ? (error.message.split('\n')[0] ?? 'unavailable') : String(error);
      }
    },
  };
}

/** Activation through `useNodeBackend` (wasm training kernels, the native addon when built). */
export function nodeBackend(name: NodeBenchBackend): BenchBackend {
  if (name === 'wasm') return wasmBackend(name, defaultWasmThreads());
  if (name === 'wasm:1-thread') return wasmBackend(name, 1);
  return {
    name,
    activate: async () => {
      try {
        await useNodeBackend({ backend: name satisfies NodeBackendName });
        return getBackend() === name ? null : `active backend is ${getBackend()}`;
      } catch (error) {
        try {
          if (name !== 'tensorflow' && (await setBackend(name))) return null;
        } catch {
          // Reported below with the first error.
        }
        return error instanceof Error ? (error.message.split('\n')[0] ?? 'unavailable') : String(error);
      }
    },
  };
}

export function nodeBackends(names: readonly NodeBenchBackend[] = NODE_BENCH_BACKENDS): BenchBackend[] {
  return names.map(nodeBackend);
}

/**
 * The plain reference on TF.js' stock wasm kernels: `@convlstm/backend-node` replaces the slow
 * `Concat`, `Slice`, `Unpack` and `SplitV` for every model (the plain loop included), so this
 * shows what the same loop costs on wasm without them. The training-only kernels wasm lacks stay.
 */
export const plainOnStockWasm: ExtraContender = {
  name: 'plain:stock-wasm',
  applies: (backend, shape) => backend.startsWith('wasm') && shape.memoryOnly !== true,
  make: (shape) => ({
    ...plainContender(shape),
    name: 'plain:stock-wasm',
    around: (run) => withStockWasmKernels(run),
  }),
};
