import { type NodeBackendName, useNodeBackend } from '@convlstm/backend-node';
import { getBackend, setBackend } from '@tensorflow/tfjs-core';
import type { BenchBackend } from './harness.js';

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
