import {
  CONVLSTM_GATES,
  CONVLSTM_GATES_GRAD,
  GATES_GRAD_INPUTS,
  registerBackendProfile,
} from '@convlstm/core/backend';
import type { WebGPUBackend } from '@tensorflow/tfjs-backend-webgpu';
import {
  getKernel,
  type KernelConfig,
  type KernelFunc,
  type NamedTensorInfoMap,
  registerKernel,
  type TensorInfo,
} from '@tensorflow/tfjs-core';
import { GatesBackwardProgram } from './gates-backward-program.js';
import { GatesForwardProgram } from './gates-forward-program.js';

/** The tfjs backend name the kernels are registered for. */
export const WEBGPU_BACKEND = 'webgpu';

/** What the core must know about tfjs-backend-webgpu 4.22 (see `registerBackendProfile`). */
const WEBGPU_PROFILE = {
  brokenSchedules: {
    concat:
      'tfjs-backend-webgpu 4.22 returns all-zero states on this schedule (found by the conformance suite in headless Chromium)',
  },
} as const;

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
  const { infos, positions, channels } = readInputs(CONVLSTM_GATES, inputs, ['z', 'c']);
  const [z, c] = infos as [TensorInfo, TensorInfo];
  const peepholes = ['peepholeI', 'peepholeF', 'peepholeO'].map((name) => inputs[name]);
  // A cell without peepholes is exactly the step with zero peepholes.
  const zero = peepholes.every((p) => p !== undefined)
    ? null
    : gpu.makeTensorInfo([channels], 'float32', new Float32Array(channels));
  const x = inputs.x;
  const program = new GatesForwardProgram(positions, channels, x !== undefined);
  const bound = [
    view(z, [positions, 4 * channels]),
    view(c, [positions, channels]),
    ...peepholes.map((p) => (p ?? zero) as TensorInfo),
    ...(x === undefined ? [] : [view(x, [positions, 4 * channels])]),
  ];
  const packed = gpu.runWebGPUProgram(program, bound, 'float32');
  try {
    const count = positions * channels;
    return [unpack(gpu, packed, 0, [...c.shape]), unpack(gpu, packed, count, [...c.shape])];
  } finally {
    gpu.disposeData(packed.dataId);
    if (zero !== null) gpu.disposeData(zero.dataId);
  }
};

const backwardKernel: KernelFunc = ({ inputs, backend }) => {
  const gpu = backend as WebGPUBackend;
  const { infos, positions, channels } = readInputs(CONVLSTM_GATES_GRAD, inputs, GATES_GRAD_INPUTS);
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

const forwardConfig: KernelConfig = {
  kernelName: CONVLSTM_GATES,
  backendName: WEBGPU_BACKEND,
  kernelFunc: forwardKernel,
};
const backwardConfig: KernelConfig = {
  kernelName: CONVLSTM_GATES_GRAD,
  backendName: WEBGPU_BACKEND,
  kernelFunc: backwardKernel,
};

/**
 * Registers the core's gate kernel (`CONVLSTM_GATES`) and its backward (`CONVLSTM_GATES_GRAD`,
 * through which the core's registered gradient runs, so training uses the WGSL programs too)
 * for the `'webgpu'` backend. Idempotent. Returns whether anything was newly registered.
 */
export function registerWebGPUKernels(): boolean {
  let registered = false;
  for (const config of [forwardConfig, backwardConfig]) {
    if (getKernel(config.kernelName, WEBGPU_BACKEND) === undefined) {
      registerKernel(config);
      registered = true;
    }
  }
  return registered;
}

/** Tells the core what differs on WebGPU (a schedule tfjs-backend-webgpu 4.22 gets wrong). */
export function registerWebGPUProfile(): void {
  registerBackendProfile(WEBGPU_BACKEND, WEBGPU_PROFILE);
}
