// Summed-area tables: box sums of any window in O(1), for the flow's windows and FSS' fractions.

/** Summed-area table of a `[H, W]` grid: `(H+1) × (W+1)`, zero first row and column. */
export function integral(values: ArrayLike<number>, width: number, height: number): Float64Array {
  const out = new Float64Array((height + 1) * (width + 1));
  for (let y = 0; y < height; y++) {
    let row = 0;
    for (let x = 0; x < width; x++) {
      row += values[y * width + x] as number;
      out[(y + 1) * (width + 1) + x + 1] = (out[y * (width + 1) + x + 1] as number) + row;
    }
  }
  return out;
}

/** The sum over columns `[x0, x1)` and rows `[y0, y1)` from a table of {@link integral}. */
export function boxSum(
  table: Float64Array,
  width: number,
  x0: number,
  y0: number,
  x1: number,
  y1: number,
): number {
  const w = width + 1;
  return (
    (table[y1 * w + x1] as number) -
    (table[y0 * w + x1] as number) -
    (table[y1 * w + x0] as number) +
    (table[y0 * w + x0] as number)
  );
}
