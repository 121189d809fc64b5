import { ConvLSTMArgumentError } from '@convlstm/tensor';

/**
 * Probability matching (nonparametric empirical-CDF matching, as pysteps' `probmatching` does for
 * its nowcasts): every valid pixel of `forecast` `[H, W]` takes the value of `reference` `[H, W]`
 * at the same quantile, so the result keeps the forecast's spatial ranking (where it puts the
 * most rain) and takes the reference's distribution of intensities. A model trained on a
 * per-pixel loss hedges by smoothing: its rain cores come out too weak to pass 1 mm/h, and this
 * restores them. When both masks have the same count, the result is a permutation of the
 * reference's valid values; otherwise quantiles are taken by rank, `(r + ½)/n`.
 *
 * @param forecast `[H, W]` values (any unit; only their order matters).
 * @param forecastValid `[H, W]`, 1 where the forecast is defined; invalid pixels come out 0.
 * @param reference `[H, W]` values whose distribution is wanted (e.g. the last observed frame).
 * @param referenceValid `[H, W]`, 1 where the reference is defined; at least one pixel.
 * @returns A new `[H, W]` array.
 */
export function matchEmpiricalCdf(
  forecast: Float32Array,
  forecastValid: Uint8Array,
  reference: Float32Array,
  referenceValid: Uint8Array,
): Float32Array {
  const px = forecast.length;
  for (const [name, a] of [
    ['forecastValid', forecastValid],
    ['reference', reference],
    ['referenceValid', referenceValid],
  ] as const) {
    if (a.length !== px)
      throw new ConvLSTMArgumentError(name, `${px} values (as many as forecast)`, `${a.length} values`);
  }
  const ref: number[] = [];
  for (let i = 0; i < px; i++) if (referenceValid[i] === 1) ref.push(reference[i] as number);
  if (ref.length === 0) throw new ConvLSTMArgumentError('referenceValid', 'at least one valid pixel', 'none');
  ref.sort((a, b) => a - b);
  const order: number[] = [];
  for (let i = 0; i < px; i++) if (forecastValid[i] === 1) order.push(i);
  // Ties keep pixel order (a stable sort), so the result does not depend on the engine.
  order.sort((a, b) => (forecast[a] as number) - (forecast[b] as number));
  const out = new Float32Array(px);
  const n = order.length;
  const m = ref.length;
  for (const [rank, i] of order.entries()) {
    const q = n === m ? rank : Math.min(m - 1, Math.floor(((rank + 0.5) * m) / n));
    out[i] = ref[q] as number;
  }
  return out;
}

/**
 * {@link matchEmpiricalCdf} for every lead time of a nowcast `[T, H, W]` against one reference
 * frame `[H, W]` (e.g. the last observation): each frame keeps its ranking and takes the
 * reference's distribution, on the reference's valid pixels.
 */
export function matchNowcast(
  nowcast: Float32Array,
  reference: Float32Array,
  referenceValid: Uint8Array,
  steps: number,
): Float32Array {
  const px = reference.length;
  if (nowcast.length !== steps * px)
    throw new ConvLSTMArgumentError(
      'nowcast',
      `${steps * px} values [${steps}, H, W]`,
      `${nowcast.length} values`,
    );
  const out = new Float32Array(steps * px);
  for (let t = 0; t < steps; t++)
    out.set(
      matchEmpiricalCdf(nowcast.subarray(t * px, (t + 1) * px), referenceValid, reference, referenceValid),
      t * px,
    );
  return out;
}
