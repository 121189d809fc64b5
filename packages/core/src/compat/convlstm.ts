import { assertInt, assertShape, ConvLSTMArgumentError, describeValue, formatShape } from '@convlstm/tensor';
import { type Tensor, type Tensor4D, type Tensor5D, tidy, type Variable } from '@tensorflow/tfjs-core';
import { ConvLSTM as CoreConvLSTM } from '../convlstm.js';
import { hashSeed } from '../random.js';
import {
  assertNonEmpty,
  assertStatePair,
  frameToFirst,
  frameToLast,
  type StatePair,
  sequenceToFirst,
  sequenceToLast,
} from './layout.js';
import {
  assertBoolean,
  type CompatOptions,
  hiddenPerLayer,
  type Kernel2D,
  kernelsPerLayer,
  resolveCompatOptions,
} from './options.js';

/**
 * What {@link ConvLSTM.forward} returns, as the seed's `layer_output_list, last_state_list`:
 * per returned layer its output sequence `[B, T, C_l, H, W]` and its last state `[h, c]`,
 * each `[B, C_l, H, W]`. The caller owns every tensor.
 */
export type CompatForwardResult = [layerOutputList: Tensor5D[], lastStateList: [Tensor4D, Tensor4D][]];

/**
 * The seed notebook's `ConvLSTM(input_dim, hidden_dim, kernel_size, num_layers, batch_first,
 * bias, return_all_layers)`, channels-first like PyTorch, with its bugs fixed:
 * each cell gets its own layer's settings (the seed passed whole lists), `batchFirst` iterates
 * over time (the seed iterated over the batch), `hiddenState` works (the seed raised
 * NotImplementedError) and int kernels are accepted.
 *
 * Each layer is a one-layer core {@link CoreConvLSTM} (channels-last, exposed as {@link layers});
 * the input is transposed once on the way in and the outputs on the way out. Peepholes are off
 * by default (the seed had none); pass `{ peephole: true }` for the paper's eq. 3.
 *
 * @example
 * ```ts
 * const x = tf.randomNormal([32, 10, 64, 128, 128]); // [B, T, C, H, W]
 * const convlstm = new ConvLSTM(64, 16, 3, 1, true, true, false);
 * const [, lastStates] = convlstm.forward(x);
 * const h = lastStates[0][0]; // [32, 16, 128, 128]
 * ```
 */
export class ConvLSTM {
  /** Input channels `Cin`. */
  readonly inputDim: number;
  /** Hidden channels per layer. */
  readonly hiddenDim: readonly number[];
  /** `[kh, kw]` per layer. */
  readonly kernelSize: readonly (readonly [number, number])[];
  readonly numLayers: number;
  /** Input is `[B, T, C, H, W]` when `true`, `[T, B, C, H, W]` when `false`. */
  readonly batchFirst: boolean;
  readonly bias: boolean;
  /** Return every layer's output and state, or only the last layer's. */
  readonly returnAllLayers: boolean;
  /** One single-layer channels-last core stack per layer, holding its weights. */
  readonly layers: readonly CoreConvLSTM<2>[];

  /**
   * @param inputDim Channels of the input frames.
   * @param hiddenDim Hidden channels: one int for every layer, or one per layer.
   * @param kernelSize One kernel for every layer (int or `[kh, kw]`), or one per layer
   *   (`[[3, 3], [5, 5]]`; a flat pair of ints is always one `[kh, kw]` kernel).
   * @param numLayers Number of stacked layers.
   * @param batchFirst Input layout `[B, T, C, H, W]` (`true`) or `[T, B, C, H, W]` (default).
   * @param bias Add a bias to the gates (default `true`).
   * @param returnAllLayers Return every layer's output and state (default: the last only).
   * @param options `peephole` (default `false`, as the seed) and `seed`.
   */
  constructor(
    inputDim: number,
    hiddenDim: number | readonly number[],
    kernelSize: Kernel2D | readonly Kernel2D[],
    numLayers: number,
    batchFirst = false,
    bias = true,
    returnAllLayers = false,
    options?: CompatOptions,
  ) {
    assertInt(inputDim, 'inputDim');
    assertInt(numLayers, 'numLayers');
    const hidden = hiddenPerLayer(hiddenDim, numLayers);
    const kernels = kernelsPerLayer(kernelSize, numLayers);
    assertBoolean(batchFirst, 'batchFirst');
    assertBoolean(bias, 'bias');
    assertBoolean(returnAllLayers, 'returnAllLayers');
    const { peephole, seed } = resolveCompatOptions(options);
    const base = seed ?? Math.floor(Math.random() * 2 ** 31);
    this.inputDim = inputDim;
    this.hiddenDim = hidden;
    this.kernelSize = kernels;
    this.numLayers = numLayers;
    this.batchFirst = batchFirst;
    this.bias = bias;
    this.returnAllLayers = returnAllLayers;
    const layers: CoreConvLSTM<2>[] = [];
    try {
      for (let l = 0; l < numLayers; l++) {
        layers.push(
          new CoreConvLSTM<2>({
            inChannels: l === 0 ? inputDim : (hidden[l - 1] as number),
            hiddenChannels: hidden[l] as number,
            kernelSize: kernels[l] as [number, number],
            spatialRank: 2,
            useBias: bias,
            peephole,
            returnSequences: true,
            seed: hashSeed(base, l),
          }),
        );
      }
    } catch (error) {
      for (const layer of layers) layer.dispose();
      throw error;
    }
    this.layers = layers;
  }

