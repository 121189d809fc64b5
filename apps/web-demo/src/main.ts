// The page: it only draws. The model, forecasts and training run in src/worker.ts; the two talk
// through the messages of src/protocol.ts.
import { drawChart, type Series } from './chart.js';
import { DEFAULT_SEQUENCE, type SequenceSpec } from './demo-config.js';
import type { ForecastResult, ModelInfo, PageMessage, TrainTarget, WorkerMessage } from './protocol.js';
import { drawFrame, drawStrip } from './render.js';

/** How long a control took to answer: from the input event to its handler, and to the next frame. */
export interface Latency {
  readonly control: string;
  /** Event timestamp → handler start. */
  readonly handlerMs: number;
  /** Event timestamp → the first animation frame after the handler (the update is painted then). */
  readonly frameMs: number;
  /** Whether the worker was computing at the time: starting up, forecasting or training. */
  readonly workerBusy: boolean;
}

/** What the page exposes to the end-to-end test. */
export interface DemoState {
  ready: boolean;
  backend: string;
  checkpoint: 'loaded' | 'none';
  spec: SequenceSpec;
  forecast: number[];
  mse: Record<string, number[]>;
  forecastMs: number[];
  /** Training losses so far, one per step, across every run of the training section. */
  losses: number[];
  /** `idle`, `training`, or `stopping` (asked to stop; the worker finishes its step). */
  training: 'idle' | 'training' | 'stopping';
  /** The model the last training run trained. */
  trainTarget?: TrainTarget;
  /** The data the in-page training draws from (its stream seed is derived from `seed`). */
  trainSpec?: SequenceSpec;
  trainBatch?: number;
  /** Page time from "Start training" to the first step's loss on the page, per run. */
  firstStepMs: number[];
  /** Worker time per training step. */
  stepMs: number[];
  /** Parameters of the page-sized model the training section builds. */
  pageModelParams: number;
  latencies: Latency[];
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

function animate(result: ForecastResult): void {
  cancelAnimationFrame(animation);
  let last = 0;
  let t = 0;
  const tick = (now: number) => {
    if (now - last > 250) {
      last = now;
      const k = t % result.inputFrames;
      const j = t % result.outputFrames;
      drawFrame($('input'), result.inputs, k, result.size);
      drawFrame($('prediction'), result.forecast, j, result.size);
      drawFrame($('truth'), result.truth, j, result.size);
      $('input-t').textContent = `t = ${k + 1 - result.inputFrames}`;
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

function describeModel(model: ModelInfo): string {
  const name = model.source === 'checkpoint' ? 'the checkpoint' : 'the page model';
  const steps = model.trainedSteps > 0 ? ` after ${model.trainedSteps} steps in the page` : '';
  return `${name}${steps}`;
}

function main(): void {
  const state: DemoState = {
    ready: false,
    backend: '',
    checkpoint: 'none',
    spec: specFromUrl(),
    forecast: [],
    mse: {},
    forecastMs: [],
    losses: [],
    training: 'idle',
    firstStepMs: [],
    stepMs: [],
    pageModelParams: 0,
    latencies: [],
  };
  window.__demo = state;
  let forecastPending = false;
  let trainClickedAt = 0;

  const worker = new Worker(new URL('./worker.ts', import.meta.url), { type: 'module' });
  const send = (message: PageMessage) => worker.postMessage(message);

  /** Wraps a control's handler so the page records how fast it answered. */
  const timed =
    <E extends Event>(control: string, handler: (event: E) => void) =>
    (event: E) => {
      const start = performance.now();
      const workerBusy = !state.ready || state.training !== 'idle' || forecastPending;
      handler(event);
      requestAnimationFrame((frame) => {
        state.latencies.push({
          control,
          handlerMs: start - event.timeStamp,
          frameMs: Math.max(frame, performance.now()) - event.timeStamp,
          workerBusy,
        });
      });
    };

  const requestForecast = () => {
    forecastPending = true;
    $('timing').textContent = state.training === 'idle' ? 'forecasting…' : 'forecast waits for the step…';
    send({ type: 'forecast', spec: readSpec() });
  };

  const showForecast = (result: ForecastResult) => {
    forecastPending = false;
    state.spec = result.spec;
    state.forecastMs.push(result.ms);
    state.mse = result.mse;
    state.forecast = Array.from(result.forecast);
    const series: Series[] = Object.entries(result.mse).map(([label, values]) => ({
      label,
      values,
      color: COLORS[label] ?? '#000',
    }));
    drawChart($('mse-chart'), series, 'lead time (frames)', 'MSE');
    drawStrip($('forecast-strip'), result.forecast, result.outputFrames, result.size);
    drawStrip($('truth-strip'), result.truth, result.outputFrames, result.size);
    const first = state.forecastMs.length > 1 ? '' : ' (first run compiles shaders)';
    $('timing').textContent =
      `${result.ms.toFixed(0)} ms per forecast${first} · ${describeModel(result.model)}`;
    animate(result);
  };

  const setTraining = (training: DemoState['training']) => {
    state.training = training;
    $('train').textContent =
      training === 'idle' ? 'Start training' : training === 'training' ? 'Stop training' : 'Stopping…';
    ($('train-model') as HTMLSelectElement).disabled = training !== 'idle';
  };

  worker.addEventListener('message', (event: MessageEvent<WorkerMessage>) => {
    const message = event.data;
    switch (message.type) {
      case 'ready': {
        state.backend = message.backend;
        state.checkpoint = message.checkpoint;
        state.pageModelParams = message.pageModelParams;
        $('backend-label').textContent = `${message.label} · in a Web Worker`;
        $('backend-label').dataset.backend = message.backend;
        $('model-label').textContent =
          message.checkpoint === 'loaded'
            ? `Checkpoint public/checkpoint/ loaded: ${message.model.numParams.toLocaleString()} parameters.`
            : `No checkpoint in public/checkpoint/: an untrained page model (${message.model.numParams.toLocaleString()} parameters). Train it below.`;
        const select = $('train-model') as HTMLSelectElement;
        const page = select.querySelector('option[value="page"]');
        if (page !== null)
          page.textContent = `a new page-sized model (${message.pageModelParams.toLocaleString()} parameters)`;
        const ck = select.querySelector('option[value="checkpoint"]') as HTMLOptionElement | null;
        if (ck !== null) {
          ck.disabled = message.checkpoint !== 'loaded';
          ck.textContent = `the loaded checkpoint (${message.checkpoint === 'loaded' ? `${message.model.numParams.toLocaleString()} parameters` : 'none'})`;
        }
        requestForecast();
        break;
      }
      case 'forecast': {
        showForecast(message);
        if (!state.ready) state.ready = true;
        break;
      }
      case 'train-step': {
        if (trainClickedAt > 0) {
          state.firstStepMs.push(performance.now() - trainClickedAt);
          trainClickedAt = 0;
        }
        state.losses.push(message.loss);
        state.stepMs.push(message.ms);
        $('train-status').textContent =
          `step ${message.step}: loss ${message.loss.toFixed(4)} (${message.ms.toFixed(0)} ms/step)`;
        drawChart(
          $('loss-chart'),
          [{ label: 'train loss (BCE)', values: state.losses, color: '#d62728' }],
          'step',
          'loss',
        );
        break;
      }
      case 'train-state': {
        state.trainTarget = message.target;
        state.trainSpec = message.data;
        state.trainBatch = message.batchSize;
        if (message.state === 'started') {
          $('train-status').textContent =
            `training ${describeModel(message.model)}: the first step compiles…`;
        } else {
          setTraining('idle');
          trainClickedAt = 0;
          if (message.state === 'failed') $('train-status').textContent = `training failed: ${message.error}`;
          else requestForecast();
        }
        break;
      }
      case 'exported': {
        for (const [name, bytes] of Object.entries(message.files)) {
          const a = document.createElement('a');
          a.href = URL.createObjectURL(new Blob([bytes as Uint8Array<ArrayBuffer>]));
          a.download = name;
          a.click();
          setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
        }
        break;
      }
      case 'error': {
        forecastPending = false;
        if (!state.ready) {
          // The first error is the cause (a failed start fails every later job too).
          state.error ??= message.message;
          $('backend-label').textContent = `failed: ${state.error}`;
        } else {
          $('timing').textContent = `failed: ${message.message}`;
        }
        break;
      }
    }
  });
  worker.addEventListener('error', (event) => {
    state.error = `worker: ${event.message}`;
    $('backend-label').textContent = `failed: ${state.error}`;
  });

  writeSpec(state.spec);
  $('speed').addEventListener(
    'input',
    timed('speed', () => {
      $('speed-out').textContent = ($('speed') as HTMLInputElement).value;
    }),
  );
  $('speed').addEventListener('change', () => requestForecast());
  $('forecast').addEventListener('click', timed('forecast', requestForecast));
  $('next').addEventListener(
    'click',
    timed('next', () => {
      ($('index') as HTMLInputElement).value = String(readSpec().index + 1);
      requestForecast();
    }),
  );
  $('train').addEventListener(
    'click',
    timed('train', () => {
      if (state.training === 'training') {
        setTraining('stopping');
        send({ type: 'train-stop' });
        return;
      }
      if (state.training === 'stopping') return;
      const batchSize = Math.max(1, Math.round(Number(($('batch') as HTMLInputElement).value) || 4));
      const learningRate = Number(($('lr') as HTMLInputElement).value) || 0.002;
      const target = ($('train-model') as HTMLSelectElement).value as TrainTarget;
      setTraining('training');
      trainClickedAt = performance.now();
      $('train-status').textContent = 'starting…';
      send({
        type: 'train-start',
        target,
        batchSize,
        learningRate,
        data: readSpec(),
        forecastEvery: 20,
      });
    }),
  );
  $('download').addEventListener(
    'click',
    timed('download', () => send({ type: 'export' })),
  );

  send({
    type: 'init',
    digitsUrl: new URL('./digits.bin', location.href).href,
    checkpointUrl: new URL('./checkpoint/', location.href).href,
  });
}

try {
  main();
} catch (error) {
  $('backend-label').textContent = `failed: ${String(error)}`;
}
