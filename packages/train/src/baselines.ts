import type { ArrayBatch } from './sequences.js';

/** The trivial predictors every evaluation reports next to the model. */
export type BaselineName = 'zeros' | 'copyLast' | 'meanInputs';

/**
 * Predictions `[N, Tout, H, W, 1]` of a trivial baseline for a batch: `zeros` (an empty frame),
 * `copyLast` (the last input frame, repeated) or `meanInputs` (the per-pixel mean of the input frames).
 */
export function baselinePredictions(name: BaselineName, batch: ArrayBatch): Float32Array {
  const { count, inputFrames, outputFrames, height, width } = batch;
  const px = height * width;
  const out = new Float32Array(count * outputFrames * px);
  if (name === 'zeros') return out;
  const frame = new Float32Array(px);
  for (let n = 0; n < count; n++) {
    const inBase = n * inputFrames * px;
    if (name === 'copyLast') {
      frame.set(batch.inputs.subarray(inBase + (inputFrames - 1) * px, inBase + inputFrames * px));
    } else {
      frame.fill(0);
      for (let t = 0; t < inputFrames; t++) {
        for (let i = 0; i < px; i++)
          frame[i] = (frame[i] as number) + (batch.inputs[inBase + t * px + i] as number);
      }
      for (let i = 0; i < px; i++) frame[i] = (frame[i] as number) / inputFrames;
    }
    for (let t = 0; t < outputFrames; t++) out.set(frame, (n * outputFrames + t) * px);
  }
  return out;
}
