import type { NodeBackendName } from './backend-name.js';

/**
 * Why a backend was not used:
 * - `'not-installed'`: its package does not resolve;
 * - `'load-failed'`: the package resolves but throws on load (typically the native addon
 *   or libtensorflow/CUDA libraries missing; `message` has the loader's error);
 * - `'no-cuda-device'`: tfjs-node-gpu loaded but TensorFlow sees no CUDA device;
 * - `'init-failed'`: the package loaded but its backend did not initialise.
 */
export type SkipReason = 'not-installed' | 'load-failed' | 'no-cuda-device' | 'init-failed';

/** A backend {@link useNodeBackend} tried and could not use. */
export interface SkippedBackend {
  readonly backend: NodeBackendName;
  readonly package: string;
  readonly reason: SkipReason;
  /** Human-readable detail, including the original error message where there was one. */
  readonly message: string;
}

/** What the wasm backend runs with. */
export interface WasmBackendDetails {
  /** WebAssembly SIMD available (TF.js then loads a SIMD binary). */
  readonly simd: boolean;
  /** This Node can run wasm threads (shared WebAssembly memory) and SIMD is available. */
  readonly multiThread: boolean;
  /** The binary in use: the threaded SIMD one when `threads` > 1. */
  readonly binary:
    | 'tfjs-backend-wasm.wasm'
    | 'tfjs-backend-wasm-simd.wasm'
    | 'tfjs-backend-wasm-threaded-simd.wasm';
  /** XNNPACK threads in use, the calling thread included. */
  readonly threads: number;
  /**
   * Present when threads were asked for but the threaded binary failed to start (e.g. no
   * writable temporary directory for its worker script): why. wasm then runs on one thread.
   */
  readonly threadsError?: string;
  /** Training kernels this call registered for wasm (empty when registered before). */
  readonly addedKernels: readonly string[];
  /**
   * The wasm inference kernels of `@convlstm/backend-wasm` (the core's one-kernel gate step
   * `ConvLSTMGates`, forward only, and Winograd 5×5 convolutions, WebAssembly SIMD on TF.js'
   * heap) are registered and linked to this backend; the core uses them whenever no gradient is
   * recorded.
   */
  readonly inferenceKernels: boolean;
  /** Present when the inference kernels could not be used: why. The core then runs TF.js ops. */
  readonly inferenceKernelsError?: string;
}

/** What the native backend runs with. */
export interface NativeBackendDetails {
  /** The 'tensorflow' backend comes from `@tensorflow/tfjs-node-gpu`. */
  readonly gpuPackage: boolean;
  /** TensorFlow placed ops on a CUDA device. */
  readonly usingGpuDevice: boolean;
}

/** The result of {@link useNodeBackend}: the backend now active, and why better ones were not. */
export interface NodeBackendReport {
  /** The backend chosen and now active. */
  readonly backend: NodeBackendName;
  /** Its name in TF.js' registry, equal to `tf.getBackend()`. */
  readonly tfjsBackend: string;
  /** The npm package that provided it. */
  readonly package: string;
  /** True when the caller forced this backend. */
  readonly forced: boolean;
  /** Better backends that were tried and not usable, best first. */
  readonly skipped: readonly SkippedBackend[];
  /** Present when `backend` is `'wasm'`. */
  readonly wasm?: WasmBackendDetails;
  /** Present when `backend` is `'tensorflow'` or `'tensorflow-gpu'`. */
  readonly native?: NativeBackendDetails;
}

/** One line per backend, for logs: `tensorflow-gpu: not installed (...)`, then `using wasm`. */
export function formatBackendReport(report: NodeBackendReport): string {
  const lines = report.skipped.map((s) => `${s.backend}: ${s.reason} (${s.message})`);
  let chosen = `using ${report.backend} (${report.package}${report.forced ? ', forced' : ''})`;
  if (report.wasm !== undefined) {
    chosen += ` binary ${report.wasm.binary}, ${report.wasm.threads} thread(s)`;
    if (report.wasm.threadsError !== undefined) chosen += ` (threads failed: ${report.wasm.threadsError})`;
    if (report.wasm.inferenceKernelsError !== undefined) {
      chosen += ` (inference kernels off: ${report.wasm.inferenceKernelsError})`;
    }
  }
  if (report.native !== undefined) {
    chosen += report.native.usingGpuDevice ? ' on a CUDA device' : ' on the CPU';
  }
  return [...lines, chosen].join('\n');
}

/** Thrown when a forced backend cannot be used; `reason` and `message` say why. */
export class NodeBackendUnavailableError extends Error {
  readonly backend: NodeBackendName;
  readonly reason: SkipReason;

  constructor(skipped: SkippedBackend) {
    super(
      `The '${skipped.backend}' backend (${skipped.package}) is not usable: ${skipped.reason}: ${skipped.message}`,
    );
    this.name = 'NodeBackendUnavailableError';
    this.backend = skipped.backend;
    this.reason = skipped.reason;
  }
}
