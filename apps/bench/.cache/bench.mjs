import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);

// ../../packages/backend-node/src/backend-name.ts
var NODE_BACKEND_ORDER = ["tensorflow-gpu", "tensorflow", "wasm", "cpu"];
var NODE_BACKEND_PACKAGES = {
  "tensorflow-gpu": "@tensorflow/tfjs-node-gpu",
  tensorflow: "@tensorflow/tfjs-node",
  wasm: "@tensorflow/tfjs-backend-wasm",
  cpu: "@tensorflow/tfjs-backend-cpu"
};
function isNodeBackendName(value) {
  return typeof value === "string" && NODE_BACKEND_ORDER.includes(value);
}

// ../../packages/backend-node/src/optional-module.ts
import { createRequire } from "node:module";
import { join } from "node:path";
function errorMessage(e) {
  return e instanceof Error ? e.message : String(e);
}
function loadOptionalModule(specifier) {
  const requirers = [createRequire(import.meta.url), createRequire(join(process.cwd(), "noop.js"))];
  let resolved = null;
  let lastError = "";
  for (const req of requirers) {
    try {
      resolved = { path: req.resolve(specifier), require: req };
      break;
    } catch (e) {
      lastError = errorMessage(e);
    }
  }
  if (resolved === null) {
    return {
      status: "not-installed",
      message: `${specifier} does not resolve (${lastError.split("\n")[0]})`
    };
  }
  try {
    return { status: "loaded", module: resolved.require(resolved.path), path: resolved.path };
  } catch (e) {
    return { status: "load-failed", message: errorMessage(e).split("\n")[0] ?? "" };
  }
}

// ../../packages/backend-node/src/report.ts
var NodeBackendUnavailableError = class extends Error {
  backend;
  reason;
  constructor(skipped) {
    super(
      `The '${skipped.backend}' backend (${skipped.package}) is not usable: ${skipped.reason}: ${skipped.message}`
    );
    this.name = "NodeBackendUnavailableError";
    this.backend = skipped.backend;
    this.reason = skipped.reason;
  }
};

// ../../packages/backend-node/src/use-node-backend.ts
import "@tensorflow/tfjs-core";

// ../../packages/tensor/src/errors.ts
var ConvLSTMArgumentError = class extends Error {
  argument;
  expected;
  received;
  constructor(argument, expected, received) {
    super(`Invalid ${argument}: expected ${expected}, received ${received}.`);
    this.name = "ConvLSTMArgumentError";
    this.argument = argument;
    this.expected = expected;
    this.received = received;
  }
};
function formatShape(shape) {
  return `[${shape.map((d) => d === null ? "?" : String(d)).join(", ")}]`;
}
function describeValue(value) {
  if (value === null) return "null";
  if (value === void 0) return "undefined";
  if (Array.isArray(value)) return `[${value.map(describeValue).join(", ")}]`;
  if (typeof value === "number") return Number.isNaN(value) ? "NaN" : String(value);
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "object" && "shape" in value) {
    const t = value;
    return `tensor of shape ${formatShape(t.shape)}${t.dtype ? ` (${t.dtype})` : ""}`;
  }
  return typeof value;
}

// ../../packages/backend-node/src/use-node-backend.ts
import {
  backend as activeBackend,
  engine,
  env,
  findBackendFactory,
  getBackend,
  setBackend
} from "@tensorflow/tfjs-core";

// ../../packages/backend-node/src/wasm-kernels/register.ts
import { getKernel, registerKernel, unregisterKernel } from "@tensorflow/tfjs-core";

// ../../packages/backend-node/src/wasm-kernels/conv2d-backprop-filter.ts
import {
  backend_util,
  Conv2DBackpropFilter,
  tidy as tidy2,
  transpose as transpose2
} from "@tensorflow/tfjs-core";

