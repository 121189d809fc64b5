import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import {
  backend_util,
  Concat,
  type ConcatAttrs,
  type ConcatInputs,
  type KernelConfig,
  type TensorInfo,
  util,
} from '@tensorflow/tfjs-core';
import { copyRun, delegateToStock } from './fast-slice.js';

/**
 * `Concat` for wasm. The stock kernel reads every input back with `readSync` (a copy), joins
 * them in JavaScript as 2-D arrays and copies the result in again: concatenating
 * `[x_t, h]` along channels took 8–10 ms for 100k floats (bench shape (c)), more than the
 * convolution that follows. This one copies each input's rows straight between heap views.
 */
export const fastConcatConfig: KernelConfig = {
  kernelName: Concat,
  backendName: 'wasm',
  kernelFunc: (args) => {
    const inputs = args.inputs as unknown as ConcatInputs & TensorInfo[];
    const list = (Array.isArray(inputs) ? inputs : Object.values(inputs)) as TensorInfo[];
    const first = list[0];
    if (first === undefined || list.some((t) => t.dtype === 'string' || t.dtype === 'complex64')) {
      return delegateToStock(Concat, args);
    }
    const backend = args.backend as BackendWasm;
    const axis = util.parseAxisParam((args.attrs as unknown as ConcatAttrs).axis, first.shape)[0] as number;
    backend_util.assertParamsConsistent(
      list.map((t) => t.shape),
      axis,
    );
    const outShape = backend_util.computeOutShape(
      list.map((t) => t.shape),
      axis,
    );
    const out = backend.makeOutput(outShape, first.dtype);
    const outer = util.sizeFromShape(outShape.slice(0, axis));
    const outInner = util.sizeFromShape(outShape.slice(axis));
    if (outer * outInner === 0) return out;
    // Views after makeOutput, which may grow (and detach) the heap.
    const dst = backend.typedArrayFromHeap(out);
    let column = 0;
    for (const t of list) {
      const inner = util.sizeFromShape(t.shape.slice(axis));
      if (inner === 0) continue;
      const src = backend.typedArrayFromHeap(t);
      for (let r = 0; r < outer; r++) copyRun(src, r * inner, dst, r * outInner + column, inner);
      column += inner;
    }
    return out;
  },
};
