// The radar page's compute side: TF.js, the model and the nowcasts run here, off the page's main
// thread; the page only draws what this worker sends.
import {
  aggregateFrame,
  extrapolationNowcast,
  FORECAST_FRAMES,
  type ForecastFrame,
  matchNowcast,
  NowcastVerifier,
  parseFmiPgm,
  type RadarFrame,
  radarNetworkNowcast,
} from '@convlstm/radar';
import { tensor5d } from '@tensorflow/tfjs-core';
import { describeBackend, pickBackend } from './backend.js';
import { fetchCheckpoint } from './fetch-checkpoint.js';
import { type RadarMessage, type RadarRequest, radarTransferables } from './radar-protocol.js';

/** `public/radar/manifest.json`, written by radar-nowcast's `scripts/export-web-demo.mjs`. */
interface Manifest {
  event: string;
  factor: number;
  frames: string[];
  inputFrames: number;
  outputFrames: number;
  /** The frame the model forecasts in; absent in manifests of Eulerian runs written before it. */
  frame?: ForecastFrame;
}

interface WorkerScope {
  postMessage(message: RadarMessage, transfer: Transferable[]): void;
  addEventListener(type: 'message', listener: (event: MessageEvent<RadarRequest>) => void): void;
}
const scope = self as unknown as WorkerScope;

async function loadFrames(base: string, manifest: Manifest): Promise<RadarFrame[]> {
  const frames: RadarFrame[] = [];
  for (const name of manifest.frames) {
    const response = await fetch(new URL(name, base));
    if (!response.ok) throw new Error(`radar/${name}: HTTP ${response.status}`);
    // The browser-safe reader: the same code the CLI uses, on bytes.
    frames.push(
      aggregateFrame(parseFmiPgm(new Uint8Array(await response.arrayBuffer()), name), manifest.factor),
    );
  }
  return frames;
}

async function nowcasts(base: string): Promise<RadarMessage> {
  const report = await pickBackend();
  const response = await fetch(new URL('manifest.json', base));
  if (!response.ok) throw new Error(`radar/manifest.json: HTTP ${response.status}`);
  const manifest = (await response.json()) as Manifest;
  const frame = manifest.frame ?? 'eulerian';
  if (!FORECAST_FRAMES.includes(frame))
    throw new Error(
      `radar/manifest.json: frame ${JSON.stringify(frame)} is not one of ${FORECAST_FRAMES.join(', ')}`,
    );
  const frames = await loadFrames(base, manifest);
  const model = await fetchCheckpoint(new URL('checkpoint/', base).href);
  if (model === null) throw new Error('radar/checkpoint/: no checkpoint');
  const first = frames[0] as RadarFrame;
  const size = first.width;
  const px = size * size;
  const { inputFrames, outputFrames } = manifest;
  const inputs = frames.slice(0, inputFrames);
  const observed = frames.slice(inputFrames, inputFrames + outputFrames);
  const last3 = inputs.slice(-3);
  const extra = extrapolationNowcast(
    last3.map((f) => f.rainRate),
    last3.map((f) => f.valid),
    size,
    size,
    outputFrames,
  );
  let network: { rainRate: Float32Array; valid: Uint8Array };
  try {
    // The CLI's code path: the network's outputs turned into rain in the frame it was trained in,
    // along the motion the extrapolation nowcast already estimated.
    const logits = async (unit: Float32Array) => {
      const x = tensor5d(unit, [1, inputFrames, size, size, 1]);
      try {
        const y = model.predictLogits(x, outputFrames);
        try {
          return (await y.data()) as Float32Array;
        } finally {
          y.dispose();
        }
      } finally {
        x.dispose();
      }
    };
    network = await radarNetworkNowcast(frame, inputs, logits, { motion: extra.motion });
  } finally {
    model.dispose();
  }
  const convlstm = network.rainRate;
  // Probability matching to the last observation, as radar-nowcast's "convlstm-matched".
  const last = inputs[inputs.length - 1] as RadarFrame;
  const matched = matchNowcast(convlstm, last.rainRate, last.valid, outputFrames);
  const truth = new Float32Array(outputFrames * px);
  const mask = new Uint8Array(outputFrames * px);
  for (const [t, f] of observed.entries()) {
    truth.set(f.rainRate, t * px);
    mask.set(f.valid, t * px);
  }
  // Scores of this one window, on the observation's valid pixels.
  const csiOf = (forecast: Float32Array) => {
    const v = new NowcastVerifier(outputFrames, size, size, { thresholds: [1], fssScales: [1] });
    v.add(forecast, truth, mask);
    return v.result().map((s) => s.categorical[0]?.csi ?? Number.NaN);
  };
  return {
    type: 'nowcasts',
    backend: report.backend,
    backendLabel: describeBackend(report),
    event: manifest.event,
    factor: manifest.factor,
    size,
    frames: frames.length,
    frame,
    inputFrames,
    outputFrames,
    issued: last.time.toISOString(),
    observedTimes: observed.map((f) => f.time.toISOString()),
    observed: truth,
    observedValid: mask,
    convlstm,
    convlstmValid: network.valid,
    matched,
    extrapolation: extra.rainRate,
    extrapolationValid: extra.valid,
    csi: { convlstm: csiOf(convlstm), matched: csiOf(matched), extrapolation: csiOf(extra.rainRate) },
  };
}

// The page says where its radar folder is: a worker's relative URLs resolve against the worker's script.
scope.addEventListener('message', (event) => {
  nowcasts(event.data.base).then(
    (message) => scope.postMessage(message, radarTransferables(message)),
    (error: unknown) =>
      scope.postMessage(
        { type: 'error', message: error instanceof Error ? error.message : String(error) },
        [],
      ),
  );
});
