import {
  type KernelConfig,
  type KernelFunc,
  matMul,
  ones,
  reshape,
  Sum,
  type SumAttrs,
  type Tensor,
  type TensorInfo,
  tidy,
  util,
} from '@tensorflow/tfjs-core';
import { stockKernel } from './fast-slice.js';

/**
 * The reduction axes as the leading `k` axes of `shape` (`k`), or `null` when they are not a
 * prefix (after dropping axes of size 1, which any order may include).
 */
export function leadingReduction(shape: readonly number[], axes: readonly number[]): number | null {
  const set = new Set(axes.map((a) => (a < 0 ? a + shape.length : a)));
  let k = 0;
  while (k < shape.length && (set.has(k) || shape[k] === 1)) k++;
  for (const a of set) if (a >= k) return null;
  return k;
}

/**
 * `Sum` over leading axes (`x [M, ...rest]` → `[...rest]`) as one matMul `ones[1, M] · x[M, R]`:
 * the stock wasm kernel transposes the reduced axes innermost and loops over them in plain code,
 * which made the bias and peephole gradients of a training step (sums over `[N·T, H, W]` of
 * `[N·T, H, W, C]` gate gradients) a large part of it. Other reductions, other dtypes and small
 * inputs run the stock kernel.
 */
const fastSum: KernelFunc = (args) => {
  const x = args.inputs.x as Tensor;
  const { axis, keepDims } = args.attrs as unknown as SumAttrs;
  // Non-negative, as parseAxisParam returns them.
  const axes = util.parseAxisParam(axis, x.shape);
  const k = leadingReduction(x.shape, axes);
  const rows = k === null ? 0 : util.sizeFromShape(x.shape.slice(0, k));
  if (k === null || x.dtype !== 'float32' || rows < 64 || k === x.shape.length) {
    return (stockKernel(Sum) as KernelFunc)(args);
  }
  const rest = x.shape.slice(k);
  // Kept size-1 axes inside the prefix change no element's place, so only the reduced axes go.
  const outShape = keepDims
    ? x.shape.map((d, i) => (axes.includes(i) ? 1 : d))
    : x.shape.filter((_, i) => !axes.includes(i));
  return tidy(() => {
    const cols = util.sizeFromShape(rest);
    const total = matMul(ones([1, rows]), reshape(x, [rows, cols]));
    return reshape(total, outShape.length === 0 ? [] : outShape);
  }) as TensorInfo;
};

export const fastSumConfig: KernelConfig = { kernelName: Sum, backendName: 'wasm', kernelFunc: fastSum };
