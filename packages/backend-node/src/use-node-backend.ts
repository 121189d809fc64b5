// tfjs-core first, so that its own build creates the process-wide engine; importing core
// then registers tfjs-core's gradients (which tfjs-core's Node build does not).
import '@tensorflow/tfjs-core';
import { registerWasmKernels } from '@convlstm/backend-wasm';
import { withoutEmscriptenProcessHandlers } from '@convlstm/backend-wasm/internal';
import { type BackendProfile, registerBackendProfile } from '@convlstm/core/backend';
import { assertKnownKeys, ConvLSTMArgumentError, describeValue } from '@convlstm/tensor';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import {
  backend as activeBackend,
  engine,
  env,
  findBackendFactory,
  getBackend,
  type KernelBackend,
  registerBackend,
  removeBackend,
  setBackend,
} from '@tensorflow/tfjs-core';
import {
  isNodeBackendName,
  NODE_BACKEND_ORDER,
  NODE_BACKEND_PACKAGES,
  type NodeBackendName,
  TFJS_BACKEND_NAMES,
} from './backend-name.js';
import { registerNativeKernels } from './native-kernels.js';
import { loadOptionalModule } from './optional-module.js';
import {
  type NativeBackendDetails,
  type NodeBackendReport,
  NodeBackendUnavailableError,
  type SkippedBackend,
  type WasmBackendDetails,
} from './report.js';
import {
  createThreadedWasmBackend,
  defaultWasmThreads,
  MAX_WASM_THREADS,
  type WasmPackageLike,
  wasmThreadsSupported,
} from './wasm-threads.js';

/** Options of {@link useNodeBackend}. */
export interface UseNodeBackendOptions {
  /** Use this backend or throw {@link NodeBackendUnavailableError}; default: the best one present. */
  backend?: NodeBackendName;
  /**
   * XNNPACK threads of the wasm backend, 1 to 8; default one per core (at most 8). With 2
   * or more, the threaded SIMD binary is loaded (which TF.js 4.22 itself never does in
   * Node); with 1, TF.js' own single-thread SIMD binary. Applies when wasm is initialised
   * by this call; a wasm backend initialised before keeps its threads, and the report's
   * `wasm.threads` says what is in use.
   */
  wasmThreads?: number;
}

const USE_NODE_BACKEND_KEYS = Object.keys({
  backend: true,
  wasmThreads: true,
} satisfies Record<keyof UseNodeBackendOptions, true>);

/** The parts of tfjs-node's backend object read here. */
interface NodeKernelBackendLike {
  isGPUPackage?: boolean;
  isUsingGpuDevice?: boolean;
}

/** The parts of tfjs-node(-gpu) read here; it re-exports TF.js, engine included. */
interface TfjsNodeModuleLike {
  engine?: () => unknown;
}

type Attempt<D> =
  | { readonly ok: true; readonly package: string; readonly details?: D }
  | { readonly ok: false; readonly skipped: SkippedBackend };

function skip(backend: NodeBackendName, reason: SkippedBackend['reason'], message: string): Attempt<never> {
  return { ok: false, skipped: { backend, package: NODE_BACKEND_PACKAGES[backend], reason, message } };
}

function validate(options: UseNodeBackendOptions): void {
  if (options === null || typeof options !== 'object') {
    throw new ConvLSTMArgumentError('options', 'an object', describeValue(options));
  }
  assertKnownKeys(options, USE_NODE_BACKEND_KEYS, 'options');
  if (options.backend !== undefined && !isNodeBackendName(options.backend)) {
    throw new ConvLSTMArgumentError(
      'options.backend',
      NODE_BACKEND_ORDER.map((b) => `'${b}'`).join(' | '),
      describeValue(options.backend),
    );
  }
  const threads = options.wasmThreads;
  if (threads !== undefined && !(Number.isInteger(threads) && threads >= 1 && threads <= MAX_WASM_THREADS)) {
    throw new ConvLSTMArgumentError(
      'options.wasmThreads',
      `an integer from 1 to ${MAX_WASM_THREADS}`,
      describeValue(threads),
    );
  }
}

