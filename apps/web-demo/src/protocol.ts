import type { BrowserBackendReport } from '@convlstm/backend-webgpu';
import type { SequenceSpec } from './demo-config.js';

/**
 * The messages between the page (src/main.ts, which only draws) and the worker (src/worker.ts,
 * which owns TF.js, the models, forecasts and training). Both sides import these types, so a
 * renamed field fails the typecheck on both. Frames travel as `Float32Array`s whose buffers are
 * transferred, not copied.
 */

/** Which model the training section trains. */
export type TrainTarget = 'page' | 'checkpoint';

/** Page → worker. */
export type PageMessage =
  | {
      readonly type: 'init';
      /** Absolute URLs: a worker resolves relative ones against its own script. */
      readonly digitsUrl: string;
      readonly checkpointUrl: string;
    }
  | { readonly type: 'forecast'; readonly spec: SequenceSpec }
  | {
      readonly type: 'train-start';
      readonly target: TrainTarget;
      readonly batchSize: number;
      readonly learningRate: number;
      /** Digits and speed of the training stream (its seed is derived from `data.seed`). */
      readonly data: SequenceSpec;
      /** Forecast the last requested sequence again every this many steps (0: never). */
      readonly forecastEvery: number;
    }
  | { readonly type: 'train-stop' }
  | { readonly type: 'export' };

/** What the worker says about a model it holds. */
export interface ModelInfo {
  readonly numParams: number;
  /** `'checkpoint'`: loaded from the checkpoint URL; `'page'`: built in the page (src/demo-config.ts). */
  readonly source: TrainTarget;
  readonly trainedSteps: number;
}

/** One forecast: `[T, H, W]` frames in [0, 1], and the per-frame MSE of the model and the baselines. */
export interface ForecastResult {
  readonly spec: SequenceSpec;
  readonly inputs: Float32Array;
  readonly forecast: Float32Array;
  readonly truth: Float32Array;
  readonly inputFrames: number;
  readonly outputFrames: number;
  readonly size: number;
  /** Per-frame MSE by series: `ConvLSTM` and the baselines. */
  readonly mse: Record<string, number[]>;
  /** Worker time of the forecast itself. */
  readonly ms: number;
  readonly model: ModelInfo;
}

/** Worker → page. */
export type WorkerMessage =
  | {
      readonly type: 'ready';
      readonly report: BrowserBackendReport;
      /** `describeBackend(report)`: the page's label. */
      readonly label: string;
      /** `tf.getBackend()` in the worker. */
      readonly backend: string;
      readonly checkpoint: 'loaded' | 'none';
      /** The model shown first: the checkpoint when there is one, else the page model. */
      readonly model: ModelInfo;
      /** Parameters of the page-sized model the training section builds. */
      readonly pageModelParams: number;
    }
  | ({ readonly type: 'forecast' } & ForecastResult)
  | {
      readonly type: 'train-step';
      readonly step: number;
      readonly loss: number;
      readonly ms: number;
      readonly model: ModelInfo;
    }
  | {
      readonly type: 'train-state';
      readonly state: 'started' | 'stopped' | 'failed';
      readonly target: TrainTarget;
      readonly model: ModelInfo;
      /** The training stream's data and batch size (for tests that replay the first batch). */
      readonly data: SequenceSpec;
      readonly batchSize: number;
      readonly error?: string;
    }
  | { readonly type: 'exported'; readonly files: Record<string, Uint8Array> }
  | { readonly type: 'error'; readonly message: string };

/** The buffers of a message to transfer rather than copy. */
export function transferables(message: WorkerMessage): ArrayBuffer[] {
  const buffers: ArrayBuffer[] = [];
  const add = (a: Uint8Array | Float32Array) => {
    if (a.buffer instanceof ArrayBuffer && !buffers.includes(a.buffer)) buffers.push(a.buffer);
  };
  if (message.type === 'forecast') for (const a of [message.inputs, message.forecast, message.truth]) add(a);
  if (message.type === 'exported') for (const a of Object.values(message.files)) add(a);
  return buffers;
}
