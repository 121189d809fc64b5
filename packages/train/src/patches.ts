import { reshape, type Tensor, transpose } from '@tensorflow/tfjs-core';

/**
 * Folds frames `[M, H, W, C]` into non-overlapping `p×p` patches `[M, H/p, W/p, p²·C]`
 * (space-to-depth; patch channel `(py·p + px)·C + c`), as Shi et al. (2015) turn 64×64 frames
 * into 16×16×16 tensors.
 */
export function spaceToDepth(frames: Tensor, p: number): Tensor {
  const [m, h, w, c] = frames.shape as [number, number, number, number];
  const split = reshape(frames, [m, h / p, p, w / p, p, c]);
  return reshape(transpose(split, [0, 1, 3, 2, 4, 5]), [m, h / p, w / p, p * p * c]);
}

/** The inverse of {@link spaceToDepth} for one channel: `[M, h, w, p²]` → `[M, h·p, w·p, 1]`. */
export function depthToSpace(patches: Tensor, p: number): Tensor {
  const [m, h, w] = patches.shape as [number, number, number, number];
  const split = reshape(patches, [m, h, w, p, p]);
  return reshape(transpose(split, [0, 1, 3, 2, 4]), [m, h * p, w * p, 1]);
}