async function activate(name: string): Promise<string | null> {
  try {
    if (await setBackend(name)) return null;
    return `setBackend('${name}') returned false (TF.js printed the initialisation error)`;
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
}

/**
 * Loads a native package (unless a 'tensorflow' backend is registered already: both
 * packages register that name, so a process holds one of them) and activates it.
 */
async function tryNative(name: 'tensorflow-gpu' | 'tensorflow'): Promise<Attempt<NativeBackendDetails>> {
  const gpu = name === 'tensorflow-gpu';
  if (findBackendFactory('tensorflow') === null) {
    // TensorFlow reads this when its library loads: its oneDNN convolutions measured ~15 % faster
    // here (78 vs 68 GFLOP/s on a [16,16,16,80]×[5,5,80,256] conv). A user's own setting wins.
    if (!gpu) process.env.TF_ENABLE_ONEDNN_OPTS ??= '1';
    const loaded = loadOptionalModule<TfjsNodeModuleLike>(NODE_BACKEND_PACKAGES[name]);
    if (loaded.status !== 'loaded') return skip(name, loaded.status, loaded.message);
    // Kernel and engine registries are process-wide; a second TF.js copy would show here.
    if (typeof loaded.module.engine === 'function' && loaded.module.engine() !== engine()) {
      return skip(
        name,
        'init-failed',
        `${loaded.path} uses a different TF.js engine than @tensorflow/tfjs-core`,
      );
    }
  }
  const error = await activate('tensorflow');
  if (error !== null) return skip(name, 'init-failed', error);
  const native = activeBackend() as unknown as NodeKernelBackendLike;
  const details: NativeBackendDetails = {
    gpuPackage: native.isGPUPackage === true,
    usingGpuDevice: native.isUsingGpuDevice === true,
  };
  const pkg = details.gpuPackage ? NODE_BACKEND_PACKAGES['tensorflow-gpu'] : NODE_BACKEND_PACKAGES.tensorflow;
  if (gpu && !details.gpuPackage) {
    return skip(
      name,
      'init-failed',
      `${pkg} is already loaded in this process and both native packages register the 'tensorflow' backend`,
    );
  }
  if (gpu && !details.usingGpuDevice) {
    return skip(
      name,
      'no-cuda-device',
      'TensorFlow found no usable CUDA device (tfjs-node-gpu 4.22 needs an NVIDIA driver, CUDA 11.2 and cuDNN 8.1)',
    );
  }
  registerNativeKernels();
  // Measured on the CPU only; CUDA keeps the core's defaults.
  if (!details.usingGpuDevice) registerBackendProfile('tensorflow', NATIVE_CPU_PROFILE);
  return { ok: true, package: pkg, details };
}

/**
 * What the core should know about native TensorFlow on the CPU, from apps/bench: under a gradient
 * tape the hoisted schedule (one input convolution over all N·T frames, and one filter gradient
 * for it) ran at least as fast as per-step `[x_t, h]` convolutions on shapes (a) and (c) and on the
 * main job's encoder, where the core's default rule picks `'concat'`; and the hand-written
 * backward, with far fewer TensorFlow ops per step than autodiff (each op costs a fixed
 * overhead here, large beside the arithmetic of small tensors), trained faster on the main job.
 */
export const NATIVE_CPU_PROFILE: BackendProfile = {
  preferredSchedule: (_config, { recording }) => (recording ? 'hoisted' : undefined),
  preferredGradient: () => 'handwritten',
};

type BackendFactory = () => KernelBackend | Promise<KernelBackend>;

/** The factory tfjs-backend-wasm registered for 'wasm', kept once this module replaces it. */
let stockWasmFactory: BackendFactory | undefined;

/** Why the last threaded initialisation fell back to TF.js' single-thread binary. */
let threadsError: string | undefined;

/**
 * Registers the 'wasm' factory for the thread count wanted, unless a wasm backend is
 * initialised already (replacing it would dispose its tensors). TF.js' kernels are
 * registered per backend name, so both binaries run the same kernel set. After a
 * `removeBackend('wasm')` the factory is registered again.
 */
function prepareWasmFactory(pkg: WasmPackageLike, mainPath: string, threads: number): void {
  if (engine().registry.wasm !== undefined) return;
  const registered = engine().registryFactory.wasm;
  stockWasmFactory ??= registered?.factory;
  if (stockWasmFactory === undefined) return;
  const stock = stockWasmFactory;
  threadsError = undefined;
  const factory: BackendFactory =
    threads >= 2
      ? async () => {
          try {
            return await createThreadedWasmBackend(pkg, mainPath, threads);
          } catch (e) {
            // One thread is far better than falling through to the pure-JS cpu backend.
            threadsError = e instanceof Error ? e.message : String(e);
            return stock();
          }
        }
      : stock;
  if (registered !== undefined) removeBackend('wasm');
  // tfjs-backend-wasm registers itself with priority 2.
  registerBackend('wasm', factory, registered?.priority ?? 2);
}

async function tryWasm(threads: number | undefined): Promise<Attempt<WasmBackendDetails>> {
  const loaded = loadOptionalModule<WasmPackageLike>(NODE_BACKEND_PACKAGES.wasm);
  if (loaded.status !== 'loaded') return skip('wasm', loaded.status, loaded.message);
  const simd = (await env().getAsync('WASM_HAS_SIMD_SUPPORT')) === true;
  const multiThread = simd && wasmThreadsSupported();
  prepareWasmFactory(loaded.module, loaded.path, multiThread ? (threads ?? defaultWasmThreads()) : 1);
  // Its Emscripten module would otherwise turn every later uncaught error into exit code 7.
  const error = await withoutEmscriptenProcessHandlers(() => activate('wasm'));
  if (error !== null) return skip('wasm', 'init-failed', error);
  // Training and inference kernels, the latter linked to this backend's heap now, so a runtime
  // where that fails says why here rather than in the first forward pass.
  const kernels = await registerWasmKernels({ backend: engine().findBackend('wasm') as BackendWasm });
  const actual = loaded.module.getThreadsCount();
  let binary: WasmBackendDetails['binary'] = simd ? 'tfjs-backend-wasm-simd.wasm' : 'tfjs-backend-wasm.wasm';
  if (actual > 1) binary = 'tfjs-backend-wasm-threaded-simd.wasm';
  return {
    ok: true,
    package: NODE_BACKEND_PACKAGES.wasm,
    details: {
      simd,
      multiThread,
      binary,
      threads: actual,
      addedKernels: kernels.addedKernels,
      ...(threadsError === undefined ? {} : { threadsError }),
      inferenceKernels: kernels.inferenceKernels,
      ...(kernels.inferenceKernelsError === undefined
        ? {}
        : { inferenceKernelsError: kernels.inferenceKernelsError }),
    },
  };
}

async function tryCpu(): Promise<Attempt<never>> {
  // tfjs-node registers 'cpu' too (through @tensorflow/tfjs); either copy will do.
  if (findBackendFactory('cpu') === null) {
    const loaded = loadOptionalModule<unknown>(NODE_BACKEND_PACKAGES.cpu);
    if (loaded.status !== 'loaded') return skip('cpu', loaded.status, loaded.message);
  }
  const error = await activate('cpu');
  return error === null
    ? { ok: true, package: NODE_BACKEND_PACKAGES.cpu }
    : skip('cpu', 'init-failed', error);
}

/**
 * Activates the fastest TF.js backend present in this Node process, in the order
 * CUDA (`@tensorflow/tfjs-node-gpu`) → native CPU (`@tensorflow/tfjs-node`) → wasm
 * (`@tensorflow/tfjs-backend-wasm`) → cpu (`@tensorflow/tfjs-backend-cpu`), and reports
 * why each better one was not usable. Native packages are optional peers, loaded only
 * here, so a missing one is reported instead of failing the import. When wasm is
 * chosen, the kernels ConvLSTM training needs are registered for it first.
 *
 * Call it once at start-up, before creating tensors: switching backends later moves
 * existing tensors' data.
 *
 * @throws ConvLSTMArgumentError on bad options (before loading anything).
 * @throws NodeBackendUnavailableError when the forced `options.backend` is not usable.
 */
export async function useNodeBackend(options: UseNodeBackendOptions = {}): Promise<NodeBackendReport> {
  validate(options);
  const forced = options.backend !== undefined;
  const order = forced ? [options.backend as NodeBackendName] : NODE_BACKEND_ORDER;
  const skipped: SkippedBackend[] = [];
  for (const name of order) {
    let attempt: Attempt<WasmBackendDetails | NativeBackendDetails>;
    if (name === 'wasm') attempt = await tryWasm(options.wasmThreads);
    else if (name === 'cpu') attempt = await tryCpu();
    else attempt = await tryNative(name);
    if (!attempt.ok) {
      if (forced) throw new NodeBackendUnavailableError(attempt.skipped);
      skipped.push(attempt.skipped);
      continue;
    }
    const report: NodeBackendReport = {
      backend: name,
      tfjsBackend: getBackend(),
      package: attempt.package,
      forced,
      skipped,
    };
    if (name === 'wasm') return { ...report, wasm: attempt.details as WasmBackendDetails };
    if (name === 'cpu') return report;
    return { ...report, native: attempt.details as NativeBackendDetails };
  }
  throw new Error(
    `No TF.js backend is usable in this process:\n${skipped.map((s) => `${s.backend}: ${s.message}`).join('\n')}`,
  );
}

/** The TF.js registry name of a backend, e.g. `'tensorflow'` for `'tensorflow-gpu'`. */
export function tfjsBackendName(backend: NodeBackendName): string {
  return TFJS_BACKEND_NAMES[backend];
}