// ../../packages/backend-node/src/wasm-kernels/im2col-filter-grad.ts
import {
  concat,
  matMul,
  pad,
  reshape,
  slice,
  stridedSlice,
  tidy,
  transpose
} from "@tensorflow/tfjs-core";
function kernelOffsets(kernel) {
  let offsets = [[]];
  for (const k of kernel) {
    offsets = offsets.flatMap((o) => Array.from({ length: k }, (_, i) => [...o, i]));
  }
  return offsets;
}
function filterGradViaMatMul(x, dy, g) {
  return tidy(() => {
    const rank = g.kernel.length;
    const n = x.shape[0];
    const cin = x.shape[rank + 1];
    const cout = dy.shape[rank + 1];
    const before = g.padBefore.map((p) => Math.max(0, p));
    const shift = g.padBefore.map((p) => Math.max(0, -p));
    const after = g.kernel.map(
      (k, a) => Math.max(
        0,
        k + (g.out[a] - 1) * g.strides[a] - g.padBefore[a] - x.shape[a + 1]
      )
    );
    const xc = transpose(x, [rank + 1, ...Array.from({ length: rank + 1 }, (_, i) => i)]);
    const padded = before.some((p) => p > 0) || after.some((p) => p > 0);
    const xp = padded ? pad(xc, [[0, 0], [0, 0], ...before.map((p, a) => [p, after[a]])]) : xc;
    const unitStrides = g.strides.every((s) => s === 1);
    const taps = kernelOffsets(g.kernel).map((offset) => {
      const start = offset.map((o, a) => o + shift[a]);
      const begin = [0, 0, ...start];
      if (unitStrides) return slice(xp, begin, [cin, n, ...g.out]);
      const end = [
        cin,
        n,
        ...start.map((o, a) => o + (g.out[a] - 1) * g.strides[a] + 1)
      ];
      return stridedSlice(xp, begin, end, [1, 1, ...g.strides]);
    });
    const rows = n * g.out.reduce((p, q) => p * q, 1);
    const colsT = reshape(taps.length === 1 ? taps[0] : concat(taps, 0), [
      taps.length * cin,
      rows
    ]);
    const grad = matMul(colsT, reshape(dy, [rows, cout]));
    return reshape(grad, [...g.kernel, cin, cout]);
  });
}

// ../../packages/backend-node/src/wasm-kernels/tensor-input.ts
import { Tensor } from "@tensorflow/tfjs-core";
function asTensor(info, rank, kernel, input) {
  if (!(info instanceof Tensor) || info.rank !== rank) {
    throw new Error(
      `${kernel} (wasm, @convlstm/backend-node): input '${input}' must be a rank-${rank} Tensor`
    );
  }
  return info;
}

// ../../packages/backend-node/src/wasm-kernels/conv2d-backprop-filter.ts
function conv2dBackpropFilterViaMatMul(x, dy, attrs) {
  const { strides, pad: pad3, dataFormat, dimRoundingMode, filterShape } = attrs;
  return tidy2(() => {
    const channelsFirst = dataFormat === "NCHW";
    const xs = channelsFirst ? transpose2(x, [0, 2, 3, 1]) : x;
    const dys = channelsFirst ? transpose2(dy, [0, 2, 3, 1]) : dy;
    const info = backend_util.computeConv2DInfo(xs.shape, filterShape, strides, 1, pad3, dimRoundingMode);
    return filterGradViaMatMul(xs, dys, {
      kernel: [info.filterHeight, info.filterWidth],
      strides: [info.strideHeight, info.strideWidth],
      out: [info.outHeight, info.outWidth],
      padBefore: [info.padInfo.top, info.padInfo.left]
    });
  });
}
var conv2dBackpropFilterConfig = {
  kernelName: Conv2DBackpropFilter,
  backendName: "wasm",
  kernelFunc: ({ inputs, attrs }) => {
    const { x, dy } = inputs;
    return conv2dBackpropFilterViaMatMul(
      asTensor(x, 4, Conv2DBackpropFilter, "x"),
      asTensor(dy, 4, Conv2DBackpropFilter, "dy"),
      attrs
    );
  }
};

// ../../packages/backend-node/src/wasm-kernels/conv2d-backprop-input.ts
import {
  backend_util as backend_util2,
  Conv2DBackpropInput,
  conv2d,
  tidy as tidy4,
  transpose as transpose4
} from "@tensorflow/tfjs-core";

