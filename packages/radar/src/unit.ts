/**
 * The dBR range mapped to the unit interval for learning: −10 dBR (0.1 mm/h) → 0, 20 dBR
 * (100 mm/h) → 1. Log scaling keeps light rain visible next to convective cores, as the
 * ConvLSTM's sigmoid output needs values in [0, 1].
 */
export const UNIT_DBR_RANGE: readonly [number, number] = [-10, 20];

/** Rain rate (mm/h) → [0, 1]: `(10·log10 R + 10) / 30`, clamped; below 0.1 mm/h → 0. */
export function rainToUnit(rates: Float32Array): Float32Array {
  const [lo, hi] = UNIT_DBR_RANGE;
  const out = new Float32Array(rates.length);
  for (let i = 0; i < rates.length; i++) {
    const r = rates[i] as number;
    out[i] = r < 0.1 ? 0 : Math.min(1, Math.max(0, (10 * Math.log10(r) - lo) / (hi - lo)));
  }
  return out;
}

/**
 * [0, 1] → rain rate (mm/h), the inverse of {@link rainToUnit}; values below half a dB above the
 * floor (a model's "no rain") become 0.
 */
export function unitToRain(values: Float32Array): Float32Array {
  const [lo, hi] = UNIT_DBR_RANGE;
  const floor = 0.5 / (hi - lo);
  const out = new Float32Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number;
    out[i] = v < floor ? 0 : 10 ** ((lo + v * (hi - lo)) / 10);
  }
  return out;
}
