import type { ConvAccelerator, ConvRequest, PreparedConv } from '@convlstm/core/backend';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import {
  engine,
  type KernelConfig,
  type KernelFunc,
  matMul,
  reshape,
  split,
  type Tensor,
  type TensorInfo,
  tensor2d,
  tidy,
} from '@tensorflow/tfjs-core';
import { heapOffset, wasmProgram } from './wasm-program.js';
import { WINOGRAD_G } from './wasm-programs.js';

/** Kernel: `x [N, H, W, C]` → 36 transformed tile matrices `[N·⌈H/2⌉·⌈W/2⌉, C]`. */
export const WINOGRAD_INPUT_KERNEL = 'ConvLSTMWinogradInput';
/** Kernel: 36 products `m0`…`m35 [N·⌈H/2⌉·⌈W/2⌉, Cout]`, attrs `{ batch, height, width }` → `[N, H, W, Cout]`. */
export const WINOGRAD_OUTPUT_KERNEL = 'ConvLSTMWinogradOutput';

/** Tile positions per image side, and products per tile. */
const TILE = 2;
const POSITIONS = 36;

type Transform = (
  data: number,
  batch: number,
  height: number,
  width: number,
  channels: number,
  tilesH: number,
  tilesW: number,
  other: number,
) => void;

/** A `[36]` int32 tensor holding the heap offsets of `infos`, for the programs to read. */
function pointerTable(backend: BackendWasm, infos: readonly TensorInfo[]): TensorInfo {
  const table = backend.makeOutput([POSITIONS], 'int32');
  const view = backend.typedArrayFromHeap(table) as Int32Array;
  infos.forEach((info, i) => {
    view[i] = heapOffset(backend, info);
  });
  return table;
}

function checkFloat(kernel: string, name: string, info: TensorInfo | undefined, rank: number): TensorInfo {
  if (info === undefined) throw new Error(`${kernel}: input '${name}' is missing`);
  if (info.dtype !== 'float32' || info.shape.length !== rank) {
    throw new Error(
      `${kernel}: input '${name}' must be a rank-${rank} float32 tensor, got ${info.dtype} [${info.shape}]`,
    );
  }
  return info;
}

const inputKernel: KernelFunc = ({ inputs, backend }) => {
  const wasm = backend as BackendWasm;
  const x = checkFloat(WINOGRAD_INPUT_KERNEL, 'x', inputs.x, 4);
  const [batch, height, width, channels] = x.shape as [number, number, number, number];
  if (channels % 4 !== 0)
    throw new Error(`${WINOGRAD_INPUT_KERNEL}: channels must be a multiple of 4, got ${channels}`);
  const tilesH = Math.ceil(height / TILE);
  const tilesW = Math.ceil(width / TILE);
  const outputs = Array.from({ length: POSITIONS }, () =>
    wasm.makeOutput([batch * tilesH * tilesW, channels], 'float32'),
  );
  if (batch * tilesH * tilesW * channels === 0) return outputs;
  const table = pointerTable(wasm, outputs);
  try {
    const run = wasmProgram(wasm, 'winograd').winogradInput as Transform;
    run(heapOffset(wasm, x), batch, height, width, channels, tilesH, tilesW, heapOffset(wasm, table));
  } finally {
    wasm.disposeData(table.dataId);
  }
  return outputs;
};

interface OutputAttrs {
  readonly batch: number;
  readonly height: number;
  readonly width: number;
}

const outputKernel: KernelFunc = ({ inputs, backend, attrs }) => {
  const wasm = backend as BackendWasm;
  const { batch, height, width } = attrs as unknown as OutputAttrs;
  const tiles = batch * Math.ceil(height / TILE) * Math.ceil(width / TILE);
  const products = Array.from({ length: POSITIONS }, (_, i) =>
    checkFloat(WINOGRAD_OUTPUT_KERNEL, `m${i}`, inputs[`m${i}`], 2),
  );
  const channels = products[0]?.shape[1] ?? 0;
  for (const [i, m] of products.entries()) {
    if (m.shape[0] !== tiles || m.shape[1] !== channels) {
      throw new Error(
        `${WINOGRAD_OUTPUT_KERNEL}: input 'm${i}' must have shape [${tiles},${channels}], got [${m.shape}]`,
      );
    }
  }
  if (channels % 4 !== 0)
    throw new Error(`${WINOGRAD_OUTPUT_KERNEL}: channels must be a multiple of 4, got ${channels}`);
  const y = wasm.makeOutput([batch, height, width, channels], 'float32');
  if (tiles * channels === 0) return y;
  const table = pointerTable(wasm, products);
  try {
    const run = wasmProgram(wasm, 'winograd').winogradOutput as Transform;
    run(
      heapOffset(wasm, table),
      batch,
      height,
      width,
      channels,
      Math.ceil(height / TILE),
      Math.ceil(width / TILE),
      heapOffset(wasm, y),
    );
  } finally {
    wasm.disposeData(table.dataId);
  }
  return y;
};

