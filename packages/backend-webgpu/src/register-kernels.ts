import type { WebGPUBackend } from '@tensorflow/tfjs-backend-webgpu';
import {
  engine,
  getGradient,
  getKernel,
  type KernelConfig,
  type KernelFunc,
  type NamedTensorInfoMap,
  registerGradient,
  registerKernel,
  reshape,
  sum,
  type Tensor,
  type TensorInfo,
  tidy,
  unstack,
  zerosLike,
} from '@tensorflow/tfjs-core';
import { GatesBackwardProgram } from './gates-backward-program.js';
import { GatesForwardProgram } from './gates-forward-program.js';
import { BACKWARD_INPUTS, FORWARD_INPUTS, GATES_BACKWARD, GATES_FORWARD } from './kernel-names.js';

/** The tfjs backend name the fused kernels are registered for. */
export const WEBGPU_BACKEND = 'webgpu';

function readInputs(
  kernel: string,
  inputs: NamedTensorInfoMap,
  names: readonly string[],
): { infos: TensorInfo[]; positions: number; channels: number } {
  const infos = names.map((name) => {
    const info = inputs[name];
    if (info === undefined) throw new Error(`${kernel}: input "${name}" is missing`);
    if (info.dtype !== 'float32')
      throw new Error(`${kernel}: input "${name}" must be float32, got ${info.dtype}`);
    return info;
  });
  const c = infos[1] as TensorInfo;
  const channels = c.shape[c.shape.length - 1] ?? 0;
  const positions = channels === 0 ? 0 : c.shape.reduce((a, b) => a * b, 1) / channels;
  return { infos, positions, channels };
}

/** Views `info` with another shape of the same size; no copy, the data stays shared. */
function view(info: TensorInfo, shape: number[]): TensorInfo {
  return { dataId: info.dataId, shape, dtype: info.dtype };
}

/**
 * Copies `size` elements from `offset` of a flat packed result into a tensor of `shape`.
 * It runs tfjs-backend-webgpu's own `Slice` kernel: a program has one output buffer in
 * tfjs-backend-webgpu 4.22, so multi-output kernels split a packed result this way.
 */
function unpack(backend: WebGPUBackend, packed: TensorInfo, offset: number, shape: number[]): TensorInfo {
  const size = shape.reduce((a, b) => a * b, 1);
  const slice = getKernel('Slice', WEBGPU_BACKEND);
  if (slice === undefined) throw new Error('tfjs-backend-webgpu has no Slice kernel registered');
  const out = slice.kernelFunc({
    inputs: { x: view(packed, [packed.shape.reduce((a, b) => a * b, 1)]) },
    backend,
    attrs: { begin: [offset], size: [size] },
  }) as TensorInfo;
  return view(out, shape);
}

const forwardKernel: KernelFunc = ({ inputs, backend }) => {
  const gpu = backend as WebGPUBackend;
  const { infos, positions, channels } = readInputs(GATES_FORWARD, inputs, FORWARD_INPUTS);
  const [z, c, pi, pf, po] = infos as [TensorInfo, TensorInfo, TensorInfo, TensorInfo, TensorInfo];
  const program = new GatesForwardProgram(positions, channels);
  const packed = gpu.runWebGPUProgram(
    program,
    [view(z, [positions, 4 * channels]), view(c, [positions, channels]), pi, pf, po],
    'float32',
  );
  try {
    const count = positions * channels;
    return [unpack(gpu, packed, 0, [...c.shape]), unpack(gpu, packed, count, [...c.shape])];
  } finally {
    gpu.disposeData(packed.dataId);
  }
};

