;; The surrogate's permutation importance of a numeric feature (one design column; docs/decisions/0050): all its
;; repeats in one call, each a seeded Fisher–Yates shuffle of the rows and the sum of squared errors of the prediction
;; with the feature's values so permuted, in float64 with WebAssembly SIMD (f64x2).
;;
;; Memory, laid out by src/stats/permutation-kernel.ts: the n predictions at `pred`, the n targets at `y`, the
;; feature's n values at `x` (8 bytes each), 2n doubles of scratch at `v`, one double a repeat out at `out`.
;;
;; The same numbers as the TypeScript (`surrogatePermutationImportanceColumnsInJs`), to the bit:
;; - The generator is mulberry32, its state a 32-bit counter each draw advances by 0x6d2b79f5, so the k-th shuffle of
;;   n rows (n − 1 draws each) starts from state + k·(n − 1)·0x6d2b79f5: a pair of repeats runs its two shuffles side
;;   by side, and the call returns the state the JS `shuffle`s leave, state + repeats·(n − 1)·0x6d2b79f5.
;; - A draw is u = ((t ^ t >>> 14) >>> 0) / 2³² and j = floor(u·(r + 1)) in f64; here j = (t'·(r + 1)) >> 32 in
;;   i64 with t' that u32, the same integer while r + 1 <= 2²¹ (the kernel's caller sends no more rows): t'/2³² is
;;   exact, and so is its product with r + 1, as t'·(r + 1) < 2⁵³. Mulberry32's steps are written out at each draw
;;   (a call a draw was half the shuffle's time: V8 does not inline WebAssembly calls here).
;; - The shuffle swaps the feature's values rather than row indices: after the same swaps, v[r] = x[order[r]], the
;;   value the JS reads through `order`, so the sum reads it in order of r instead of gathering it.
;; - Each repeat's sum is Σᵣ (pred[r] + b·(v[r] − x[r]) − y[r])² from +0 in order of r: a lane of f64x2 rounds each
;;   mul, add and sub as the scalar does (WebAssembly has no fused multiply-add), and (s − y)·(s − y) is the JS
;;   `(s − y) ** 2` (V8's pow of exponent 2 is that product; the property tests compare every importance).
;;
;; Assembled by packages/analyzers/scripts/build-wasm.mjs (wabt) into src/stats/permutation-wasm.ts.
(module
  (memory (export "memory") 1)

  ;; Every repeat of one feature: out[k] = repeat k's sum of squared errors; returns the generator's state after.
  (func (export "feature")
    (param $n i32) (param $repeats i32) (param $state i32) (param $b f64)
    (param $pred i32) (param $y i32) (param $x i32) (param $v i32) (param $out i32)
    (result i32)
    (local $step i32) (local $s0 i32) (local $s1 i32) (local $rep i32) (local $r i32) (local $at i32)
    (local $j0 i32) (local $j1 i32) (local $kept f64) (local $bv v128) (local $d v128) (local $acc v128)
    (local $e f64) (local $sum f64) (local $t i32) (local $bound i64)
    ;; Draws a shuffle: n − 1 (none for n = 0 or 1).
    (local.set $step
      (i32.mul
        (select (i32.sub (local.get $n) (i32.const 1)) (i32.const 0) (i32.gt_u (local.get $n) (i32.const 0)))
        (i32.const 0x6d2b79f5)))
    (local.set $bv (f64x2.splat (local.get $b)))
    (local.set $rep (i32.const 0))
    ;; Two repeats at a time: lane 0 is repeat rep, lane 1 repeat rep + 1; v[2r + lane] is that lane's value at r.
    (block $pairs_done
      (loop $pairs
        (br_if $pairs_done (i32.gt_u (i32.add (local.get $rep) (i32.const 2)) (local.get $repeats)))
        (local.set $r (i32.const 0))
        (block $fill_done
          (loop $fill
            (br_if $fill_done (i32.ge_u (local.get $r) (local.get $n)))
            (v128.store
              (i32.add (local.get $v) (i32.shl (local.get $r) (i32.const 4)))
              (v128.load64_splat (i32.add (local.get $x) (i32.shl (local.get $r) (i32.const 3)))))
            (local.set $r (i32.add (local.get $r) (i32.const 1)))
            (br $fill)))
        (local.set $s0 (local.get $state))
        (local.set $s1 (i32.add (local.get $state) (local.get $step)))
        (local.set $r (i32.sub (local.get $n) (i32.const 1)))
        (block $shuffle_done
          (loop $shuffle
            (br_if $shuffle_done (i32.le_s (local.get $r) (i32.const 0)))
            (local.set $s0 (i32.add (local.get $s0) (i32.const 0x6d2b79f5)))
            (local.set $s1 (i32.add (local.get $s1) (i32.const 0x6d2b79f5)))
            (local.set $bound (i64.extend_i32_u (i32.add (local.get $r) (i32.const 1))))
            (local.set $t (i32.mul
              (i32.xor (local.get $s0) (i32.shr_u (local.get $s0) (i32.const 15)))
              (i32.or (local.get $s0) (i32.const 1))))
            (local.set $t (i32.xor (local.get $t)
              (i32.add (local.get $t)
                (i32.mul
                  (i32.xor (local.get $t) (i32.shr_u (local.get $t) (i32.const 7)))
                  (i32.or (local.get $t) (i32.const 61))))))
            (local.set $j0 (i32.wrap_i64 (i64.shr_u
              (i64.mul
                (i64.extend_i32_u (i32.xor (local.get $t) (i32.shr_u (local.get $t) (i32.const 14))))
                (local.get $bound))
              (i64.const 32))))
            (local.set $t (i32.mul
              (i32.xor (local.get $s1) (i32.shr_u (local.get $s1) (i32.const 15)))
              (i32.or (local.get $s1) (i32.const 1))))
            (local.set $t (i32.xor (local.get $t)
              (i32.add (local.get $t)
                (i32.mul
                  (i32.xor (local.get $t) (i32.shr_u (local.get $t) (i32.const 7)))
                  (i32.or (local.get $t) (i32.const 61))))))
            (local.set $j1 (i32.wrap_i64 (i64.shr_u
              (i64.mul
                (i64.extend_i32_u (i32.xor (local.get $t) (i32.shr_u (local.get $t) (i32.const 14))))
                (local.get $bound))
              (i64.const 32))))
            (local.set $at (i32.add (local.get $v) (i32.shl (local.get $r) (i32.const 4))))
            (local.set $j0 (i32.add (local.get $v) (i32.shl (local.get $j0) (i32.const 4))))
            (local.set $j1 (i32.add (local.get $v) (i32.add (i32.shl (local.get $j1) (i32.const 4)) (i32.const 8))))
            (local.set $kept (f64.load (local.get $at)))
            (f64.store (local.get $at) (f64.load (local.get $j0)))
            (f64.store (local.get $j0) (local.get $kept))
            (local.set $kept (f64.load offset=8 (local.get $at)))
            (f64.store offset=8 (local.get $at) (f64.load (local.get $j1)))
            (f64.store (local.get $j1) (local.get $kept))
            (local.set $r (i32.sub (local.get $r) (i32.const 1)))
            (br $shuffle)))
        (local.set $acc (v128.const f64x2 0 0))
        (local.set $r (i32.const 0))
        (block $sum_done
          (loop $sum
            (br_if $sum_done (i32.ge_u (local.get $r) (local.get $n)))
            (local.set $at (i32.shl (local.get $r) (i32.const 3)))
            (local.set $d
              (f64x2.sub
                (f64x2.add
                  (v128.load64_splat (i32.add (local.get $pred) (local.get $at)))
                  (f64x2.mul (local.get $bv)
                    (f64x2.sub
                      (v128.load (i32.add (local.get $v) (i32.shl (local.get $at) (i32.const 1))))
                      (v128.load64_splat (i32.add (local.get $x) (local.get $at))))))
                (v128.load64_splat (i32.add (local.get $y) (local.get $at)))))
            (local.set $acc (f64x2.add (local.get $acc) (f64x2.mul (local.get $d) (local.get $d))))
            (local.set $r (i32.add (local.get $r) (i32.const 1)))
            (br $sum)))
        (v128.store (i32.add (local.get $out) (i32.shl (local.get $rep) (i32.const 3))) (local.get $acc))
        (local.set $state (i32.add (local.get $state) (i32.shl (local.get $step) (i32.const 1))))
        (local.set $rep (i32.add (local.get $rep) (i32.const 2)))
        (br $pairs)))
    ;; The last repeat of an odd number, alone: v[r] is its value at r.
    (if (i32.lt_u (local.get $rep) (local.get $repeats))
      (then
        (memory.copy (local.get $v) (local.get $x) (i32.shl (local.get $n) (i32.const 3)))
        (local.set $s0 (local.get $state))
        (local.set $r (i32.sub (local.get $n) (i32.const 1)))
        (block $one_done
          (loop $one
            (br_if $one_done (i32.le_s (local.get $r) (i32.const 0)))
            (local.set $s0 (i32.add (local.get $s0) (i32.const 0x6d2b79f5)))
            (local.set $bound (i64.extend_i32_u (i32.add (local.get $r) (i32.const 1))))
            (local.set $t (i32.mul
              (i32.xor (local.get $s0) (i32.shr_u (local.get $s0) (i32.const 15)))
              (i32.or (local.get $s0) (i32.const 1))))
            (local.set $t (i32.xor (local.get $t)
              (i32.add (local.get $t)
                (i32.mul
                  (i32.xor (local.get $t) (i32.shr_u (local.get $t) (i32.const 7)))
                  (i32.or (local.get $t) (i32.const 61))))))
            (local.set $j0 (i32.wrap_i64 (i64.shr_u
              (i64.mul
                (i64.extend_i32_u (i32.xor (local.get $t) (i32.shr_u (local.get $t) (i32.const 14))))
                (local.get $bound))
              (i64.const 32))))
            (local.set $at (i32.add (local.get $v) (i32.shl (local.get $r) (i32.const 3))))
            (local.set $j0 (i32.add (local.get $v) (i32.shl (local.get $j0) (i32.const 3))))
            (local.set $kept (f64.load (local.get $at)))
            (f64.store (local.get $at) (f64.load (local.get $j0)))
            (f64.store (local.get $j0) (local.get $kept))
            (local.set $r (i32.sub (local.get $r) (i32.const 1)))
            (br $one)))
        (local.set $sum (f64.const 0))
        (local.set $r (i32.const 0))
        (block $last_done
          (loop $last
            (br_if $last_done (i32.ge_u (local.get $r) (local.get $n)))
            (local.set $at (i32.shl (local.get $r) (i32.const 3)))
            (local.set $e
              (f64.sub
                (f64.add
                  (f64.load (i32.add (local.get $pred) (local.get $at)))
                  (f64.mul (local.get $b)
                    (f64.sub
                      (f64.load (i32.add (local.get $v) (local.get $at)))
                      (f64.load (i32.add (local.get $x) (local.get $at))))))
                (f64.load (i32.add (local.get $y) (local.get $at)))))
            (local.set $sum (f64.add (local.get $sum) (f64.mul (local.get $e) (local.get $e))))
            (local.set $r (i32.add (local.get $r) (i32.const 1)))
            (br $last)))
        (f64.store (i32.add (local.get $out) (i32.shl (local.get $rep) (i32.const 3))) (local.get $sum))
        (local.set $state (i32.add (local.get $state) (local.get $step)))))
    (local.get $state))
)
