import { assertInt, ConvLSTMArgumentError, describeValue } from '@convlstm/tensor';
import { boxSum, integral } from './summed-area.js';

/** A dense motion field `[H, W]` in pixels per time step: `u` along columns (x), `v` along rows (y). */
export interface MotionField {
  readonly width: number;
  readonly height: number;
  readonly u: Float32Array;
  readonly v: Float32Array;
}

/** Options of {@link lucasKanade}. */
export interface LucasKanadeOptions {
  /** Half-side of the square window of the local least-squares fit, pixels; default 7. */
  readonly windowRadius?: number;
  /** Pyramid levels (each halves the grid); default 4, fewer when the grid is small. */
  readonly levels?: number;
  /** Refinement iterations per level; default 5. */
  readonly iterations?: number;
  /**
   * A local fit is trusted when the smaller eigenvalue of its structure tensor, per window pixel,
   * exceeds this (squared field units per pixel²); default 1e-3.
   */
  readonly minEigenvalue?: number;
  /**
   * Radius (pixels) of the confidence-weighted smoothing that spreads motion from textured areas
   * (rain edges) into flat ones (dry areas), so rain can be advected into them; default 16.
   */
  readonly smoothingRadius?: number;
}

/** Box sums of radius `r` (windows clipped at the edges) of a `[H, W]` grid. */
function boxFilter(values: ArrayLike<number>, width: number, height: number, r: number): Float64Array {
  const table = integral(values, width, height);
  const out = new Float64Array(width * height);
  for (let y = 0; y < height; y++) {
    const y0 = Math.max(0, y - r);
    const y1 = Math.min(height, y + r + 1);
    for (let x = 0; x < width; x++) {
      const x0 = Math.max(0, x - r);
      const x1 = Math.min(width, x + r + 1);
      out[y * width + x] = boxSum(table, width, x0, y0, x1, y1);
    }
  }
  return out;
}

/**
 * Bilinear sample of a `[H, W]` grid at `(x, y)`, with coordinates clamped to the grid (the edge
 * value continues outward).
 */
export function sampleBilinear(
  grid: ArrayLike<number>,
  width: number,
  height: number,
  x: number,
  y: number,
): number {
  const cx = Math.min(Math.max(x, 0), width - 1);
  const cy = Math.min(Math.max(y, 0), height - 1);
  const x0 = Math.min(Math.floor(cx), Math.max(width - 2, 0));
  const y0 = Math.min(Math.floor(cy), Math.max(height - 2, 0));
  const fx = width === 1 ? 0 : cx - x0;
  const fy = height === 1 ? 0 : cy - y0;
  const x1 = Math.min(x0 + 1, width - 1);
  const y1 = Math.min(y0 + 1, height - 1);
  const a = grid[y0 * width + x0] as number;
  const b = grid[y0 * width + x1] as number;
  const c = grid[y1 * width + x0] as number;
  const d = grid[y1 * width + x1] as number;
  return (a * (1 - fx) + b * fx) * (1 - fy) + (c * (1 - fx) + d * fx) * fy;
}

interface Level {
  width: number;
  height: number;
  prev: Float32Array;
  next: Float32Array;
  mask: Float32Array;
}

/** Halves a grid by 2 × 2 means of a [1 2 1]-smoothed copy (the usual Gaussian pyramid step). */
function halve(grid: Float32Array, width: number, height: number): Float32Array {
  const w = Math.floor(width / 2);
  const h = Math.floor(height / 2);
  const out = new Float32Array(w * h);
  const at = (x: number, y: number) =>
    grid[Math.min(Math.max(y, 0), height - 1) * width + Math.min(Math.max(x, 0), width - 1)] as number;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      // A 4 × 4 binomial kernel (1 3 3 1)² / 64 centred between the 2 × 2 source pixels.
      let s = 0;
      for (let j = -1; j <= 2; j++) {
        const wy = j === -1 || j === 2 ? 1 : 3;
        for (let i = -1; i <= 2; i++) {
          const wx = i === -1 || i === 2 ? 1 : 3;
          s += wx * wy * at(2 * x + i, 2 * y + j);
        }
      }
      out[y * w + x] = s / 64;
    }
  }
  return out;
}

/**
 * Dense optical flow by pyramidal Lucas–Kanade: at each pixel, the displacement `d` for which
 * `next(x + d) ≈ prev(x)` in a least-squares sense over a square window, refined coarse to fine
 * with warping. Where a window lacks texture (e.g. no rain) the coarser level's estimate is kept,
 * and a final confidence-weighted smoothing spreads motion into flat areas. Pixels where `valid`
 * is 0 never enter a fit. Both fields are `[H, W]`; use a log transform (dBR) of rain rate.
 */