// ../../packages/backend-node/src/wasm-kernels/transposed-conv.ts
import {
  expandDims,
  pad as pad2,
  reshape as reshape2,
  reverse,
  slice as slice2,
  tidy as tidy3,
  transpose as transpose3
} from "@tensorflow/tfjs-core";
function spread(t, axis, s) {
  if (s === 1) return t;
  const shape = t.shape;
  const size = shape[axis];
  const widened = pad2(
    expandDims(t, axis + 1),
    [...shape, 1].map((_, i) => i === axis + 1 ? [0, s - 1] : [0, 0])
  );
  const merged = reshape2(
    widened,
    shape.map((d, i) => i === axis ? d * s : d)
  );
  return slice2(
    merged,
    shape.map(() => 0),
    shape.map((d, i) => i === axis ? (size - 1) * s + 1 : d)
  );
}
function inputGradViaConv(dy, filter, g, conv) {
  return tidy3(() => {
    const rank = g.kernel.length;
    let up = dy;
    g.strides.forEach((s, a) => {
      up = spread(up, a + 1, s);
    });
    const before = g.kernel.map((k, a) => k - 1 - g.padBefore[a]);
    const after = g.kernel.map(
      (k, a) => g.input[a] + k - 1 - before[a] - up.shape[a + 1]
    );
    const padded = pad2(up, [
      [0, 0],
      ...before.map((b, a) => [Math.max(0, b), Math.max(0, after[a])]),
      [0, 0]
    ]);
    const crop = before.some((b) => b < 0) || after.some((b) => b < 0);
    const windowed = crop ? slice2(
      padded,
      [0, ...before.map((b) => Math.max(0, -b)), 0],
      [-1, ...g.kernel.map((k, a) => g.input[a] + k - 1), -1]
    ) : padded;
    const spatialAxes = Array.from({ length: rank }, (_, i) => i);
    const flipped = transpose3(reverse(filter, spatialAxes), [...spatialAxes, rank + 1, rank]);
    return conv(windowed, flipped);
  });
}

// ../../packages/backend-node/src/wasm-kernels/conv2d-backprop-input.ts
function conv2dBackpropInputViaConv2d(dy, filter, attrs) {
  const { strides, pad: pad3, dataFormat, dimRoundingMode, inputShape } = attrs;
  return tidy4(() => {
    const channelsFirst = dataFormat === "NCHW";
    const shape = channelsFirst ? [inputShape[0], inputShape[2], inputShape[3], inputShape[1]] : inputShape;
    const dys = channelsFirst ? transpose4(dy, [0, 2, 3, 1]) : dy;
    const info = backend_util2.computeConv2DInfo(shape, filter.shape, strides, 1, pad3, dimRoundingMode);
    const dx = inputGradViaConv(
      dys,
      filter,
      {
        kernel: [info.filterHeight, info.filterWidth],
        strides: [info.strideHeight, info.strideWidth],
        input: [info.inHeight, info.inWidth],
        padBefore: [info.padInfo.top, info.padInfo.left]
      },
      (x, w) => conv2d(x, w, 1, "valid")
    );
    return channelsFirst ? transpose4(dx, [0, 3, 1, 2]) : dx;
  });
}
var conv2dBackpropInputConfig = {
  kernelName: Conv2DBackpropInput,
  backendName: "wasm",
  kernelFunc: ({ inputs, attrs }) => {
    const { dy, filter } = inputs;
    return conv2dBackpropInputViaConv2d(
      asTensor(dy, 4, Conv2DBackpropInput, "dy"),
      asTensor(filter, 4, Conv2DBackpropInput, "filter"),
      attrs
    );
  }
};

// ../../packages/backend-node/src/wasm-kernels/conv3d-backprop-filter.ts
import {
  backend_util as backend_util3,
  Conv3DBackpropFilterV2
} from "@tensorflow/tfjs-core";
function conv3dBackpropFilterViaMatMul(x, dy, attrs) {
  const info = backend_util3.computeConv3DInfo(x.shape, attrs.filterShape, attrs.strides, 1, attrs.pad);
  return filterGradViaMatMul(x, dy, {
    kernel: [info.filterDepth, info.filterHeight, info.filterWidth],
    strides: [info.strideDepth, info.strideHeight, info.strideWidth],
    out: [info.outDepth, info.outHeight, info.outWidth],
    padBefore: [info.padInfo.front, info.padInfo.top, info.padInfo.left]
  });
}
var conv3dBackpropFilterConfig = {
  kernelName: Conv3DBackpropFilterV2,
  backendName: "wasm",
  kernelFunc: ({ inputs, attrs }) => {
    const { x, dy } = inputs;
    return conv3dBackpropFilterViaMatMul(
      asTensor(x, 5, Conv3DBackpropFilterV2, "x"),
      asTensor(dy, 5, Conv3DBackpropFilterV2, "dy"),
      attrs
    );
  }
};

