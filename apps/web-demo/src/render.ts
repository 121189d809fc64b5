/** Draws frame `t` of `[T, size, size]` values in [0, 1] on `canvas`, scaled up without smoothing. */
export function drawFrame(canvas: HTMLCanvasElement, frames: Float32Array, t: number, size: number): void {
  const ctx = canvas.getContext('2d');
  if (ctx === null) return;
  const image = ctx.createImageData(size, size);
  const offset = t * size * size;
  for (let p = 0; p < size * size; p++) {
    const v = Math.round(Math.min(1, Math.max(0, frames[offset + p] as number)) * 255);
    image.data[4 * p] = v;
    image.data[4 * p + 1] = v;
    image.data[4 * p + 2] = v;
    image.data[4 * p + 3] = 255;
  }
  const scratch = new OffscreenCanvas(size, size);
  scratch.getContext('2d')?.putImageData(image, 0, 0);
  ctx.imageSmoothingEnabled = false;
  ctx.drawImage(scratch, 0, 0, canvas.width, canvas.height);
}

/**
 * Draws all `frames` frames side by side at 1:1 scale, so the canvas pixels are exactly
 * `round(255·value)` (the end-to-end test reads them back).
 */
export function drawStrip(
  canvas: HTMLCanvasElement,
  frames: Float32Array,
  count: number,
  size: number,
): void {
  canvas.width = count * size;
  canvas.height = size;
  const ctx = canvas.getContext('2d');
  if (ctx === null) return;
  const image = ctx.createImageData(count * size, size);
  for (let t = 0; t < count; t++) {
    for (let y = 0; y < size; y++) {
      for (let x = 0; x < size; x++) {
        const v = Math.round(Math.min(1, Math.max(0, frames[(t * size + y) * size + x] as number)) * 255);
        const q = 4 * (y * count * size + t * size + x);
        image.data[q] = v;
        image.data[q + 1] = v;
        image.data[q + 2] = v;
        image.data[q + 3] = 255;
      }
    }
  }
  ctx.putImageData(image, 0, 0);
}
