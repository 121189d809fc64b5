import { dispose, losses, type Scalar, tidy, train } from '@tensorflow/tfjs-core';
import type { EncoderForecaster, MovingMnist } from './train-browser.js';

/** Options of {@link BrowserTrainer}. */
export interface BrowserTrainerOptions {
  readonly batchSize: number;
  readonly learningRate: number;
}

/**
 * Trains the model in the page: Adam on the per-pixel sigmoid cross-entropy of the forecast
 * (the paper's loss), one fresh Moving MNIST batch per step.
 */
export class BrowserTrainer {
  private readonly optimizer;

  constructor(
    private readonly model: EncoderForecaster,
    private readonly stream: MovingMnist,
    private readonly options: BrowserTrainerOptions,
  ) {
    this.optimizer = train.adam(options.learningRate);
  }

  /** One optimisation step; resolves to its loss. */
  async step(): Promise<number> {
    const batch = this.stream.nextBatchTensors(this.options.batchSize);
    try {
      const loss = this.optimizer.minimize(
        () => {
          const { logits, probabilities } = this.model.forward(batch.inputs, this.model.config.outputFrames);
          probabilities.dispose();
          return losses.sigmoidCrossEntropy(batch.targets, logits) as Scalar;
        },
        true,
        [...this.model.trainableWeights],
      );
      if (loss === null) throw new Error('the optimiser returned no loss');
      const value = (await loss.data())[0] as number;
      loss.dispose();
      return value;
    } finally {
      dispose([batch.inputs, batch.targets]);
    }
  }

  /** The loss on the next batch without training on it (the batch is used up all the same). */
  async evaluateNext(): Promise<number> {
    const batch = this.stream.nextBatchTensors(this.options.batchSize);
    try {
      const loss = tidy(() => {
        const { logits } = this.model.forward(batch.inputs, this.model.config.outputFrames);
        return losses.sigmoidCrossEntropy(batch.targets, logits);
      });
      const value = (await loss.data())[0] as number;
      loss.dispose();
      return value;
    } finally {
      dispose([batch.inputs, batch.targets]);
    }
  }

  /** Frees the optimiser's slots. */
  dispose(): void {
    this.optimizer.dispose();
  }
}
