import {
  type CellConfig,
  type CellParams,
  type CellWeightName,
  cellWeightSpecs,
  type DirectionCell,
  hashSeed,
  initialCellValues,
  resolveCellConfig,
  runStack,
  type StackBehaviour,
  type StackLayer,
  sameOutputSize,
} from '@convlstm/core/internal';
import { ConvLSTMArgumentError, describeValue, SEQUENCE_LAYOUT } from '@convlstm/tensor';
import { serialization, type Tensor, tensor, tidy } from '@tensorflow/tfjs-core';
import { InputSpec, initializers, type LayerVariable, layers, type Shape } from '@tensorflow/tfjs-layers';
import {
  type ConvLSTMLayerOptions,
  cellOptions,
  type ResolvedLayerOptions,
  resolveLayerOptions,
} from './options.js';

/** Arguments of {@link ConvLSTMLayer}: the layer options plus tfjs-layers' own (`name`, `inputShape`, ...). */
export type ConvLSTMLayerArgs = ConvLSTMLayerOptions &
  NonNullable<ConstructorParameters<typeof layers.Layer>[0]>;

/** tfjs-layers' keyword arguments of `call` (`training` is the one this layer reads). */
export type CallKwargs = { training?: boolean } & Record<string, unknown>;

/** Keys of a tfjs-layers base `LayerArgs`, kept out of the layer options. */
const BASE_KEYS = new Set([
  'inputShape',
  'batchInputShape',
  'batchSize',
  'dtype',
  'name',
  'trainable',
  'weights',
  'inputDType',
]);

/** One direction of one layer: its resolved config and its weights, in core order. */
interface BuiltCell {
  readonly config: CellConfig;
  readonly names: readonly CellWeightName[];
  readonly vars: readonly LayerVariable[];
}

/**
 * The `@convlstm/core` ConvLSTM stack as a tfjs-layers `Layer` (`className` `'ConvLSTM'`),
 * so it drops into `tf.sequential()` / `tf.model()`, trains with `model.fit` and saves and
 * loads with the standard TF.js model format.
 *
 * Input `[N, T, ...S, Cin]` (2-D: `[N, T, H, W, Cin]`; the spatial rank comes from the kernel
 * tuple). Output `[N, T, ...S', C]` with `returnSequences`, else the final `h` `[N, ...S', C]`,
 * where `S' = ceil(S / strides)` per layer and `C` is the last layer's hidden channels (`2C`
 * when bidirectional). With `returnState` the outputs are `[output, ...h, ...c]`, one state
 * `[N, ...S'_l, C_l]` per layer and direction.
 *
 * Weights are created with `addWeight`, per layer and direction in the core's order
 * (`kernel, recurrentKernel, bias, peepholeI/F/O`), initialised with the core's seeded
 * `initialCellValues`; `call` runs the core's `runStack` on them, so the math is the core's.
 */
export class ConvLSTMLayer extends layers.Layer {
  /** Name under which the class is registered for (de)serialisation. */
  static className = 'ConvLSTM';

  private readonly resolved: ResolvedLayerOptions;
  private cells: BuiltCell[][] = [];
  private calls = 0;

  constructor(args: ConvLSTMLayerArgs) {
    const base: Record<string, unknown> = {};
    const own: Record<string, unknown> = {};
    if (typeof args !== 'object' || args === null) {
      throw new ConvLSTMArgumentError('args', 'a layer options object', describeValue(args));
    }
    for (const [key, value] of Object.entries(args)) {
      // tfjs-core's deserialiser adds `customObjects` to every config; this layer needs none.
      if (key !== 'customObjects') (BASE_KEYS.has(key) ? base : own)[key] = value;
    }
    super(base);
    this.resolved = resolveLayerOptions(own);
    this.inputSpec = [new InputSpec({ ndim: this.resolved.spatialRank + 3 })];
  }

  /** The validated options, with the drawn seed. */
  get options(): Readonly<ConvLSTMLayerOptions & { seed: number }> {
    return this.resolved.options;
  }

  /** Number of stacked layers. */
  get numLayers(): number {
    return this.resolved.hidden.length;
  }

  override build(inputShape: Shape | Shape[]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as Shape;
    const rank = this.resolved.spatialRank;
    const inChannels = shape[shape.length - 1];
    if (shape.length !== rank + 3 || typeof inChannels !== 'number' || inChannels < 1) {
      throw new ConvLSTMArgumentError(
        'inputShape',
        `${SEQUENCE_LAYOUT[rank]} with a known channel count`,
        describeValue(shape),
      );
    }
    const expected = this.resolved.options.inChannels;
    if (expected !== undefined && expected !== inChannels) {
      throw new ConvLSTMArgumentError(
        'inputShape',
        `${expected} channels (options.inChannels)`,
        `${inChannels}`,
      );
    }
    const { options, hidden, bidirectional } = this.resolved;
    const directions = bidirectional ? 2 : 1;
    const single = hidden.length === 1 && !bidirectional;
    let cin = inChannels;
    this.cells = hidden.map((h, l) => {
      const built: BuiltCell[] = [];
      for (let d = 0; d < directions; d++) {
        const cellOpts = cellOptions(options, l, cin, h);
        const config = resolveCellConfig(cellOpts, `options (layer ${l})`);
        // The core's ConvLSTM seeds cell (l, d) with hashSeed(seed, l, d): same seed, same weights.
        const values = initialCellValues(config, cellOpts, hashSeed(options.seed, l, d));
        const specs = cellWeightSpecs(config);
        const prefix = single ? '' : `layer${l}${d === 1 ? '_backward' : ''}/`;
        const vars = specs.map((spec, i) => {
          const v = this.addWeight(`${prefix}${spec.name}`, [...spec.shape], 'float32', initializers.zeros());
          tidy(() => {
            v.write(tensor(values[i] as Float32Array, [...spec.shape]));
          });
          return v;
        });
        built.push({ config, names: specs.map((s) => s.name), vars });
      }
      cin = h * directions;
      return built;
    });
    this.inputSpec = [new InputSpec({ ndim: rank + 3, axes: { [-1]: inChannels } })];
    this.built = true;
  }

