import type { Evaluation, Metrics } from '@convlstm/train';

/** Keys of the scalar metrics in `metrics.json` (and of `perFrame`). */
export type MetricKey = 'mse' | 'mae' | 'ssim' | 'psnr' | 'crossEntropy';

/** How each metric is named, filed and compared. */
export interface MetricInfo {
  readonly key: MetricKey;
  /** Column header and chart title. */
  readonly label: string;
  /** Chart file `metric-<file>.png`. */
  readonly file: string;
  readonly better: 'lower' | 'higher';
}

export const METRICS: readonly MetricInfo[] = [
  { key: 'mse', label: 'MSE', file: 'mse', better: 'lower' },
  { key: 'mae', label: 'MAE', file: 'mae', better: 'lower' },
  { key: 'ssim', label: 'SSIM', file: 'ssim', better: 'higher' },
  { key: 'psnr', label: 'PSNR', file: 'psnr', better: 'higher' },
  { key: 'crossEntropy', label: 'CE', file: 'cross-entropy', better: 'lower' },
];

/** Names of the baselines, in `metrics.json` order. */
export const BASELINES = ['zeros', 'copyLast', 'meanInputs'] as const;
export type BaselineName = (typeof BASELINES)[number];

/** True when `a` is strictly better than `b` for `metric`. */
export function isBetter(metric: MetricInfo, a: number, b: number): boolean {
  return metric.better === 'lower' ? a < b : a > b;
}

/** Per metric: does the model beat every baseline? */
export function beatsBaselines(evaluation: Evaluation): Record<MetricKey, boolean> {
  const out = {} as Record<MetricKey, boolean>;
  for (const m of METRICS) {
    out[m.key] = BASELINES.every((b) => isBetter(m, evaluation.model[m.key], evaluation.baselines[b][m.key]));
  }
  return out;
}

/** Where the test sequences came from. */
export interface TestSetInfo {
  readonly source: 'generated' | 'file';
  /** `fixedTestSet` version for generated sets, the path for files. */
  readonly description: string;
  readonly count: number;
  readonly inputFrames: number;
  readonly outputFrames: number;
}

/** A summary of a training run, stored in `metrics.json`. */
export interface TrainingSummary {
  readonly steps: number;
  readonly stopReason: string;
  readonly elapsedSeconds: number;
  readonly lastLoss: number | null;
  readonly bestValidationLoss: number | null;
  readonly sequencesPerSecond: number;
}

/** The content of `metrics.json` (schema version 1). */
export interface MetricsReport {
  readonly schema: 'convlstm-moving-mnist/metrics@1';
  readonly createdAt: string;
  readonly backend: string;
  readonly testSet: TestSetInfo;
  readonly training: TrainingSummary | null;
  readonly evaluationSeconds: number;
  readonly model: Metrics;
  readonly baselines: Readonly<Record<BaselineName, Metrics>>;
  /** Per metric, whether the model is strictly better than every baseline. */
  readonly beatsAllBaselines: Readonly<Record<MetricKey, boolean>>;
}

export function buildMetricsReport(args: {
  evaluation: Evaluation;
  backend: string;
  testSet: TestSetInfo;
  training: TrainingSummary | null;
  evaluationSeconds: number;
}): MetricsReport {
  const { evaluation } = args;
  return {
    schema: 'convlstm-moving-mnist/metrics@1',
    createdAt: new Date().toISOString(),
    backend: args.backend,
    testSet: args.testSet,
    training: args.training,
    evaluationSeconds: args.evaluationSeconds,
    model: evaluation.model,
    baselines: {
      zeros: evaluation.baselines.zeros,
      copyLast: evaluation.baselines.copyLast,
      meanInputs: evaluation.baselines.meanInputs,
    },
    beatsAllBaselines: beatsBaselines(evaluation),
  };
}

/**
 * JSON with non-finite numbers as strings ("Infinity", e.g. the PSNR of an exact
 * prediction) rather than JSON's lossy `null`.
 */
export function metricsToJson(report: MetricsReport): string {
  return `${JSON.stringify(report, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v), 2)}\n`;
}
