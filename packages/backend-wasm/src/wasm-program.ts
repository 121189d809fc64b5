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
  const wasm = (backend as unknown as WasmHeapAccess).wasm;
  const memory = wasm.wasmMemory ?? wasm.asm?.memory;
  if (!(memory instanceof WebAssembly.Memory)) {
    throw new Error(
      "@convlstm/backend-node: tfjs-backend-wasm's heap memory was not found (expected module.wasmMemory or module.asm.memory, as in 4.22)",
    );
  }
  return memory;
}

function decode(base64: string): Uint8Array<ArrayBuffer> {
  return Uint8Array.from(Buffer.from(base64, 'base64'));
}

/** Instances per TF.js wasm backend, each on that backend's own memory. */
const instances = new WeakMap<BackendWasm, Map<ProgramName, WebAssembly.Exports>>();

/**
 * The exports of program `name` bound to `backend`'s heap, instantiated on first use: the
 * shared-memory build links against TF.js' threaded binary, the plain one against its
 * single-thread binary. Pointers passed to them are byte offsets into that heap, and since the
 * program imports TF.js' Memory object it sees the heap after TF.js grows it.
 */
export function wasmProgram(backend: BackendWasm, name: ProgramName): WebAssembly.Exports {
  let programs = instances.get(backend);
  if (programs === undefined) {
    programs = new Map();
    instances.set(backend, programs);
  }
  const known = programs.get(name);
  if (known !== undefined) return known;
  const memory = heapMemory(backend);
  const build = PROGRAMS[name];
  const bytes = decode(memory.buffer instanceof SharedArrayBuffer ? build.shared : build.plain);
  const exports = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { memory } }).exports;
  programs.set(name, exports);
  return exports;
}

let supported: boolean | undefined;

/** Whether this runtime can compile the programs (they need WebAssembly SIMD); checked once. */
export function wasmProgramsSupported(): boolean {
  supported ??= Object.values(PROGRAMS).every((p) => WebAssembly.validate(decode(p.plain)));
  return supported;
}

/** Byte offset of a tensor's data in `backend`'s heap. */
export function heapOffset(backend: BackendWasm, info: TensorInfo): number {
  const data = (backend as unknown as WasmHeapAccess).dataIdMap.get(info.dataId);
  if (data === undefined) throw new Error('@convlstm/backend-node: a tensor has no data on the wasm backend');
  return data.memoryOffset;
}
