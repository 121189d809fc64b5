import { getBackend } from '@tensorflow/tfjs-core';
import { describeBackend, pickBackend } from './backend.js';
import { drawChart, type Series } from './chart.js';
import { encodeCheckpoint, fetchCheckpoint } from './checkpoint.js';
import { DEFAULT_SEQUENCE, DEMO_MODEL, type SequenceSpec } from './demo-config.js';
import { digitPoolFromBytes } from './digits.js';
import { baselineForecasts, makeSequence, perFrameMse, runForecast, type Sequence } from './forecast.js';
import { drawFrame, drawStrip } from './render.js';
import { type DigitPool, EncoderForecaster } from './train-browser.js';
import { BrowserTrainer } from './training.js';

/** What the page exposes to the end-to-end test. */
export interface DemoState {
  ready: boolean;
  backend: string;
  checkpoint: 'loaded' | 'none';
  spec: SequenceSpec;
  forecast: number[];
  mse: Record<string, number[]>;
  forecastMs: number[];
  /** Training losses so far, one per step. */
  losses: number[];
  /** The data the in-page training draws from (its stream seed is derived from `seed`). */
  trainSpec?: SequenceSpec;
  trainBatch?: number;
  error?: string;
}

declare global {
  interface Window {
    __demo?: DemoState;
  }
}

const $ = <T extends HTMLElement>(id: string): T => {
  const el = document.getElementById(id);
  if (el === null) throw new Error(`#${id} is missing from index.html`);
  return el as T;
};

const COLORS: Record<string, string> = {
  ConvLSTM: '#d62728',
  zeros: '#7f7f7f',
  'copy-last': '#1f77b4',
  'mean of inputs': '#2ca02c',
};

let animation = 0;

function animate(seq: Sequence, forecast: Float32Array): void {
  cancelAnimationFrame(animation);
  let last = 0;
  let t = 0;
  const tick = (now: number) => {
    if (now - last > 250) {
      last = now;
      const k = t % seq.inputFrames;
      const j = t % seq.outputFrames;
      drawFrame($('input'), seq.inputs, k, seq.size);
      drawFrame($('prediction'), forecast, j, seq.size);
      drawFrame($('truth'), seq.truth, j, seq.size);
      $('input-t').textContent = `t = ${k + 1 - seq.inputFrames}`;
      $('pred-t').textContent = `t = +${j + 1}`;
      t++;
    }
    animation = requestAnimationFrame(tick);
  };
  animation = requestAnimationFrame(tick);
}

function readSpec(): SequenceSpec {
  const num = (id: string, fallback: number) => {
    const v = Number(($(id) as HTMLInputElement).value);
    return Number.isFinite(v) ? v : fallback;
  };
  return {
    seed: Math.max(0, Math.round(num('seed', DEFAULT_SEQUENCE.seed))),
    index: Math.max(0, Math.round(num('index', DEFAULT_SEQUENCE.index))),
    numDigits: Math.min(3, Math.max(1, Math.round(num('digits', DEFAULT_SEQUENCE.numDigits)))),
    speed: num('speed', DEFAULT_SEQUENCE.speed),
  };
}

function writeSpec(spec: SequenceSpec): void {
  ($('seed') as HTMLInputElement).value = String(spec.seed);
  ($('index') as HTMLInputElement).value = String(spec.index);
  ($('digits') as HTMLInputElement).value = String(spec.numDigits);
  ($('speed') as HTMLInputElement).value = String(spec.speed);
  $('speed-out').textContent = String(spec.speed);
}

/** URL parameters preset the sequence: `?seed=7&index=0&digits=2&speed=3.6`. */
function specFromUrl(): SequenceSpec {
  const q = new URLSearchParams(location.search);
  const n = (k: string, d: number) => (q.has(k) && Number.isFinite(Number(q.get(k))) ? Number(q.get(k)) : d);
  return {
    seed: n('seed', DEFAULT_SEQUENCE.seed),
    index: n('index', DEFAULT_SEQUENCE.index),
    numDigits: n('digits', DEFAULT_SEQUENCE.numDigits),
    speed: n('speed', DEFAULT_SEQUENCE.speed),
  };
}