export function lucasKanade(
  prev: Float32Array,
  next: Float32Array,
  width: number,
  height: number,
  valid?: Uint8Array,
  options: LucasKanadeOptions = {},
): MotionField {
  assertInt(width, 'width', 2);
  assertInt(height, 'height', 2);
  const px = width * height;
  if (prev.length !== px)
    throw new ConvLSTMArgumentError('prev', `${px} values [${height}, ${width}]`, `${prev.length} values`);
  if (next.length !== px)
    throw new ConvLSTMArgumentError('next', `${px} values [${height}, ${width}]`, `${next.length} values`);
  if (valid && valid.length !== px)
    throw new ConvLSTMArgumentError('valid', `${px} values [${height}, ${width}]`, `${valid.length} values`);
  const radius = options.windowRadius ?? 7;
  const iterations = options.iterations ?? 5;
  const minEig = options.minEigenvalue ?? 1e-3;
  const smoothing = options.smoothingRadius ?? 16;
  assertInt(radius, 'windowRadius', 1);
  assertInt(iterations, 'iterations', 1);
  assertInt(smoothing, 'smoothingRadius', 0);
  if (!(minEig > 0)) throw new ConvLSTMArgumentError('minEigenvalue', 'a number > 0', describeValue(minEig));
  const maxLevels = options.levels ?? 4;
  assertInt(maxLevels, 'levels', 1);

  const levels: Level[] = [
    { width, height, prev, next, mask: Float32Array.from(valid ?? new Uint8Array(px).fill(1)) },
  ];
  while (levels.length < maxLevels) {
    const top = levels[levels.length - 1] as Level;
    if (Math.min(top.width, top.height) / 2 < 2 * radius + 1) break;
    levels.push({
      width: Math.floor(top.width / 2),
      height: Math.floor(top.height / 2),
      prev: halve(top.prev, top.width, top.height),
      next: halve(top.next, top.width, top.height),
      // A coarse pixel is trusted only when its whole neighbourhood was.
      mask: halve(top.mask, top.width, top.height).map((m) => (m > 0.999 ? 1 : 0)),
    });
  }

  let u = new Float32Array(0);
  let v = new Float32Array(0);
  let trusted = new Uint8Array(0);
  for (let l = levels.length - 1; l >= 0; l--) {
    const { width: w, height: h, prev: p, next: n, mask } = levels[l] as Level;
    const count = w * h;
    const nu = new Float32Array(count);
    const nv = new Float32Array(count);
    if (u.length > 0) {
      // Upsample the coarser estimate: twice the displacement at half the resolution.
      const cw = (levels[l + 1] as Level).width;
      const ch = (levels[l + 1] as Level).height;
      for (let y = 0; y < h; y++) {
        for (let x = 0; x < w; x++) {
          const sx = (x - 0.5) / 2;
          const sy = (y - 0.5) / 2;
          nu[y * w + x] = 2 * sampleBilinear(u, cw, ch, sx, sy);
          nv[y * w + x] = 2 * sampleBilinear(v, cw, ch, sx, sy);
        }
      }
    }
    u = nu;
    v = nv;
    // Gradients of the template (prev) by central differences; masked pixels contribute nothing.
    const ix = new Float32Array(count);
    const iy = new Float32Array(count);
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const i = y * w + x;
        const xl = Math.max(x - 1, 0);
        const xr = Math.min(x + 1, w - 1);
        const yu = Math.max(y - 1, 0);
        const yd = Math.min(y + 1, h - 1);
        const m = (mask[i] as number) * (mask[y * w + xl] as number) * (mask[y * w + xr] as number);
        const my = (mask[i] as number) * (mask[yu * w + x] as number) * (mask[yd * w + x] as number);
        ix[i] = m * (((p[y * w + xr] as number) - (p[y * w + xl] as number)) / (xr - xl));
        iy[i] = my * (((p[yd * w + x] as number) - (p[yu * w + x] as number)) / (yd - yu));
      }
    }
    const sxx = boxFilter(
      ix.map((g) => g * g),
      w,
      h,
      radius,
    );
    const sxy = boxFilter(
      ix.map((g, i) => g * (iy[i] as number)),
      w,
      h,
      radius,
    );
    const syy = boxFilter(
      iy.map((g) => g * g),
      w,
      h,
      radius,
    );
    const area = (2 * radius + 1) ** 2;
    trusted = new Uint8Array(count);
    for (let i = 0; i < count; i++) {
      const a = (sxx[i] as number) / area;
      const b = (sxy[i] as number) / area;
      const c = (syy[i] as number) / area;
      const lambdaMin = (a + c) / 2 - Math.sqrt(((a - c) / 2) ** 2 + b * b);
      if (lambdaMin > minEig) trusted[i] = 1;
    }
    // Each pixel's window is warped by that pixel's own displacement (Bouguet's pyramidal LK), so a
    // neighbour's estimate never enters another pixel's fit.
    for (let y = 0; y < h; y++) {
      const y0 = Math.max(0, y - radius);
      const y1 = Math.min(h - 1, y + radius);
      for (let x = 0; x < w; x++) {
        const i = y * w + x;
        if (trusted[i] !== 1) continue;
        const x0 = Math.max(0, x - radius);
        const x1 = Math.min(w - 1, x + radius);
        const a = sxx[i] as number;
        const b = sxy[i] as number;
        const c = syy[i] as number;
        const det = a * c - b * b;
        let du = u[i] as number;
        let dv = v[i] as number;
        for (let it = 0; it < iterations; it++) {
          const fx = Math.floor(du);
          const fy = Math.floor(dv);
          const wx = du - fx;
          const wy = dv - fy;
          let bx = 0;
          let by = 0;
          for (let yy = y0; yy <= y1; yy++) {
            // Samples warped off the grid are left out: what lies there is unknown.
            const sy0 = yy + fy;
            const sy1 = Math.min(sy0 + 1, h - 1);
            if (sy0 < 0 || sy0 > h - 1) continue;
            for (let xx = x0; xx <= x1; xx++) {
              const j = yy * w + xx;
              const gxj = ix[j] as number;
              const gyj = iy[j] as number;
              if (gxj === 0 && gyj === 0) continue;
              const sx0 = xx + fx;
              const sx1 = Math.min(sx0 + 1, w - 1);
              if (sx0 < 0 || sx0 > w - 1) continue;
              // The warped sample must come from valid pixels too.
              if (
                (mask[sy0 * w + sx0] as number) *
                  (mask[sy0 * w + sx1] as number) *
                  (mask[sy1 * w + sx0] as number) *
                  (mask[sy1 * w + sx1] as number) ===
                0
              )
                continue;
              const warped =
                ((n[sy0 * w + sx0] as number) * (1 - wx) + (n[sy0 * w + sx1] as number) * wx) * (1 - wy) +
                ((n[sy1 * w + sx0] as number) * (1 - wx) + (n[sy1 * w + sx1] as number) * wx) * wy;
              const diff = warped - (p[j] as number);
              bx += gxj * diff;
              by += gyj * diff;
            }
          }
          // δ = −A⁻¹ Σ∇I·(I₁(x+d) − I₀(x)).
          const stepU = -(c * bx - b * by) / det;
          const stepV = -(a * by - b * bx) / det;
          du += stepU;
          dv += stepV;
          if (stepU * stepU + stepV * stepV < 1e-6) break;
        }
        u[i] = du;
        v[i] = dv;
      }
    }
  }
  if (smoothing === 0) return { width, height, u, v };
  return smoothMotion({ width, height, u, v }, trusted, smoothing);
}

