import {
  assertShape,
  type CellState,
  ConvLSTMArgumentError,
  describeValue,
  FRAME_LAYOUT,
  type FrameTensor,
  type SpatialRank,
} from '@convlstm/tensor';
import { add, type Tensor, tensor, tidy, type Variable, variable, zeros } from '@tensorflow/tfjs-core';
import { type CellConfig, type ConvLSTMCellOptions, resolveCellConfig } from './config.js';
import { sameOutputSize } from './conv.js';
import { gateStep, projectInput, recurrentConv } from './gates.js';
import { assertState } from './state.js';
import {
  assertWeightList,
  type CellParams,
  cellWeightSpecs,
  countCellParams,
  initialCellValues,
  type WeightSpec,
} from './weights.js';

/**
 * One ConvLSTM cell (eq. 3 of Shi et al. 2015), channels-last, of spatial rank `R`:
 * frames `x [N, ...S, Cin]` and states `h, c [N, ...S', C]` with `S' = ceil(S / strides)`.
 *
 * Weights (see {@link cellWeightSpecs}) are Keras / tfjs-layers `ConvLSTM2D`-compatible:
 * `kernel [...k, Cin, 4C]`, `recurrentKernel [...k_r, C, 4C]`, `bias [4C]`,
 * then `peepholeI/F/O [C]`; gates stacked `i, f, c, o`.
 */
export class ConvLSTMCell<R extends SpatialRank = 2> {
  readonly config: CellConfig;
  readonly weightSpecs: readonly WeightSpec[];
  private readonly vars: Variable[];

  constructor(options: ConvLSTMCellOptions, trainable = true) {
    this.config = resolveCellConfig(options);
    this.weightSpecs = cellWeightSpecs(this.config);
    const seed = options.seed ?? Math.floor(Math.random() * 2 ** 31);
    const values = initialCellValues(this.config, options, seed);
    this.vars = this.weightSpecs.map((spec, i) =>
      tidy(() => variable(tensor(values[i] as Float32Array, [...spec.shape]), trainable)),
    );
  }

  /** The weights as the step math reads them. */
  get params(): CellParams {
    const byName = new Map(this.weightSpecs.map((s, i) => [s.name, this.vars[i] as Tensor]));
    return {
      kernel: byName.get('kernel') ?? null,
      recurrentKernel: byName.get('recurrentKernel') as Tensor,
      bias: byName.get('bias') ?? null,
      peepholeI: byName.get('peepholeI') ?? null,
      peepholeF: byName.get('peepholeF') ?? null,
      peepholeO: byName.get('peepholeO') ?? null,
    };
  }

  /**
   * The trainable variables, in weight order (for `optimizer.minimize(f, false, varList)`, which
   * takes a mutable `Variable[]`): a fresh array each time, so changing it changes no cell.
   */
  get trainableWeights(): Variable[] {
    return [...this.vars];
  }

  /** Number of trainable scalars. */
  get numParams(): number {
    return countCellParams(this.config);
  }

  /** State shape `[N, ...S', C]` for a batch of `batch` frames of spatial size `spatial`. */
  stateShape(batch: number, spatial: readonly number[]): number[] {
    return [
      batch,
      ...spatial.map((s, i) => sameOutputSize(s, this.config.strides[i] as number)),
      this.config.hiddenChannels,
    ];
  }

  /** Zero state `[N, ...S', C]` for frames of spatial size `spatial`. */
  zeroState(batch: number, spatial: readonly number[]): CellState<R> {
    const shape = this.stateShape(batch, spatial);
    return { h: zeros(shape), c: zeros(shape) } as unknown as CellState<R>;
  }

  /**
   * One step. `x [N, ...S, Cin]` (`null` for an input-free cell, which then needs a
   * `state`); a missing `state` means zeros. Returns the new `{ h, c }`.
   */
  step(x: FrameTensor<R> | null, state?: CellState<R>): CellState<R> {
    const cfg = this.config;
    const rank = cfg.spatialRank;
    let expected: number[];
    if (cfg.inChannels === 0) {
      if (x !== null && x !== undefined) {
        throw new ConvLSTMArgumentError('x', 'null (the cell has inChannels = 0)', describeValue(x));
      }
      if (state === undefined) {
        throw new ConvLSTMArgumentError('state', 'a state { h, c } for an input-free cell', 'undefined');
      }
      const h = (state as { h?: Tensor }).h;
      assertShape(
        h,
        [null, ...new Array<null>(rank).fill(null), cfg.hiddenChannels],
        'state.h',
        FRAME_LAYOUT[rank],
      );
      expected = [...h.shape];
    } else {
      assertShape(x, [null, ...new Array<null>(rank).fill(null), cfg.inChannels], 'x', FRAME_LAYOUT[rank]);
      const xs = (x as Tensor).shape;
      expected = this.stateShape(xs[0] as number, xs.slice(1, 1 + rank));
    }
    if (state !== undefined) assertState(state, expected, rank, 'state');
    return tidy(() => {
      const params = this.params;
      const h0 = state ? (state.h as Tensor) : zeros(expected);
      const c0 = state ? (state.c as Tensor) : zeros(expected);
      const zh = recurrentConv(cfg, params, h0, null);
      if (x !== null) return gateStep(cfg, params, zh, projectInput(cfg, params, x as Tensor), c0);
      return gateStep(cfg, params, params.bias === null ? zh : add(zh, params.bias), null, c0);
    }) as unknown as CellState<R>;
  }

  /** Copies of the weights in {@link weightSpecs} order; the caller owns them. */
  getWeights(): Tensor[] {
    return this.vars.map((v) => v.clone());
  }

  /** Loads weights in {@link weightSpecs} order (shapes checked first; nothing kept). */
  setWeights(weights: readonly Tensor[]): void {
    assertWeightList(weights, this.weightSpecs, 'weights');
    this.vars.forEach((v, i) => {
      v.assign(weights[i] as Tensor);
    });
  }

  /** Frees the weights. */
  dispose(): void {
    for (const v of this.vars) v.dispose();
  }
}
