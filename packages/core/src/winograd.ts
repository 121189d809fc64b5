import {
  conv2dTranspose,
  customGrad,
  engine,
  type GradSaveFunc,
  matMul,
  pad,
  reshape,
  slice,
  stack,
  type Tensor,
  type Tensor2D,
  type Tensor4D,
  tensor2d,
  transpose,
  unstack,
} from '@tensorflow/tfjs-core';

/*
 * Winograd minimal filtering F(m×m, r×r) (Lavin & Gray 2016) for stride-1 "same" 2-D
 * convolutions: each α×α input tile (α = m + r − 1) is transformed once, the channel mixing
 * becomes α² independent matrix products, and m×m outputs come back from one inverse
 * transform. F(2×2, 5×5) needs 36 multiplies per output pair where direct convolution needs
 * 100, F(4×4, 3×3) 36 per 16 outputs instead of 144. Every step here is a reshape, a
 * contiguous slice, a rank-≤6 transpose or a matrix product, because those are the kernels
 * TF.js backends run fast (tfjs-backend-wasm: strided slices and batched matMul run 10–30×
 * slower than contiguous slices and one matMul per matrix).
 */

/** Transform matrices of F(m, r): `y = Aᵀ[(G g) ⊙ (Bᵀ d)]` in 1-D, applied on both axes in 2-D. */
export interface WinogradPlan {
  /** Outputs per tile side. */
  readonly m: number;
  /** Kernel size. */
  readonly r: number;
  /** Tile side, `m + r − 1`. */
  readonly alpha: number;
  /** `Aᵀ [m, α]`. */
  readonly at: readonly (readonly number[])[];
  /** `G [α, r]`. */
  readonly g: readonly (readonly number[])[];
  /** `Bᵀ [α, α]`. */
  readonly bt: readonly (readonly number[])[];
}

/** Finite interpolation points, in the order taken; small magnitudes and reciprocal pairs keep float32 error low. */
const POINTS = [0, 1, -1, 0.5, -0.5, 2, -2, 0.25, -0.25];

/** Rows `[1, p, …, p^(n−1)]` per finite point, then `[0, …, 0, 1]` for the point at infinity. */
function evaluation(points: readonly number[], n: number): number[][] {
  const rows = points.map((p) => Array.from({ length: n }, (_, j) => p ** j));
  rows.push(Array.from({ length: n }, (_, j) => (j === n - 1 ? 1 : 0)));
  return rows;
}

function invert(a: readonly (readonly number[])[]): number[][] {
  const n = a.length;
  const m = a.map((row, i) => [...row, ...Array.from({ length: n }, (_, j) => (i === j ? 1 : 0))]);
  for (let col = 0; col < n; col++) {
    let pivot = col;
    for (let r = col + 1; r < n; r++)
      if (Math.abs((m[r] as number[])[col] as number) > Math.abs((m[pivot] as number[])[col] as number))
        pivot = r;
    [m[col], m[pivot]] = [m[pivot] as number[], m[col] as number[]];
    const p = m[col] as number[];
    const d = p[col] as number;
    for (let j = 0; j < 2 * n; j++) p[j] = (p[j] as number) / d;
    for (let r = 0; r < n; r++) {
      if (r === col) continue;
      const row = m[r] as number[];
      const f = row[col] as number;
      if (f !== 0) for (let j = 0; j < 2 * n; j++) row[j] = (row[j] as number) - f * (p[j] as number);
    }
  }
  return m.map((row) => row.slice(n));
}

/**
 * Toom–Cook construction of F(m, r). Linear convolution of a degree-(r−1) and a degree-(m−1)
 * polynomial is `C[(E_r g) ⊙ (E_m h)]` with `E_n` the evaluation matrices at α points and
 * `C = E_α⁻¹`; correlation is its transpose in `h`, so `Aᵀ = E_mᵀ`, `G = E_r`, `Bᵀ = Cᵀ`.
 */
