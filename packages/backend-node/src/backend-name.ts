/**
 * The Node backends this package can pick, best first:
 * - `'tensorflow-gpu'`: libtensorflow with CUDA, from `@tensorflow/tfjs-node-gpu`;
 * - `'tensorflow'`: native libtensorflow on the CPU, from `@tensorflow/tfjs-node`;
 * - `'wasm'`: XNNPACK compiled to WebAssembly, from `@tensorflow/tfjs-backend-wasm`;
 * - `'cpu'`: plain JavaScript loops, from `@tensorflow/tfjs-backend-cpu`.
 */
export type NodeBackendName = 'tensorflow-gpu' | 'tensorflow' | 'wasm' | 'cpu';

/** Preference order of {@link useNodeBackend}'s automatic choice. */
export const NODE_BACKEND_ORDER: readonly NodeBackendName[] = ['tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'];

/** The npm package that provides each backend. */
export const NODE_BACKEND_PACKAGES: Readonly<Record<NodeBackendName, string>> = {
  'tensorflow-gpu': '@tensorflow/tfjs-node-gpu',
  tensorflow: '@tensorflow/tfjs-node',
  wasm: '@tensorflow/tfjs-backend-wasm',
  cpu: '@tensorflow/tfjs-backend-cpu',
};

/**
 * The name each backend has in TF.js' registry (`tf.getBackend()`). Both native
 * packages register `'tensorflow'`, so only one of them can live in a process.
 */
export const TFJS_BACKEND_NAMES: Readonly<Record<NodeBackendName, string>> = {
  'tensorflow-gpu': 'tensorflow',
  tensorflow: 'tensorflow',
  wasm: 'wasm',
  cpu: 'cpu',
};

export function isNodeBackendName(value: unknown): value is NodeBackendName {
  return typeof value === 'string' && (NODE_BACKEND_ORDER as readonly string[]).includes(value);
}
