import { createConvLSTM, describeStack, readTfjs } from '@convlstm/interop';
import { getBackend, type Tensor5D, tensor5d, tidy } from '@tensorflow/tfjs-core';
import { describeBackend, pickBackend } from './backend.js';

/** What the page exposes to the end-to-end test. */
export interface ConvertedState {
  /** `getBackend()` when the model ran. */
  backend: string;
  /** How the backend was chosen (adapter, fallbacks). */
  backendReport: string;
  layers: string[];
  /** The last layer's output sequence `[N, T, H, W, C]`, flattened. */
  output: number[];
  outputShape: number[];
  error?: string;
}

declare global {
  interface Window {
    __converted?: ConvertedState;
  }
}

async function fetchOk(url: string): Promise<Response> {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
  return response;
}

async function main(): Promise<ConvertedState> {
  const query = new URLSearchParams(location.search);
  const modelUrl = new URL(query.get('model') ?? './converted/model.json', location.href);
  const inputUrl = new URL(query.get('input') ?? './converted/input.json', location.href);
  const report = await pickBackend();
  const modelJson = (await (await fetchOk(modelUrl.href)).json()) as {
    weightsManifest?: { paths?: string[] }[];
  };
  const weightsPath = modelJson.weightsManifest?.[0]?.paths?.[0];
  if (weightsPath === undefined) throw new Error(`${modelUrl.href}: no weightsManifest[0].paths[0]`);
  const weights = new Uint8Array(await (await fetchOk(new URL(weightsPath, modelUrl).href)).arrayBuffer());
  const stack = readTfjs(modelJson, weights, modelUrl.pathname);
  const input = (await (await fetchOk(inputUrl.href)).json()) as { shape: number[]; data: number[] };
  const model = createConvLSTM(stack);
  try {
    const out = tidy(
      () =>
        model.forward(
          tensor5d(input.data, input.shape as [number, number, number, number, number]) as Tensor5D,
        ).output,
    );
    const output = Array.from(await out.data());
    const outputShape = out.shape;
    out.dispose();
    return {
      backend: getBackend(),
      backendReport: describeBackend(report),
      layers: describeStack(stack),
      output,
      outputShape,
    };
  } finally {
    model.dispose();
  }
}

const status = document.getElementById('converted-status') as HTMLElement;
const pre = document.getElementById('converted-report') as HTMLElement;
main().then(
  (state) => {
    status.textContent = `Ran on ${state.backendReport}: output [${state.outputShape.join(', ')}].`;
    pre.textContent = state.layers.join('\n');
    window.__converted = state;
  },
  (error: unknown) => {
    const message = error instanceof Error ? error.message : String(error);
    status.textContent = `Error: ${message}`;
    window.__converted = {
      backend: getBackend() ?? 'none',
      backendReport: '',
      layers: [],
      output: [],
      outputShape: [],
      error: message,
    };
  },
);