export function winogradPlan(m: number, r: number): WinogradPlan {
  const alpha = m + r - 1;
  if (!Number.isInteger(m) || !Number.isInteger(r) || m < 1 || r < 2 || alpha - 1 > POINTS.length) {
    throw new Error(`winogradPlan: unsupported F(${m}, ${r})`);
  }
  const points = POINTS.slice(0, alpha - 1);
  const em = evaluation(points, m);
  const inverse = invert(evaluation(points, alpha));
  return {
    m,
    r,
    alpha,
    at: Array.from({ length: m }, (_, j) => em.map((row) => row[j] as number)),
    g: evaluation(points, r),
    bt: Array.from({ length: alpha }, (_, i) => inverse.map((row) => row[i] as number)),
  };
}

/** The plan this project uses for kernel size `r`: α = 6 for 3×3 and 5×5 (and 4×4), α = 8 above. */
export function defaultWinogradPlan(r: number): WinogradPlan {
  return winogradPlan(r === 3 ? 4 : 2, r);
}

function kron(a: readonly (readonly number[])[], b: readonly (readonly number[])[]): Tensor2D {
  const rows: number[][] = [];
  for (const ra of a) for (const rb of b) rows.push(ra.flatMap((x) => rb.map((y) => x * y)));
  return tensor2d(rows);
}

/**
 * The kernel in the Winograd domain: `[r, r, Cin, Cout]` → `[α², Cin, Cout]`, entry
 * `b·α + a` holding `(G g Gᵀ)[a][b]` (row transform index `a`, column index `b`).
 */
export function winogradKernel(kernel: Tensor, plan: WinogradPlan): Tensor {
  const [kh, kw, cin, cout] = kernel.shape as [number, number, number, number];
  if (kh !== plan.r || kw !== plan.r)
    throw new Error(`winogradKernel: expected a ${plan.r}×${plan.r} kernel`);
  const { r, alpha } = plan;
  const g = tensor2d(plan.g as number[][]);
  // Columns first: [r(l), r(k)·X] → [α(b), r(k), X].
  const byColumn = matMul(
    g,
    reshape(transpose(reshape(kernel, [r, r, cin * cout]), [1, 0, 2]), [r, r * cin * cout]),
  );
  // Then rows: [r(k), α(b)·X] → [α(a), α(b), X] → [α(b), α(a), X].
  const byRow = matMul(
    g,
    reshape(transpose(reshape(byColumn, [alpha, r, cin * cout]), [1, 0, 2]), [r, alpha * cin * cout]),
  );
  return reshape(transpose(reshape(byRow, [alpha, alpha, cin * cout]), [1, 0, 2]), [
    alpha * alpha,
    cin,
    cout,
  ]);
}

/** Overlapping α-windows with step m along axis 1 of `x [B, L, rest]` (L = m·U), transformed by `Bᵀ`. */
function transformAxis(x: Tensor, plan: WinogradPlan, tiles: number): Tensor {
  const [b, l, rest] = x.shape as [number, number, number];
  const { m, alpha } = plan;
  // Row `i·m + a` of a window is `m·(i + ⌊a/m⌋) + a mod m`: split L into [U, m], bring the
  // phase `a mod m` to the front, and each window row is one contiguous slice.
  const phased = transpose(reshape(x, [b, l / m, m, rest]), [2, 0, 1, 3]);
  const rows: Tensor[] = [];
  for (let a = 0; a < alpha; a++) {
    rows.push(
      reshape(slice(phased, [a % m, 0, Math.floor(a / m), 0], [1, b, tiles, rest]), [b * tiles * rest]),
    );
  }
  return matMul(tensor2d(plan.bt as number[][]), stack(rows) as Tensor2D);
}

