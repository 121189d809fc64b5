// Winograd F(2×2, 5×5) for "same" 5×5 convolutions at stride 1: each 2×2 output tile costs 36
// products per channel pair instead of 100 (Lavin & Gray 2016). This module derives the
// transform matrices (Toom–Cook with the points 0, ±1, ±2 and ∞) and generates the WebAssembly
// text of the tile transforms, unrolled, so no zero coefficient is ever multiplied.

const POINTS = [0, 1, -1, 2, -2];
const M = 2; // outputs per tile side
const R = 5; // filter size
const ALPHA = M + R - 1; // tile side: 6

/** Ascending coefficients of Π (x − p) over `roots`. */
function polynomial(roots) {
  let coefficients = [1];
  for (const p of roots) {
    const next = new Array(coefficients.length + 1).fill(0);
    coefficients.forEach((c, i) => {
      next[i + 1] += c;
      next[i] -= p * c;
    });
    coefficients = next;
  }
  return coefficients;
}

/**
 * `AT` [2×6] (output transform), `G` [6×5] (filter transform), `BT` [6×6] (input transform):
 * for a 6-value input `d` and 5-tap filter `g`, `AT · ((G·g) ⊙ (BT·d))` is the correlation
 * `y_i = Σ_k g_k d_{i+k}`; in 2-D each transform is applied on both sides.
 */
export function winogradMatrices() {
  const AT = Array.from({ length: M }, (_, i) => [...POINTS.map((p) => p ** i), i === M - 1 ? 1 : 0]);
  const G = POINTS.map((p) => {
    const scale = POINTS.filter((q) => q !== p).reduce((acc, q) => acc * (p - q), 1);
    return Array.from({ length: R }, (_, k) => p ** k / scale);
  });
  G.push(Array.from({ length: R }, (_, k) => (k === R - 1 ? 1 : 0)));
  const BT = POINTS.map((p) => [...polynomial(POINTS.filter((q) => q !== p)), 0]);
  BT.push(polynomial(POINTS));
  return { AT, G, BT };
}

const v128 = (value) => `(v128.const f32x4 ${value} ${value} ${value} ${value})`;

/** `Σ coefficient · term` as one v128 expression, skipping zeros and multiplying only where |c| ≠ 1. */
function combination(coefficients, terms) {
  let expression = null;
  coefficients.forEach((c, k) => {
    if (c === 0) return;
    const term = terms[k];
    const magnitude = Math.abs(c);
    const scaled = magnitude === 1 ? term : `(f32x4.mul ${term} ${v128(magnitude)})`;
    if (expression === null) expression = c > 0 ? scaled : `(f32x4.neg ${scaled})`;
    else expression = `(${c > 0 ? 'f32x4.add' : 'f32x4.sub'} ${expression} ${scaled})`;
  });
  return expression ?? v128(0);
}

const range = (n) => Array.from({ length: n }, (_, i) => i);
const locals = (prefix, n, type) =>
  range(n)
    .map((i) => `(local $${prefix}${i} ${type})`)
    .join(' ');

/** Loops over images, tile rows, tile columns and 4-channel blocks around `body`. */
function tileLoops(body) {
  return `
    (local.set $b (i32.const 0))
    (block $bDone (loop $bLoop
      (br_if $bDone (i32.ge_u (local.get $b) (local.get $n)))
      (local.set $ty (i32.const 0))
      (block $tyDone (loop $tyLoop
        (br_if $tyDone (i32.ge_u (local.get $ty) (local.get $tilesH)))
        (local.set $tx (i32.const 0))
        (block $txDone (loop $txLoop
          (br_if $txDone (i32.ge_u (local.get $tx) (local.get $tilesW)))
          (local.set $tile (i32.add (i32.mul (i32.add (i32.mul (local.get $b) (local.get $tilesH)) (local.get $ty)) (local.get $tilesW)) (local.get $tx)))
          (local.set $ch (i32.const 0))
          (block $chDone (loop $chLoop
            (br_if $chDone (i32.ge_u (local.get $ch) (local.get $channels)))
            ;; byte offset of (tile, ch) in a [T, C] matrix
            (local.set $off (i32.shl (i32.add (i32.mul (local.get $tile) (local.get $channels)) (local.get $ch)) (i32.const 2)))
${body}
            (local.set $ch (i32.add (local.get $ch) (i32.const 4)))
            (br $chLoop)))
          (local.set $tx (i32.add (local.get $tx) (i32.const 1)))
          (br $txLoop)))
        (local.set $ty (i32.add (local.get $ty) (i32.const 1)))
        (br $tyLoop)))
      (local.set $b (i32.add (local.get $b) (i32.const 1)))
      (br $bLoop)))`;
}