  /** Spatial size of each layer's state for input spatial size `spatial` (`null` stays unknown). */
  private stateSpatial(spatial: readonly (number | null)[]): (number | null)[][] {
    let current = [...spatial];
    return this.cells.map((dirs) => {
      const strides = (dirs[0] as BuiltCell).config.strides;
      current = current.map((s, i) => (s === null ? null : sameOutputSize(s, strides[i] as number)));
      return current;
    });
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape | Shape[] {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as Shape;
    const rank = this.resolved.spatialRank;
    const [batch, steps] = shape as [number | null, number | null];
    const spatial = this.stateSpatial(shape.slice(2, 2 + rank));
    const directions = this.resolved.bidirectional ? 2 : 1;
    const hidden = this.resolved.hidden;
    const last = spatial[spatial.length - 1] as (number | null)[];
    const channels = (hidden[hidden.length - 1] as number) * directions;
    const output: Shape = this.resolved.returnSequences
      ? [batch, steps, ...last, channels]
      : [batch, ...last, channels];
    if (!this.resolved.returnState) return output;
    const states: Shape[] = [];
    hidden.forEach((h, l) => {
      for (let d = 0; d < directions; d++) states.push([batch, ...(spatial[l] as (number | null)[]), h]);
    });
    return [output, ...states, ...states.map((s) => [...s])];
  }

  /**
   * Runs the stack on `[N, T, ...S, Cin]`; `kwargs.training` enables dropout.
   * Returns the output, or `[output, ...h, ...c]` with `returnState`.
   */
  override call(inputs: Tensor | Tensor[], kwargs: CallKwargs): Tensor | Tensor[] {
    return tidy(() => {
      const x = Array.isArray(inputs) ? (inputs[0] as Tensor) : inputs;
      const rank = this.resolved.spatialRank;
      const [batch, steps] = x.shape as [number, number];
      if (x.shape.some((d) => d < 1)) {
        throw new ConvLSTMArgumentError('inputs', `a non-empty ${SEQUENCE_LAYOUT[rank]}`, describeValue(x));
      }
      const toCell = (cell: BuiltCell): DirectionCell => {
        const read = (name: CellWeightName): Tensor | null => {
          const i = cell.names.indexOf(name);
          return i < 0 ? null : (cell.vars[i] as LayerVariable).read();
        };
        const params: CellParams = {
          kernel: read('kernel'),
          recurrentKernel: read('recurrentKernel') as Tensor,
          bias: read('bias'),
          peepholeI: read('peepholeI'),
          peepholeF: read('peepholeF'),
          peepholeO: read('peepholeO'),
        };
        return { config: cell.config, params };
      };
      const stack: StackLayer[] = this.cells.map((dirs) => ({
        forward: toCell(dirs[0] as BuiltCell),
        backward: dirs[1] ? toCell(dirs[1]) : null,
      }));
      const behaviour: StackBehaviour = {
        returnSequences: this.resolved.returnSequences,
        goBackwards: this.resolved.goBackwards,
        dropout: this.resolved.dropout,
        recurrentDropout: this.resolved.recurrentDropout,
        mode: 'auto',
        gradient: 'autodiff',
        checkpointEvery: 0,
      };
      const training = kwargs?.training === true;
      const dropoutSeed = hashSeed(this.resolved.options.seed, 0x5eed, this.calls);
      if (training) this.calls++;
      const result = runStack(stack, behaviour, x, batch, steps, {
        initialH: null,
        initialC: null,
        lengths: null,
        training,
        dropoutSeed,
        stateSpatial: this.stateSpatial(x.shape.slice(2, 2 + rank)) as number[][],
        returnAllLayers: false,
      });
      return this.resolved.returnState ? [result.output, ...result.h, ...result.c] : result.output;
    });
  }

  override getConfig(): serialization.ConfigDict {
    const own: serialization.ConfigDict = {};
    for (const [key, value] of Object.entries(this.resolved.options)) {
      if (value !== undefined) own[key] = value as serialization.ConfigDictValue;
    }
    return { ...own, ...super.getConfig() };
  }
}

serialization.registerClass(ConvLSTMLayer);

/** Creates a {@link ConvLSTMLayer}, in the style of `tf.layers.convLstm2d(args)`. */
export function convLstm(args: ConvLSTMLayerArgs): ConvLSTMLayer {
  return new ConvLSTMLayer(args);
}
