import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import {
  backend_util,
  type KernelConfig,
  type KernelFunc,
  Slice,
  type SliceAttrs,
  type SliceInputs,
  SplitV,
  type SplitVAttrs,
  type SplitVInputs,
  slice_util,
  type TensorInfo,
  type TypedArray,
  Unpack,
  type UnpackAttrs,
  type UnpackInputs,
  util,
} from '@tensorflow/tfjs-core';

/** A slice request on a (possibly merged) shape. */
export interface SliceGeometry {
  readonly shape: readonly number[];
  readonly begin: readonly number[];
  readonly size: readonly number[];
}

/**
 * Merges each axis into the next one while the next is taken whole, so the slice
 * becomes a few long contiguous runs: `[4, 10, 32, 32, 64]` at time `t` becomes
 * `[4, 655360]` from `[0, 65536·t]`, size `[4, 65536]` — 4 runs instead of 16 384.
 * Axes of size 1 merge away too.
 */
export function collapseSlice(g: SliceGeometry): SliceGeometry {
  const shape: number[] = [];
  const begin: number[] = [];
  const size: number[] = [];
  for (let a = g.shape.length - 1; a >= 0; a--) {
    const d = g.shape[a] as number;
    const b = g.begin[a] as number;
    const s = g.size[a] as number;
    if (shape.length > 0) {
      const inner = shape[0] as number;
      const innerWhole = begin[0] === 0 && size[0] === inner;
      if (innerWhole || d === 1) {
        // Offsets along this axis scale by the merged inner extent.
        shape[0] = d * inner;
        begin[0] = b * inner + (begin[0] as number);
        size[0] = innerWhole ? s * inner : (size[0] as number);
        continue;
      }
    }
    shape.unshift(d);
    begin.unshift(b);
    size.unshift(s);
  }
  return { shape, begin, size };
}

/** Copies `length` values from `src[from]` to `dst[to]`. */
export function copyRun(src: TypedArray, from: number, dst: TypedArray, to: number, length: number): void {
  if (length < 32) {
    // Short runs (a gate split of a few channels): a loop beats subarray + set.
    for (let k = 0; k < length; k++) dst[to + k] = src[from + k] as number;
  } else {
    dst.set(src.subarray(from, from + length), to);
  }
}

/** Copies the slice `g` of `src` (row-major `g.shape`) into `out`, run by contiguous run. */
export function copySlice(src: TypedArray, g: SliceGeometry, out: TypedArray): void {
  const rank = g.shape.length;
  if (rank === 0) {
    out.set(src.subarray(0, 1));
    return;
  }
  const strides = util.computeStrides(g.shape as number[]);
  const run = g.size[rank - 1] as number;
  const runs = (g.size as number[]).slice(0, rank - 1).reduce((a, b) => a * b, 1);
  if (run === 0 || runs === 0) return;
  const index = new Array<number>(rank - 1).fill(0);
  let outOffset = 0;
  for (let r = 0; r < runs; r++) {
    let offset = g.begin[rank - 1] as number;
    for (let a = 0; a < rank - 1; a++)
      offset += ((g.begin[a] as number) + (index[a] as number)) * (strides[a] as number);
    copyRun(src, offset, out, outOffset, run);
    outOffset += run;
    for (let a = rank - 2; a >= 0; a--) {
      index[a] = (index[a] as number) + 1;
      if ((index[a] as number) < (g.size[a] as number)) break;
      index[a] = 0;
    }
  }
}

/** The stock wasm kernels, kept for string tensors (which live outside the heap). */
const stock = new Map<string, KernelFunc>();

/** The stock kernel a fast one replaced, when one was registered then. */
export function stockKernel(name: string): KernelFunc | undefined {
  return stock.get(name);
}

/** Remembers the stock kernel a fast one replaces; called once at registration. */
export function rememberStockKernel(name: string, kernelFunc: KernelFunc): void {
  if (!stock.has(name)) stock.set(name, kernelFunc);
}