export const winogradInputConfig: KernelConfig = {
  kernelName: WINOGRAD_INPUT_KERNEL,
  backendName: 'wasm',
  kernelFunc: inputKernel,
};

export const winogradOutputConfig: KernelConfig = {
  kernelName: WINOGRAD_OUTPUT_KERNEL,
  backendName: 'wasm',
  kernelFunc: outputKernel,
};

/** `G ⊗ G` [36×25]: row `6u + v`, column `5i + j` is `G[u][i]·G[v][j]`, so `U = (G⊗G)·vec(g)`. */
const FILTER_TRANSFORM: readonly number[] = (() => {
  const values: number[] = [];
  for (let u = 0; u < 6; u++)
    for (let v = 0; v < 6; v++)
      for (let i = 0; i < 5; i++)
        for (let j = 0; j < 5; j++)
          values.push((WINOGRAD_G[u]?.[i] as number) * (WINOGRAD_G[v]?.[j] as number));
  return values;
})();

/** The 36 transformed filters `[Cin, Cout]` of a `[5, 5, Cin, Cout]` filter. */
function prepareFilter(filter: Tensor): Tensor[] {
  const [, , cin, cout] = filter.shape as [number, number, number, number];
  return tidy(() => {
    const u = matMul(
      tensor2d(FILTER_TRANSFORM as number[], [POSITIONS, 25]),
      reshape(filter, [25, cin * cout]),
    );
    return split(u, POSITIONS, 0).map((row) => reshape(row, [cin, cout]));
  });
}

/**
 * A "same" 5×5 convolution at stride 1 by Winograd F(2×2, 5×5): per 2×2 output tile, 36
 * products per channel pair instead of 100. The tile transforms are WebAssembly SIMD on TF.js'
 * heap; the 36 products per step are XNNPACK matrix products (TF.js' batched `matMul` on wasm is
 * not XNNPACK and ran at 1 GFLOP/s, so they are 36 separate 2-D ones).
 */
function winogradConv(filters: readonly Tensor[], x: Tensor): Tensor {
  const [batch, height, width] = x.shape as [number, number, number, number];
  return tidy(() => {
    const tiles = engine().runKernel(WINOGRAD_INPUT_KERNEL, { x }) as Tensor[];
    const products: Record<string, Tensor> = {};
    tiles.forEach((v, i) => {
      products[`m${i}`] = matMul(v, filters[i] as Tensor);
    });
    return engine().runKernel(WINOGRAD_OUTPUT_KERNEL, products, { batch, height, width }) as Tensor;
  });
}

/**
 * The wasm convolution accelerator (`ConvAccelerator` of `@convlstm/core`): 2-D 5×5 filters at
 * stride 1 without dilation, channel counts divisible by 4. The core prepares a layer's filters
 * once per call, so the filter transform is paid once for all T steps.
 */
export const winogradAccelerator: ConvAccelerator = {
  supports({ filterShape, spatialRank, strides, dilations }) {
    const [kh, kw, cin, cout] = filterShape as [number, number, number, number];
    return (
      spatialRank === 2 &&
      kh === 5 &&
      kw === 5 &&
      cin % 4 === 0 &&
      cout % 4 === 0 &&
      strides.every((s) => s === 1) &&
      dilations.every((d) => d === 1)
    );
  },
  prepare(request: ConvRequest): PreparedConv {
    const filters = prepareFilter(request.filter);
    return { apply: (x) => winogradConv(filters, x) };
  },
};