  /** Layout name of the input, for messages. */
  private get inputLayout(): string {
    return this.batchFirst ? '[B, T, C, H, W]' : '[T, B, C, H, W]';
  }

  /**
   * Runs the stack over `input` (`[B, T, C, H, W]` when `batchFirst`, else `[T, B, C, H, W]`).
   * `hiddenState` optionally gives every layer's initial `[h, c]` (each `[B, C_l, H, W]`), e.g.
   * the `lastStateList` of the previous chunk (with `returnAllLayers`) to stream a long sequence.
   *
   * Returns `[layerOutputList, lastStateList]`: outputs are always `[B, T, C_l, H, W]` (as the
   * seed documented), states `[h, c]` each `[B, C_l, H, W]`; only the last layer unless
   * `returnAllLayers`. Inputs are not disposed; the caller owns the results.
   */
  forward(input: Tensor5D, hiddenState?: readonly StatePair[]): CompatForwardResult {
    const layout = this.inputLayout;
    assertShape(input, [null, null, this.inputDim, null, null], 'input', layout);
    assertNonEmpty(input, 'input', layout);
    const [d0, d1, , height, width] = input.shape;
    const batch = this.batchFirst ? d0 : d1;
    if (hiddenState !== undefined) {
      if (!Array.isArray(hiddenState) || hiddenState.length !== this.numLayers) {
        throw new ConvLSTMArgumentError(
          'hiddenState',
          `${this.numLayers} pairs [h, c] (one per layer)`,
          describeValue(hiddenState),
        );
      }
      hiddenState.forEach((pair, l) => {
        assertStatePair(pair, [batch, this.hiddenDim[l] as number, height, width], `hiddenState[${l}]`);
      });
    }
    const result = tidy(() => {
      let x: Tensor5D = sequenceToLast(input, this.batchFirst);
      const outputs: Tensor5D[] = [];
      const states: [Tensor4D, Tensor4D][] = [];
      this.layers.forEach((layer, l) => {
        const initial = hiddenState?.[l];
        const result = layer.forward(
          x,
          initial === undefined
            ? {}
            : { initialState: { h: [frameToLast(initial[0])], c: [frameToLast(initial[1])] } },
        );
        x = result.output as Tensor5D;
        if (this.returnAllLayers || l === this.numLayers - 1) {
          outputs.push(sequenceToFirst(x));
          states.push([frameToFirst(result.h[0] as Tensor), frameToFirst(result.c[0] as Tensor)]);
        }
      });
      return { outputs, states };
    });
    return [result.outputs, result.states];
  }

  /** Copies of every layer's weights, in the core's order (layer by layer; channels-last). */
  getWeights(): Tensor[] {
    return this.layers.flatMap((layer) => layer.getWeights());
  }

  /**
   * Loads weights in {@link getWeights} order, which is also the order of a core
   * {@link CoreConvLSTM} with the same layers. All shapes are checked before any is assigned.
   */
  setWeights(weights: readonly Tensor[]): void {
    const counts = this.layers.map((layer) => layer.allCells.reduce((n, c) => n + c.weightSpecs.length, 0));
    const total = counts.reduce((a, b) => a + b, 0);
    if (!Array.isArray(weights) || weights.length !== total) {
      throw new ConvLSTMArgumentError(
        'weights',
        `${total} tensors`,
        Array.isArray(weights) ? `${weights.length} tensors` : describeValue(weights),
      );
    }
    let offset = 0;
    const slices = counts.map((n) => {
      const slice = weights.slice(offset, offset + n);
      offset += n;
      return slice;
    });
    // Check every layer's slice before assigning any, so a bad list leaves the stack untouched.
    let index = 0;
    for (const layer of this.layers) {
      for (const cell of layer.allCells) {
        for (const spec of cell.weightSpecs) {
          assertShape(
            weights[index],
            spec.shape,
            `weights[${index}] (${spec.name})`,
            formatShape(spec.shape),
          );
          index++;
        }
      }
    }
    this.layers.forEach((layer, l) => {
      layer.setWeights(slices[l] as Tensor[]);
    });
  }

  /** The trainable variables of every layer, in {@link getWeights} order. */
  get trainableWeights(): Variable[] {
    return this.layers.flatMap((layer) => layer.trainableWeights);
  }

  /** Number of trainable scalars. */
  get numParams(): number {
    return this.layers.reduce((n, layer) => n + layer.numParams, 0);
  }

  /** Frees every weight. */
  dispose(): void {
    for (const layer of this.layers) layer.dispose();
  }
}
