import { engine } from '@tensorflow/tfjs-core';

/** Whether ops run now are recorded for a gradient (inside `tf.grad`, `variableGrads`, `minimize`). */
export function recordingGradient(): boolean {
  return engine().state.gradientDepth > 0;
}