/**
 * The left half of a two-sided transform, `target = matrix · input` over 6 columns: one
 * `local.set $<target>{6r + v}` per row r of `matrix` and column v, input element `(u, v)` read by `input(u, v)`.
 */
function leftProduct(target, matrix, input) {
  return matrix
    .flatMap((row, r) =>
      range(ALPHA).map(
        (v) =>
          `(local.set $${target}${r * ALPHA + v} ${combination(
            row,
            range(ALPHA).map((u) => input(u, v)),
          )})`,
      ),
    )
    .join('\n            ');
}

const LOOP_LOCALS =
  '(local $b i32) (local $ty i32) (local $tx i32) (local $tile i32) (local $ch i32) (local $off i32)';

/** Loads the 36 matrix pointers of a `[36]` int32 table into `$p0`…`$p35`. */
const loadTable = range(ALPHA * ALPHA)
  .map((i) => `    (local.set $p${i} (i32.load offset=${4 * i} (local.get $table)))`)
  .join('\n');

function inputTransform(BT) {
  const d = (u, v) => `(local.get $d${u * ALPHA + v})`;
  const t = (u, v) => `(local.get $t${u * ALPHA + v})`;
  // Byte address of input row (row0 + u), column (col0 + v), channel ch: $rowU + v·C·4.
  const address = (u, v) => `(i32.add (local.get $row${u}) (i32.mul (i32.const ${v}) (local.get $c4)))`;
  const fastLoads = range(ALPHA)
    .flatMap((u) =>
      range(ALPHA).map((v) => `(local.set $d${u * ALPHA + v} (v128.load align=4 ${address(u, v)}))`),
    )
    .join('\n              ');
  const guardedLoads = range(ALPHA)
    .flatMap((u) =>
      range(ALPHA).map(
        (v) =>
          `(local.set $d${u * ALPHA + v} (if (result v128) (i32.and (i32.lt_u (i32.add (local.get $row0i) (i32.const ${u})) (local.get $height)) (i32.lt_u (i32.add (local.get $col0i) (i32.const ${v})) (local.get $width))) (then (v128.load align=4 ${address(u, v)})) (else ${v128(0)})))`,
      ),
    )
    .join('\n              ');
  // t = Bᵀ d first, then V[u'][v'] = Σ_v t[u'][v] BT[v'][v] (= t B), straight into the stores.
  const firstPass = leftProduct('t', BT, d);
  const stores = range(ALPHA)
    .flatMap((u2) =>
      range(ALPHA).map(
        (v2) =>
          `(v128.store align=4 (i32.add (local.get $p${u2 * ALPHA + v2}) (local.get $off)) ${combination(
            BT[v2],
            range(ALPHA).map((v) => t(u2, v)),
          )})`,
      ),
    )
    .join('\n            ');
  const rowAddresses = range(ALPHA)
    .map(
      (u) =>
        `(local.set $row${u} (i32.add (local.get $x) (i32.shl (i32.add (i32.mul (i32.add (i32.mul (i32.add (i32.mul (local.get $b) (local.get $height)) (i32.add (local.get $row0i) (i32.const ${u}))) (local.get $width)) (local.get $col0i)) (local.get $channels)) (local.get $ch)) (i32.const 2))))`,
    )
    .join('\n            ');
  const body = `
            ;; the 6×6 input window of this tile starts 2 rows and 2 columns before its outputs
            (local.set $row0i (i32.sub (i32.shl (local.get $ty) (i32.const 1)) (i32.const 2)))
            (local.set $col0i (i32.sub (i32.shl (local.get $tx) (i32.const 1)) (i32.const 2)))
            ${rowAddresses}
            (if (i32.and
                  (i32.and (i32.ge_s (local.get $row0i) (i32.const 0)) (i32.le_s (i32.add (local.get $row0i) (i32.const ${ALPHA})) (local.get $height)))
                  (i32.and (i32.ge_s (local.get $col0i) (i32.const 0)) (i32.le_s (i32.add (local.get $col0i) (i32.const ${ALPHA})) (local.get $width))))
              (then
              ${fastLoads})
              ;; a window reaching into the zero padding: load only what is inside the image
              (else
              ${guardedLoads}))
            ${firstPass}
            ${stores}`;
  return `
  ;; x [n, height, width, channels] → 36 matrices [n·tilesH·tilesW, channels] (pointers in $table):
  ;; V = Bᵀ d B for every tile's 6×6 window d, 4 channels at a time.
  (func (export "winogradInput")
    (param $x i32) (param $n i32) (param $height i32) (param $width i32) (param $channels i32)
    (param $tilesH i32) (param $tilesW i32) (param $table i32)
    ${LOOP_LOCALS} (local $c4 i32) (local $row0i i32) (local $col0i i32)
    ${locals('row', ALPHA, 'i32')}
    ${locals('p', ALPHA * ALPHA, 'i32')}
    ${locals('d', ALPHA * ALPHA, 'v128')}
    ${locals('t', ALPHA * ALPHA, 'v128')}
    (local.set $c4 (i32.shl (local.get $channels) (i32.const 2)))
${loadTable}
${tileLoops(body)})`;
}

