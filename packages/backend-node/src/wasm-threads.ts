import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { availableParallelism, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { ConvLSTMArgumentError, describeValue } from '@convlstm/tensor';
import type { KernelBackend } from '@tensorflow/tfjs-core';

/** The parts of `@tensorflow/tfjs-backend-wasm`'s module used to build a threaded backend. */
export interface WasmPackageLike {
  readonly BackendWasm: new (module: never) => KernelBackend;
  setThreadsCount(count: number): void;
  getThreadsCount(): number;
}

/** The parts of the Emscripten module read or written here. */
interface EmscriptenModule {
  cwrap(name: string, returns: string | null, args: readonly string[]): unknown;
  PThread: { readonly runningWorkers: readonly { unref(): void }[] };
  tfjs?: Record<string, unknown>;
}

type Factory = (config: Record<string, unknown>) => Promise<EmscriptenModule>;

/** TF.js' threaded binary starts 8 pthread workers and caps XNNPACK's pool there. */
export const MAX_WASM_THREADS = 8;

/** One XNNPACK thread per core Node reports, at most {@link MAX_WASM_THREADS}. */
export function defaultWasmThreads(): number {
  return Math.max(1, Math.min(MAX_WASM_THREADS, availableParallelism()));
}

/** True where this Node can create the shared WebAssembly memory threads need. */
export function wasmThreadsSupported(): boolean {
  try {
    const memory = new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true });
    return typeof SharedArrayBuffer !== 'undefined' && memory.buffer instanceof SharedArrayBuffer;
  } catch {
    return false;
  }
}

let workerScriptPath: string | undefined;

/**
 * Emscripten starts each pthread with `new Worker(path)`. TF.js hands it a `blob:` URL,
 * which Node's `worker_threads` cannot load, so the script (shipped inside TF.js as a
 * string) is written once per process to a private temporary directory, removed at exit.
 */
function workerScript(contents: string): string {
  if (workerScriptPath !== undefined) return workerScriptPath;
  const dir = mkdtempSync(join(tmpdir(), 'convlstm-wasm-'));
  const path = join(dir, 'pthread-worker.cjs');
  // TF.js escapes the same way before making its blob: the string holds '\n' escapes
  // that its template literal turned into real newlines inside JS string literals.
  writeFileSync(`${path}.tmp`, contents.replace(/\n/g, '\\n'));
  renameSync(`${path}.tmp`, path);
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  workerScriptPath = path;
  return path;
}

/**
 * Builds tfjs-backend-wasm's `BackendWasm` on its threaded SIMD binary in Node, with
 * `threads` XNNPACK threads (the calling thread is one of them). TF.js 4.22 never does
 * this itself in Node: its thread check answers false there, and its worker comes from a
 * `blob:` URL. The binary also sizes its pool as half the logical cores (assuming SMT),
 * capped by the count requested, which would give one thread on two cores; the core
 * count it imports is answered as `2 · threads` so the pool has exactly `threads`.
 *
 * @param pkg the loaded `@tensorflow/tfjs-backend-wasm` module.
 * @param mainPath the file that module was loaded from (its `wasm-out` folder is beside `dist`).
 * @param threads XNNPACK threads, 2 to {@link MAX_WASM_THREADS}.
 * @throws ConvLSTMArgumentError when `threads` is out of range (before loading anything).
 */
export async function createThreadedWasmBackend(
  pkg: WasmPackageLike,
  mainPath: string,
  threads: number,
): Promise<KernelBackend> {
  if (!(Number.isInteger(threads) && threads >= 2 && threads <= MAX_WASM_THREADS)) {
    throw new ConvLSTMArgumentError(
      'threads',
      `an integer from 2 to ${MAX_WASM_THREADS}`,
      describeValue(threads),
    );
  }
  const out = join(dirname(mainPath), '..', 'wasm-out');
  const req = createRequire(mainPath);
  const mainScript = join(out, 'tfjs-backend-wasm-threaded-simd.js');
  const factory = req(mainScript) as Factory;
  const { wasmWorkerContents } = req(join(out, 'tfjs-backend-wasm-threaded-simd.worker.js')) as {
    wasmWorkerContents: string;
  };
  const binaryPath = join(out, 'tfjs-backend-wasm-threaded-simd.wasm');
  const worker = workerScript(wasmWorkerContents);

  const module = await new Promise<EmscriptenModule>((resolve, reject) => {
    const config: Record<string, unknown> = {
      locateFile: (path: string, prefix: string) => {
        if (path.endsWith('.worker.js')) return worker;
        if (path.endsWith('.wasm')) return binaryPath;
        return prefix + path;
      },
      // Each worker evaluates this file, then calls the factory it defines.
      mainScriptUrlOrBlob: mainScript,
      instantiateWasm: (
        imports: { env: Record<string, unknown> },
        receive: (instance: WebAssembly.Instance, module: WebAssembly.Module) => void,
      ) => {
        imports.env.emscripten_num_logical_cores = () => 2 * threads;
        readFile(binaryPath)
          .then((binary) => WebAssembly.instantiate(binary, imports as WebAssembly.Imports))
          .then((result) => receive(result.instance, result.module))
          .catch(reject);
        return {};
      },
      onAbort: (what: unknown) => reject(new Error(`the threaded wasm module aborted: ${String(what)}`)),
    };
    factory(config).then(resolve, reject);
  });

  module.tfjs = {
    init: module.cwrap('init', null, []),
    initWithThreadsCount: module.cwrap('init_with_threads_count', null, ['number']),
    getThreadsCount: module.cwrap('get_threads_count', 'number', []),
    registerTensor: module.cwrap('register_tensor', null, ['number', 'number', 'number']),
    disposeData: module.cwrap('dispose_data', null, ['number']),
    dispose: module.cwrap('dispose', null, []),
  };
  pkg.setThreadsCount(threads);
  const backend = new pkg.BackendWasm(module as never);
  // The pool's workers now wait for work for the life of the process; unreferenced, they
  // let Node exit when the program is done instead of keeping it alive.
  for (const w of module.PThread.runningWorkers) w.unref();
  return backend;
}
