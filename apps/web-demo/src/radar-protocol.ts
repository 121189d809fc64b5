import type { ForecastFrame } from '@convlstm/radar';

/** What the page asks the radar worker: the nowcasts of the data under `base` (an absolute folder URL). */
export interface RadarRequest {
  readonly base: string;
}

/** CSI at 1 mm/h per lead time of each method, on the page's one window. */
export interface RadarCsi {
  convlstm: number[];
  matched: number[];
  extrapolation: number[];
}

/**
 * What the radar worker sends the page once: one window's nowcasts and what is needed to draw
 * them. Every field array is `[Tout, H, W]` (rain rate in mm/h, or 1/0 masks).
 */
export interface RadarNowcasts {
  readonly type: 'nowcasts';
  readonly backend: string;
  readonly backendLabel: string;
  readonly event: string;
  readonly factor: number;
  readonly size: number;
  readonly frames: number;
  readonly frame: ForecastFrame;
  readonly inputFrames: number;
  readonly outputFrames: number;
  /** ISO time of the last input frame. */
  readonly issued: string;
  /** ISO time of each observed lead. */
  readonly observedTimes: string[];
  readonly observed: Float32Array;
  readonly observedValid: Uint8Array;
  readonly convlstm: Float32Array;
  /** Where the network's nowcast has a value (a Lagrangian one: not where the motion brings rain from outside). */
  readonly convlstmValid: Uint8Array;
  readonly matched: Float32Array;
  readonly extrapolation: Float32Array;
  readonly extrapolationValid: Uint8Array;
  readonly csi: RadarCsi;
}

/** The worker could not make the nowcasts. */
export interface RadarFailure {
  readonly type: 'error';
  readonly message: string;
}

export type RadarMessage = RadarNowcasts | RadarFailure;

/** The buffers a message can hand over instead of copying. */
export function radarTransferables(message: RadarMessage): ArrayBuffer[] {
  if (message.type !== 'nowcasts') return [];
  const buffers: ArrayBuffer[] = [];
  for (const a of [
    message.observed,
    message.observedValid,
    message.convlstm,
    message.convlstmValid,
    message.matched,
    message.extrapolation,
    message.extrapolationValid,
  ])
    if (a.buffer instanceof ArrayBuffer && !buffers.includes(a.buffer)) buffers.push(a.buffer);
  return buffers;
}
