import { assertInt, ConvLSTMArgumentError, describeValue } from '@convlstm/tensor';
import { boxSum, integral } from './summed-area.js';

/** Rain-rate thresholds (mm/h) of the categorical scores, as in pysteps' and WMO nowcast practice. */
export const DEFAULT_THRESHOLDS: readonly number[] = [0.5, 1, 2, 5, 10];
/** Neighbourhood sides (pixels, odd) of the fractions skill score. */
export const DEFAULT_FSS_SCALES: readonly number[] = [1, 5, 9, 17];
/** Rain-rate threshold (mm/h) of the fractions skill score. */
export const DEFAULT_FSS_THRESHOLD = 1;

/**
 * How the fractions skill score treats grid edges and masked pixels:
 * - `'clipped'` (the default): a pixel's event fraction is over the valid pixels of its window
 *   clipped at the grid edge, and the sums run over valid pixels only;
 * - `'pysteps'`: as pysteps' `fss_accum` (`scipy.ndimage.uniform_filter`, `mode="constant"`):
 *   the fraction is over the whole `scale × scale` window, as if the grid were padded with zeros,
 *   masked pixels count as "no event", and the sums run over every pixel of the grid.
 *
 * The two agree at scale 1 and in the grid's interior away from masked pixels; near edges and
 * no-data areas `'pysteps'` dilutes the fractions, so the scores differ at larger scales.
 */
export type FssConvention = 'clipped' | 'pysteps';
/** The values of {@link FssConvention}, the default first. */
export const FSS_CONVENTIONS: readonly FssConvention[] = ['clipped', 'pysteps'];

/** Counts of a 2 × 2 contingency table at one threshold (event: rate ≥ threshold). */
export interface ContingencyTable {
  /** Forecast yes, observed yes. */
  readonly hits: number;
  /** Forecast yes, observed no. */
  readonly falseAlarms: number;
  /** Forecast no, observed yes. */
  readonly misses: number;
  /** Forecast no, observed no. */
  readonly correctNegatives: number;
}

/**
 * The categorical scores of a contingency table; a score whose denominator is 0 is `NaN`
 * (e.g. POD when no pixel is observed above the threshold).
 */
export interface CategoricalScores {
  /** Critical success index (threat score) `a / (a + b + c)`. */
  readonly csi: number;
  /** Probability of detection `a / (a + c)`. */
  readonly pod: number;
  /** False alarm ratio `b / (a + b)`. */
  readonly far: number;
  /** Equitable threat score `(a − aᵣ) / (a + b + c − aᵣ)`, `aᵣ = (a + b)(a + c) / n`. */
  readonly ets: number;
  /** Frequency bias `(a + b) / (a + c)`. */
  readonly bias: number;
}

/** Scores of a contingency table (`a` hits, `b` false alarms, `c` misses, `d` correct negatives). */
export function categoricalScores(table: ContingencyTable): CategoricalScores {
  const { hits: a, falseAlarms: b, misses: c, correctNegatives: d } = table;
  const n = a + b + c + d;
  const div = (x: number, y: number) => (y === 0 ? Number.NaN : x / y);
  const random = n === 0 ? Number.NaN : ((a + b) * (a + c)) / n;
  return {
    csi: div(a, a + b + c),
    pod: div(a, a + c),
    far: div(b, a + b),
    ets: div(a - random, a + b + c - random),
    bias: div(a + b, a + c),
  };
}

/** Scores of one lead time. */
export interface LeadTimeScores {
  /** Lead time in steps: 1 is the first forecast frame. */
  readonly lead: number;
  /** Number of (valid) pixels verified. */
  readonly pixels: number;
  /** Mean absolute error of rain rate (mm/h). */
  readonly mae: number;
  /** Root-mean-square error of rain rate (mm/h). */
  readonly rmse: number;
  /** Pearson correlation of forecast and observed rain rate (`NaN` when either is constant). */
  readonly correlation: number;
  /** One entry per threshold: the table and its scores. */
  readonly categorical: readonly (ContingencyTable & CategoricalScores & { readonly threshold: number })[];
  /** One entry per neighbourhood scale, at {@link VerificationOptions.fssThreshold}. */
  readonly fss: readonly { readonly scale: number; readonly threshold: number; readonly value: number }[];
}

/** Options of {@link NowcastVerifier}. */
export interface VerificationOptions {
  /** Default {@link DEFAULT_THRESHOLDS}. */
  readonly thresholds?: readonly number[];
  /** Odd window sides in pixels; default {@link DEFAULT_FSS_SCALES}. */
  readonly fssScales?: readonly number[];
  /** Default {@link DEFAULT_FSS_THRESHOLD}. */
  readonly fssThreshold?: number;
  /** Edges and masked pixels in the FSS; default `'clipped'` (see {@link FssConvention}). */
  readonly fssConvention?: FssConvention;
}