function fastSlice(x: TensorInfo, begin: number[], size: number[], backend: BackendWasm): TensorInfo {
  const out = backend.makeOutput(size, x.dtype);
  if (util.sizeFromShape(size) === 0) return out;
  const geometry = collapseSlice({ shape: x.shape, begin, size });
  // Views, not `readSync` (which copies the whole input: an unstack of T frames copied the
  // sequence T times). Taken after `makeOutput`, which may grow the heap and detach views.
  copySlice(backend.typedArrayFromHeap(x), geometry, backend.typedArrayFromHeap(out));
  return out;
}

/** Runs the stock wasm kernel `name` (remembered at registration), for inputs a fast kernel leaves to it. */
export function delegateToStock(name: string, args: Parameters<KernelFunc>[0]): TensorInfo | TensorInfo[] {
  const kernel = stock.get(name);
  if (kernel === undefined)
    throw new Error(`${name} (wasm): string tensors need the stock kernel, not registered`);
  return kernel(args);
}

/**
 * `Slice` for wasm. The stock kernel copies ranks 2–4 row by row but falls back to a
 * per-element TensorBuffer walk for rank ≥ 5 — about 2 s for one time step of a
 * `[4, 10, 32, 32, 64]` sequence, which every ConvLSTM `unstack` over time pays. This
 * one merges axes first ({@link collapseSlice}) and copies contiguous runs at any rank.
 */
export const fastSliceConfig: KernelConfig = {
  kernelName: Slice,
  backendName: 'wasm',
  kernelFunc: (args) => {
    const { x } = args.inputs as SliceInputs;
    if (x === undefined || x.dtype === 'string') return delegateToStock(Slice, args);
    const { begin, size } = args.attrs as unknown as SliceAttrs;
    const [b, s] = slice_util.parseSliceParams(x, begin, size) as [number[], number[]];
    slice_util.assertParamsValid(x, b, s);
    return fastSlice(x, b, s, args.backend as BackendWasm);
  },
};

/** `Unpack` for wasm through {@link fastSliceConfig}'s copy (the stock one calls the slow slice). */
export const fastUnpackConfig: KernelConfig = {
  kernelName: Unpack,
  backendName: 'wasm',
  kernelFunc: (args) => {
    const { value } = args.inputs as UnpackInputs;
    if (value === undefined || value.dtype === 'string') return delegateToStock(Unpack, args);
    const rank = value.shape.length;
    const axis = util.parseAxisParam((args.attrs as unknown as UnpackAttrs).axis, value.shape)[0] as number;
    const outShape = value.shape.filter((_, i) => i !== axis);
    const begin = new Array<number>(rank).fill(0);
    const size = [...value.shape];
    size[axis] = 1;
    return Array.from({ length: value.shape[axis] as number }, (_, i) => {
      begin[axis] = i;
      const out = fastSlice(value, begin, size, args.backend as BackendWasm);
      return { dataId: out.dataId, dtype: out.dtype, shape: outShape };
    });
  },
};

/** `SplitV` for wasm through {@link fastSliceConfig}'s copy (gate splits of 3-D cells are rank 5). */
export const fastSplitVConfig: KernelConfig = {
  kernelName: SplitV,
  backendName: 'wasm',
  kernelFunc: (args) => {
    const { x } = args.inputs as SplitVInputs;
    if (x === undefined || x.dtype === 'string') return delegateToStock(SplitV, args);
    const { numOrSizeSplits, axis } = args.attrs as unknown as SplitVAttrs;
    const a = util.parseAxisParam(axis, x.shape)[0] as number;
    const sizes = backend_util.prepareSplitSize(x, numOrSizeSplits, a);
    const begin = new Array<number>(x.shape.length).fill(0);
    return sizes.map((s) => {
      const size = [...x.shape];
      size[a] = s;
      const out = fastSlice(x, [...begin], size, args.backend as BackendWasm);
      begin[a] = (begin[a] as number) + s;
      return out;
    });
  },
};
