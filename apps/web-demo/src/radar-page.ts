import {
  aggregateFrame,
  extrapolationNowcast,
  matchNowcast,
  NowcastVerifier,
  parseFmiPgm,
  RAIN_COLORS,
  RAIN_LEVELS,
  type RadarFrame,
  rainColor,
  rainToUnit,
  SAMPLE_ATTRIBUTION,
  unitToRain,
} from '@convlstm/radar';
import { tensor5d } from '@tensorflow/tfjs-core';
import { describeBackend, pickBackend } from './backend.js';
import { fetchCheckpoint } from './fetch-checkpoint.js';

/** What the page exposes to the end-to-end test. */
export interface RadarPageState {
  ready: boolean;
  backend: string;
  frames: number;
  size: number;
  /** CSI at 1 mm/h per lead time of each method on this one window. */
  csi: { convlstm: number[]; matched: number[]; extrapolation: number[] };
  error?: string;
}

declare global {
  interface Window {
    __radar?: RadarPageState;
  }
}

interface Manifest {
  event: string;
  factor: number;
  frames: string[];
  inputFrames: number;
  outputFrames: number;
}

const $ = <T extends HTMLElement>(id: string): T => {
  const el = document.getElementById(id);
  if (el === null) throw new Error(`#${id} is missing from radar.html`);
  return el as T;
};

/** Draws a rain field `[size, size]` with the project's logarithmic colour scale. */
function drawRain(canvas: HTMLCanvasElement, rain: Float32Array, valid: Uint8Array, size: number): void {
  const ctx = canvas.getContext('2d');
  if (!ctx) return;
  const image = ctx.createImageData(size, size);
  for (let i = 0; i < size * size; i++) {
    const [r, g, b] = rainColor(rain[i] as number, valid[i] === 1);
    image.data.set([r, g, b, 255], 4 * i);
  }
  // Draw at the field's size, then scale up without smoothing.
  const tmp = document.createElement('canvas');
  tmp.width = size;
  tmp.height = size;
  tmp.getContext('2d')?.putImageData(image, 0, 0);
  ctx.imageSmoothingEnabled = false;
  ctx.drawImage(tmp, 0, 0, canvas.width, canvas.height);
}

function legend(): string {
  return `rain rate (mm/h): ${RAIN_LEVELS.map(
    (level, k) =>
      `<span style="display:inline-block;width:1.2em;height:0.9em;background:rgb(${(RAIN_COLORS[k] ?? [0, 0, 0]).join(',')})"></span> ${level}`,
  ).join(' ')} · grey: no data`;
}

async function loadFrames(manifest: Manifest): Promise<RadarFrame[]> {
  const frames: RadarFrame[] = [];
  for (const name of manifest.frames) {
    const response = await fetch(`./radar/${name}`);
    if (!response.ok) throw new Error(`radar/${name}: HTTP ${response.status}`);
    // The browser-safe reader: the same code the CLI uses, on bytes.
    frames.push(
      aggregateFrame(parseFmiPgm(new Uint8Array(await response.arrayBuffer()), name), manifest.factor),
    );
  }
  return frames;
}

async function start(): Promise<void> {
  const state: RadarPageState = {
    ready: false,
    backend: '',
    frames: 0,
    size: 0,
    csi: { convlstm: [], matched: [], extrapolation: [] },
  };
  window.__radar = state;
  $('attribution').textContent = SAMPLE_ATTRIBUTION;
  $('legend').innerHTML = legend();
  try {
    const report = await pickBackend();
    state.backend = report.backend;
    $('backend-label').textContent = describeBackend(report);
    const manifest = (await (await fetch('./radar/manifest.json')).json()) as Manifest;
    const frames = await loadFrames(manifest);
    const model = await fetchCheckpoint('./radar/checkpoint/');
    if (model === null) throw new Error('radar/checkpoint/: no checkpoint');
    const first = frames[0] as RadarFrame;
    const size = first.width;
    const px = size * size;
    const { inputFrames, outputFrames } = manifest;
    const inputs = frames.slice(0, inputFrames);
    const observed = frames.slice(inputFrames, inputFrames + outputFrames);
    const unit = new Float32Array(inputFrames * px);
    for (const [t, f] of inputs.entries()) unit.set(rainToUnit(f.rainRate), t * px);
    const x = tensor5d(unit, [1, inputFrames, size, size, 1]);
    const y = model.predict(x, outputFrames);
    const predicted = unitToRain((await y.data()) as Float32Array);
    x.dispose();
    y.dispose();
    model.dispose();
    // Probability matching to the last observation, as radar-nowcast's "convlstm-matched".
    const lastObs = inputs[inputs.length - 1] as RadarFrame;
    const matched = matchNowcast(predicted, lastObs.rainRate, lastObs.valid, outputFrames);
    const last3 = inputs.slice(-3);
    const extra = extrapolationNowcast(
      last3.map((f) => f.rainRate),
      last3.map((f) => f.valid),
      size,
      size,
      outputFrames,
    );
    // Scores of this one window, on the observation's valid pixels.
    const truth = new Float32Array(outputFrames * px);
    const mask = new Uint8Array(outputFrames * px);
    for (const [t, f] of observed.entries()) {
      truth.set(f.rainRate, t * px);
      mask.set(f.valid, t * px);
    }
    const csiOf = (forecast: Float32Array) => {
      const v = new NowcastVerifier(outputFrames, size, size, { thresholds: [1], fssScales: [1] });
      v.add(forecast, truth, mask);
      return v.result().map((s) => s.categorical[0]?.csi ?? Number.NaN);
    };
    state.csi = {
      convlstm: csiOf(predicted),
      matched: csiOf(matched),
      extrapolation: csiOf(extra.rainRate),
    };
    state.frames = frames.length;
    state.size = size;
    const issued = (inputs[inputs.length - 1] as RadarFrame).time;
    $('status').textContent =
      `${manifest.event}: nowcasts issued ${issued.toISOString().slice(0, 16).replace('T', ' ')} UTC from ${inputFrames} frames (${size} × ${size} pixels of ${manifest.factor} km).`;
    const fmt = (v: number[]) => v.map((c) => (Number.isFinite(c) ? c.toFixed(2) : '–')).join(' ');
    $('scores').textContent =
      `CSI at 1 mm/h on this window, +5 … +60 min — ConvLSTM: ${fmt(state.csi.convlstm)}; probability-matched: ${fmt(state.csi.matched)}; extrapolation: ${fmt(state.csi.extrapolation)}`;
    let lead = 0;
    const show = () => {
      const obs = observed[lead];
      const at = <T extends Float32Array | Uint8Array>(a: T): T =>
        a.subarray(lead * px, (lead + 1) * px) as T;
      if (obs) drawRain($('observed'), obs.rainRate, obs.valid, size);
      drawRain($('convlstm'), at(predicted), obs?.valid ?? first.valid, size);
      drawRain($('matched'), at(matched), obs?.valid ?? first.valid, size);
      drawRain($('extrapolation'), at(extra.rainRate), at(extra.valid), size);
      const label = `+${5 * (lead + 1)} min`;
      $('observed-t').textContent = obs ? obs.time.toISOString().slice(11, 16) : '';
      $('convlstm-t').textContent = label;
      $('matched-t').textContent = label;
      $('extrapolation-t').textContent = label;
      lead = (lead + 1) % outputFrames;
    };
    show();
    setInterval(show, 500);
    state.ready = true;
  } catch (error) {
    state.error = error instanceof Error ? error.message : String(error);
    $('status').textContent = `Error: ${state.error}`;
  }
}

void start();