const backwardKernel: KernelFunc = ({ inputs, backend }) => {
  const gpu = backend as WebGPUBackend;
  const { infos, positions, channels } = readInputs(GATES_BACKWARD, inputs, BACKWARD_INPUTS);
  const [z, c, pi, pf, po, dh, dcNext] = infos as [
    TensorInfo,
    TensorInfo,
    TensorInfo,
    TensorInfo,
    TensorInfo,
    TensorInfo,
    TensorInfo,
  ];
  const flat = (t: TensorInfo) => view(t, [positions, channels]);
  const program = new GatesBackwardProgram(positions, channels);
  const packed = gpu.runWebGPUProgram(
    program,
    [view(z, [positions, 4 * channels]), flat(c), pi, pf, po, flat(dh), flat(dcNext)],
    'float32',
  );
  try {
    const count = positions * channels;
    return [
      unpack(gpu, packed, 0, [...z.shape]),
      unpack(gpu, packed, 4 * count, [...c.shape]),
      unpack(gpu, packed, 5 * count, [3, ...c.shape]),
    ];
  } finally {
    gpu.disposeData(packed.dataId);
  }
};

/** Runs {@link GATES_BACKWARD} and reduces the peephole partials to `[C]` gradients. */
export function gatesBackward(
  z: Tensor,
  c: Tensor,
  peepholeI: Tensor,
  peepholeF: Tensor,
  peepholeO: Tensor,
  dh: Tensor,
  dcNext: Tensor,
): { dz: Tensor; dc: Tensor; dPeepholeI: Tensor; dPeepholeF: Tensor; dPeepholeO: Tensor } {
  const [dz, dc, partials] = engine().runKernel(GATES_BACKWARD, {
    z,
    c,
    peepholeI,
    peepholeF,
    peepholeO,
    dh,
    dcNext,
  }) as [Tensor, Tensor, Tensor];
  const channels = c.shape[c.shape.length - 1] as number;
  const [dPeepholeI, dPeepholeF, dPeepholeO] = tidy(() =>
    unstack(sum(reshape(partials, [3, -1, channels]), 1), 0),
  ) as [Tensor, Tensor, Tensor];
  partials.dispose();
  return { dz, dc, dPeepholeI, dPeepholeF, dPeepholeO };
}

const forwardConfig: KernelConfig = {
  kernelName: GATES_FORWARD,
  backendName: WEBGPU_BACKEND,
  kernelFunc: forwardKernel,
};
const backwardConfig: KernelConfig = {
  kernelName: GATES_BACKWARD,
  backendName: WEBGPU_BACKEND,
  kernelFunc: backwardKernel,
};

/**
 * Registers {@link GATES_FORWARD} and {@link GATES_BACKWARD} for the `'webgpu'` backend and the
 * gradient of the forward kernel (so `tf.grad`, `variableGrads` and optimizers see through it).
 * Idempotent. Returns whether anything was newly registered.
 *
 * The gradient goes through `registerGradient`, tfjs's mechanism for its own kernels, rather than
 * `tf.customGrad`: `customGrad` only allows a single output tensor and the step has two (`h'`, `c'`).
 */
export function registerFusedGates(): boolean {
  let registered = false;
  for (const config of [forwardConfig, backwardConfig]) {
    if (getKernel(config.kernelName, WEBGPU_BACKEND) === undefined) {
      registerKernel(config);
      registered = true;
    }
  }
  if (getGradient(GATES_FORWARD) === undefined) {
    registerGradient({
      kernelName: GATES_FORWARD,
      inputsToSave: [...FORWARD_INPUTS],
      gradFunc: (dy, saved) => {
        const [z, c, pi, pf, po] = saved as [Tensor, Tensor, Tensor, Tensor, Tensor];
        const [dh, dcNext] = dy as [Tensor | null, Tensor | null];
        // An output outside the differentiated graph arrives as null: it contributes nothing.
        const g = gatesBackward(z, c, pi, pf, po, dh ?? zerosLike(c), dcNext ?? zerosLike(c));
        return {
          z: () => g.dz,
          c: () => g.dc,
          peepholeI: () => g.dPeepholeI,
          peepholeF: () => g.dPeepholeF,
          peepholeO: () => g.dPeepholeO,
        };
      },
    });
    registered = true;
  }
  return registered;
}
