import {
  extrapolationNowcast,
  type ForecastFrame,
  type LeadTimeScores,
  lagrangianOracleNowcast,
  type MotionField,
  matchNowcast,
  type Nowcast,
  NowcastVerifier,
  persistenceNowcast,
  type RadarEvent,
  type RadarFrame,
  radarNetworkNowcast,
  radarWindows,
  toLagrangianFrame,
  type VerificationOptions,
} from '@convlstm/radar';
import type { EncoderForecaster } from '@convlstm/train';
import { tensor5d, tidy, zerosLike } from '@tensorflow/tfjs-core';

/**
 * The methods compared on every test window: the ConvLSTM as trained, the ConvLSTM after
 * probability matching to the last observation (`matchNowcast` of `@convlstm/radar`), the two
 * baselines, and `lagrangian-oracle` (`lagrangianOracleNowcast`: extrapolation's motion with the
 * observed growth and decay, what a perfect Lagrangian network would score; it reads the
 * observations, so it is a yardstick, not a nowcast).
 */
export const METHODS = [
  'convlstm',
  'convlstm-matched',
  'persistence',
  'extrapolation',
  'lagrangian-oracle',
] as const;
export type Method = (typeof METHODS)[number];

/** The methods that are nowcasts (charts and pictures show these; the oracle only the tables). */
export const NOWCAST_METHODS = METHODS.filter((m) => m !== 'lagrangian-oracle');

/** Scores of each method on one event, per lead time. */
export interface EventVerification {
  readonly event: string;
  readonly windows: number;
  readonly scores: Readonly<Record<Method, LeadTimeScores[]>>;
}

/**
 * Sets the output convolution (`output/kernel`, `output/bias`) of `model` to zero and returns it:
 * its pre-sigmoid outputs are then 0 everywhere, so in the Lagrangian frame ({@link networkNowcast})
 * it forecasts no change, exactly the extrapolation nowcast, and training learns growth, decay and
 * what the motion misses from there.
 */
export function startAtExtrapolation(model: EncoderForecaster): EncoderForecaster {
  const weights = model.trainableWeights;
  for (const [i, name] of model.weightNames.entries()) {
    const w = weights[i];
    if (w && name.startsWith('output/')) tidy(() => w.assign(zerosLike(w)));
  }
  return model;
}

/**
 * The network's nowcast from one window's input frames (oldest first), in the frame it was trained
 * in (`radarNetworkNowcast` of `@convlstm/radar`, the code the browser page runs too): `eulerian`,
 * its forecast as it comes out; `lagrangian`, the inputs moved to the last one's time by the
 * extrapolation's motion, the network's change applied there and each lead advected forward.
 * `rainRate` (mm/h) and `valid` are `[Tout, H, W]`; `motion`, the inputs' extrapolation motion
 * when the caller has it already.
 */
export async function networkNowcast(
  model: EncoderForecaster,
  frame: ForecastFrame,
  inputs: readonly RadarFrame[],
  motion?: MotionField,
): Promise<Pick<Nowcast, 'rainRate' | 'valid'>> {
  const { inputFrames, outputFrames } = model.config;
  const first = inputs[0];
  if (!first || inputs.length !== inputFrames)
    throw new Error(`the model takes ${inputFrames} input frames, not ${inputs.length}`);
  const { width, height } = first;
  const network = async (unit: Float32Array) => {
    const x = tensor5d(unit, [1, inputFrames, height, width, 1]);
    try {
      const logits = model.predictLogits(x, outputFrames);
      try {
        return (await logits.data()) as Float32Array;
      } finally {
        logits.dispose();
      }
    } finally {
      x.dispose();
    }
  };
  return radarNetworkNowcast(frame, inputs, network, motion === undefined ? {} : { motion });
}

/**
 * Verifies the model, Eulerian persistence and Lagrangian extrapolation on every window of
 * `event` (observed frames' masks; the same pixels for all three), pooled per lead time;
 * `options` go to every `NowcastVerifier` (e.g. `fssConvention`).
 */
