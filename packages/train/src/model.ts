import { ConvLSTM, type ConvLSTMCell } from '@convlstm/core';
import { hashSeed, initialize, SeededRandom } from '@convlstm/core/internal';
import { assertInt, assertShape } from '@convlstm/tensor';
import {
  add,
  clipByValue,
  concat,
  conv2d,
  div,
  log,
  reshape,
  sigmoid,
  slice,
  sub,
  type Tensor,
  type Tensor4D,
  type Tensor5D,
  tensor,
  tidy,
  type Variable,
  variable,
} from '@tensorflow/tfjs-core';
import {
  type EncoderForecasterConfig,
  type EncoderForecasterOptions,
  frameShape,
  outputInChannels,
  resolveEncoderForecasterConfig,
} from './model-config.js';
import { depthToSpace, spaceToDepth } from './patches.js';
import { assertNamedWeights } from './weight-list.js';

const SEQUENCE = '[N, T, H, W, C]';

/**
 * Initial output bias. Moving MNIST frames are ~95 % background, so starting the
 * per-pixel probabilities near sigmoid(-3) ≈ 0.05 instead of 0.5 skips the first
 * phase of training in which the model only learns that most pixels are black.
 */
const OUTPUT_BIAS_INIT = -3;

/** The persistence skip's last frame is clipped to [ε, 1 − ε] so its logit stays finite. */
const RESIDUAL_EPSILON = 1e-3;

/** Output of {@link EncoderForecaster.forward}: both `[N, Tout, H, W, 1]`. */
export interface ForecastOutput {
  /** Pre-sigmoid values, for a numerically stable cross-entropy. */
  readonly logits: Tensor5D;
  /** `sigmoid(logits)`: per-pixel probabilities in (0, 1). */
  readonly probabilities: Tensor5D;
}

/**
 * The encoding-forecasting network of Shi et al. (2015), Fig. 3, for frames of any `H × W`
 * (divisible by the patch size) and `C` input channels, predicting one channel; built
 * from two of the core's stacked {@link ConvLSTM} layers (so it runs exactly the time loop the
 * benchmark measures, with every schedule and backend kernel):
 *
 * - Frames `[N, T, H, W, C]` are folded into `p×p` patches `[N, T, H/p, W/p, p²·C]`
 *   (64×64×1 → 16×16×16 for the paper's p = 4).
 * - The encoder stack reads the `Tin` input frames from zero state.
 * - The forecaster stack, of the same sizes, starts from the encoder's final states (layer l
 *   from layer l). Its first layer has no input (`inChannels: 0`); layer l > 0 reads layer l − 1's
 *   new hidden state. It is unrolled for `Tout` steps and returns every layer's sequence.
 * - At every output step a 1×1 convolution (with bias) maps the concatenated hidden states of all
 *   forecaster layers to `p²` channels; a sigmoid and depth-to-space give the frame.
 *
 * Every layer with an input uses the `inputKernelSize` input-to-state kernel; the state-to-state
 * kernel is per layer. With `residual`, the last input frame's logit is added to every output
 * frame's (see {@link EncoderForecasterOptions.residual}).
 */
export class EncoderForecaster {
  readonly config: EncoderForecasterConfig;
  readonly encoder: ConvLSTM;
  readonly forecaster: ConvLSTM;
  /** The output convolution's `kernel [1, 1, ΣC, p²]` and `bias [p²]`. */
  private readonly outputKernel: Variable;
  private readonly outputBias: Variable;

  constructor(options: EncoderForecasterOptions) {
    this.config = resolveEncoderForecasterConfig(options);
    const cfg = this.config;
    const hiddenChannels = cfg.layers.map((l) => l.hiddenChannels);
    const shared = { hiddenChannels, kernelSize: cfg.inputKernelSize, peephole: cfg.peephole };
    this.encoder = new ConvLSTM({
      ...shared,
      inChannels: cfg.patchSize * cfg.patchSize * frameShape(cfg).channels,
      layers: cfg.layers.map((l) => ({ recurrentKernelSize: l.recurrentKernelSize })),
      returnSequences: false,
      seed: hashSeed(cfg.seed, 0, 0),
    });
    try {
      this.forecaster = new ConvLSTM({
        ...shared,
        inChannels: 0,
        // The input-free first layer's kernel size only names its (absent) input kernel.
        layers: cfg.layers.map((l, i) => ({
          kernelSize: i === 0 ? l.recurrentKernelSize : cfg.inputKernelSize,
          recurrentKernelSize: l.recurrentKernelSize,
        })),
        seed: hashSeed(cfg.seed, 1, 0),
      });
    } catch (error) {
      this.encoder.dispose();
      throw error;
    }
    const p2 = cfg.patchSize * cfg.patchSize;
    const shape = [1, 1, outputInChannels(cfg), p2];
    // With the persistence skip, a zero output convolution makes the untrained forecast the last frame.
    const kernel = cfg.residual
      ? new Float32Array(shape.reduce((a, b) => a * b, 1))
      : initialize('glorotUniform', shape, new SeededRandom(hashSeed(cfg.seed, 2, 0)));
    this.outputKernel = tidy(() => variable(tensor(kernel, shape)));
    const bias = cfg.residual ? 0 : OUTPUT_BIAS_INIT;
    this.outputBias = tidy(() => variable(tensor(new Float32Array(p2).fill(bias), [p2])));
  }

