import { CONVLSTM_GATES } from '@convlstm/core/backend';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import type { KernelConfig, KernelFunc, NamedTensorInfoMap, TensorInfo } from '@tensorflow/tfjs-core';
import { heapOffset, wasmProgram } from './wasm-program.js';

/** The export of gates.wat; pointers are byte offsets into TF.js' heap, strides in floats. */
type GatesForward = (
  rows: number,
  channels: number,
  zi: number,
  zf: number,
  zg: number,
  zo: number,
  zStride: number,
  xi: number,
  xf: number,
  xg: number,
  xo: number,
  xStride: number,
  hasX: number,
  c: number,
  peepholeI: number,
  peepholeF: number,
  peepholeO: number,
  hasPeepholes: number,
  hOut: number,
  cOut: number,
) => void;

/** The gate program bound to `backend`'s heap (see {@link wasmProgram}). */
export function gatesProgram(backend: BackendWasm): GatesForward {
  return wasmProgram(backend, 'gates').gatesForward as GatesForward;
}

const KERNEL = `${CONVLSTM_GATES} (wasm, @convlstm/backend-wasm)`;

function checkTensor(name: string, info: TensorInfo, shape: readonly number[]): void {
  if (info.dtype !== 'float32')
    throw new Error(`${KERNEL}: input '${name}' must be float32, got ${info.dtype}`);
  if (info.shape.length !== shape.length || info.shape.some((d, i) => d !== shape[i])) {
    throw new Error(`${KERNEL}: input '${name}' must have shape [${shape}], got [${info.shape}]`);
  }
}

/** Where gate g's values start (bytes) and how far apart rows are (floats). */
interface GateLayout {
  readonly pointers: readonly [number, number, number, number];
  readonly stride: number;
}

/** Reads one stacked four-gate operand `<name> [..., 4C]`; `null` when absent (allowed only when not `required`). */
function gateOperand(
  inputs: NamedTensorInfoMap,
  name: 'z' | 'x',
  cShape: readonly number[],
  at: (t: TensorInfo) => number,
  required: boolean,
): GateLayout | null {
  const channels = cShape[cShape.length - 1] as number;
  const stacked = inputs[name];
  if (stacked === undefined) {
    if (required) throw new Error(`${KERNEL}: input '${name}' is missing`);
    return null;
  }
  checkTensor(name, stacked, [...cShape.slice(0, -1), 4 * channels]);
  const base = at(stacked);
  const gateBytes = channels * Float32Array.BYTES_PER_ELEMENT;
  return {
    pointers: [base, base + gateBytes, base + 2 * gateBytes, base + 3 * gateBytes],
    stride: 4 * channels,
  };
}

const kernelFunc: KernelFunc = ({ inputs, backend }) => {
  const wasmBackend = backend as BackendWasm;
  const at = (t: TensorInfo): number => heapOffset(wasmBackend, t);
  const c = inputs.c;
  if (c === undefined) throw new Error(`${KERNEL}: input 'c' is missing`);
  const shape = c.shape;
  const channels = shape[shape.length - 1] ?? 0;
  checkTensor('c', c, shape);
  const z = gateOperand(inputs, 'z', shape, at, true) as GateLayout;
  const x = gateOperand(inputs, 'x', shape, at, false);
  const peepholeNames = ['peepholeI', 'peepholeF', 'peepholeO'];
  const peepholes = peepholeNames.map((n) => inputs[n]);
  const peepholeCount = peepholes.filter((p) => p !== undefined).length;
  if (peepholeCount !== 0 && peepholeCount !== 3) {
    throw new Error(`${KERNEL}: inputs ${peepholeNames.join(', ')} come together; got ${peepholeCount} of 3`);
  }
  for (const [k, p] of peepholes.entries())
    if (p !== undefined) checkTensor(peepholeNames[k] as string, p, [channels]);
  const run = gatesProgram(wasmBackend);
  // Outputs first: allocating may grow the heap, which the program sees through the same Memory.
  const hOut = wasmBackend.makeOutput([...shape], 'float32');
  const cOut = wasmBackend.makeOutput([...shape], 'float32');
  const size = shape.reduce((a, b) => a * b, 1);
  if (size === 0) return [hOut, cOut];
  const peep = (k: number): number => (peepholeCount === 0 ? 0 : at(peepholes[k] as TensorInfo));
  run(
    size / channels,
    channels,
    ...z.pointers,
    z.stride,
    ...(x?.pointers ?? ([0, 0, 0, 0] as const)),
    x?.stride ?? 0,
    x === null ? 0 : 1,
    at(c),
    peep(0),
    peep(1),
    peep(2),
    peepholeCount === 0 ? 0 : 1,
    at(hOut),
    at(cOut),
  );
  return [hOut, cOut];
};

/**
 * The core's {@link CONVLSTM_GATES} for tfjs-backend-wasm: a whole step's gate arithmetic (the
 * projected-input add, three sigmoids, two tanh, the products) as one WebAssembly SIMD loop
 * over TF.js' heap, instead of 10–19 element-wise kernels and a channel split. Forward only (no
 * `CONVLSTM_GATES_GRAD` here), so the core runs it only while no gradient is recorded. The
 * program reads each gate through its own pointer and row stride.
 */
export const inferenceGatesConfig: KernelConfig = {
  kernelName: CONVLSTM_GATES,
  backendName: 'wasm',
  kernelFunc,
};