function outputTransform(AT) {
  const m = (u, v) => `(local.get $m${u * ALPHA + v})`;
  const s = (i, v) => `(local.get $s${i * ALPHA + v})`;
  const loads = range(ALPHA * ALPHA)
    .map((k) => `(local.set $m${k} (v128.load align=4 (i32.add (local.get $p${k}) (local.get $off))))`)
    .join('\n            ');
  // s = Aᵀ m first, then Y[i][j] = Σ_v s[i][v] AT[j][v] (= s A), straight into the stores.
  const firstPass = leftProduct('s', AT, m);
  const stores = range(M)
    .flatMap((i) =>
      range(M).map(
        (
          j,
        ) => `(if (i32.and (i32.lt_u (i32.add (local.get $orow) (i32.const ${i})) (local.get $height)) (i32.lt_u (i32.add (local.get $ocol) (i32.const ${j})) (local.get $width)))
              (then (v128.store align=4
                (i32.add (local.get $y) (i32.shl (i32.add (i32.mul (i32.add (i32.mul (i32.add (i32.mul (local.get $b) (local.get $height)) (i32.add (local.get $orow) (i32.const ${i}))) (local.get $width)) (i32.add (local.get $ocol) (i32.const ${j}))) (local.get $channels)) (local.get $ch)) (i32.const 2)))
                ${combination(
                  AT[j],
                  range(ALPHA).map((v) => s(i, v)),
                )})))`,
      ),
    )
    .join('\n            ');
  const body = `
            (local.set $orow (i32.shl (local.get $ty) (i32.const 1)))
            (local.set $ocol (i32.shl (local.get $tx) (i32.const 1)))
            ${loads}
            ${firstPass}
            ${stores}`;
  return `
  ;; 36 matrices [n·tilesH·tilesW, channels] (pointers in $table) → y [n, height, width, channels]:
  ;; Y = Aᵀ m A for every tile, written where the 2×2 tile lies inside the output.
  (func (export "winogradOutput")
    (param $table i32) (param $n i32) (param $height i32) (param $width i32) (param $channels i32)
    (param $tilesH i32) (param $tilesW i32) (param $y i32)
    ${LOOP_LOCALS} (local $orow i32) (local $ocol i32)
    ${locals('p', ALPHA * ALPHA, 'i32')}
    ${locals('m', ALPHA * ALPHA, 'v128')}
    ${locals('s', M * ALPHA, 'v128')}
${loadTable}
${tileLoops(body)})`;
}

/** The module text; `;; IMPORT` is replaced by the memory import, as for gates.wat. */
export function winogradWat() {
  const { AT, BT } = winogradMatrices();
  return `;; Generated by scripts/winograd.mjs — Winograd F(2×2, 5×5) tile transforms.
(module
  ;; IMPORT
${inputTransform(BT)}
${outputTransform(AT)}
)
`;
}
