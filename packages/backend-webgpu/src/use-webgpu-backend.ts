import '@tensorflow/tfjs-backend-webgpu';
import '@tensorflow/tfjs-backend-webgl';
import { registerWasmKernels, type WasmKernelsReport } from '@convlstm/backend-wasm';
import { withoutEmscriptenProcessHandlers } from '@convlstm/backend-wasm/internal';
import { assertKnownKeys, ConvLSTMArgumentError, describeValue } from '@convlstm/tensor';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { engine, getBackend, ready, setBackend } from '@tensorflow/tfjs-core';
import { registerWebGPUKernels, registerWebGPUProfile } from './register-kernels.js';

/** Backends `useWebGPUBackend` can end up on. */
export type BrowserBackendName = 'webgpu' | 'webgl' | 'wasm' | 'cpu';

/** Options of {@link useWebGPUBackend}. */
export interface UseWebGPUBackendOptions {
  /** Tried in order when WebGPU is unavailable. Default `['webgl', 'wasm']` ('cpu' needs tfjs-backend-cpu loaded). */
  fallbacks?: readonly Exclude<BrowserBackendName, 'webgpu'>[];
  /** Register the core's gate kernels (`CONVLSTM_GATES` and its backward, WGSL) on WebGPU. Default `true`. */
  gateKernels?: boolean;
  /**
   * When the wasm fallback runs, register `@convlstm/backend-wasm`'s kernels for it
   * (`registerWasmKernels`): the training kernels tfjs-backend-wasm lacks or gets wrong, so ConvLSTM
   * trains there, and the WebAssembly SIMD inference kernels. Default `true`.
   */
  wasmKernels?: boolean;
  /**
   * Where the wasm backend finds its `.wasm` binaries (a folder URL ending in `/`, or a map
   * of file name to URL), passed to `setWasmPaths`. Default: the copies this package ships in
   * its `wasm/` folder, located with `new URL('../wasm/…', import.meta.url)`, which Vite and
   * webpack 5 see and emit into the bundle with no configuration. Needed only where that
   * pattern is not followed (esbuild, a CDN, the CJS build).
   */
  wasmPaths?: string | Record<string, string>;
}

/** What a browser backend attempt did. */
export interface BackendAttempt {
  readonly backend: BrowserBackendName;
  readonly ok: boolean;
  /** Why it was not used; absent when it was. */
  readonly reason?: string;
}

/** The outcome of {@link useWebGPUBackend}. */
export interface BrowserBackendReport {
  /** The backend now active (`tf.getBackend()`). */
  readonly backend: BrowserBackendName;
  /** `true` when WebGPU could not be used and a fallback runs. */
  readonly fellBack: boolean;
  /** Every backend tried, in order, with the reason each failed. */
  readonly attempts: readonly BackendAttempt[];
  /** The WebGPU adapter, when one was found (`isFallbackAdapter` is true for software ones like SwiftShader). */
  readonly adapter?: {
    readonly vendor: string;
    readonly architecture: string;
    readonly isFallbackAdapter: boolean;
  };
  /** Whether the WGSL gate kernels are registered (WebGPU only). */
  readonly gateKernels: boolean;
  /**
   * Whether `@convlstm/backend-wasm`'s kernels are registered for the active wasm backend, so
   * ConvLSTM trains there (wasm only; `false` on every other backend).
   */
  readonly wasmKernels: boolean;
  /** Present on wasm when {@link BrowserBackendReport.wasmKernels} is false: why. */
  readonly wasmKernelsError?: string;
  /**
   * Present on wasm with the kernels registered: what `registerWasmKernels` did, including whether
   * the SIMD inference kernels run (`inferenceKernels`) and, if not, why (`inferenceKernelsError`).
   */
  readonly wasm?: WasmKernelsReport;
}

interface MinimalAdapter {
  readonly info?: { vendor?: string; architecture?: string; isFallbackAdapter?: boolean };
  readonly isFallbackAdapter?: boolean;
}
interface MinimalGpu {
  requestAdapter(): Promise<MinimalAdapter | null>;
}

