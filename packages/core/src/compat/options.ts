import { assertInt, assertKnownKeys, ConvLSTMArgumentError, describeValue, toTuple } from '@convlstm/tensor';

/** A 2-D kernel size as the seed notebook accepted it: one int (square) or `[kh, kw]`. */
export type Kernel2D = number | readonly [number, number];

/**
 * Options the seed notebook did not have. Both default to the seed's behaviour
 * (no peepholes), which is also what Keras / tfjs-layers / PyTorch ConvLSTMs compute.
 */
export interface CompatOptions {
  /**
   * Add the peephole terms `w_c ∘ c` of Shi et al. (2015), eq. 3. Default `false`: the
   * seed had none, and without them weights port 1:1 to and from Keras' `ConvLSTM2D`.
   */
  peephole?: boolean;
  /** Seed of the weight initialisers. Default: drawn from `Math.random`. */
  seed?: number;
}

/** The keys of {@link CompatOptions}; `satisfies` rejects a missing or misspelt one at compile time. */
const COMPAT_OPTION_KEYS = Object.keys({
  peephole: true,
  seed: true,
} satisfies Record<keyof CompatOptions, true>);

/** Checks the trailing options object (unknown keys are errors: they are usually typos). */
export function resolveCompatOptions(options: unknown): { peephole: boolean; seed: number | undefined } {
  if (options === undefined) return { peephole: false, seed: undefined };
  if (typeof options !== 'object' || options === null) {
    throw new ConvLSTMArgumentError(
      'options',
      'an options object { peephole?, seed? }',
      describeValue(options),
    );
  }
  assertKnownKeys(options, COMPAT_OPTION_KEYS, 'options');
  const { peephole, seed } = options as CompatOptions;
  assertBoolean(peephole ?? false, 'options.peephole');
  if (seed !== undefined && (typeof seed !== 'number' || !Number.isFinite(seed))) {
    throw new ConvLSTMArgumentError('options.seed', 'a finite number', describeValue(seed));
  }
  return { peephole: peephole ?? false, seed };
}

/** Throws unless `value` is a boolean (the seed silently accepted truthy values). */
export function assertBoolean(value: unknown, argument: string): asserts value is boolean {
  if (typeof value !== 'boolean') {
    throw new ConvLSTMArgumentError(argument, 'a boolean', describeValue(value));
  }
}

/** One kernel size as `[kh, kw]`; an int means a square kernel (the seed rejected ints). */
export function kernelTuple(value: unknown, argument: string): [number, number] {
  return toTuple(value, 2, argument) as [number, number];
}

function isKernel2D(value: unknown): boolean {
  if (typeof value === 'number') return true;
  return Array.isArray(value) && value.length === 2 && value.every((v) => typeof v === 'number');
}

/**
 * Spreads a per-stack setting over `numLayers` layers, as the seed's `_extend_for_multilayer`.
 * A kernel that is itself a flat `[kh, kw]` pair is one kernel for every layer (the seed's
 * tuple), so two layers with different square kernels are written `[[3, 3], [5, 5]]` or `[3, 5]`
 * is read as one 3×5 kernel.
 */
export function kernelsPerLayer(value: unknown, numLayers: number): [number, number][] {
  const expected = `one kernel (an int or [kh, kw]) or ${numLayers} kernels (one per layer)`;
  if (isKernel2D(value)) return new Array(numLayers).fill(null).map(() => kernelTuple(value, 'kernelSize'));
  if (!Array.isArray(value) || value.length !== numLayers || !value.every(isKernel2D)) {
    throw new ConvLSTMArgumentError('kernelSize', expected, describeValue(value));
  }
  return value.map((k, l) => kernelTuple(k, `kernelSize[${l}]`));
}

/** `hiddenDim` as one channel count per layer. */
export function hiddenPerLayer(value: unknown, numLayers: number): number[] {
  if (typeof value === 'number') {
    assertInt(value, 'hiddenDim');
    return new Array<number>(numLayers).fill(value);
  }
  if (!Array.isArray(value) || value.length !== numLayers) {
    throw new ConvLSTMArgumentError(
      'hiddenDim',
      `a positive integer or ${numLayers} positive integers (one per layer)`,
      describeValue(value),
    );
  }
  value.forEach((v, l) => {
    assertInt(v, `hiddenDim[${l}]`);
  });
  return [...(value as number[])];
}
