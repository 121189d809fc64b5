import { assertShape, ConvLSTMArgumentError, describeValue, formatShape } from '@convlstm/tensor';
import type { Tensor } from '@tensorflow/tfjs-core';
import type { CellConfig, ConvLSTMCellOptions } from './config.js';
import { initialize } from './initializers.js';
import { hashSeed, SeededRandom } from './random.js';

/** Names of a cell's weights, in their stable (Keras-compatible) order. */
export type CellWeightName = 'kernel' | 'recurrentKernel' | 'bias' | 'peepholeI' | 'peepholeF' | 'peepholeO';

/** One weight of a cell: its name and shape. */
export interface WeightSpec {
  readonly name: CellWeightName;
  readonly shape: readonly number[];
}

/**
 * The tensors one cell step reads. Gates are stacked `i, f, c, o` along the last axis:
 * `kernel [...k, Cin, 4C]`, `recurrentKernel [...k_r, C, 4C]`, `bias [4C]`, peepholes `[C]`.
 */
export interface CellParams {
  readonly kernel: Tensor | null;
  readonly recurrentKernel: Tensor;
  readonly bias: Tensor | null;
  readonly peepholeI: Tensor | null;
  readonly peepholeF: Tensor | null;
  readonly peepholeO: Tensor | null;
}

/**
 * The weight list of a cell, in the order of `getWeights()`: `kernel` (absent for an
 * input-free cell), `recurrentKernel`, `bias` (when used), `peepholeI/F/O` (when used).
 * This is tfjs-layers / Keras `ConvLSTM2D` order, so their weights load unchanged.
 */
export function cellWeightSpecs(config: CellConfig): WeightSpec[] {
  const c = config.hiddenChannels;
  const specs: WeightSpec[] = [];
  if (config.inChannels > 0) {
    specs.push({ name: 'kernel', shape: [...config.kernelSize, config.inChannels, 4 * c] });
  }
  specs.push({ name: 'recurrentKernel', shape: [...config.recurrentKernelSize, c, 4 * c] });
  if (config.useBias) specs.push({ name: 'bias', shape: [4 * c] });
  if (config.peephole) {
    specs.push({ name: 'peepholeI', shape: [c] });
    specs.push({ name: 'peepholeF', shape: [c] });
    specs.push({ name: 'peepholeO', shape: [c] });
  }
  return specs;
}

/** Number of trainable scalars of a cell. */
export function countCellParams(config: CellConfig): number {
  return cellWeightSpecs(config).reduce((n, s) => n + s.shape.reduce((a, b) => a * b, 1), 0);
}

/** Draws a cell's initial weight values (seeded, in plain JS, identical on every backend). */
export function initialCellValues(
  config: CellConfig,
  options: Pick<
    ConvLSTMCellOptions,
    'kernelInitializer' | 'recurrentInitializer' | 'biasInitializer' | 'peepholeInitializer'
  >,
  seed: number,
): Float32Array[] {
  return cellWeightSpecs(config).map((spec, index) => {
    const random = new SeededRandom(hashSeed(seed, index));
    switch (spec.name) {
      case 'kernel':
        return initialize(options.kernelInitializer ?? 'glorotUniform', spec.shape, random);
      case 'recurrentKernel':
        return initialize(options.recurrentInitializer ?? 'orthogonal', spec.shape, random);
      case 'bias': {
        const values = initialize(options.biasInitializer ?? 'zeros', spec.shape, random);
        if (config.unitForgetBias) {
          values.fill(1, config.hiddenChannels, 2 * config.hiddenChannels);
        }
        return values;
      }
      default:
        return initialize(options.peepholeInitializer ?? 'zeros', spec.shape, random);
    }
  });
}

/** Checks a weight list against specs, naming the first offending entry. */
export function assertWeightList(
  weights: unknown,
  specs: readonly WeightSpec[],
  argument: string,
): asserts weights is Tensor[] {
  if (!Array.isArray(weights) || weights.length !== specs.length) {
    const expected = `${specs.length} tensors (${specs.map((s) => `${s.name} ${formatShape(s.shape)}`).join(', ')})`;
    const received = Array.isArray(weights) ? `${weights.length} entries` : describeValue(weights);
    throw new ConvLSTMArgumentError(argument, expected, received);
  }
  specs.forEach((spec, i) => {
    assertShape(weights[i], spec.shape, `${argument}[${i}] (${spec.name})`, formatShape(spec.shape));
  });
}
