import { ConvLSTMArgumentError, describeValue } from '@convlstm/tensor';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import type { TensorInfo } from '@tensorflow/tfjs-core';
import {
  GATES_WASM_PLAIN,
  GATES_WASM_SHARED,
  WINOGRAD_WASM_PLAIN,
  WINOGRAD_WASM_SHARED,
} from './wasm-programs.js';

/** This package's WebAssembly programs, each built for a shared and a plain memory. */
const PROGRAMS = {
  gates: { shared: GATES_WASM_SHARED, plain: GATES_WASM_PLAIN },
  winograd: { shared: WINOGRAD_WASM_SHARED, plain: WINOGRAD_WASM_PLAIN },
} as const;

export type ProgramName = keyof typeof PROGRAMS;

/** Every program of this package, e.g. to link them all to a backend up front. */
export const PROGRAM_NAMES = Object.keys(PROGRAMS) as ProgramName[];

/** The parts of tfjs-backend-wasm 4.22's backend these programs use (not in its typings). */
interface WasmHeapAccess {
  readonly wasm: { readonly wasmMemory?: unknown; readonly asm?: { readonly memory?: unknown } };
  readonly dataIdMap: { get(dataId: object): { readonly memoryOffset: number } | undefined };
}

/**
 * The Memory TF.js' module runs on: its threaded build keeps it as `wasmMemory`, the
 * single-thread build exports it from the instance.
 */
function heapMemory(backend: BackendWasm): WebAssembly.Memory {
  // Optional chaining: a backend of another kind has no `wasm` module at all.
  const wasm = (backend as unknown as Partial<WasmHeapAccess>).wasm;
  const memory = wasm?.wasmMemory ?? wasm?.asm?.memory;
  if (!(memory instanceof WebAssembly.Memory)) {
    throw new Error(
      "@convlstm/backend-wasm: tfjs-backend-wasm's heap memory was not found (expected module.wasmMemory or module.asm.memory, as in 4.22)",
    );
  }
  return memory;
}

/**
 * The bytes of a committed base64 program. `atob` is global in browsers, workers and Node ≥ 16,
 * so this package needs neither `Buffer` nor a `node:` import.
 */
export function decodeBase64(base64: string): Uint8Array<ArrayBuffer> {
  const text = atob(base64);
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
  return bytes;
}

/**
 * Whether `memory` is shared. A page that is not cross-origin isolated has no `SharedArrayBuffer`
 * global at all (TF.js then runs its single-thread binary, on a plain memory).
 */
function isShared(memory: WebAssembly.Memory): boolean {
  return typeof SharedArrayBuffer !== 'undefined' && memory.buffer instanceof SharedArrayBuffer;
}

/** Instances per TF.js wasm backend, each on that backend's own memory. */
const instances = new WeakMap<BackendWasm, Map<ProgramName, WebAssembly.Exports>>();

/** Compiled modules by program and memory kind: compiled once, instantiated per backend. */
const modules = new Map<string, WebAssembly.Module>();

function instancesOf(backend: BackendWasm): Map<ProgramName, WebAssembly.Exports> {
  let programs = instances.get(backend);
  if (programs === undefined) {
    programs = new Map();
    instances.set(backend, programs);
  }
  return programs;
}

function moduleKey(name: ProgramName, memory: WebAssembly.Memory): string {
  return `${name}:${isShared(memory) ? 'shared' : 'plain'}`;
}

function programBytes(name: ProgramName, memory: WebAssembly.Memory): Uint8Array<ArrayBuffer> {
  const build = PROGRAMS[name];
  return decodeBase64(isShared(memory) ? build.shared : build.plain);
}

/**
 * The exports of program `name` bound to `backend`'s heap, instantiated on first use unless
 * {@link linkWasmPrograms} did it already: the shared-memory build links against TF.js' threaded
 * binary, the plain one against its single-thread binary. Pointers passed to them are byte offsets
 * into that heap, and since the program imports TF.js' Memory object it sees the heap after TF.js
 * grows it. The first-use path compiles synchronously, which a browser's main thread may refuse
 * for large modules; platforms link up front with {@link linkWasmPrograms}.
 */
export function wasmProgram(backend: BackendWasm, name: ProgramName): WebAssembly.Exports {
  const programs = instancesOf(backend);
  const known = programs.get(name);
  if (known !== undefined) return known;
  const memory = heapMemory(backend);
  const key = moduleKey(name, memory);
  let module = modules.get(key);
  if (module === undefined) {
    module = new WebAssembly.Module(programBytes(name, memory));
    modules.set(key, module);
  }
  const exports = new WebAssembly.Instance(module, { env: { memory } }).exports;
  programs.set(name, exports);
  return exports;
}

let supported: boolean | undefined;

/** Whether this runtime can compile the programs (they need WebAssembly SIMD); checked once. */
export function wasmProgramsSupported(): boolean {
  supported ??= Object.values(PROGRAMS).every((p) => WebAssembly.validate(decodeBase64(p.plain)));
  return supported;
}

/**
 * Compiles every program of this package and instantiates it on `backend`'s heap (TF.js'
 * `WebAssembly.Memory`: shared for the threaded binary, plain for the single-thread one), so that
 * the inference kernels find them ready. Asynchronous because browsers refuse to compile large
 * modules synchronously on the main thread; idempotent per backend. Node's and the browser's
 * setup both call it once the wasm backend is initialised (through {@link registerWasmKernels}),
 * so a runtime where linking fails finds out then, not in the first forward pass.
 *
 * @param backend the initialised tfjs-backend-wasm backend, e.g. `tf.engine().findBackend('wasm')`.
 * @throws ConvLSTMArgumentError when `backend` is not an object.
 * @throws Error when this runtime has no WebAssembly SIMD, or `backend` has no wasm heap (not a
 *   tfjs-backend-wasm 4.22 backend).
 */
export async function linkWasmPrograms(backend: BackendWasm): Promise<void> {
  if (backend === null || typeof backend !== 'object') {
    throw new ConvLSTMArgumentError('backend', "tfjs-backend-wasm's BackendWasm", describeValue(backend));
  }
  if (!wasmProgramsSupported()) {
    throw new Error(
      '@convlstm/backend-wasm: this runtime has no WebAssembly SIMD, which the inference kernels need',
    );
  }
  const memory = heapMemory(backend);
  const programs = instancesOf(backend);
  for (const name of PROGRAM_NAMES) {
    if (programs.has(name)) continue;
    const key = moduleKey(name, memory);
    let module = modules.get(key);
    if (module === undefined) {
      module = await WebAssembly.compile(programBytes(name, memory));
      modules.set(key, module);
    }
    const instance = await WebAssembly.instantiate(module, { env: { memory } });
    // Another call may have linked it while this one awaited: keep the first instance.
    if (!programs.has(name)) programs.set(name, instance.exports);
  }
}

/** Byte offset of a tensor's data in `backend`'s heap. */
export function heapOffset(backend: BackendWasm, info: TensorInfo): number {
  const data = (backend as unknown as WasmHeapAccess).dataIdMap.get(info.dataId);
  if (data === undefined) throw new Error('@convlstm/backend-wasm: a tensor has no data on the wasm backend');
  return data.memoryOffset;
}
