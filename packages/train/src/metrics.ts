/** Per-lead-time values of every metric: entry `t` is output frame `t + 1`. */
export interface PerFrameMetrics {
  readonly mse: readonly number[];
  readonly mae: readonly number[];
  readonly ssim: readonly number[];
  readonly psnr: readonly number[];
  readonly crossEntropy: readonly number[];
}

/** Metrics of a set of predictions against targets (conventions in {@link computeMetrics}). */
export interface Metrics {
  readonly mse: number;
  readonly mae: number;
  readonly ssim: number;
  readonly psnr: number;
  readonly crossEntropy: number;
  readonly perFrame: PerFrameMetrics;
  /** Number of sequences. */
  readonly count: number;
}

/** Shape of the arrays passed to {@link computeMetrics}: `[count, frames, height, width, 1]`. */
export interface SequenceShape {
  readonly count: number;
  readonly frames: number;
  readonly height: number;
  readonly width: number;
}

export class MetricsAccumulator {
  constructor(_frames: number) {
    throw new Error('not implemented yet');
  }
  add(_predictions: Float32Array, _targets: Float32Array, _shape: SequenceShape): void {
    throw new Error('not implemented yet');
  }
  result(): Metrics {
    throw new Error('not implemented yet');
  }
}

export function computeMetrics(
  _predictions: Float32Array,
  _targets: Float32Array,
  _shape: SequenceShape,
): Metrics {
  throw new Error('not implemented yet');
}
