// The radar page draws; the worker (radar-worker.ts) loads the frames and the model and makes the nowcasts.
import { type ForecastFrame, RAIN_COLORS, RAIN_LEVELS, rainColor, SAMPLE_ATTRIBUTION } from '@convlstm/radar';
import type { RadarCsi, RadarMessage, RadarRequest } from './radar-protocol.js';

/** What the page exposes to the end-to-end test. */
export interface RadarPageState {
  ready: boolean;
  backend: string;
  frames: number;
  size: number;
  /** The frame the model forecasts in (`lagrangian`: the L-ConvLSTM). */
  frame: ForecastFrame | '';
  /** CSI at 1 mm/h per lead time of each method on this one window. */
  csi: RadarCsi;
  error?: string;
}

declare global {
  interface Window {
    __radar?: RadarPageState;
  }
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

function start(): void {
  const state: RadarPageState = {
    ready: false,
    backend: '',
    frames: 0,
    size: 0,
    frame: '',
    csi: { convlstm: [], matched: [], extrapolation: [] },
  };
  window.__radar = state;
  $('attribution').textContent = SAMPLE_ATTRIBUTION;
  $('legend').innerHTML = legend();
  const worker = new Worker(new URL('./radar-worker.ts', import.meta.url), { type: 'module' });
  const fail = (message: string) => {
    state.error = message;
    $('status').textContent = `Error: ${message}`;
  };
  worker.addEventListener('error', (event) => fail(event.message || 'the worker failed to start'));
  worker.postMessage({ base: new URL('./radar/', document.baseURI).href } satisfies RadarRequest);
  worker.addEventListener('message', (event: MessageEvent<RadarMessage>) => {
    const m = event.data;
    if (m.type === 'error') {
      fail(m.message);
      return;
    }
    const { size, outputFrames } = m;
    const px = size * size;
    const name = m.frame === 'lagrangian' ? 'L-ConvLSTM' : 'ConvLSTM';
    Object.assign(state, { backend: m.backend, frames: m.frames, size, frame: m.frame, csi: m.csi });
    $('backend-label').textContent = `${m.backendLabel} · in a Web Worker`;
    $('convlstm-name').textContent = name;
    $('matched-name').textContent = `${name}, probability-matched`;
    $('status').textContent =
      `${m.event}: nowcasts issued ${m.issued.slice(0, 16).replace('T', ' ')} UTC from ${m.inputFrames} frames (${size} × ${size} pixels of ${m.factor} km)${m.frame === 'lagrangian' ? "; the L-ConvLSTM forecasts growth and decay in the frame moving with the rain, which the extrapolation's motion carries" : ''}.`;
    const fmt = (v: number[]) => v.map((c) => (Number.isFinite(c) ? c.toFixed(2) : '–')).join(' ');
    $('scores').textContent =
      `CSI at 1 mm/h on this window, +5 … +60 min — ${name}: ${fmt(m.csi.convlstm)}; probability-matched: ${fmt(m.csi.matched)}; extrapolation: ${fmt(m.csi.extrapolation)}`;
    let lead = 0;
    const show = () => {
      const at = <T extends Float32Array | Uint8Array>(a: T): T =>
        a.subarray(lead * px, (lead + 1) * px) as T;
      const valid = at(m.observedValid);
      // The network's panels: no value where it has none (rain the motion brings from outside), as extrapolation's.
      const own = at(m.convlstmValid);
      const network = valid.map((v, i) => v & (own[i] as number));
      drawRain($('observed'), at(m.observed), valid, size);
      drawRain($('convlstm'), at(m.convlstm), network, size);
      drawRain($('matched'), at(m.matched), network, size);
      drawRain($('extrapolation'), at(m.extrapolation), at(m.extrapolationValid), size);
      const label = `+${5 * (lead + 1)} min`;
      $('observed-t').textContent = (m.observedTimes[lead] ?? '').slice(11, 16);
      $('convlstm-t').textContent = label;
      $('matched-t').textContent = label;
      $('extrapolation-t').textContent = label;
      lead = (lead + 1) % outputFrames;
    };
    show();
    setInterval(show, 500);
    state.ready = true;
  });
}

start();
