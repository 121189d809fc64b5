import { CONVLSTM_GATES } from '@convlstm/core/backend';
import { assertShape, assertTensor, ConvLSTMArgumentError, formatShape } from '@convlstm/tensor';
import { engine, getBackend, getKernel, type Tensor, zeros } from '@tensorflow/tfjs-core';

/** The peephole weights `w_ci`, `w_cf`, `w_co`, each `[C]`. */
export interface Peepholes {
  readonly i: Tensor;
  readonly f: Tensor;
  readonly o: Tensor;
}

/** Whether the active backend has the core's gate kernel (on WebGPU: see `registerWebGPUKernels`). */
export function hasGatesKernel(): boolean {
  return getKernel(CONVLSTM_GATES, getBackend()) !== undefined;
}

/**
 * The gate arithmetic of one ConvLSTM step (eq. 3 of Shi et al. 2015, sigmoid gates, tanh
 * candidate and output) as one call of the core's gate kernel, with its arguments checked;
 * differentiable where the backend registers the kernel's backward (WebGPU does):
 *   i = σ(z_i + w_ci∘c), f = σ(z_f + w_cf∘c), g = tanh(z_g), c' = f∘c + i∘g,
 *   o = σ(z_o + w_co∘c'), h' = o∘tanh(c').
 *
 * @param z `[N, ...S, 4C]` pre-activations `W_x∗x + W_h∗h + b`, gates stacked i, f, c, o.
 * @param c `[N, ...S, C]` previous cell state.
 * @param peepholes the `[C]` peephole weights, or `null` for a cell without them.
 * @returns `{ h: [N, ...S, C], c: [N, ...S, C] }`.
 * @throws ConvLSTMArgumentError on bad shapes; Error when the active backend has no gate kernel.
 */
export function runGatesKernel(
  z: Tensor,
  c: Tensor,
  peepholes: Peepholes | null = null,
): { h: Tensor; c: Tensor } {
  assertTensor(z, 'z', '[N, ...S, 4C]');
  const rank = z.shape.length;
  const fourC = z.shape[rank - 1] as number;
  if (rank < 2 || fourC % 4 !== 0 || fourC === 0) {
    throw new ConvLSTMArgumentError(
      'z',
      'a tensor [N, ...S, 4C] with a last axis divisible by 4',
      formatShape(z.shape),
    );
  }
  const channels = fourC / 4;
  assertShape(c, [...z.shape.slice(0, -1), channels], 'c', '[N, ...S, C]');
  assertShape(z, [...z.shape], 'z', '[N, ...S, 4C]');
  if (peepholes !== null) {
    assertShape(peepholes.i, [channels], 'peepholes.i', '[C]');
    assertShape(peepholes.f, [channels], 'peepholes.f', '[C]');
    assertShape(peepholes.o, [channels], 'peepholes.o', '[C]');
  }
  if (!hasGatesKernel()) {
    throw new Error(
      `runGatesKernel: backend "${getBackend()}" has no ${CONVLSTM_GATES} kernel (on WebGPU, call registerWebGPUKernels())`,
    );
  }
  const none = peepholes === null ? zeros([channels]) : null;
  try {
    const [h, cNext] = engine().runKernel(CONVLSTM_GATES, {
      z,
      c,
      peepholeI: peepholes?.i ?? (none as Tensor),
      peepholeF: peepholes?.f ?? (none as Tensor),
      peepholeO: peepholes?.o ?? (none as Tensor),
    }) as [Tensor, Tensor];
    return { h, c: cNext };
  } finally {
    none?.dispose();
  }
}