  /**
   * Runs the network on `inputs [N, Tin, H, W, C]` (values in [0, 1]) and returns `logits` and
   * `probabilities`, both `[N, Tout, H, W, 1]`; `outputFrames` defaults to `config.outputFrames`.
   * The caller disposes both.
   */
  forward(inputs: Tensor5D, outputFrames = this.config.outputFrames): ForecastOutput {
    const logits = this.predictLogits(inputs, outputFrames);
    return { logits, probabilities: tidy(() => sigmoid(logits)) };
  }

  /** Per-pixel probabilities `[N, Tout, H, W, 1]` for `inputs [N, Tin, H, W, C]`. */
  predict(inputs: Tensor5D, outputFrames = this.config.outputFrames): Tensor5D {
    return tidy(() => sigmoid(this.predictLogits(inputs, outputFrames)));
  }

  /** Pre-sigmoid outputs `[N, Tout, H, W, 1]` for `inputs [N, Tin, H, W, C]`. */
  predictLogits(inputs: Tensor5D, outputFrames = this.config.outputFrames): Tensor5D {
    const cfg = this.config;
    const { height, width, channels } = frameShape(cfg);
    assertShape(inputs, [null, null, height, width, channels], 'inputs', SEQUENCE);
    assertInt(outputFrames, 'outputFrames', 1);
    return tidy(() => {
      const [n, tin] = inputs.shape as number[] as [number, number];
      const p = cfg.patchSize;
      const rows = height / p;
      const cols = width / p;
      const frames = reshape(inputs, [n * tin, height, width, channels]);
      const patches = reshape(spaceToDepth(frames, p), [n, tin, rows, cols, p * p * channels]);
      const encoded = this.encoder.forward(patches as Tensor5D);
      const forecast = this.forecaster.forward(null, {
        steps: outputFrames,
        initialState: { h: encoded.h, c: encoded.c },
        returnAllLayers: true,
      });
      const layers = forecast.layers as Tensor[];
      const hidden = layers.length === 1 ? (layers[0] as Tensor) : concat(layers, -1);
      const perFrame = reshape(hidden, [n * outputFrames, rows, cols, outputInChannels(cfg)]);
      const out = add(
        conv2d(perFrame as Tensor4D, this.outputKernel as Tensor4D, 1, 'same'),
        this.outputBias,
      );
      const logits = reshape(depthToSpace(out, p), [n, outputFrames, height, width, 1]);
      if (!cfg.residual) return logits as Tensor5D;
      const last = clipByValue(
        slice(inputs, [0, tin - 1, 0, 0, 0], [n, 1, height, width, 1]),
        RESIDUAL_EPSILON,
        1 - RESIDUAL_EPSILON,
      );
      return add(logits, log(div(last, sub(1, last)))) as Tensor5D;
    });
  }

  /** Every ConvLSTM cell: the encoder's layers, then the forecaster's. */
  get cells(): readonly ConvLSTMCell[] {
    return [...this.encoder.allCells, ...this.forecaster.allCells];
  }

  /**
   * All trainable variables in {@link weightNames} order (for optimisers and checkpoints): a fresh
   * `Variable[]` each time, so `optimizer.minimize(f, true, model.trainableWeights)` type-checks.
   */
  get trainableWeights(): Variable[] {
    return [
      ...this.encoder.trainableWeights,
      ...this.forecaster.trainableWeights,
      this.outputKernel,
      this.outputBias,
    ];
  }

  /** Stable names of the weights, e.g. `encoder/0/kernel`, `forecaster/1/peepholeO`, `output/bias`. */
  get weightNames(): readonly string[] {
    return [
      ...this.encoder.allCells.flatMap((c, l) => c.weightSpecs.map((s) => `encoder/${l}/${s.name}`)),
      ...this.forecaster.allCells.flatMap((c, l) => c.weightSpecs.map((s) => `forecaster/${l}/${s.name}`)),
      'output/kernel',
      'output/bias',
    ];
  }

  /** Number of trainable scalars. */
  get numParams(): number {
    return this.trainableWeights.reduce((n, v) => n + v.size, 0);
  }

  /** Copies of the weights in {@link weightNames} order; the caller owns them. */
  getWeights(): Tensor[] {
    return this.trainableWeights.map((v) => v.clone());
  }

  /** Loads weights in {@link weightNames} order; all shapes are checked before any is assigned. */
  setWeights(weights: readonly Tensor[]): void {
    const vars = this.trainableWeights;
    assertNamedWeights(
      weights,
      vars.map((v) => v.shape),
      this.weightNames,
      'weights',
    );
    vars.forEach((v, i) => {
      v.assign(weights[i] as Tensor);
    });
  }

  /** Frees all weights. */
  dispose(): void {
    this.encoder.dispose();
    this.forecaster.dispose();
    this.outputKernel.dispose();
    this.outputBias.dispose();
  }
}