export async function verifyEvent(
  model: EncoderForecaster,
  frame: ForecastFrame,
  event: RadarEvent,
  onWindow?: (done: number, total: number) => void,
  signal?: AbortSignal,
  options: VerificationOptions = {},
): Promise<EventVerification> {
  const { inputFrames, outputFrames } = model.config;
  const first = event.frames[0];
  if (!first) throw new Error(`${event.name}: no frames`);
  const { width, height } = first;
  const px = width * height;
  const windows = radarWindows([event], { inputFrames, outputFrames });
  const verifiers = {
    convlstm: new NowcastVerifier(outputFrames, height, width, options),
    'convlstm-matched': new NowcastVerifier(outputFrames, height, width, options),
    persistence: new NowcastVerifier(outputFrames, height, width, options),
    extrapolation: new NowcastVerifier(outputFrames, height, width, options),
    'lagrangian-oracle': new NowcastVerifier(outputFrames, height, width, options),
  };
  for (const [n, ref] of windows.entries()) {
    if (signal !== undefined) {
      // A macrotask turn lets Ctrl-C's handler run between windows.
      await new Promise((resolve) => setImmediate(resolve));
      if (signal.aborted) throw new DOMException('The verification was stopped', 'AbortError');
    }
    const frames = event.frames.slice(ref.start, ref.start + inputFrames + outputFrames);
    const inputsRain = frames.slice(0, inputFrames);
    const targets = frames.slice(inputFrames);
    const observed = new Float32Array(outputFrames * px);
    const mask = new Uint8Array(outputFrames * px);
    for (const [t, f] of targets.entries()) {
      observed.set(f.rainRate, t * px);
      mask.set(f.valid, t * px);
    }
    const extra = extrapolationNowcast(
      inputsRain.slice(-3).map((f) => f.rainRate),
      inputsRain.slice(-3).map((f) => f.valid),
      width,
      height,
      outputFrames,
    );
    // Rain the motion brings from outside the grid counts as 0 mm/h, as extrapolation's does.
    const predicted = (await networkNowcast(model, frame, inputsRain, extra.motion)).rainRate;
    const last = inputsRain[inputsRain.length - 1] ?? first;
    verifiers.convlstm.add(predicted, observed, mask);
    verifiers['convlstm-matched'].add(
      matchNowcast(predicted, last.rainRate, last.valid, outputFrames),
      observed,
      mask,
    );
    verifiers.persistence.add(
      persistenceNowcast(last.rainRate, last.valid, width, height, outputFrames).rainRate,
      observed,
      mask,
    );
    verifiers.extrapolation.add(extra.rainRate, observed, mask);
    const lagrangian = toLagrangianFrame(
      inputsRain.map((f) => f.rainRate),
      inputsRain.map((f) => f.valid),
      width,
      height,
      { motion: extra.motion },
    );
    verifiers['lagrangian-oracle'].add(
      lagrangianOracleNowcast(lagrangian, observed, mask).rainRate,
      observed,
      mask,
    );
    onWindow?.(n + 1, windows.length);
  }
  return {
    event: event.name,
    windows: windows.length,
    scores: {
      convlstm: verifiers.convlstm.result(),
      'convlstm-matched': verifiers['convlstm-matched'].result(),
      persistence: verifiers.persistence.result(),
      extrapolation: verifiers.extrapolation.result(),
      'lagrangian-oracle': verifiers['lagrangian-oracle'].result(),
    },
  };
}

/** A score of the tables: CSI or ETS at a rain-rate threshold, or FSS at a threshold and scale. */
export type TableScore =
  | { readonly score: 'csi' | 'ets'; readonly threshold: number }
  | { readonly score: 'fss'; readonly threshold: number; readonly scale: number };

/** The scores `summary.md` tabulates: the target scores and CSI at a light and a heavy rate. */
export const SUMMARY_SCORES: readonly TableScore[] = [
  { score: 'csi', threshold: 1 },
  { score: 'ets', threshold: 1 },
  { score: 'fss', threshold: 1, scale: 17 },
  { score: 'csi', threshold: 0.5 },
  { score: 'csi', threshold: 5 },
];

/** `score` per lead time (NaN where it is undefined, e.g. no rain above the threshold anywhere). */
export function scoreSeries(scores: readonly LeadTimeScores[], score: TableScore): number[] {
  return scores.map((s) => {
    if (score.score === 'fss')
      return (
        s.fss.find((f) => f.threshold === score.threshold && f.scale === score.scale)?.value ?? Number.NaN
      );
    return s.categorical.find((c) => c.threshold === score.threshold)?.[score.score] ?? Number.NaN;
  });
}

/** CSI at `threshold` per lead time. */
export function csiSeries(scores: readonly LeadTimeScores[], threshold: number): number[] {
  return scoreSeries(scores, { score: 'csi', threshold });
}

/** How a table names a score: "CSI at 1 mm/h", "FSS at 1 mm/h and 17 pixels". */
export function scoreLabel(score: TableScore): string {
  const at = `${score.score.toUpperCase()} at ${score.threshold} mm/h`;
  return score.score === 'fss' ? `${at} and ${score.scale} pixels` : at;
}

/** A Markdown table: `score` per lead time (minutes) for each method. */
export function scoreTable(v: EventVerification, score: TableScore, stepMinutes = 5): string {
  const leads = v.scores.convlstm.map((s) => `+${s.lead * stepMinutes}`);
  const row = (m: Method) =>
    `| ${m} | ${scoreSeries(v.scores[m], score)
      .map((x) => (Number.isFinite(x) ? x.toFixed(3) : '–'))
      .join(' | ')} |`;
  return [
    `**${v.event}** (${v.windows} windows), ${scoreLabel(score)} by lead time (min):`,
    '',
    `| method | ${leads.join(' | ')} |`,
    `| --- | ${leads.map(() => '---').join(' | ')} |`,
    ...METHODS.map(row),
  ].join('\n');
}
