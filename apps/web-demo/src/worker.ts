// The demo's compute side: TF.js, the models, forecasts and training run here, off the page's
// main thread, so the page keeps answering clicks while a forecast or a training step runs.
import {
  type DigitPool,
  disposeTrainingState,
  EncoderForecaster,
  encodeCheckpoint,
  type MovingMnist,
  type TrainingState,
  train,
} from '@convlstm/train';
import { getBackend } from '@tensorflow/tfjs-core';
import { describeBackend, pickBackend } from './backend.js';
import { DEMO_MODEL, type SequenceSpec } from './demo-config.js';
import { digitPoolFromBytes } from './digits.js';
import { fetchCheckpoint } from './fetch-checkpoint.js';
import { baselineForecasts, makeSequence, perFrameMse, runForecast, trainingStream } from './forecast.js';
import {
  type ModelInfo,
  type PageMessage,
  type TrainTarget,
  transferables,
  type WorkerMessage,
} from './protocol.js';

// The DOM typings describe the page; a dedicated worker's global needs only these two members.
interface WorkerScope {
  postMessage(message: WorkerMessage, transfer: Transferable[]): void;
  addEventListener(type: 'message', listener: (event: MessageEvent<PageMessage>) => void): void;
}
const scope = self as unknown as WorkerScope;

function post(message: WorkerMessage): void {
  scope.postMessage(message, transferables(message));
}

interface Held {
  readonly model: EncoderForecaster;
  readonly source: TrainTarget;
  trainedSteps: number;
  /** The training stream and the data it was made for: a new run on the same data continues it. */
  stream: { readonly data: string; readonly stream: MovingMnist } | null;
  /** Where the last run ended (step, stream position, optimiser slots): the next run resumes from it. */
  resume: TrainingState | null;
}

let digits: DigitPool | null = null;
let checkpoint: Held | null = null;
let pageModel: Held | null = null;
/** The model forecasts use: the checkpoint at first, then whichever model was trained last. */
let shown: Held | null = null;
/** The sequence the page asked for last; training forecasts it again as the model learns. */
let lastSpec: SequenceSpec | null = null;

const info = (held: Held): ModelInfo => ({
  numParams: held.model.numParams,
  source: held.source,
  trainedSteps: held.trainedSteps,
});

// One job at a time touches the models. While training runs, jobs wait in the queue and run
// between steps; a newer forecast request replaces a waiting one (a slider sends many).
const queue: { kind: 'forecast' | 'other'; run: () => Promise<void> }[] = [];
let draining: Promise<void> | null = null;
let training: AbortController | null = null;

function submit(kind: 'forecast' | 'other', run: () => Promise<void>): void {
  if (kind === 'forecast') {
    const waiting = queue.findIndex((j) => j.kind === 'forecast');
    if (waiting >= 0) queue.splice(waiting, 1);
  }
  queue.push({ kind, run });
  if (training === null) void drain();
}

async function runQueued(): Promise<void> {
  for (let job = queue.shift(); job !== undefined; job = queue.shift()) {
    try {
      await job.run();
    } catch (error) {
      post({ type: 'error', message: String(error) });
    }
  }
}

function drain(): Promise<void> {
  draining ??= runQueued().finally(() => {
    draining = null;
  });
  return draining;
}

/** A macrotask break: lets the worker receive messages (stop, forecast) between training steps. */
const yieldToMessages = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

async function forecast(spec: SequenceSpec): Promise<void> {
  if (digits === null || shown === null) throw new Error('forecast before init');
  lastSpec = spec;
  const seq = makeSequence(digits, shown.model, spec);
  const result = await runForecast(shown.model, seq);
  const mse: Record<string, number[]> = {
    ConvLSTM: perFrameMse(result.forecast, seq.truth, seq.outputFrames),
  };
  for (const [name, values] of Object.entries(baselineForecasts(seq))) {
    mse[name] = perFrameMse(values, seq.truth, seq.outputFrames);
  }
  post({
    type: 'forecast',
    spec,
    inputs: seq.inputs,
    forecast: result.forecast,
    truth: seq.truth,
    inputFrames: seq.inputFrames,
    outputFrames: seq.outputFrames,
    size: seq.size,
    mse,
    ms: result.ms,
    model: info(shown),
  });
}

