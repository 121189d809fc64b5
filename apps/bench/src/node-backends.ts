import { type NodeBackendName, useNodeBackend, withStockWasmKernels } from '@convlstm/backend-node';
import { getBackend, setBackend } from '@tensorflow/tfjs-core';
import type { BenchBackend, ExtraContender } from './harness.js';
import { plainContender } from './impls.js';

/** Node backends the bench tries, in this order. */
export const NODE_BENCH_BACKENDS = [
  'wasm',
  'tensorflow',
  'cpu',
] as const satisfies readonly NodeBackendName[];
export type NodeBenchBackend = (typeof NODE_BENCH_BACKENDS)[number];

/** Activation through `useNodeBackend` (wasm training kernels, the native addon when built). */
export function nodeBackend(name: NodeBenchBackend): BenchBackend {
  return {
    name,
    activate: async () => {
      try {
        await useNodeBackend({ backend: name });
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
  applies: (backend, shape) => backend === 'wasm' && shape.memoryOnly !== true,
  make: (shape) => ({
    ...plainContender(shape),
    name: 'plain:stock-wasm',
    around: (run) => withStockWasmKernels(run),
  }),
};
