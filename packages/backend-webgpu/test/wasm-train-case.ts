import { ConvLSTM } from '@convlstm/core';
import { SeededRandom } from '@convlstm/core/internal';
import * as tf from '@tensorflow/tfjs-core';

/** What {@link trainTinyConvLSTM} measured; plain numbers, so a page can hand it to Node. */
export interface TinyTrainingResult {
  /** The loss of every Adam step, first one first (each computed before that step's update). */
  readonly losses: number[];
  /** The trained model's inference output `[N, T, H, W, C]`, flattened. */
  readonly forecast: number[];
  /** The custom kernels (`ConvLSTM*`) the inference forward ran: this package's wasm ones, if registered. */
  readonly inferenceKernels: string[];
  /** Tensors alive after the run minus before it. */
  readonly leakedTensors: number;
}

/** Seeded uniform values in [-scale, scale): the same numbers in Node and in a page. */
function seeded(shape: number[], seed: number, scale: number): tf.Tensor {
  const random = new SeededRandom(seed);
  const size = shape.reduce((a, b) => a * b, 1);
  return tf.tensor(
    Float32Array.from({ length: size }, () => (2 * random.next() - 1) * scale),
    shape,
  );
}

type Run = Omit<TinyTrainingResult, 'leakedTensors'>;

async function trainAndForecast(steps: number): Promise<Run> {
  const model = new ConvLSTM<2>({ inChannels: 4, hiddenChannels: 8, kernelSize: 5, seed: 11 });
  const xs = seeded([2, 4, 8, 8, 4], 21, 1) as tf.Tensor5D;
  const target = seeded([2, 4, 8, 8, 8], 22, 0.5);
  const optimizer = tf.train.adam(0.01);
  try {
    const losses: number[] = [];
    for (let step = 0; step < steps; step++) {
      const loss = optimizer.minimize(
        () => tf.mean(tf.square(tf.sub(model.forward(xs).output, target))) as tf.Scalar,
        true,
      );
      if (loss === null) throw new Error('optimizer.minimize returned no loss');
      losses.push((await loss.data())[0] as number);
      loss.dispose();
    }
    let forecast: number[] = [];
    const info = await tf.profile(async () => {
      // The caller owns every tensor of a forward, final states included.
      const { output, h, c } = model.forward(xs);
      forecast = Array.from(await output.data());
      tf.dispose([output, ...h, ...c]);
      return [] as tf.Tensor[];
    });
    const inferenceKernels = [...new Set(info.kernelNames.filter((k) => k.startsWith('ConvLSTM')))].sort();
    return { losses, forecast, inferenceKernels };
  } finally {
    optimizer.dispose();
    model.dispose();
    xs.dispose();
    target.dispose();
  }
}

/**
 * Trains a small ConvLSTM — input `[N=2, T=4, 8, 8, 4]`, 8 hidden channels, 5×5 kernels, fixed
 * seeds — for `steps` Adam steps on a mean squared error against a fixed target, on the active
 * backend, then runs one inference forward. The same code runs in Node and in the page, so the
 * two runs differ only in where the wasm backend and its kernels were set up. 5×5 kernels and
 * channel counts divisible by 4 make the inference forward eligible for the Winograd convolution.
 */
export async function trainTinyConvLSTM(steps: number): Promise<TinyTrainingResult> {
  const before = tf.memory().numTensors;
  const run = await trainAndForecast(steps);
  return { ...run, leakedTensors: tf.memory().numTensors - before };
}