interface LeadAccumulator {
  n: number;
  sumAbs: number;
  sumSq: number;
  sf: number;
  so: number;
  sff: number;
  soo: number;
  sfo: number;
  tables: { a: number; b: number; c: number; d: number }[];
  fssNum: number[];
  fssDen: number[];
}

/**
 * Accumulates the verification of nowcasts against observations over any number of cases
 * (events × start times) and reports the scores per lead time, pooled the way pysteps' `*_accum`
 * functions pool them: contingency tables, error sums, correlation sums and FSS sums are added up
 * over cases before the scores are formed. Only pixels marked valid count.
 *
 * FSS with a mask: a pixel's event fraction is taken over the valid pixels of its (clipped)
 * `scale × scale` window, and the score sums run over valid pixels; with no masked pixels this is
 * Roberts and Lean's (2008) FSS with windows clipped at the grid edge. With
 * `fssConvention: 'pysteps'` it is pysteps' zero-padded FSS instead ({@link FssConvention}).
 */
export class NowcastVerifier {
  readonly leadTimes: number;
  readonly width: number;
  readonly height: number;
  readonly thresholds: readonly number[];
  readonly fssScales: readonly number[];
  readonly fssThreshold: number;
  readonly fssConvention: FssConvention;
  private readonly acc: LeadAccumulator[];

  /** Verifies `leadTimes` forecast frames of `height × width` pixels. */
  constructor(leadTimes: number, height: number, width: number, options: VerificationOptions = {}) {
    assertInt(leadTimes, 'leadTimes', 1);
    assertInt(height, 'height', 1);
    assertInt(width, 'width', 1);
    this.leadTimes = leadTimes;
    this.height = height;
    this.width = width;
    this.thresholds = [...(options.thresholds ?? DEFAULT_THRESHOLDS)];
    for (const [i, t] of this.thresholds.entries()) {
      if (!Number.isFinite(t))
        throw new ConvLSTMArgumentError(`thresholds[${i}]`, 'a finite rate (mm/h)', describeValue(t));
    }
    this.fssScales = [...(options.fssScales ?? DEFAULT_FSS_SCALES)];
    for (const [i, s] of this.fssScales.entries()) {
      if (!Number.isInteger(s) || s < 1 || s % 2 === 0) {
        throw new ConvLSTMArgumentError(
          `fssScales[${i}]`,
          'an odd integer >= 1 (window side in pixels)',
          describeValue(s),
        );
      }
    }
    this.fssThreshold = options.fssThreshold ?? DEFAULT_FSS_THRESHOLD;
    if (!Number.isFinite(this.fssThreshold)) {
      throw new ConvLSTMArgumentError(
        'fssThreshold',
        'a finite rate (mm/h)',
        describeValue(this.fssThreshold),
      );
    }
    this.fssConvention = options.fssConvention ?? 'clipped';
    if (!FSS_CONVENTIONS.includes(this.fssConvention)) {
      throw new ConvLSTMArgumentError(
        'fssConvention',
        FSS_CONVENTIONS.map((c) => `'${c}'`).join(' or '),
        describeValue(this.fssConvention),
      );
    }
    this.acc = Array.from({ length: leadTimes }, () => ({
      n: 0,
      sumAbs: 0,
      sumSq: 0,
      sf: 0,
      so: 0,
      sff: 0,
      soo: 0,
      sfo: 0,
      tables: this.thresholds.map(() => ({ a: 0, b: 0, c: 0, d: 0 })),
      fssNum: this.fssScales.map(() => 0),
      fssDen: this.fssScales.map(() => 0),
    }));
  }

