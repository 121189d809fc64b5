import { encodeRgbPng, type Rgb, type RgbCanvas } from '@convlstm/pictures';
import { extrapolationNowcast, type ForecastFrame, matchNowcast, type RadarEvent } from '@convlstm/radar';
import type { EncoderForecaster } from '@convlstm/train';
import { GifWriter } from 'omggif';
import { NO_DATA, NO_RAIN, type Panel, RAIN_COLORS, renderPanels } from './render.js';
import { networkNowcast } from './verification.js';

/** Every lead time's observation | ConvLSTM | ConvLSTM probability-matched | extrapolation panels, from the window starting at `start`. */
export async function nowcastPanels(
  model: EncoderForecaster,
  frame: ForecastFrame,
  event: RadarEvent,
  start: number,
): Promise<{ rows: Panel[][]; issued: Date; width: number; height: number }> {
  const { inputFrames, outputFrames } = model.config;
  const frames = event.frames.slice(start, start + inputFrames + outputFrames);
  const first = frames[0];
  if (!first || frames.length < inputFrames)
    throw new Error(`${event.name}: no ${inputFrames} input frames from index ${start}`);
  const { width, height } = first;
  const px = width * height;
  const issued = (frames[inputFrames - 1] ?? first).time;
  // Only the inputs are needed: missing future frames are allowed.
  const inputs = frames.slice(inputFrames - 3, inputFrames);
  const extra = extrapolationNowcast(
    inputs.map((f) => f.rainRate),
    inputs.map((f) => f.valid),
    width,
    height,
    outputFrames,
  );
  const network = await networkNowcast(model, frame, frames.slice(0, inputFrames), extra.motion);
  const predicted = network.rainRate;
  const last = inputs[inputs.length - 1] ?? first;
  const matched = matchNowcast(predicted, last.rainRate, last.valid, outputFrames);
  const clock = (d: Date) => d.toISOString().slice(11, 16);
  const rows = Array.from({ length: outputFrames }, (_, k) => {
    const lead = k + 1;
    const obs = frames[inputFrames + k];
    const at = <T extends Float32Array | Uint8Array>(a: T): T => a.subarray(k * px, (k + 1) * px) as T;
    // The network's panels show no value where it has none (rain the motion brings from outside
    // the grid), as extrapolation's do; the observation's no-data pixels stay no-data.
    const observedValid = obs?.valid ?? last.valid;
    const networkValid = at(network.valid);
    const valid = observedValid.map((v, i) => v & (networkValid[i] as number));
    const time = new Date(issued.getTime() + lead * 300_000);
    return [
      obs
        ? { rain: obs.rainRate, valid: obs.valid, caption: `observed ${clock(obs.time)}` }
        : { rain: new Float32Array(px), valid: new Uint8Array(px), caption: `no observation ${clock(time)}` },
      {
        rain: at(predicted),
        valid,
        caption: `${frame === 'lagrangian' ? 'L-ConvLSTM' : 'ConvLSTM'} +${5 * lead} min`,
      },
      { rain: at(matched), valid, caption: `matched +${5 * lead} min` },
      { rain: at(extra.rainRate), valid: at(extra.valid), caption: `extrapolation +${5 * lead} min` },
    ];
  });
  return { rows, issued, width, height };
}

function title(event: RadarEvent, issued: Date): string {
  return `${event.name}: nowcasts issued ${issued.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/** PNG of the +15, +30 and +60 min rows. */
export async function nowcastPng(
  model: EncoderForecaster,
  frame: ForecastFrame,
  event: RadarEvent,
  start: number,
): Promise<Uint8Array> {
  const { rows, issued, width, height } = await nowcastPanels(model, frame, event, start);
  const leads = [3, 6, 12].filter((l) => l <= rows.length);
  const picked = (leads.length > 0 ? leads : [rows.length]).map((l) => rows[l - 1] as Panel[]);
  return encodeRgbPng(renderPanels(picked, width, height, { title: title(event, issued), zoom: 3 }));
}

/** Every colour the panels are drawn with, as a GIF palette (padded to a power of two). */
function palette(): Rgb[] {
  const colors: Rgb[] = [[255, 255, 255], [30, 30, 30], NO_DATA, NO_RAIN, ...RAIN_COLORS];
  while ((colors.length & (colors.length - 1)) !== 0) colors.push([0, 0, 0]);
  return colors;
}

function toIndexed(canvas: RgbCanvas, colors: readonly Rgb[]): number[] {
  const lookup = new Map(colors.map((c, i) => [(c[0] << 16) | (c[1] << 8) | c[2], i]));
  const out = new Array<number>(canvas.width * canvas.height);
  for (let i = 0; i < out.length; i++) {
    const key =
      ((canvas.data[3 * i] as number) << 16) |
      ((canvas.data[3 * i + 1] as number) << 8) |
      (canvas.data[3 * i + 2] as number);
    out[i] = lookup.get(key) ?? 1;
  }
  return out;
}

/** Animated GIF: one frame per lead time, observation | ConvLSTM | matched | extrapolation side by side. */
export async function nowcastGif(
  model: EncoderForecaster,
  frame: ForecastFrame,
  event: RadarEvent,
  start: number,
): Promise<Uint8Array> {
  const { rows, issued, width, height } = await nowcastPanels(model, frame, event, start);
  const colors = palette();
  const canvases = rows.map((row) =>
    renderPanels([row], width, height, { title: title(event, issued), zoom: 3 }),
  );
  const first = canvases[0] as RgbCanvas;
  const buffer = new Uint8Array(first.width * first.height * canvases.length * 2 + 4096);
  const writer = new GifWriter(buffer, first.width, first.height, {
    palette: colors.map((c) => (c[0] << 16) | (c[1] << 8) | c[2]),
    loop: 0,
  });
  for (const canvas of canvases)
    writer.addFrame(0, 0, canvas.width, canvas.height, toIndexed(canvas, colors), { delay: 60 });
  return buffer.slice(0, writer.end());
}
