;; The two hot loops of `sortDecimalPair` (packages/analyzers/src/sort/sort-finite.ts, docs/decisions/0028 and 0047):
;; counting a column's decimal keys into its window, and the walk over the keys present in both windows that writes
;; both sorted sides and takes the merge walk's steps (`stepMergeWalk` in src/stats/wasserstein.ts). The guess of
;; decimals, the checks that decide whether the pair is counted at all, and the clearing of a declined pair's counts
;; stay in TypeScript (src/sort/pair-kernel.ts); these loops do, in float64, the very operations the TypeScript loops
;; they replace do, in the same order, so that every key, count, sorted value and sum is the same to the bit.
;;
;; Assembled by packages/analyzers/scripts/build-wasm.mjs (wabt) into src/sort/pair-wasm.ts.
(module
  (memory (export "memory") 1)

  ;; `countKeys`: counts the keys k = Math.round(v·scale) of the `len` doubles at `vals` into the u32 counts at
  ;; `counts` (index k − base) and sets their bits in the i32 words at `present`, until a value's key does not give
  ;; it back (k / scale !== v) or falls outside [0, window); NaN is skipped. Returns the index it stopped at (`len`
  ;; when every value was counted) and writes the least and largest key counted and how many were counted as f64 at
  ;; `result`, +8 and +16 (Infinity, -Infinity and 0 when none was).
  (func (export "count") (param $vals i32) (param $len i32) (param $scale f64) (param $base f64)
        (param $counts i32) (param $present i32) (param $window f64) (param $result i32) (result i32)
    (local $i i32) (local $v f64) (local $y f64) (local $k f64) (local $at f64) (local $ai i32) (local $p i32)
    (local $min f64) (local $max f64) (local $n i32)
    (local.set $min (f64.const inf))
    (local.set $max (f64.const -inf))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $len)))
        (local.set $v (f64.load (i32.add (local.get $vals) (i32.shl (local.get $i) (i32.const 3)))))
        (if (f64.eq (local.get $v) (local.get $v))
          (then
            ;; k = Math.round(v·scale), JavaScript's rounding exactly: the integer nearest y = v·scale, a tie going up
            ;; (towards +Infinity), -0 kept for y in [-0.5, -0], NaN and the infinities as they are. ceil(y) is one too
            ;; many when it is more than a half above y, which `ceil(y) - 0.5 > y` tells exactly: for |y| < 2^52 the
            ;; subtraction is exact, and from 2^52 on every double is an integer, so ceil(y) = y and the comparison is
            ;; false whatever it rounds to (this is how V8 computes Math.round). f64.nearest would round ties to even
            ;; (2.5 → 2, not 3); floor(y + 0.5) would round 0.49999999999999994 to 1 (y + 0.5 rounds up to 1). Written
            ;; out here, not called: V8 (Node 20) does not inline calls between WebAssembly functions, and a call per
            ;; value took the count from ~5.5 to ~8 ns a value.
            (local.set $y (f64.mul (local.get $v) (local.get $scale)))
            (local.set $k (f64.ceil (local.get $y)))
            (local.set $k
              (select
                (f64.sub (local.get $k) (f64.const 1))
                (local.get $k)
                (f64.gt (f64.sub (local.get $k) (f64.const 0.5)) (local.get $y))))
            (local.set $at (f64.sub (local.get $k) (local.get $base)))
            (br_if $done (f64.ne (f64.div (local.get $k) (local.get $scale)) (local.get $v)))
            (br_if $done
              (i32.eqz (i32.and (f64.ge (local.get $at) (f64.const 0)) (f64.lt (local.get $at) (local.get $window)))))
            ;; An integer in [0, window): exact in an i32.
            (local.set $ai (i32.trunc_f64_s (local.get $at)))
            (local.set $p (i32.add (local.get $counts) (i32.shl (local.get $ai) (i32.const 2))))
            (i32.store (local.get $p) (i32.add (i32.load (local.get $p)) (i32.const 1)))
            (local.set $p (i32.add (local.get $present) (i32.shl (i32.shr_u (local.get $ai) (i32.const 5)) (i32.const 2))))
            (i32.store (local.get $p) (i32.or (i32.load (local.get $p)) (i32.shl (i32.const 1) (local.get $ai))))
            ;; `if (k < min) min = k`, not f64.min: the first of -0 and +0 stays, as in the TypeScript.
            (local.set $min (select (local.get $k) (local.get $min) (f64.lt (local.get $k) (local.get $min))))
            (local.set $max (select (local.get $k) (local.get $max) (f64.gt (local.get $k) (local.get $max))))
            (local.set $n (i32.add (local.get $n) (i32.const 1)))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))
    (f64.store (local.get $result) (local.get $min))
    (f64.store offset=8 (local.get $result) (local.get $max))
    (f64.store offset=16 (local.get $result) (f64.convert_i32_u (local.get $n)))
    (local.get $i))

  ;; The walk of `sortDecimalPair` over the words w = wFrom … wTo of U's present bits (word w + shift of V's), both
  ;; windows `words` words long: each key present in either side is the distinct value x = (32w + bit + baseU) / scale;
  ;; the merge walk steps at it with i and j the values of each side below it, then its counts' copies of x are written
  ;; to the outputs at `outU` and `outV` (each with room for 4 values past its result: a key's first four copies are
  ;; written whatever its count) and its counts and bits are cleared. The walk's state is the four f64 of a MergeWalk at
  ;; `state` (sum, compensation, largest difference, previous value), read and written back.
  (func (export "walk") (param $wFrom i32) (param $wTo i32) (param $shift i32) (param $words i32)
        (param $countsU i32) (param $presentU i32) (param $countsV i32) (param $presentV i32)
        (param $baseU f64) (param $scale f64) (param $outU i32) (param $outV i32) (param $nu f64) (param $nv f64)
        (param $state i32)
    (local $w i32) (local $wv i32) (local $inU i32) (local $inV i32) (local $bits i32) (local $bit i32)
    (local $a i32) (local $b i32) (local $cu i32) (local $cv i32) (local $i i32) (local $j i32) (local $m i32)
    (local $x f64) (local $x2 v128) (local $p i32)
    (local $sum f64) (local $compensation f64) (local $largest f64) (local $previous f64)
    (local $difference f64) (local $term f64) (local $total f64)
    (local.set $sum (f64.load (local.get $state)))
    (local.set $compensation (f64.load offset=8 (local.get $state)))
    (local.set $largest (f64.load offset=16 (local.get $state)))
    (local.set $previous (f64.load offset=24 (local.get $state)))
    (local.set $w (local.get $wFrom))
    (block $words_done
      (loop $next_word
        (br_if $words_done (i32.gt_s (local.get $w) (local.get $wTo)))
        (local.set $wv (i32.add (local.get $w) (local.get $shift)))
        ;; 0 <= w < words, as one unsigned comparison.
        (local.set $inU (i32.lt_u (local.get $w) (local.get $words)))
        (local.set $inV (i32.lt_u (local.get $wv) (local.get $words)))
        (local.set $bits (i32.const 0))
        (if (local.get $inU)
          (then
            (local.set $p (i32.add (local.get $presentU) (i32.shl (local.get $w) (i32.const 2))))
            (local.set $bits (i32.load (local.get $p)))
            (i32.store (local.get $p) (i32.const 0))))
        (if (local.get $inV)
          (then
            (local.set $p (i32.add (local.get $presentV) (i32.shl (local.get $wv) (i32.const 2))))
            (local.set $bits (i32.or (local.get $bits) (i32.load (local.get $p))))
            (i32.store (local.get $p) (i32.const 0))))
        (block $bits_done
          (loop $next_bit
            (br_if $bits_done (i32.eqz (local.get $bits)))
            (local.set $bit (i32.ctz (local.get $bits)))
            (local.set $bits (i32.and (local.get $bits) (i32.sub (local.get $bits) (i32.const 1))))
            (local.set $a (i32.add (i32.shl (local.get $w) (i32.const 5)) (local.get $bit)))
            (local.set $b (i32.add (i32.shl (local.get $wv) (i32.const 5)) (local.get $bit)))
            (local.set $cu (i32.const 0))
            (local.set $cv (i32.const 0))
            (if (local.get $inU)
              (then
                (local.set $p (i32.add (local.get $countsU) (i32.shl (local.get $a) (i32.const 2))))
                (local.set $cu (i32.load (local.get $p)))
                (i32.store (local.get $p) (i32.const 0))))
            (if (local.get $inV)
              (then
                (local.set $p (i32.add (local.get $countsV) (i32.shl (local.get $b) (i32.const 2))))
                (local.set $cv (i32.load (local.get $p)))
                (i32.store (local.get $p) (i32.const 0))))
            ;; An integer plus an integer (a zero comes out as +0), over the scale.
            (local.set $x (f64.div (f64.add (f64.convert_i32_s (local.get $a)) (local.get $baseU)) (local.get $scale)))
            ;; stepMergeWalk(walk, x, i, j, nu, nv), term for term.
            (local.set $difference
              (f64.abs (f64.sub (f64.mul (f64.convert_i32_u (local.get $i)) (local.get $nv))
                                (f64.mul (f64.convert_i32_u (local.get $j)) (local.get $nu)))))
            (if (i32.and (f64.gt (local.get $x) (local.get $previous)) (f64.gt (local.get $difference) (local.get $largest)))
              (then (local.set $largest (local.get $difference))))
            (local.set $term (f64.mul (local.get $difference) (f64.sub (local.get $x) (local.get $previous))))
            (local.set $total (f64.add (local.get $sum) (local.get $term)))
            (local.set $compensation
              (f64.add (local.get $compensation)
                (select
                  (f64.add (f64.sub (local.get $sum) (local.get $total)) (local.get $term))
                  (f64.add (f64.sub (local.get $term) (local.get $total)) (local.get $sum))
                  (f64.ge (local.get $sum) (local.get $term)))))
            (local.set $sum (local.get $total))
            (local.set $previous (local.get $x))
            ;; The copies: four whatever the count (the next key's overwrite the extra ones), then the rest.
            (local.set $x2 (f64x2.splat (local.get $x)))
            (local.set $p (i32.add (local.get $outU) (i32.shl (local.get $i) (i32.const 3))))
            (v128.store (local.get $p) (local.get $x2))
            (v128.store offset=16 (local.get $p) (local.get $x2))
            (local.set $m (i32.const 4))
            (block $u_done
              (loop $u_copy
                (br_if $u_done (i32.ge_u (local.get $m) (local.get $cu)))
                (f64.store (i32.add (local.get $p) (i32.shl (local.get $m) (i32.const 3))) (local.get $x))
                (local.set $m (i32.add (local.get $m) (i32.const 1)))
                (br $u_copy)))
            (local.set $i (i32.add (local.get $i) (local.get $cu)))
            (local.set $p (i32.add (local.get $outV) (i32.shl (local.get $j) (i32.const 3))))
            (v128.store (local.get $p) (local.get $x2))
            (v128.store offset=16 (local.get $p) (local.get $x2))
            (local.set $m (i32.const 4))
            (block $v_done
              (loop $v_copy
                (br_if $v_done (i32.ge_u (local.get $m) (local.get $cv)))
                (f64.store (i32.add (local.get $p) (i32.shl (local.get $m) (i32.const 3))) (local.get $x))
                (local.set $m (i32.add (local.get $m) (i32.const 1)))
                (br $v_copy)))
            (local.set $j (i32.add (local.get $j) (local.get $cv)))
            (br $next_bit)))
        (local.set $w (i32.add (local.get $w) (i32.const 1)))
        (br $next_word)))
    (f64.store (local.get $state) (local.get $sum))
    (f64.store offset=8 (local.get $state) (local.get $compensation))
    (f64.store offset=16 (local.get $state) (local.get $largest))
    (f64.store offset=24 (local.get $state) (local.get $previous)))
)
