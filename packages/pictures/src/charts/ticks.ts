/**
 * "Nice" axis ticks (1, 2, 2.5, 5 × 10^k steps) covering `[min, max]`, about `target` of them.
 * Returns the extended range and the tick values.
 */
export function niceTicks(
  min: number,
  max: number,
  target = 5,
): { min: number; max: number; ticks: number[] } {
  if (!Number.isFinite(min) || !Number.isFinite(max)) return { min: 0, max: 1, ticks: [0, 0.5, 1] };
  if (max < min) [min, max] = [max, min];
  if (max === min) {
    const pad = min === 0 ? 1 : Math.abs(min) * 0.1;
    min -= pad;
    max += pad;
  }
  const raw = (max - min) / Math.max(1, target);
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = ([1, 2, 2.5, 5, 10].find((m) => m * magnitude >= raw) ?? 10) * magnitude;
  const lo = Math.floor(min / step + 1e-9) * step;
  const hi = Math.ceil(max / step - 1e-9) * step;
  const ticks: number[] = [];
  for (let v = lo; v <= hi + step * 1e-6; v += step) ticks.push(Math.abs(v) < step * 1e-9 ? 0 : v);
  return { min: lo, max: hi, ticks };
}

/** Formats a tick value with just enough digits for ticks `step` apart. */
export function formatTick(value: number, step: number): string {
  if (value === 0) return '0';
  const abs = Math.abs(value);
  if (abs >= 1e5 || abs < 1e-3) return value.toExponential(1).replace('e+', 'e');
  let decimals = 0;
  // The fewest decimals that still write the step exactly (0.25 needs 2, 0.2 needs 1).
  while (decimals < 8 && Math.abs(Number(step.toFixed(decimals)) - step) > Math.abs(step) * 1e-6) decimals++;
  return value.toFixed(decimals);
}