/**
 * Stride-1 "same" convolution of `x [N, H, W, Cin]` with a Winograd-domain kernel
 * `u [α², Cin, Cout]` (from {@link winogradKernel}), output split into `groups` equal channel
 * groups: `[groups, N, H, W, Cout / groups]` (the ConvLSTM gates, each contiguous).
 */
export function winogradConvForward(x: Tensor, u: Tensor, plan: WinogradPlan, groups: number): Tensor {
  const [n, h, w, cin] = x.shape as [number, number, number, number];
  const cout = u.shape[2] as number;
  const { m, r, alpha } = plan;
  const tilesH = Math.ceil(h / m);
  const tilesW = Math.ceil(w / m);
  const before = Math.floor((r - 1) / 2);
  // Padded to whole phases: m·(tiles + ⌈(r−1)/m⌉) rows cover every window.
  const spanH = m * (tilesH + Math.ceil((r - 1) / m));
  const spanW = m * (tilesW + Math.ceil((r - 1) / m));
  const xp = pad(x, [
    [0, 0],
    [before, spanH - h - before],
    [before, spanW - w - before],
    [0, 0],
  ]);
  // Rows: [α(a), N·tilesH·spanW·Cin]; then columns: [α(b), α(a)·N·tilesH·tilesW·Cin].
  const rows = transformAxis(reshape(xp, [n, spanH, spanW * cin]), plan, tilesH);
  const v = transformAxis(reshape(rows, [alpha * n * tilesH, spanW, cin]), plan, tilesW);
  const p = n * tilesH * tilesW;
  const vs = unstack(reshape(v, [alpha * alpha, p, cin]));
  const us = unstack(u);
  const products = vs.map((vi, i) => matMul(vi as Tensor2D, us[i] as Tensor2D));
  const y = matMul(kron(plan.at, plan.at), reshape(stack(products), [alpha * alpha, p * cout]));
  // y [m(q), m(p), N·tilesH, tilesW, G, C] → [G, N·tilesH, p, tilesW, q, C].
  const c = cout / groups;
  const tiled = transpose(reshape(y, [m, m, n * tilesH, tilesW, groups, c]), [4, 2, 1, 3, 0, 5]);
  const full = reshape(tiled, [groups, n, tilesH * m, tilesW * m, c]);
  return tilesH * m === h && tilesW * m === w ? full : slice(full, [0, 0, 0, 0, 0], [groups, n, h, w, c]);
}

/**
 * `winogradConvForward` of `kernel [r, r, Cin, Cout]` with the gradients of the direct
 * convolution (the function is the same; only the float32 rounding differs): `dx` by a
 * transposed convolution, `dkernel` by the backend's filter gradient.
 */
export function winogradConv2d(x: Tensor, kernel: Tensor, plan: WinogradPlan, groups: number): Tensor {
  const run = customGrad((...args: (Tensor | GradSaveFunc)[]) => {
    const [xIn, kIn, save] = args as [Tensor, Tensor, GradSaveFunc];
    save([xIn, kIn]);
    return {
      value: winogradConvForward(xIn, winogradKernel(kIn, plan), plan, groups),
      gradFunc: (dy: Tensor, saved: Tensor[]) => {
        const [xs, ks] = saved as [Tensor4D, Tensor4D];
        const [n, h, w] = xs.shape;
        const cout = ks.shape[3];
        // [G, N, H, W, C] → [N, H, W, G·C], the direct convolution's layout.
        const d = reshape(transpose(dy, [1, 2, 3, 0, 4]), [n, h, w, cout]) as Tensor4D;
        const dx = conv2dTranspose(d, ks, xs.shape, 1, 'same');
        const dk = engine().runKernel(
          'Conv2DBackpropFilter',
          { x: xs, dy: d },
          {
            strides: [1, 1],
            pad: 'same',
            dataFormat: 'NHWC',
            dimRoundingMode: undefined as unknown as string,
            filterShape: ks.shape,
          },
        ) as Tensor;
        return [dx, dk];
      },
    };
  });
  return run(x, kernel);
}