async function main(): Promise<void> {
  const state: DemoState = {
    ready: false,
    backend: '',
    checkpoint: 'none',
    spec: specFromUrl(),
    forecast: [],
    mse: {},
    forecastMs: [],
    losses: [],
  };
  const report = await pickBackend();
  state.backend = getBackend();
  $('backend-label').textContent = describeBackend(report);
  $('backend-label').dataset.backend = state.backend;

  const digitsResponse = await fetch('./digits.bin');
  if (!digitsResponse.ok) throw new Error(`digits.bin: HTTP ${digitsResponse.status}`);
  const digits: DigitPool = digitPoolFromBytes(new Uint8Array(await digitsResponse.arrayBuffer()));

  let model = await fetchCheckpoint('./checkpoint/');
  if (model !== null) {
    state.checkpoint = 'loaded';
    $('model-label').textContent =
      `Checkpoint public/checkpoint/ loaded: ${model.numParams.toLocaleString()} parameters.`;
  } else {
    model = new EncoderForecaster(DEMO_MODEL);
    $('model-label').textContent =
      `No checkpoint in public/checkpoint/: an untrained model (${model.numParams.toLocaleString()} parameters, seed ${DEMO_MODEL.seed}). Train it below.`;
  }
  const current = model;

  const forecast = async () => {
    const spec = readSpec();
    state.spec = spec;
    const seq = makeSequence(digits, current, spec);
    const result = await runForecast(current, seq);
    state.forecastMs.push(result.ms);
    const mse: Record<string, number[]> = {
      ConvLSTM: perFrameMse(result.forecast, seq.truth, seq.outputFrames),
    };
    for (const [name, values] of Object.entries(baselineForecasts(seq))) {
      mse[name] = perFrameMse(values, seq.truth, seq.outputFrames);
    }
    state.mse = mse;
    state.forecast = Array.from(result.forecast);
    const series: Series[] = Object.entries(mse).map(([label, values]) => ({
      label,
      values,
      color: COLORS[label] ?? '#000',
    }));
    drawChart($('mse-chart'), series, 'lead time (frames)', 'MSE');
    drawStrip($('forecast-strip'), result.forecast, seq.outputFrames, seq.size);
    drawStrip($('truth-strip'), seq.truth, seq.outputFrames, seq.size);
    const times = state.forecastMs;
    $('timing').textContent =
      `${result.ms.toFixed(0)} ms per forecast${times.length > 1 ? '' : ' (first run compiles shaders)'}`;
    animate(seq, result.forecast);
  };

  writeSpec(state.spec);
  $('speed').addEventListener('input', () => {
    $('speed-out').textContent = ($('speed') as HTMLInputElement).value;
  });
  $('forecast').addEventListener('click', () => void forecast());
  $('next').addEventListener('click', () => {
    ($('index') as HTMLInputElement).value = String(readSpec().index + 1);
    void forecast();
  });

  let trainer: BrowserTrainer | null = null;
  let training = false;
  const lossesSeen = state.losses;
  $('train').addEventListener('click', async () => {
    if (training) {
      training = false;
      return;
    }
    training = true;
    $('train').textContent = 'Stop training';
    const batchSize = Math.max(1, Math.round(Number(($('batch') as HTMLInputElement).value) || 4));
    const learningRate = Number(($('lr') as HTMLInputElement).value) || 0.002;
    trainer?.dispose();
    const data = readSpec();
    state.trainSpec = data;
    state.trainBatch = batchSize;
    trainer = new BrowserTrainer(current, digits, { batchSize, learningRate, data });
    try {
      while (training) {
        const start = performance.now();
        const loss = await trainer.step();
        lossesSeen.push(loss);
        $('train-status').textContent =
          `step ${lossesSeen.length}: loss ${loss.toFixed(4)} (${(performance.now() - start).toFixed(0)} ms/step)`;
        drawChart(
          $('loss-chart'),
          [{ label: 'train loss (BCE)', values: lossesSeen, color: '#d62728' }],
          'step',
          'loss',
        );
        if (lossesSeen.length % 20 === 0) await forecast();
      }
      await forecast();
    } catch (error) {
      $('train-status').textContent = `training failed: ${String(error)}`;
    } finally {
      training = false;
      $('train').textContent = 'Start training';
    }
  });
  $('download').addEventListener('click', async () => {
    const files = await encodeCheckpoint(current);
    for (const [name, blob] of Object.entries(files)) {
      const a = document.createElement('a');
      a.href = URL.createObjectURL(blob);
      a.download = name;
      a.click();
      setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
    }
  });

  await forecast();
  state.ready = true;
  window.__demo = state;
}

main().catch((error: unknown) => {
  $('backend-label').textContent = `failed: ${String(error)}`;
  window.__demo = {
    ready: false,
    backend: getBackend() ?? '',
    checkpoint: 'none',
    spec: DEFAULT_SEQUENCE,
    forecast: [],
    mse: {},
    forecastMs: [],
    losses: [],
    error: String(error),
  };
});