// ../../packages/backend-node/src/wasm-kernels/conv3d-backprop-input.ts
import {
  backend_util as backend_util4,
  Conv3DBackpropInputV2,
  conv3d
} from "@tensorflow/tfjs-core";
function conv3dBackpropInputViaConv3d(dy, filter, attrs) {
  const info = backend_util4.computeConv3DInfo(attrs.inputShape, filter.shape, attrs.strides, 1, attrs.pad);
  return inputGradViaConv(
    dy,
    filter,
    {
      kernel: [info.filterDepth, info.filterHeight, info.filterWidth],
      strides: [info.strideDepth, info.strideHeight, info.strideWidth],
      input: [info.inDepth, info.inHeight, info.inWidth],
      padBefore: [info.padInfo.front, info.padInfo.top, info.padInfo.left]
    },
    (x, w) => conv3d(x, w, 1, "valid")
  );
}
var conv3dBackpropInputConfig = {
  kernelName: Conv3DBackpropInputV2,
  backendName: "wasm",
  kernelFunc: ({ inputs, attrs }) => {
    const { dy, filter } = inputs;
    return conv3dBackpropInputViaConv3d(
      asTensor(dy, 5, Conv3DBackpropInputV2, "dy"),
      asTensor(filter, 5, Conv3DBackpropInputV2, "filter"),
      attrs
    );
  }
};

// ../../packages/backend-node/src/wasm-kernels/fast-slice.ts
import {
  backend_util as backend_util5,
  Slice,
  SplitV,
  slice_util,
  Unpack,
  util
} from "@tensorflow/tfjs-core";
function collapseSlice(g) {
  const shape = [];
  const begin = [];
  const size = [];
  for (let a = g.shape.length - 1; a >= 0; a--) {
    const d = g.shape[a];
    const b = g.begin[a];
    const s = g.size[a];
    if (shape.length > 0) {
      const inner = shape[0];
      const innerWhole = begin[0] === 0 && size[0] === inner;
      if (innerWhole || d === 1) {
        shape[0] = d * inner;
        begin[0] = b * inner + begin[0];
        size[0] = innerWhole ? s * inner : size[0];
        continue;
      }
    }
    shape.unshift(d);
    begin.unshift(b);
    size.unshift(s);
  }
  return { shape, begin, size };
}
function copySlice(src, g, out) {
  const rank = g.shape.length;
  if (rank === 0) {
    out.set(src.subarray(0, 1));
    return;
  }
  const strides = util.computeStrides(g.shape);
  const run = g.size[rank - 1];
  const runs = g.size.slice(0, rank - 1).reduce((a, b) => a * b, 1);
  if (run === 0 || runs === 0) return;
  const index = new Array(rank - 1).fill(0);
  let outOffset = 0;
  for (let r = 0; r < runs; r++) {
    let offset = g.begin[rank - 1];
    for (let a = 0; a < rank - 1; a++)
      offset += (g.begin[a] + index[a]) * strides[a];
    if (run < 32) {
      for (let k = 0; k < run; k++) out[outOffset + k] = src[offset + k];
    } else {
      out.set(src.subarray(offset, offset + run), outOffset);
    }
    outOffset += run;
    for (let a = rank - 2; a >= 0; a--) {
      index[a] = index[a] + 1;
      if (index[a] < g.size[a]) break;
      index[a] = 0;
    }
  }
}
var stock = /* @__PURE__ */ new Map();
function rememberStockKernel(name, kernelFunc) {
  if (!stock.has(name)) stock.set(name, kernelFunc);
}
function fastSlice(x, begin, size, backend) {
  const out = backend.makeOutput(size, x.dtype);
  if (util.sizeFromShape(size) === 0) return out;
  const geometry = collapseSlice({ shape: x.shape, begin, size });
  copySlice(backend.readSync(x.dataId), geometry, backend.typedArrayFromHeap(out));
  return out;
}
function delegate(name, args) {
  const kernel = stock.get(name);
  if (kernel === void 0)
    throw new Error(`${name} (wasm): string tensors need the stock kernel, not registered`);
  return kernel(args);
}
var fastSliceConfig = {
  kernelName: Slice,
  backendName: "wasm",
  kernelFunc: (args) => {
    const { x } = args.inputs;
    if (x === void 0 || x.dtype === "string") return delegate(Slice, args);
    const { begin, size } = args.attrs;
    const [b, s] = slice_util.parseSliceParams(x, begin, size);
    slice_util.assertParamsValid(x, b, s);
    return fastSlice(x, b, s, args.backend);
  }
};
var fastUnpackConfig = {
  kernelName: Unpack,
  backendName: "wasm",
  kernelFunc: (args) => {
    const { value } = args.inputs;
    if (value === void 0 || value.dtype === "string") return delegate(Unpack, args);
    const rank = value.shape.length;
    const axis = util.parseAxisParam(args.attrs.axis, value.shape)[0];
    const outShape = value.shape.filter((_, i) => i !== axis);
    const begin = new Array(rank).fill(0);
    const size = [...value.shape];
    size[axis] = 1;
    return Array.from({ length: value.shape[axis] }, (_, i) => {
      begin[axis] = i;
      const out = fastSlice(value, begin, size, args.backend);
      return { dataId: out.dataId, dtype: out.dtype, shape: outShape };
    });
  }
};
var fastSplitVConfig = {
  kernelName: SplitV,
  backendName: "wasm",
  kernelFunc: (args) => {
    const { x } = args.inputs;
    if (x === void 0 || x.dtype === "string") return delegate(SplitV, args);
    const { numOrSizeSplits, axis } = args.attrs;
    const a = util.parseAxisParam(axis, x.shape)[0];
    const sizes = backend_util5.prepareSplitSize(x, numOrSizeSplits, a);
    const begin = new Array(x.shape.length).fill(0);
    return sizes.map((s) => {
      const size = [...x.shape];
      size[a] = s;
      const out = fastSlice(x, [...begin], size, args.backend);
      begin[a] = begin[a] + s;
      return out;
    });
  }
};

