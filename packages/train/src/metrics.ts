import { ConvLSTMArgumentError, describeValue } from '@convlstm/tensor';

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
  /** Per-frame MSE: squared error summed over the H×W pixels, averaged over frames and sequences. */
  readonly mse: number;
  /** Per-frame MAE: absolute error summed over the H×W pixels, averaged over frames and sequences. */
  readonly mae: number;
  /** Mean SSIM (7×7 uniform window, data range 1), averaged over frames and sequences. */
  readonly ssim: number;
  /** PSNR in dB (data range 1) per frame, averaged over frames and sequences. */
  readonly psnr: number;
  /** Cross-entropy summed over all pixels and output frames, averaged over sequences (Shi et al. 2015). */
  readonly crossEntropy: number;
  /** The same per lead time (cross-entropy: summed over one frame's pixels). */
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

/** Side of the uniform SSIM window (scikit-image's default `win_size`). */
export const SSIM_WINDOW = 7;
/** Probabilities are clamped to `[ε, 1 − ε]` in the cross-entropy, so a hard 0 or 1 prediction stays finite. */
export const CROSS_ENTROPY_EPSILON = 1e-7;
/** PSNR of a perfect frame is capped by flooring the pixel MSE at this value (100 dB). */
export const PSNR_MSE_FLOOR = 1e-10;

const C1 = 0.01 ** 2;
const C2 = 0.03 ** 2;

/** Summed-area table of `f(i)` over an `h×w` frame: `(h+1)×(w+1)`, zero first row and column. */
function integral(h: number, w: number, f: (i: number) => number): Float64Array {
  const out = new Float64Array((h + 1) * (w + 1));
  for (let y = 0; y < h; y++) {
    let row = 0;
    for (let x = 0; x < w; x++) {
      row += f(y * w + x);
      out[(y + 1) * (w + 1) + x + 1] = (out[y * (w + 1) + x + 1] as number) + row;
    }
  }
  return out;
}

/**
 * Mean SSIM (Wang et al. 2004) of two `h×w` frames with data range 1, as scikit-image's
 * `structural_similarity(data_range=1)` computes it: 7×7 uniform windows, sample
 * (co)variances (÷ 48), `K1 = 0.01`, `K2 = 0.03`, averaged over all windows fully inside the frame.
 */
export function ssimFrame(
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  h: number,
  w: number,
  offsetA = 0,
  offsetB = 0,
  mask?: { readonly values: ArrayLike<number>; readonly offset: number },
): number {
  const k = SSIM_WINDOW;
  if (h < k || w < k) {
    throw new ConvLSTMArgumentError('frame size', `at least ${k}×${k} for SSIM`, `${h}×${w}`);
  }
  const sa = integral(h, w, (i) => a[offsetA + i] as number);
  const sb = integral(h, w, (i) => b[offsetB + i] as number);
  const saa = integral(h, w, (i) => (a[offsetA + i] as number) ** 2);
  const sbb = integral(h, w, (i) => (b[offsetB + i] as number) ** 2);
  const sab = integral(h, w, (i) => (a[offsetA + i] as number) * (b[offsetB + i] as number));
  // With a mask, only windows made entirely of valid pixels count.
  const sm = mask === undefined ? null : integral(h, w, (i) => mask.values[mask.offset + i] as number);
  const n = k * k;
  const cov = n / (n - 1);
  const box = (s: Float64Array, y: number, x: number): number =>
    (s[(y + k) * (w + 1) + x + k] as number) -
    (s[y * (w + 1) + x + k] as number) -
    (s[(y + k) * (w + 1) + x] as number) +
    (s[y * (w + 1) + x] as number);
  let total = 0;
  let windows = 0;
  for (let y = 0; y + k <= h; y++) {
    for (let x = 0; x + k <= w; x++) {
      if (sm !== null && box(sm, y, x) < n) continue;
      const ma = box(sa, y, x) / n;
      const mb = box(sb, y, x) / n;
      const va = cov * (box(saa, y, x) / n - ma * ma);
      const vb = cov * (box(sbb, y, x) / n - mb * mb);
      const vab = cov * (box(sab, y, x) / n - ma * mb);
      total += ((2 * ma * mb + C1) * (2 * vab + C2)) / ((ma * ma + mb * mb + C1) * (va + vb + C2));
      windows++;
    }
  }
  return windows === 0 ? Number.NaN : total / windows;
}

/**
 * Accumulates metrics over batches of predictions and targets `[N, T, H, W, 1]` (values in [0, 1];
 * predictions are probabilities). Conventions (those of the Moving MNIST literature):
 *
 * - **MSE / MAE** per frame: squared / absolute error **summed over the H×W pixels** of a frame,
 *   then averaged over frames and sequences (so a 64×64 frame's MSE is 4096 × the per-pixel mean).
 * - **SSIM**: {@link ssimFrame} per frame (7×7 uniform window, data range 1), averaged.
 * - **PSNR**: `10·log10(1 / pixel-mean MSE)` per frame (data range 1, MSE floored at 1e-10), averaged.
 * - **Cross-entropy** (Shi et al. 2015): `−Σ [y·ln p + (1−y)·ln(1−p)]` over all pixels **and all
 *   output frames** of a sequence, averaged over sequences; `p` clamped to `[1e-7, 1 − 1e-7]`.
 *
 * Per-lead-time values average over sequences only (cross-entropy: summed over one frame).
 *
 * With a mask (`[N, T, H, W, 1]`, 1 = valid) every sum runs over valid pixels only, PSNR uses the
 * mean over valid pixels, and SSIM averages the windows made entirely of valid pixels (a frame
 * with none is left out of the SSIM average).
 */
