import type { Optimizer } from '@tensorflow/tfjs-core';

/** RMSProp as in the paper (learning rate 1e-3, decay 0.9) or Adam. */
export type OptimizerConfig =
  | {
      readonly name: 'rmsprop';
      readonly learningRate?: number;
      readonly decay?: number;
      readonly momentum?: number;
      readonly epsilon?: number;
    }
  | {
      readonly name: 'adam';
      readonly learningRate?: number;
      readonly beta1?: number;
      readonly beta2?: number;
      readonly epsilon?: number;
    };

/** Learning-rate schedules; `lr(step)` for step 0, 1, …. */
export type LrSchedule =
  | { readonly kind: 'constant' }
  | { readonly kind: 'step'; readonly everySteps: number; readonly factor: number }
  | { readonly kind: 'cosine'; readonly totalSteps: number; readonly minLearningRate?: number };

export function createOptimizer(_config: OptimizerConfig): Optimizer {
  throw new Error('not implemented yet');
}

export function learningRateAt(_base: number, _schedule: LrSchedule, _step: number): number {
  throw new Error('not implemented yet');
}