// ../../packages/backend-node/src/wasm-kernels/register.ts
var WASM_TRAINING_KERNELS = [
  conv2dBackpropFilterConfig,
  conv2dBackpropInputConfig,
  conv3dBackpropFilterConfig,
  conv3dBackpropInputConfig,
  fastSliceConfig,
  fastUnpackConfig,
  fastSplitVConfig
];
function registerWasmTrainingKernels() {
  const added = [];
  for (const config of WASM_TRAINING_KERNELS) {
    const current = getKernel(config.kernelName, "wasm");
    if (current?.kernelFunc === config.kernelFunc) continue;
    if (current !== void 0) {
      rememberStockKernel(config.kernelName, current.kernelFunc);
      unregisterKernel(config.kernelName, "wasm");
    }
    registerKernel(config);
    added.push(config.kernelName);
  }
  return added;
}

// ../../packages/backend-node/src/use-node-backend.ts
function skip(backend, reason, message) {
  return { ok: false, skipped: { backend, package: NODE_BACKEND_PACKAGES[backend], reason, message } };
}
function validate(options) {
  if (options === null || typeof options !== "object") {
    throw new ConvLSTMArgumentError("options", "an object", describeValue(options));
  }
  if (options.backend !== void 0 && !isNodeBackendName(options.backend)) {
    throw new ConvLSTMArgumentError(
      "options.backend",
      NODE_BACKEND_ORDER.map((b) => `'${b}'`).join(" | "),
      describeValue(options.backend)
    );
  }
  const threads = options.wasmThreads;
  if (threads !== void 0 && !(Number.isInteger(threads) && threads >= 1)) {
    throw new ConvLSTMArgumentError("options.wasmThreads", "an integer >= 1", describeValue(threads));
  }
}
async function activate(name) {
  try {
    if (await setBackend(name)) return null;
    return `setBackend('${name}') returned false (TF.js printed the initialisation error)`;
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
}
async function tryNative(name) {
  const gpu = name === "tensorflow-gpu";
  if (findBackendFactory("tensorflow") === null) {
    const loaded = loadOptionalModule(NODE_BACKEND_PACKAGES[name]);
    if (loaded.status !== "loaded") return skip(name, loaded.status, loaded.message);
    if (typeof loaded.module.engine === "function" && loaded.module.engine() !== engine()) {
      return skip(
        name,
        "init-failed",
        `${loaded.path} uses a different TF.js engine than @tensorflow/tfjs-core`
      );
    }
  }
  const error = await activate("tensorflow");
  if (error !== null) return skip(name, "init-failed", error);
  const native = activeBackend();
  const details = {
    gpuPackage: native.isGPUPackage === true,
    usingGpuDevice: native.isUsingGpuDevice === true
  };
  const pkg = details.gpuPackage ? NODE_BACKEND_PACKAGES["tensorflow-gpu"] : NODE_BACKEND_PACKAGES.tensorflow;
  if (gpu && !details.gpuPackage) {
    return skip(name, "init-failed", `the 'tensorflow' backend of this process comes from ${pkg}`);
  }
  if (gpu && !details.usingGpuDevice) {
    return skip(
      name,
      "no-cuda-device",
      "TensorFlow found no usable CUDA device (driver, CUDA 11.8 and cuDNN 8)"
    );
  }
  return { ok: true, package: pkg, details };
}
function wasmBinary(simd, multiThread) {
  if (simd && multiThread) return "tfjs-backend-wasm-threaded-simd.wasm";
  return simd ? "tfjs-backend-wasm-simd.wasm" : "tfjs-backend-wasm.wasm";
}
async function tryWasm(threads) {
  const loaded = loadOptionalModule(NODE_BACKEND_PACKAGES.wasm);
  if (loaded.status !== "loaded") return skip("wasm", loaded.status, loaded.message);
  const addedKernels = registerWasmTrainingKernels();
  if (threads !== void 0) loaded.module.setThreadsCount(threads);
  const error = await activate("wasm");
  if (error !== null) return skip("wasm", "init-failed", error);
  const simd = await env().getAsync("WASM_HAS_SIMD_SUPPORT") === true;
  const multiThread = await env().getAsync("WASM_HAS_MULTITHREAD_SUPPORT") === true;
  return {
    ok: true,
    package: NODE_BACKEND_PACKAGES.wasm,
    details: {
      simd,
      multiThread,
      binary: wasmBinary(simd, multiThread),
      threads: loaded.module.getThreadsCount(),
      addedKernels
    }
  };
}
async function tryCpu() {
  if (findBackendFactory("cpu") === null) {
    const loaded = loadOptionalModule(NODE_BACKEND_PACKAGES.cpu);
    if (loaded.status !== "loaded") return skip("cpu", loaded.status, loaded.message);
  }
  const error = await activate("cpu");
  return error === null ? { ok: true, package: NODE_BACKEND_PACKAGES.cpu } : skip("cpu", "init-failed", error);
}
async function useNodeBackend(options = {}) {
  validate(options);
  const forced = options.backend !== void 0;
  const order = forced ? [options.backend] : NODE_BACKEND_ORDER;
  const skipped = [];
  for (const name of order) {
    let attempt;
    if (name === "wasm") attempt = await tryWasm(options.wasmThreads);
    else if (name === "cpu") attempt = await tryCpu();
    else attempt = await tryNative(name);
    if (!attempt.ok) {
      if (forced) throw new NodeBackendUnavailableError(attempt.skipped);
      skipped.push(attempt.skipped);
      continue;
    }
    const report = {
      backend: name,
      tfjsBackend: getBackend(),
      package: attempt.package,
      forced,
      skipped
    };
    if (name === "wasm") return { ...report, wasm: attempt.details };
    if (name === "cpu") return report;
    return { ...report, native: attempt.details };
  }
  throw new Error(
    `No TF.js backend is usable in this process:
${skipped.map((s) => `${s.backend}: ${s.message}`).join("\n")}`
  );
}

// src/_dbg.ts
try {
  const r = await useNodeBackend({ backend: "tensorflow" });
  console.log(JSON.stringify(r));
} catch (e) {
  console.log("ERR", e.message);
}
