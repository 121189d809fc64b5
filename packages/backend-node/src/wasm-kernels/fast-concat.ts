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
import { delegateToStock } from './fast-slice.js';

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
      if (outer === 1) {
        dst.set(src.subarray(0, inner), column);
      } else if (inner < 32) {
        // Short rows (a few channels): a loop beats subarray + set.
        for (let r = 0; r < outer; r++) {
          const from = r * inner;
          const to = r * outInner + column;
          for (let k = 0; k < inner; k++) dst[to + k] = src[from + k] as number;
        }
      } else {
        for (let r = 0; r < outer; r++)
          dst.set(src.subarray(r * inner, (r + 1) * inner), r * outInner + column);
      }
      column += inner;
    }
    return out;
  },
};
