import { assertInt, assertShape, ConvLSTMArgumentError, describeValue } from '@convlstm/tensor';
import { type Tensor, type Tensor4D, tidy, zeros } from '@tensorflow/tfjs-core';
import { ConvLSTMCell as CoreConvLSTMCell } from '../cell.js';
import {
  assertNonEmpty,
  assertStatePair,
  FRAME_CF,
  frameToFirst,
  frameToLast,
  type StatePair,
} from './layout.js';
import {
  assertBoolean,
  type CompatOptions,
  type Kernel2D,
  kernelTuple,
  resolveCompatOptions,
} from './options.js';

/**
 * The seed notebook's `ConvLSTMCell(input_dim, hidden_dim, kernel_size, bias)`, channels-first
 * like PyTorch: frames `x [B, Cin, H, W]`, states `h, c [B, C, H, W]`.
 *
 * It delegates to the core's channels-last {@link CoreConvLSTMCell} (exposed as {@link core}),
 * transposing on the way in and out, so the math is the core's: the seed's bugs (sigmoid on the
 * candidate, `o * nn.Tanh(c)`, no return value) are gone. Padding is TF's "same" for every kernel
 * size, so even kernels keep `H × W` too (the seed's `k // 2` padding grew them by one).
 *
 * Gates are stacked `i, f, c, o` (Keras order); the seed split them `i, f, o, g`.
 */
export class ConvLSTMCell {
  /** Input channels `Cin`. */
  readonly inputDim: number;
  /** Hidden channels `C` of `h` and `c`. */
  readonly hiddenDim: number;
  /** `[kh, kw]`. */
  readonly kernelSize: readonly [number, number];
  /** Whether the gates have a bias. */
  readonly bias: boolean;
  /** The channels-last core cell holding the weights. */
  readonly core: CoreConvLSTMCell<2>;

  /**
   * @param inputDim Channels of the input frames.
   * @param hiddenDim Channels of the hidden and cell states.
   * @param kernelSize One int (square kernel) or `[kh, kw]`; used for both convolutions.
   * @param bias Add a bias to the gates (default `true`).
   * @param options `peephole` (default `false`, as the seed) and `seed`.
   */
  constructor(
    inputDim: number,
    hiddenDim: number,
    kernelSize: Kernel2D,
    bias = true,
    options?: CompatOptions,
  ) {
    assertInt(inputDim, 'inputDim');
    assertInt(hiddenDim, 'hiddenDim');
    const kernel = kernelTuple(kernelSize, 'kernelSize');
    assertBoolean(bias, 'bias');
    const { peephole, seed } = resolveCompatOptions(options);
    this.inputDim = inputDim;
    this.hiddenDim = hiddenDim;
    this.kernelSize = kernel;
    this.bias = bias;
    this.core = new CoreConvLSTMCell<2>({
      inChannels: inputDim,
      hiddenChannels: hiddenDim,
      kernelSize: kernel,
      spatialRank: 2,
      useBias: bias,
      peephole,
      ...(seed === undefined ? {} : { seed }),
    });
  }

  /** Zero state `[h, c]`, each `[batchSize, hiddenDim, height, width]`. The caller owns both. */
  initHidden(batchSize: number, imageSize: readonly [number, number]): [Tensor4D, Tensor4D] {
    assertInt(batchSize, 'batchSize');
    if (!Array.isArray(imageSize) || imageSize.length !== 2) {
      throw new ConvLSTMArgumentError('imageSize', '[height, width]', describeValue(imageSize));
    }
    assertInt(imageSize[0], 'imageSize[0] (height)');
    assertInt(imageSize[1], 'imageSize[1] (width)');
    const shape: [number, number, number, number] = [batchSize, this.hiddenDim, imageSize[0], imageSize[1]];
    return [zeros(shape), zeros(shape)];
  }

  /**
   * One step: `x [B, Cin, H, W]` and the previous `[h, c]` (each `[B, C, H, W]`; zeros when
   * omitted) give the next `[h, c]`. Inputs are not disposed; the caller owns the result.
   */
  forward(x: Tensor4D, state?: StatePair): [Tensor4D, Tensor4D] {
    assertShape(x, [null, this.inputDim, null, null], 'x', FRAME_CF);
    assertNonEmpty(x, 'x', FRAME_CF);
    const [batch, , height, width] = x.shape;
    if (state !== undefined) {
      assertStatePair(state, [batch, this.hiddenDim, height, width], 'state');
    }
    return tidy(() => {
      const next = this.core.step(
        frameToLast(x),
        state === undefined ? undefined : { h: frameToLast(state[0]), c: frameToLast(state[1]) },
      );
      return [frameToFirst(next.h as Tensor), frameToFirst(next.c as Tensor)];
    }) as [Tensor4D, Tensor4D];
  }

  /** Copies of the weights in core order (`kernel, recurrentKernel, bias, peepholes`), channels-last. */
  getWeights(): Tensor[] {
    return this.core.getWeights();
  }

  /** Loads weights in {@link getWeights} order (shapes checked first). */
  setWeights(weights: readonly Tensor[]): void {
    this.core.setWeights(weights);
  }

  /** Frees the weights. */
  dispose(): void {
    this.core.dispose();
  }
}