/**
 * Confidence-weighted smoothing (normalized convolution) of a motion field: each pixel gets the
 * mean motion of the trusted pixels within `radius`, two box passes; pixels with none get the mean
 * of all trusted pixels (0 when there are none).
 */
function smoothMotion(field: MotionField, trusted: Uint8Array, radius: number): MotionField {
  const { width, height } = field;
  let wu: Float64Array = Float64Array.from(field.u, (x, i) => x * (trusted[i] as number));
  let wv: Float64Array = Float64Array.from(field.v, (x, i) => x * (trusted[i] as number));
  let wt: Float64Array = Float64Array.from(trusted);
  let total = 0;
  let meanU = 0;
  let meanV = 0;
  for (let i = 0; i < trusted.length; i++) {
    if (trusted[i] === 1) {
      total++;
      meanU += field.u[i] as number;
      meanV += field.v[i] as number;
    }
  }
  meanU = total > 0 ? meanU / total : 0;
  meanV = total > 0 ? meanV / total : 0;
  for (let pass = 0; pass < 2; pass++) {
    wu = boxFilter(wu, width, height, radius);
    wv = boxFilter(wv, width, height, radius);
    wt = boxFilter(wt, width, height, radius);
  }
  const u = new Float32Array(width * height);
  const v = new Float32Array(width * height);
  for (let i = 0; i < u.length; i++) {
    const w = wt[i] as number;
    u[i] = w > 1e-9 ? (wu[i] as number) / w : meanU;
    v[i] = w > 1e-9 ? (wv[i] as number) / w : meanV;
  }
  return { width, height, u, v };
}
