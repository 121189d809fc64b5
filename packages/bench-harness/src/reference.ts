import type { ConvLSTM } from '@convlstm/core';
import { gateArithmetic } from '@convlstm/core/internal';
import {
  add,
  concat,
  conv2d,
  reshape,
  stack,
  type Tensor,
  type Tensor4D,
  unstack,
  zeros,
} from '@tensorflow/tfjs-core';

/**
 * The plain per-step reference the speed-ups are measured against: for every layer and step,
 * concatenate `[x_t, h]`, run one convolution with the stacked kernel, add the bias and apply
 * the core's gate arithmetic in TF.js ops (`gateArithmetic`, eq. 3 as the core writes it once) —
 * no hoisting, no gate kernel, no custom gradient. It reads the
 * weights of `model`, so both compute the same function and train the same variables.
 * `xs [N, T, H, W, Cin]` → outputs `[N, T, H, W, C_last]`. Call inside `tidy`.
 */
export function plainReference(model: ConvLSTM, xs: Tensor): Tensor {
  // Frames are taken from a rank-3 view: wasm slices rank-5 tensors on a pathologically slow
  // path, which would otherwise dominate the reference's time.
  const [n0, t0, ...rest] = xs.shape as number[];
  let frames = unstack(reshape(xs, [n0 as number, t0 as number, -1]), 1).map((f) =>
    reshape(f, [n0 as number, ...rest]),
  );
  for (const cell of model.allCells) {
    const p = cell.params;
    const kernel = concat([p.kernel as Tensor, p.recurrentKernel], 2) as Tensor4D;
    const [n, hh, ww] = (frames[0] as Tensor).shape;
    const shape = [n as number, hh as number, ww as number, cell.config.hiddenChannels];
    let h: Tensor = zeros(shape);
    let c: Tensor = zeros(shape);
    const outputs: Tensor[] = [];
    for (const x of frames) {
      let z: Tensor = conv2d(concat([x, h], -1) as Tensor4D, kernel, 1, 'same');
      if (p.bias !== null) z = add(z, p.bias);
      ({ h, c } = gateArithmetic(cell.config, p, z, c));
      outputs.push(h);
    }
    frames = outputs;
  }
  return stack(frames, 1);
}
