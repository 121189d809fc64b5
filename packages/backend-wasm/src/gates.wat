;; One ConvLSTM step's gate arithmetic (eq. 3 of Shi et al. 2015) in WebAssembly SIMD, run on
;; tfjs-backend-wasm's own heap: the kernel reads the pre-activations and the cell state where
;; TF.js keeps them and writes h' and c' into tensors TF.js allocated, so nothing is copied.
;;
;;   i = σ(z_i + w_ci∘c),  f = σ(z_f + w_cf∘c),  g = tanh(z_c),
;;   c' = f∘c + i∘g,       o = σ(z_o + w_co∘c'), h' = o∘tanh(c')
;;
;; z is the kernel's stacked [rows, 4C] pre-activation, read through one pointer per gate (gate g
;; at column offset g·C) and a row stride; a second such operand (x, the projected input) may be
;; added to it on the fly.
;; The build script compiles this text twice, importing a shared memory (TF.js' threaded binary)
;; or a plain one (its single-thread binary): the IMPORT line below is replaced.
(module
  ;; IMPORT

  ;; e^x for four lanes: x = n·ln2 + r with |r| ≤ ln2/2, e^r by its Taylor series to r^7
  ;; (truncation < 5e-9 relative, below float32 rounding), 2^n built in the exponent bits.
  ;; x is clamped to [-87, 88] so 2^n stays a normal float: σ and tanh saturate long before.
  ;; Adding 1.5·2^23 rounds x·log2(e) to an integer n kept in the low mantissa bits, so
  ;; shifting those bits by 23 gives n's exponent field with no float-to-int conversion.
  (func $exp (param $x v128) (result v128)
    (local $t v128)
    (local $n v128)
    (local $r v128)
    (local $p v128)
    (local.set $x
      (f32x4.pmin
        (f32x4.pmax (local.get $x) (v128.const f32x4 -87 -87 -87 -87))
        (v128.const f32x4 88 88 88 88)))
    (local.set $t
      (f32x4.add
        (f32x4.mul (local.get $x)
          (v128.const f32x4 1.44269504088896341 1.44269504088896341 1.44269504088896341 1.44269504088896341))
        (v128.const f32x4 12582912 12582912 12582912 12582912)))
    (local.set $n (f32x4.sub (local.get $t) (v128.const f32x4 12582912 12582912 12582912 12582912)))
    ;; ln 2 split in two (Cody–Waite) so n·ln2 loses no bits for |n| ≤ 127.
    (local.set $r
      (f32x4.sub
        (f32x4.sub (local.get $x)
          (f32x4.mul (local.get $n) (v128.const f32x4 0.693359375 0.693359375 0.693359375 0.693359375)))
        (f32x4.mul (local.get $n)
          (v128.const f32x4 -2.12194440e-4 -2.12194440e-4 -2.12194440e-4 -2.12194440e-4))))
    (local.set $p (v128.const f32x4 1.98412698e-4 1.98412698e-4 1.98412698e-4 1.98412698e-4))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r))
      (v128.const f32x4 1.38888889e-3 1.38888889e-3 1.38888889e-3 1.38888889e-3)))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r))
      (v128.const f32x4 8.33333333e-3 8.33333333e-3 8.33333333e-3 8.33333333e-3)))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r))
      (v128.const f32x4 4.16666667e-2 4.16666667e-2 4.16666667e-2 4.16666667e-2)))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r))
      (v128.const f32x4 0.166666667 0.166666667 0.166666667 0.166666667)))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r))
      (v128.const f32x4 0.5 0.5 0.5 0.5)))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r))
      (v128.const f32x4 1 1 1 1)))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r))
      (v128.const f32x4 1 1 1 1)))
    (f32x4.mul (local.get $p)
      (i32x4.add
        (i32x4.shl (local.get $t) (i32.const 23))
        (v128.const i32x4 0x3f800000 0x3f800000 0x3f800000 0x3f800000))))

  ;; σ(x) = 1 / (1 + e^-x)
  (func $sigmoid (param $x v128) (result v128)
    (f32x4.div
      (v128.const f32x4 1 1 1 1)
      (f32x4.add (v128.const f32x4 1 1 1 1) (call $exp (f32x4.neg (local.get $x))))))

  ;; tanh(x) = 1 − 2 / (1 + e^2x): absolute error at float32 rounding, saturating to ±1.
  (func $tanh (param $x v128) (result v128)
    (f32x4.sub
      (v128.const f32x4 1 1 1 1)
      (f32x4.div
        (v128.const f32x4 2 2 2 2)
        (f32x4.add (v128.const f32x4 1 1 1 1) (call $exp (f32x4.add (local.get $x) (local.get $x)))))))

  ;; Four lanes (4 channels) or one (lane 0, for a channel count not divisible by 4).
  (func $load (param $addr i32) (param $wide i32) (result v128)
    (if (result v128) (local.get $wide)
      (then (v128.load align=4 (local.get $addr)))
      (else (f32x4.splat (f32.load (local.get $addr))))))

  (func $store (param $addr i32) (param $v v128) (param $wide i32)
    (if (local.get $wide)
      (then (v128.store align=4 (local.get $addr) (local.get $v)))
      (else (f32.store (local.get $addr) (f32x4.extract_lane 0 (local.get $v))))))

  ;; Gate g's pre-activation at element offset $e (bytes) of z, plus x's when $hasX.
  (func $pre (param $z i32) (param $ze i32) (param $x i32) (param $xe i32) (param $hasX i32) (param $wide i32)
    (result v128)
    (local $v v128)
    (local.set $v (call $load (i32.add (local.get $z) (local.get $ze)) (local.get $wide)))
    (if (result v128) (local.get $hasX)
      (then (f32x4.add (local.get $v)
        (call $load (i32.add (local.get $x) (local.get $xe)) (local.get $wide))))
      (else (local.get $v))))

  ;; Byte pointers into the heap; row strides in floats. $rows = N·(spatial positions).
  (func (export "gatesForward")
    (param $rows i32) (param $channels i32)
    (param $zi i32) (param $zf i32) (param $zg i32) (param $zo i32) (param $zStride i32)
    (param $xi i32) (param $xf i32) (param $xg i32) (param $xo i32) (param $xStride i32) (param $hasX i32)
    (param $c i32) (param $pi i32) (param $pf i32) (param $po i32) (param $hasPeep i32)
    (param $hOut i32) (param $cOut i32)
    (local $r i32) (local $j i32) (local $wide i32)
    (local $ze i32) (local $xe i32) (local $ce i32) (local $pe i32)
    (local $cPrev v128) (local $i v128) (local $f v128) (local $g v128) (local $o v128) (local $cNext v128)
    (local.set $r (i32.const 0))
    (block $rowsDone
      (loop $rowLoop
        (br_if $rowsDone (i32.ge_u (local.get $r) (local.get $rows)))
        (local.set $j (i32.const 0))
        (block $channelsDone
          (loop $channelLoop
            (br_if $channelsDone (i32.ge_u (local.get $j) (local.get $channels)))
            (local.set $wide (i32.le_u (i32.add (local.get $j) (i32.const 4)) (local.get $channels)))
            (local.set $ze (i32.shl (i32.add (i32.mul (local.get $r) (local.get $zStride)) (local.get $j)) (i32.const 2)))
            (local.set $xe (i32.shl (i32.add (i32.mul (local.get $r) (local.get $xStride)) (local.get $j)) (i32.const 2)))
            (local.set $ce (i32.shl (i32.add (i32.mul (local.get $r) (local.get $channels)) (local.get $j)) (i32.const 2)))
            (local.set $pe (i32.shl (local.get $j) (i32.const 2)))
            (local.set $cPrev (call $load (i32.add (local.get $c) (local.get $ce)) (local.get $wide)))
            (local.set $i (call $pre (local.get $zi) (local.get $ze) (local.get $xi) (local.get $xe) (local.get $hasX) (local.get $wide)))
            (local.set $f (call $pre (local.get $zf) (local.get $ze) (local.get $xf) (local.get $xe) (local.get $hasX) (local.get $wide)))
            (local.set $g (call $pre (local.get $zg) (local.get $ze) (local.get $xg) (local.get $xe) (local.get $hasX) (local.get $wide)))
            (local.set $o (call $pre (local.get $zo) (local.get $ze) (local.get $xo) (local.get $xe) (local.get $hasX) (local.get $wide)))
            (if (local.get $hasPeep)
              (then
                (local.set $i (f32x4.add (local.get $i)
                  (f32x4.mul (call $load (i32.add (local.get $pi) (local.get $pe)) (local.get $wide)) (local.get $cPrev))))
                (local.set $f (f32x4.add (local.get $f)
                  (f32x4.mul (call $load (i32.add (local.get $pf) (local.get $pe)) (local.get $wide)) (local.get $cPrev))))))
            (local.set $i (call $sigmoid (local.get $i)))
            (local.set $f (call $sigmoid (local.get $f)))
            (local.set $g (call $tanh (local.get $g)))
            (local.set $cNext
              (f32x4.add (f32x4.mul (local.get $f) (local.get $cPrev)) (f32x4.mul (local.get $i) (local.get $g))))
            (if (local.get $hasPeep)
              (then
                (local.set $o (f32x4.add (local.get $o)
                  (f32x4.mul (call $load (i32.add (local.get $po) (local.get $pe)) (local.get $wide)) (local.get $cNext))))))
            (local.set $o (call $sigmoid (local.get $o)))
            (call $store (i32.add (local.get $cOut) (local.get $ce)) (local.get $cNext) (local.get $wide))
            (call $store (i32.add (local.get $hOut) (local.get $ce))
              (f32x4.mul (local.get $o) (call $tanh (local.get $cNext))) (local.get $wide))
            (local.set $j (i32.add (local.get $j) (select (i32.const 4) (i32.const 1) (local.get $wide))))
            (br $channelLoop)))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $rowLoop))))
)
