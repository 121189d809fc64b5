import {
  getKernel,
  type KernelConfig,
  type KernelFunc,
  registerKernel,
  unregisterKernel,
} from '@tensorflow/tfjs-core';

/** The parts of tfjs-node's backend the replacement kernels use. */
interface NativeBackendLike {
  incRef(dataId: object): void;
}

/** The kernels tfjs-node registered, kept when they are replaced so the replacements can defer to them. */
const stock = new Map<string, KernelFunc>();

/**
 * `Cast` to the dtype a tensor already has, as a new reference to the same data (what tfjs-node's
 * own `Identity` does), instead of a TensorFlow `Cast` op: tfjs-core's gradient of every `mul`
 * casts both operands to float32, so a training step ran hundreds of these copies.
 */
const cast: KernelFunc = (args) => {
  const x = args.inputs.x as { dataId: object; shape: number[]; dtype: string };
  if (x.dtype === args.attrs?.dtype) {
    (args.backend as unknown as NativeBackendLike).incRef(x.dataId);
    return { dataId: x.dataId, shape: x.shape, dtype: x.dtype } as ReturnType<KernelFunc>;
  }
  return (stock.get('Cast') as KernelFunc)(args);
};

const REPLACEMENTS: Readonly<Record<string, KernelFunc>> = { Cast: cast };

/**
 * Replaces tfjs-node's kernels listed in {@link REPLACEMENTS} for the 'tensorflow' backend (once;
 * later calls do nothing). Each replacement does what the stock kernel does, cheaper in a case it
 * handles, and calls the stock kernel otherwise.
 */
export function registerNativeKernels(): void {
  for (const [name, kernelFunc] of Object.entries(REPLACEMENTS)) {
    const current = getKernel(name, 'tensorflow');
    if (current === undefined || current.kernelFunc === kernelFunc) continue;
    stock.set(name, current.kernelFunc);
    unregisterKernel(name, 'tensorflow');
    registerKernel({ ...current, kernelFunc } satisfies KernelConfig);
  }
}