async function init(message: Extract<PageMessage, { type: 'init' }>): Promise<void> {
  const report = await pickBackend();
  const response = await fetch(message.digitsUrl);
  if (!response.ok) throw new Error(`digits.bin: HTTP ${response.status}`);
  digits = digitPoolFromBytes(new Uint8Array(await response.arrayBuffer()));
  const loaded = await fetchCheckpoint(message.checkpointUrl);
  const fresh = { trainedSteps: 0, stream: null, resume: null };
  if (loaded !== null) checkpoint = { model: loaded, source: 'checkpoint', ...fresh };
  pageModel = { model: new EncoderForecaster(DEMO_MODEL), source: 'page', ...fresh };
  shown = checkpoint ?? pageModel;
  post({
    type: 'ready',
    report,
    label: describeBackend(report),
    backend: getBackend(),
    checkpoint: checkpoint === null ? 'none' : 'loaded',
    model: info(shown),
    pageModelParams: pageModel.model.numParams,
  });
}

async function startTraining(message: Extract<PageMessage, { type: 'train-start' }>): Promise<void> {
  if (training !== null) return;
  const controller = new AbortController();
  training = controller;
  // Jobs submitted before the start finish first; later ones run between steps.
  if (draining !== null) await draining;
  const held = message.target === 'checkpoint' ? checkpoint : pageModel;
  const base = {
    target: message.target,
    data: message.data,
    batchSize: message.batchSize,
  };
  if (held === null || digits === null) {
    training = null;
    void drain();
    post({
      type: 'train-state',
      state: 'failed',
      model: info(pageModel ?? (shown as Held)),
      error: message.target === 'checkpoint' ? 'no checkpoint is loaded' : 'training before init',
      ...base,
    });
    return;
  }
  shown = held;
  post({ type: 'train-state', state: 'started', model: info(held), ...base });
  const data = JSON.stringify(message.data);
  if (held.stream?.data !== data) {
    held.stream = { data, stream: trainingStream(digits, held.model, message.data) };
    // Optimiser slots and step count carry over; a new stream starts at its beginning.
    if (held.resume !== null) held.resume = { ...held.resume, generator: null };
  }
  const resume = held.resume;
  held.resume = null;
  let runSteps = 0;
  let stepStart = performance.now();
  try {
    const result = await train(held.model, held.stream.stream, {
      batchSize: message.batchSize,
      optimizer: { name: 'adam', learningRate: message.learningRate },
      // Until "Stop training" (the signal).
      maxSteps: Number.MAX_SAFE_INTEGER,
      signal: controller.signal,
      resume,
      keepOptimizerState: true,
      callbacks: {
        onStep: async (step) => {
          held.trainedSteps = step.step;
          runSteps++;
          post({
            type: 'train-step',
            step: step.step,
            loss: step.loss,
            ms: performance.now() - stepStart,
            model: info(held),
          });
          const view = lastSpec;
          if (view !== null && message.forecastEvery > 0 && runSteps % message.forecastEvery === 0)
            submit('forecast', () => forecast(view));
          // Messages (stop, forecasts) are received between steps, and queued jobs run there.
          await yieldToMessages();
          await runQueued();
          stepStart = performance.now();
        },
      },
    });
    held.resume = result.state;
    post({ type: 'train-state', state: 'stopped', model: info(held), ...base });
  } catch (error) {
    post({ type: 'train-state', state: 'failed', model: info(held), error: String(error), ...base });
  } finally {
    if (resume !== null) disposeTrainingState(resume);
    training = null;
    await drain();
  }
}

async function exportShown(): Promise<void> {
  if (shown === null) throw new Error('export before init');
  // The weights only (no optimiser state): the files `loadCheckpoint` of @convlstm/train/node reads.
  post({ type: 'exported', files: { ...(await encodeCheckpoint(shown.model)) } });
}

scope.addEventListener('message', (event: MessageEvent<PageMessage>) => {
  const message = event.data;
  switch (message.type) {
    case 'init':
      submit('other', () => init(message));
      break;
    case 'forecast':
      submit('forecast', () => forecast(message.spec));
      break;
    case 'train-start':
      void startTraining(message);
      break;
    case 'train-stop':
      training?.abort();
      break;
    case 'export':
      submit('other', exportShown);
      break;
  }
});
