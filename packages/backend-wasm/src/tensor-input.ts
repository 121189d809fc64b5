import { Tensor, type TensorInfo } from '@tensorflow/tfjs-core';

/**
 * The engine hands kernels the op's own Tensor objects, which tfjs ops accept; only
 * backend-internal calls pass bare TensorInfos, and no backend calls these kernels.
 */
export function asTensor(info: TensorInfo | undefined, rank: number, kernel: string, input: string): Tensor {
  if (!(info instanceof Tensor) || info.rank !== rank) {
    throw new Error(
      `${kernel} (wasm, @convlstm/backend-wasm): input '${input}' must be a rank-${rank} Tensor`,
    );
  }
  return info;
}