export class MetricsAccumulator {
  readonly frames: number;
  private count = 0;
  /** Frames that had an SSIM (all of them without a mask). */
  private readonly ssimFrames: Float64Array;
  private readonly sums: Record<keyof PerFrameMetrics, Float64Array>;

  constructor(frames: number) {
    if (!Number.isInteger(frames) || frames < 1) {
      throw new ConvLSTMArgumentError('frames', 'an integer >= 1', describeValue(frames));
    }
    this.frames = frames;
    this.ssimFrames = new Float64Array(frames);
    this.sums = {
      mse: new Float64Array(frames),
      mae: new Float64Array(frames),
      ssim: new Float64Array(frames),
      psnr: new Float64Array(frames),
      crossEntropy: new Float64Array(frames),
    };
  }

  /** Adds `predictions` and `targets` (and optionally `mask`), all `[shape.count, shape.frames, H, W, 1]`. */
  add(predictions: Float32Array, targets: Float32Array, shape: SequenceShape, mask?: Uint8Array): void {
    const { count, frames, height, width } = shape;
    const size = count * frames * height * width;
    if (frames !== this.frames) {
      throw new ConvLSTMArgumentError('shape.frames', `${this.frames}`, describeValue(frames));
    }
    if (predictions.length !== size || targets.length !== size) {
      throw new ConvLSTMArgumentError(
        'predictions, targets',
        `${size} values each ([${count}, ${frames}, ${height}, ${width}, 1])`,
        `${predictions.length} and ${targets.length}`,
      );
    }
    if (mask !== undefined && mask.length !== size) {
      throw new ConvLSTMArgumentError(
        'mask',
        `${size} values ([${count}, ${frames}, ${height}, ${width}, 1])`,
        `${mask.length}`,
      );
    }
    const px = height * width;
    const eps = CROSS_ENTROPY_EPSILON;
    for (let n = 0; n < count; n++) {
      for (let t = 0; t < frames; t++) {
        const base = (n * frames + t) * px;
        let se = 0;
        let ae = 0;
        let ce = 0;
        let valid = px;
        if (mask !== undefined) {
          valid = 0;
          for (let i = base; i < base + px; i++) valid += mask[i] as number;
        }
        for (let i = base; i < base + px; i++) {
          if (mask !== undefined && mask[i] !== 1) continue;
          const p = predictions[i] as number;
          const y = targets[i] as number;
          const d = p - y;
          se += d * d;
          ae += Math.abs(d);
          const q = Math.min(Math.max(p, eps), 1 - eps);
          ce -= y * Math.log(q) + (1 - y) * Math.log(1 - q);
        }
        this.sums.mse[t] = (this.sums.mse[t] as number) + se;
        this.sums.mae[t] = (this.sums.mae[t] as number) + ae;
        this.sums.crossEntropy[t] = (this.sums.crossEntropy[t] as number) + ce;
        this.sums.psnr[t] =
          (this.sums.psnr[t] as number) +
          10 * Math.log10(1 / Math.max(se / Math.max(valid, 1), PSNR_MSE_FLOOR));
        const ssim = ssimFrame(
          predictions,
          targets,
          height,
          width,
          base,
          base,
          mask === undefined ? undefined : { values: mask, offset: base },
        );
        if (!Number.isNaN(ssim)) {
          this.sums.ssim[t] = (this.sums.ssim[t] as number) + ssim;
          this.ssimFrames[t] = (this.ssimFrames[t] as number) + 1;
        }
      }
    }
    this.count += count;
  }

  /** The metrics of everything added so far. */
  result(): Metrics {
    if (this.count === 0) throw new Error('MetricsAccumulator.result: nothing was added');
    const per = (key: keyof PerFrameMetrics): number[] =>
      key === 'ssim'
        ? Array.from(this.sums.ssim, (s, t) => s / (this.ssimFrames[t] as number))
        : Array.from(this.sums[key], (s) => s / this.count);
    const perFrame: PerFrameMetrics = {
      mse: per('mse'),
      mae: per('mae'),
      ssim: per('ssim'),
      psnr: per('psnr'),
      crossEntropy: per('crossEntropy'),
    };
    const avg = (v: readonly number[]): number => v.reduce((a, b) => a + b, 0) / v.length;
    return {
      mse: avg(perFrame.mse),
      mae: avg(perFrame.mae),
      ssim: avg(perFrame.ssim),
      psnr: avg(perFrame.psnr),
      crossEntropy: perFrame.crossEntropy.reduce((a, b) => a + b, 0),
      perFrame,
      count: this.count,
    };
  }
}

/** Metrics of `predictions` against `targets` (and `mask`), all `[N, T, H, W, 1]`; see {@link MetricsAccumulator}. */
export function computeMetrics(
  predictions: Float32Array,
  targets: Float32Array,
  shape: SequenceShape,
  mask?: Uint8Array,
): Metrics {
  const acc = new MetricsAccumulator(shape.frames);
  acc.add(predictions, targets, shape, mask);
  return acc.result();
}