/** True in Node.js (tests, server-side rendering), which has neither WebGPU nor WebGL. */
function inNode(): boolean {
  const proc = (globalThis as { process?: { versions?: { node?: string } } }).process;
  return typeof proc?.versions?.node === 'string';
}

/** Why this Node.js process cannot run a backend, said in every attempt that needs a browser. */
const NODE_REASON =
  'this is Node.js, which has no WebGPU or WebGL (for Node, use useNodeBackend() of @convlstm/backend-node)';

/**
 * tfjs-backend-wasm's three binaries, as this package ships them (see scripts/copy-wasm.mjs).
 * Each `new URL` names its file literally: that is the pattern bundlers find and rewrite to
 * the emitted asset. `undefined` where `import.meta.url` is absent (the CJS build) or in Node,
 * where tfjs-backend-wasm reads its own copies from disk.
 */
function shippedWasmPaths(): Record<string, string> | undefined {
  if (inNode()) return undefined;
  try {
    return {
      'tfjs-backend-wasm.wasm': new URL('../wasm/tfjs-backend-wasm.wasm', import.meta.url).href,
      'tfjs-backend-wasm-simd.wasm': new URL('../wasm/tfjs-backend-wasm-simd.wasm', import.meta.url).href,
      'tfjs-backend-wasm-threaded-simd.wasm': new URL(
        '../wasm/tfjs-backend-wasm-threaded-simd.wasm',
        import.meta.url,
      ).href,
    };
  } catch {
    return undefined;
  }
}

/**
 * Points tfjs-backend-wasm at its binaries: the user's `wasmPaths`, else the shipped copies,
 * unless a wasm backend is initialised already (tfjs-backend-wasm then refuses new paths, and the
 * one running found its binaries).
 */
function locateWasm(wasmPaths: UseWebGPUBackendOptions['wasmPaths']): void {
  if (wasmPaths !== undefined) {
    setWasmPaths(wasmPaths);
    return;
  }
  if (engine().registry.wasm !== undefined) return;
  const shipped = shippedWasmPaths();
  if (shipped !== undefined) setWasmPaths(shipped);
}

/** Why WebGPU cannot run here, or `null` with the adapter when it can. */
async function probeWebGPU(): Promise<{ reason: string } | { adapter: MinimalAdapter }> {
  if (inNode()) return { reason: `navigator.gpu is missing: ${NODE_REASON}` };
  const nav = (globalThis as { navigator?: { gpu?: MinimalGpu } }).navigator;
  if (nav === undefined) return { reason: 'no navigator: not running in a browser' };
  if (nav.gpu === undefined) {
    return {
      reason:
        'navigator.gpu is missing: this browser does not expose WebGPU (old browser, WebGPU disabled, or a page not served over https/localhost)',
    };
  }
  let adapter: MinimalAdapter | null;
  try {
    adapter = await nav.gpu.requestAdapter();
  } catch (error) {
    return { reason: `navigator.gpu.requestAdapter() threw: ${String(error)}` };
  }
  if (adapter === null)
    return { reason: 'navigator.gpu.requestAdapter() returned null: no usable GPU adapter' };
  return { adapter };
}

async function trySet(backend: BrowserBackendName): Promise<string | null> {
  // tfjs-backend-webgl would try to create a canvas and print its failure; say why instead.
  if (backend === 'webgl' && inNode()) return NODE_REASON;
  try {
    // setBackend resolves false instead of throwing when the backend's factory fails.
    const ok = await setBackend(backend);
    await ready();
    if (!ok || getBackend() !== backend) return `tf.setBackend('${backend}') did not activate it`;
    return null;
  } catch (error) {
    return `tf.setBackend('${backend}') threw: ${String(error)}`;
  }
}

type WasmSetup = Pick<BrowserBackendReport, 'wasmKernels' | 'wasmKernelsError' | 'wasm'>;

/** Registers the wasm kernels once wasm runs; never throws, so the fallback itself still succeeds. */
async function setUpWasm(wanted: boolean): Promise<WasmSetup> {
  if (!wanted) return { wasmKernels: false, wasmKernelsError: 'options.wasmKernels is false' };
  try {
    return { wasmKernels: true, wasm: await registerWasmKernels() };
  } catch (error) {
    return { wasmKernels: false, wasmKernelsError: `registerWasmKernels() threw: ${String(error)}` };
  }
}