  /**
   * Adds one case: `forecast` and `observed` rain rates `[T, H, W]` (mm/h, `T = leadTimes`), and
   * `valid`, either `[H, W]` (one mask for every lead time) or `[T, H, W]`; 1 = verify this pixel.
   */
  add(forecast: Float32Array, observed: Float32Array, valid: Uint8Array): void {
    const px = this.height * this.width;
    const size = this.leadTimes * px;
    const shape = `[${this.leadTimes}, ${this.height}, ${this.width}]`;
    if (forecast.length !== size)
      throw new ConvLSTMArgumentError('forecast', `${size} values ${shape}`, `${forecast.length} values`);
    if (observed.length !== size)
      throw new ConvLSTMArgumentError('observed', `${size} values ${shape}`, `${observed.length} values`);
    if (valid.length !== size && valid.length !== px) {
      throw new ConvLSTMArgumentError(
        'valid',
        `${px} values [H, W] or ${size} values ${shape}`,
        `${valid.length} values`,
      );
    }
    const fEvent = new Uint8Array(px);
    const oEvent = new Uint8Array(px);
    for (let t = 0; t < this.leadTimes; t++) {
      const acc = this.acc[t] as LeadAccumulator;
      const base = t * px;
      const mask = valid.length === px ? valid : valid.subarray(base, base + px);
      for (let i = 0; i < px; i++) {
        if (mask[i] !== 1) continue;
        const f = forecast[base + i] as number;
        const o = observed[base + i] as number;
        if (!Number.isFinite(f) || !Number.isFinite(o)) {
          const which = Number.isFinite(f) ? 'observed' : 'forecast';
          throw new ConvLSTMArgumentError(
            which,
            'finite rain rates at valid pixels',
            `${describeValue(Number.isFinite(f) ? o : f)} at index ${base + i}`,
          );
        }
        const e = f - o;
        acc.n++;
        acc.sumAbs += Math.abs(e);
        acc.sumSq += e * e;
        acc.sf += f;
        acc.so += o;
        acc.sff += f * f;
        acc.soo += o * o;
        acc.sfo += f * o;
        for (let k = 0; k < this.thresholds.length; k++) {
          const thr = this.thresholds[k] as number;
          const table = acc.tables[k] as LeadAccumulator['tables'][number];
          const fy = f >= thr;
          const oy = o >= thr;
          if (fy && oy) table.a++;
          else if (fy) table.b++;
          else if (oy) table.c++;
          else table.d++;
        }
      }
      for (let i = 0; i < px; i++) {
        const m = mask[i] === 1;
        fEvent[i] = m && (forecast[base + i] as number) >= this.fssThreshold ? 1 : 0;
        oEvent[i] = m && (observed[base + i] as number) >= this.fssThreshold ? 1 : 0;
      }
      this.addFss(acc, fEvent, oEvent, mask);
    }
  }

  private addFss(
    acc: LeadAccumulator,
    fEvent: Uint8Array,
    oEvent: Uint8Array,
    mask: ArrayLike<number>,
  ): void {
    const { width, height } = this;
    const zeroPadded = this.fssConvention === 'pysteps';
    const validSum = integral(mask, width, height);
    const fSum = integral(fEvent, width, height);
    const oSum = integral(oEvent, width, height);
    for (const [k, scale] of this.fssScales.entries()) {
      const r = (scale - 1) / 2;
      const area = scale * scale;
      let num = 0;
      let den = 0;
      for (let y = 0; y < height; y++) {
        const y0 = Math.max(0, y - r);
        const y1 = Math.min(height, y + r + 1);
        for (let x = 0; x < width; x++) {
          if (!zeroPadded && mask[y * width + x] !== 1) continue;
          const x0 = Math.max(0, x - r);
          const x1 = Math.min(width, x + r + 1);
          const count = zeroPadded ? area : boxSum(validSum, width, x0, y0, x1, y1);
          const pf = boxSum(fSum, width, x0, y0, x1, y1) / count;
          const po = boxSum(oSum, width, x0, y0, x1, y1) / count;
          num += (pf - po) ** 2;
          den += pf * pf + po * po;
        }
      }
      acc.fssNum[k] = (acc.fssNum[k] as number) + num;
      acc.fssDen[k] = (acc.fssDen[k] as number) + den;
    }
  }

  /** The scores so far, one entry per lead time. */
  result(): LeadTimeScores[] {
    return this.acc.map((acc, t) => {
      const n = acc.n;
      const cov = acc.sfo - (acc.sf * acc.so) / n;
      const vf = acc.sff - (acc.sf * acc.sf) / n;
      const vo = acc.soo - (acc.so * acc.so) / n;
      return {
        lead: t + 1,
        pixels: n,
        mae: n === 0 ? Number.NaN : acc.sumAbs / n,
        rmse: n === 0 ? Number.NaN : Math.sqrt(acc.sumSq / n),
        correlation: n === 0 || vf <= 0 || vo <= 0 ? Number.NaN : cov / Math.sqrt(vf * vo),
        categorical: acc.tables.map((tb, k) => {
          const table = { hits: tb.a, falseAlarms: tb.b, misses: tb.c, correctNegatives: tb.d };
          return { threshold: this.thresholds[k] as number, ...table, ...categoricalScores(table) };
        }),
        fss: this.fssScales.map((scale, k) => ({
          scale,
          threshold: this.fssThreshold,
          value:
            (acc.fssDen[k] as number) === 0
              ? Number.NaN
              : 1 - (acc.fssNum[k] as number) / (acc.fssDen[k] as number),
        })),
      };
    });
  }
}

/** Verifies a single case; see {@link NowcastVerifier}. Arrays are `[T, H, W]`, `valid` `[H, W]` or `[T, H, W]`. */
export function verifyNowcast(
  forecast: Float32Array,
  observed: Float32Array,
  valid: Uint8Array,
  shape: { readonly leadTimes: number; readonly height: number; readonly width: number },
  options: VerificationOptions = {},
): LeadTimeScores[] {
  const verifier = new NowcastVerifier(shape.leadTimes, shape.height, shape.width, options);
  verifier.add(forecast, observed, valid);
  return verifier.result();
}
