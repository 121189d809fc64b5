import { type DigitPool, type EncoderForecaster, MovingMnist } from '@convlstm/train';
import { dispose, tensor5d } from '@tensorflow/tfjs-core';
import type { SequenceSpec } from './demo-config.js';

/** One sequence split into `inputs [Tin, H, W]` and `truth [Tout, H, W]`, values in [0, 1]. */
export interface Sequence {
  readonly inputs: Float32Array;
  readonly truth: Float32Array;
  readonly inputFrames: number;
  readonly outputFrames: number;
  readonly size: number;
}

/** Renders the sequence `spec` names with the model's frame size and frame counts. Pure. */
export function makeSequence(digits: DigitPool, model: EncoderForecaster, spec: SequenceSpec): Sequence {
  const { frameSize, inputFrames, outputFrames } = model.config;
  const generator = new MovingMnist({
    digits,
    canvasSize: frameSize,
    numDigits: spec.numDigits,
    inputFrames,
    outputFrames,
    speed: spec.speed,
    seed: spec.seed,
  });
  const pixels = frameSize * frameSize;
  const all = new Float32Array((inputFrames + outputFrames) * pixels);
  generator.renderSequence(spec.index, all);
  return {
    inputs: all.slice(0, inputFrames * pixels),
    truth: all.slice(inputFrames * pixels),
    inputFrames,
    outputFrames,
    size: frameSize,
  };
}

/**
 * The stream in-page training draws from: sequences with `data`'s digits and speed at the
 * model's frame size, from a seed offset from `data.seed` so training never shows the viewed
 * sequence.
 */
export function trainingStream(digits: DigitPool, model: EncoderForecaster, data: SequenceSpec): MovingMnist {
  const { frameSize, inputFrames, outputFrames } = model.config;
  return new MovingMnist({
    digits,
    canvasSize: frameSize,
    numDigits: data.numDigits,
    inputFrames,
    outputFrames,
    speed: data.speed,
    seed: data.seed + 1_000_003,
  });
}

/** Runs the model on one sequence's inputs; returns `[Tout, H, W]` probabilities and the wall time. */
export async function runForecast(
  model: EncoderForecaster,
  seq: Sequence,
): Promise<{ forecast: Float32Array; ms: number }> {
  const start = performance.now();
  const x = tensor5d(seq.inputs, [1, seq.inputFrames, seq.size, seq.size, 1]);
  try {
    const y = model.predict(x, seq.outputFrames);
    try {
      const forecast = (await y.data()) as Float32Array;
      return { forecast, ms: performance.now() - start };
    } finally {
      dispose(y);
    }
  } finally {
    dispose(x);
  }
}

/** Per-frame mean squared error of `[T, H, W]` predictions against `[T, H, W]` targets. */
export function perFrameMse(prediction: Float32Array, truth: Float32Array, frames: number): number[] {
  const pixels = truth.length / frames;
  return Array.from({ length: frames }, (_, t) => {
    let sum = 0;
    for (let p = t * pixels; p < (t + 1) * pixels; p++) {
      const d = (prediction[p] as number) - (truth[p] as number);
      sum += d * d;
    }
    return sum / pixels;
  });
}

/** The three reference forecasts every model must beat, each `[Tout, H, W]`. */
export function baselineForecasts(
  seq: Sequence,
): Record<'zeros' | 'copy-last' | 'mean of inputs', Float32Array> {
  const pixels = seq.size * seq.size;
  const zeros = new Float32Array(seq.outputFrames * pixels);
  const last = seq.inputs.subarray((seq.inputFrames - 1) * pixels);
  const mean = new Float32Array(pixels);
  for (let t = 0; t < seq.inputFrames; t++) {
    for (let p = 0; p < pixels; p++)
      mean[p] = (mean[p] as number) + (seq.inputs[t * pixels + p] as number) / seq.inputFrames;
  }
  const copyLast = new Float32Array(seq.outputFrames * pixels);
  const meanOfInputs = new Float32Array(seq.outputFrames * pixels);
  for (let t = 0; t < seq.outputFrames; t++) {
    copyLast.set(last, t * pixels);
    meanOfInputs.set(mean, t * pixels);
  }
  return { zeros, 'copy-last': copyLast, 'mean of inputs': meanOfInputs };
}