const OPTION_KEYS: readonly (keyof UseWebGPUBackendOptions)[] = [
  'fallbacks',
  'gateKernels',
  'wasmKernels',
  'wasmPaths',
];

function validate(options: UseWebGPUBackendOptions): void {
  assertKnownKeys(options, OPTION_KEYS, 'options');
  for (const key of ['gateKernels', 'wasmKernels'] as const) {
    const value = options[key];
    if (value !== undefined && typeof value !== 'boolean') {
      throw new ConvLSTMArgumentError(`options.${key}`, 'a boolean', describeValue(value));
    }
  }
}

/**
 * Makes WebGPU the active TF.js backend and registers the fused ConvLSTM gate kernels on it.
 * When WebGPU is unavailable — `navigator.gpu` missing, no adapter, or the backend fails to
 * start — it falls back to WebGL, then wasm (see `fallbacks`), and says why in the report. On
 * wasm it registers `@convlstm/backend-wasm`'s kernels (see `wasmKernels`), without which
 * tfjs-backend-wasm cannot train a ConvLSTM (its `Conv2DBackpropFilter` is missing).
 * Never throws for an unavailable backend; throws only when no backend at all could start.
 *
 * In Node.js (tests, server-side rendering) the module imports without a browser, and this
 * reports that Node has neither WebGPU nor WebGL and falls back as configured: wasm (or cpu)
 * runs, for inference. Training in Node needs tfjs-core's gradients, which
 * `useNodeBackend()` of `@convlstm/backend-node` registers; use that there.
 *
 * @throws ConvLSTMArgumentError on bad options, an unknown key included (before any backend is tried).
 */
export async function useWebGPUBackend(options: UseWebGPUBackendOptions = {}): Promise<BrowserBackendReport> {
  validate(options);
  const fallbacks = options.fallbacks ?? ['webgl', 'wasm'];
  const attempts: BackendAttempt[] = [];
  locateWasm(options.wasmPaths);
  const probe = await probeWebGPU();
  let adapterReport: BrowserBackendReport['adapter'];
  if ('reason' in probe) {
    attempts.push({ backend: 'webgpu', ok: false, reason: probe.reason });
  } else {
    const info = probe.adapter.info ?? {};
    adapterReport = {
      vendor: info.vendor ?? '',
      architecture: info.architecture ?? '',
      isFallbackAdapter: info.isFallbackAdapter ?? probe.adapter.isFallbackAdapter ?? false,
    };
    const reason = await trySet('webgpu');
    attempts.push(
      reason === null ? { backend: 'webgpu', ok: true } : { backend: 'webgpu', ok: false, reason },
    );
    if (reason === null) {
      const gateKernels = options.gateKernels ?? true;
      registerWebGPUProfile();
      if (gateKernels) registerWebGPUKernels();
      return {
        backend: 'webgpu',
        fellBack: false,
        attempts,
        adapter: adapterReport,
        gateKernels,
        wasmKernels: false,
      };
    }
  }
  for (const backend of fallbacks) {
    // In Node, wasm's Emscripten module would turn every later uncaught error into exit code 7.
    const reason =
      backend === 'wasm'
        ? await withoutEmscriptenProcessHandlers(() => trySet(backend))
        : await trySet(backend);
    attempts.push(reason === null ? { backend, ok: true } : { backend, ok: false, reason });
    if (reason === null) {
      const wasm: WasmSetup =
        backend === 'wasm' ? await setUpWasm(options.wasmKernels ?? true) : { wasmKernels: false };
      return {
        backend,
        fellBack: true,
        attempts,
        ...(adapterReport === undefined ? {} : { adapter: adapterReport }),
        gateKernels: false,
        ...wasm,
      };
    }
  }
  throw new Error(
    `useWebGPUBackend: no backend could start: ${attempts.map((a) => `${a.backend}: ${a.reason}`).join('; ')}`,
  );
}
