import {
  type CellConfig,
  ConvLSTMCell,
  hashSeed,
  initialize,
  projectInput,
  SeededRandom,
  stepGates,
} from '@convlstm/core';
import { assertInt, assertShape } from '@convlstm/tensor';
import {
  add,
  concat,
  conv2d,
  reshape,
  sigmoid,
  stack,
  type Tensor,
  type Tensor4D,
  type Tensor5D,
  tensor,
  tidy,
  unstack,
  type Variable,
  variable,
  zeros,
} from '@tensorflow/tfjs-core';
import {
  type EncoderForecasterConfig,
  type EncoderForecasterOptions,
  outputInChannels,
  resolveEncoderForecasterConfig,
  stackCellConfigs,
} from './model-config.js';
import { depthToSpace, spaceToDepth } from './patches.js';
import { assertNamedWeights } from './weight-list.js';

const SEQUENCE = '[N, T, H, W, 1]';

/**
 * Initial output bias. Moving MNIST frames are ~95 % background, so starting the
 * per-pixel probabilities near sigmoid(-3) ≈ 0.05 instead of 0.5 skips the first
 * phase of training in which the model only learns that most pixels are black.
 */
const OUTPUT_BIAS_INIT = -3;

/** Output of {@link EncoderForecaster.forward}: both `[N, Tout, H, W, 1]`. */
export interface ForecastOutput {
  /** Pre-sigmoid values, for a numerically stable cross-entropy. */
  readonly logits: Tensor5D;
  /** `sigmoid(logits)`: per-pixel probabilities in (0, 1). */
  readonly probabilities: Tensor5D;
}

/**
 * The encoding-forecasting network of Shi et al. (2015), Fig. 3, for one-channel frames.
 *
 * - Frames `[N, T, H, W, 1]` are folded into `p×p` patches `[N, T, H/p, W/p, p²]`
 *   (64×64×1 → 16×16×16 for the paper's p = 4).
 * - The encoder, a stack of {@link ConvLSTMCell}s, reads the `Tin` input frames from zero state.
 * - The forecaster, a stack of the same sizes, starts from the encoder's final states (layer l
 *   from layer l). Its first layer has no input; layer l > 0 reads layer l − 1's new hidden state.
 * - At every output step a 1×1 convolution (with bias) maps the concatenated hidden states of all
 *   forecaster layers to `p²` channels; a sigmoid and depth-to-space give the frame.
 *
 * Every layer with an input uses the `inputKernelSize` input-to-state kernel; the state-to-state
 * kernel is per layer. The encoder runs each layer's input convolution over all `N·Tin` frames
 * at once ({@link projectInput}) and only the recurrent half per step ({@link stepGates}).
 */
export class EncoderForecaster {
  readonly config: EncoderForecasterConfig;
  readonly encoder: readonly ConvLSTMCell[];
  readonly forecaster: readonly ConvLSTMCell[];
  /** The output convolution's `kernel [1, 1, ΣC, p²]` and `bias [p²]`. */
  private readonly outputKernel: Variable;
  private readonly outputBias: Variable;

  constructor(options: EncoderForecasterOptions) {
    this.config = resolveEncoderForecasterConfig(options);
    const cfg = this.config;
    const [encoderCells, forecasterCells] = stackCellConfigs(cfg);
    const cells: ConvLSTMCell[] = [];
    try {
      const build = (configs: CellConfig[], part: number): ConvLSTMCell[] =>
        configs.map((c, l) => {
          const cell = new ConvLSTMCell({ ...c, seed: hashSeed(cfg.seed, part, l) });
          cells.push(cell);
          return cell;
        });
      this.encoder = build(encoderCells, 0);
      this.forecaster = build(forecasterCells, 1);
    } catch (error) {
      for (const cell of cells) cell.dispose();
      throw error;
    }
    const p2 = cfg.patchSize * cfg.patchSize;
    const shape = [1, 1, outputInChannels(cfg), p2];
    const kernel = initialize('glorotUniform', shape, new SeededRandom(hashSeed(cfg.seed, 2, 0)));
    this.outputKernel = tidy(() => variable(tensor(kernel, shape)));
    this.outputBias = tidy(() => variable(tensor(new Float32Array(p2).fill(OUTPUT_BIAS_INIT), [p2])));
  }

  /**
   * Runs the network on `inputs [N, Tin, H, W, 1]` (values in [0, 1]) and returns `logits` and
   * `probabilities`, both `[N, Tout, H, W, 1]`; `outputFrames` defaults to `config.outputFrames`.
   * The caller disposes both.
   */
  forward(inputs: Tensor5D, outputFrames = this.config.outputFrames): ForecastOutput {
    const logits = this.predictLogits(inputs, outputFrames);
    return { logits, probabilities: tidy(() => sigmoid(logits)) };
  }

  /** Per-pixel probabilities `[N, Tout, H, W, 1]` for `inputs [N, Tin, H, W, 1]`. */
  predict(inputs: Tensor5D, outputFrames = this.config.outputFrames): Tensor5D {
    return tidy(() => sigmoid(this.predictLogits(inputs, outputFrames)));
  }

  /** Pre-sigmoid outputs `[N, Tout, H, W, 1]` for `inputs [N, Tin, H, W, 1]`. */
  predictLogits(inputs: Tensor5D, outputFrames = this.config.outputFrames): Tensor5D {
    const cfg = this.config;
    assertShape(inputs, [null, null, cfg.frameSize, cfg.frameSize, 1], 'inputs', SEQUENCE);
    assertInt(outputFrames, 'outputFrames', 1);
    return tidy(() => {
      const [n, tin] = inputs.shape as number[] as [number, number];
      const p = cfg.patchSize;
      const side = cfg.frameSize / p;
      const frames = reshape(inputs, [n * tin, cfg.frameSize, cfg.frameSize, 1]);
      // Layer input for all N·Tin frames at once: [N·Tin, h, w, Cin].
      let layerInput: Tensor = spaceToDepth(frames, p);
      const states: { h: Tensor; c: Tensor }[] = [];
      for (const cell of this.encoder) {
        const cc = cell.config;
        const zx = projectInput(cc, cell.params, layerInput);
        const steps = unstack(reshape(zx, [n, tin, side, side, 4 * cc.hiddenChannels]), 1);
        let h: Tensor = zeros([n, side, side, cc.hiddenChannels]);
        let c = h;
        const hs: Tensor[] = [];
        for (const z of steps) {
          ({ h, c } = stepGates(cc, cell.params, z, h, c));
          hs.push(h);
        }
        states.push({ h, c });
        layerInput = reshape(stack(hs, 1), [n * tin, side, side, cc.hiddenChannels]);
      }
      const outputs: Tensor[] = [];
      for (let t = 0; t < outputFrames; t++) {
        let below: Tensor | null = null;
        this.forecaster.forEach((cell, l) => {
          const state = states[l] as { h: Tensor; c: Tensor };
          const zx = below === null ? null : projectInput(cell.config, cell.params, below);
          const next = stepGates(cell.config, cell.params, zx, state.h, state.c);
          states[l] = next;
          below = next.h;
        });
        const hidden =
          states.length === 1
            ? (states[0] as { h: Tensor }).h
            : concat(
                states.map((s) => s.h),
                -1,
              );
        outputs.push(
          add(conv2d(hidden as Tensor4D, this.outputKernel as Tensor4D, 1, 'same'), this.outputBias),
        );
      }
      const patches = reshape(stack(outputs, 1), [n * outputFrames, side, side, p * p]);
      return reshape(depthToSpace(patches, p), [
        n,
        outputFrames,
        cfg.frameSize,
        cfg.frameSize,
        1,
      ]) as Tensor5D;
    });
  }

  /** All trainable variables in {@link weightNames} order (for optimisers and checkpoints). */
  get trainableWeights(): readonly Variable[] {
    return [
      ...this.encoder.flatMap((c) => c.trainableWeights),
      ...this.forecaster.flatMap((c) => c.trainableWeights),
      this.outputKernel,
      this.outputBias,
    ];
  }

  /** Stable names of the weights, e.g. `encoder/0/kernel`, `forecaster/1/peepholeO`, `output/bias`. */
  get weightNames(): readonly string[] {
    return [
      ...this.encoder.flatMap((c, l) => c.weightSpecs.map((s) => `encoder/${l}/${s.name}`)),
      ...this.forecaster.flatMap((c, l) => c.weightSpecs.map((s) => `forecaster/${l}/${s.name}`)),
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
    for (const cell of [...this.encoder, ...this.forecaster]) cell.dispose();
    this.outputKernel.dispose();
    this.outputBias.dispose();
  }
}
