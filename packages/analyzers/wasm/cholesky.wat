;; The surrogate's Cholesky factorisation (docs/decisions/0050): L with LLᵀ = A + λI for the k × k correlation
;; matrix A (row-major at `a`), in float64 with WebAssembly SIMD (f64x2). L's rows are written row-major over A's (row
;; i's entries 0 … i over A's, each after the A entry it replaces is read), where the substitutions (in TypeScript) read
;; them, and into a copy at `li` with rows 2q and 2q + 1 interleaved (entry m of row 2q + lane at li + 16(q·k + m) +
;; 8·lane), so one v128 load gives L[2q][m] and L[2q + 1][m].
;;
;; L is what the TypeScript `choleskySolveInJs` computes, to the bit: L[i][j] = (A[i][j] + 0 − Σₘ L[i][m]·L[j][m]) /
;; L[j][j] with the terms subtracted for m ascending, and L[i][i] = sqrt(A[i][i] + λ − Σₘ L[i][m]²), the factorisation
;; stopping (0) at a pivot that is not above 1e-10. Entries j … j + 7 of row i are four f64x2 sums over m < j (lane
;; `lane` of sum q is entry j + 2q + lane: L[i][m] splat times the interleaved rows' pair), then each finishes in
;; scalar with its terms m = j … itself − 1 in order, as the JS's blocks do; then pairs, then one. A lane of f64x2.mul
;; then f64x2.sub rounds as the scalar multiply then subtract (no fused multiply-add in WebAssembly), and which entries
;; share a block changes no entry's order of subtraction.
;;
;; Assembled by packages/analyzers/scripts/build-wasm.mjs (wabt) into src/stats/cholesky-wasm.ts.
(module
  (memory (export "memory") 1)

  ;; 1 with L written, 0 when a pivot is not above 1e-10 (the rows after it are then not written).
  (func (export "factor") (param $k i32) (param $a i32) (param $li i32) (param $lambda f64) (result i32)
    (local $i i32) (local $j i32) (local $m i32) (local $row i32) (local $rowBytes i32) (local $pairBytes i32)
    (local $x v128) (local $at i32) (local $pj i32) (local $s f64) (local $v f64) (local $acc0 v128) (local $acc1 v128) (local $acc2 v128) (local $acc3 v128)
    (local $s0 f64) (local $s1 f64) (local $s2 f64) (local $s3 f64) (local $s4 f64) (local $s5 f64) (local $s6 f64) (local $s7 f64)
    (local.set $rowBytes (i32.shl (local.get $k) (i32.const 3)))
    (local.set $pairBytes (i32.shl (local.get $k) (i32.const 4)))
    (local.set $i (i32.const 0))
    (block $rows_done
      (loop $rows
        (br_if $rows_done (i32.ge_u (local.get $i) (local.get $k)))
        (local.set $row (i32.add (local.get $a) (i32.mul (local.get $i) (local.get $rowBytes))))
        (local.set $j (i32.const 0))
        ;; Blocks of 8 entries (j even): 4 f64x2 sums over m < j, then the block's own terms in scalar.
        (block $eights_done
          (loop $eights
            (br_if $eights_done (i32.ge_s (i32.add (local.get $j) (i32.const 7)) (local.get $i)))
            (local.set $acc0 (f64x2.add (v128.load offset=0 (i32.add (local.get $row) (i32.shl (local.get $j) (i32.const 3)))) (v128.const f64x2 0 0)))
            (local.set $acc1 (f64x2.add (v128.load offset=16 (i32.add (local.get $row) (i32.shl (local.get $j) (i32.const 3)))) (v128.const f64x2 0 0)))
            (local.set $acc2 (f64x2.add (v128.load offset=32 (i32.add (local.get $row) (i32.shl (local.get $j) (i32.const 3)))) (v128.const f64x2 0 0)))
            (local.set $acc3 (f64x2.add (v128.load offset=48 (i32.add (local.get $row) (i32.shl (local.get $j) (i32.const 3)))) (v128.const f64x2 0 0)))
            ;; pj: the interleaved pair of rows j, j + 1 at m = 0; the next pairs are pairBytes on.
            (local.set $pj (i32.add (local.get $li) (i32.mul (i32.shr_u (local.get $j) (i32.const 1)) (local.get $pairBytes))))
            (local.set $at (local.get $row))
            (local.set $m (i32.const 0))
            (block $eights_m_done
              (loop $eights_m
                (br_if $eights_m_done (i32.ge_u (local.get $m) (local.get $j)))
                (local.set $x (v128.load64_splat (local.get $at)))
                (local.set $acc0 (f64x2.sub (local.get $acc0) (f64x2.mul (local.get $x) (v128.load (local.get $pj)))))
                (local.set $acc1 (f64x2.sub (local.get $acc1) (f64x2.mul (local.get $x) (v128.load (i32.add (local.get $pj) (i32.mul (local.get $pairBytes) (i32.const 1)))))))
                (local.set $acc2 (f64x2.sub (local.get $acc2) (f64x2.mul (local.get $x) (v128.load (i32.add (local.get $pj) (i32.mul (local.get $pairBytes) (i32.const 2)))))))
                (local.set $acc3 (f64x2.sub (local.get $acc3) (f64x2.mul (local.get $x) (v128.load (i32.add (local.get $pj) (i32.mul (local.get $pairBytes) (i32.const 3)))))))
                (local.set $at (i32.add (local.get $at) (i32.const 8)))
                (local.set $pj (i32.add (local.get $pj) (i32.const 16)))
                (local.set $m (i32.add (local.get $m) (i32.const 1)))
                (br $eights_m)))
            (local.set $s0 (f64x2.extract_lane 0 (local.get $acc0)))
            (local.set $s1 (f64x2.extract_lane 1 (local.get $acc0)))
            (local.set $s2 (f64x2.extract_lane 0 (local.get $acc1)))
            (local.set $s3 (f64x2.extract_lane 1 (local.get $acc1)))
            (local.set $s4 (f64x2.extract_lane 0 (local.get $acc2)))
            (local.set $s5 (f64x2.extract_lane 1 (local.get $acc2)))
            (local.set $s6 (f64x2.extract_lane 0 (local.get $acc3)))
            (local.set $s7 (f64x2.extract_lane 1 (local.get $acc3)))
            (local.set $s0 (f64.div (local.get $s0) (f64.load (i32.add (i32.add (local.get $a) (i32.mul (i32.add (local.get $j) (i32.const 0)) (local.get $rowBytes))) (i32.shl (i32.add (local.get $j) (i32.const 0)) (i32.const 3))))))
            (f64.store offset=0 (i32.add (local.get $row) (i32.shl (local.get $j) (i32.const 3))) (local.get $s0))
            (local.set $s1 (f64.sub (local.get $s1) (f64.mul (local.get $s0) (f64.load (i32.add (i32.add (local.get $a) (i32.mul (i32.add (local.get $j) (i32.const 1)) (local.get $rowBytes))) (i32.shl (i32.add (local.get $j) (i32.const 0)) (i32.const 3)))))))
            (local.set $s1 (f64.div (local.get $s1) (f64.load (i32.add (i32.add (local.get $a) (i32.mul (i32.add (local.get $j) (i32.const 1)) (local.get $rowBytes))) (i32.shl (i32.add (local.get $j) (i32.const 1)) (i32.const 3))))))
            (f64.store offset=8 (i32.add (local.get $row) (i32.shl (local.get $j) (i32.const 3))) (local.get $s1))
            (local.set $s2 (f64.sub (local.get $s2) (f64.mul (local.get $s0) (f64.load (i32.add (i32.add (local.get $a) (i32.mul (i32.add (local.get $j) (i32.const 2)) (local.get $rowBytes))) (i32.shl (i32.add (local.get $j) (i32.const 0)) (i32.const 3)))))))
            (local.set $s2 (f64.sub (local.get $s2) (f64.mul (local.get $s1) (f64.load (i32.add (i32.add (local.get $a) (i32.mul (i32.add (local.get $j) (i32.const 2)) (local.get $rowBytes))) (i32.shl (i32.add (local.get $j) (i32.const 1)) (i32.const 3)))))))
            (local.set $s2 (f64.div (local.get $s2) (f64.load (i32.add (i32.add (local.get $a) (i32.mul (i32.add (local.get $j) (i32.const 2)) (local.get $rowBytes))) (i32.shl (i32.add (local.get $j) (i32.const 2)) (i32.const 3))))))
            (f64.store offset=16 (i32.add (local.get $row) (i32.shl (local.get $j) (i32.const 3))) (local.get $s2))
            (local.set $s3 (f64.sub (local.get $s3) (f64.mul (local.get $s0) (f64.load (i32.add (i32.add (local.get $a) (i32.mul (i32.add (local.get $j) (i32.const 3)) (local.get $rowBytes))) (i32.shl (i32.add (local.get $j) (i32.const 0)) (i32.const 3)))))))
            (local.set $s3 (f64.sub (local.get $s3) (f64.mul (local.get $s1) (f64.load (i32.add (i32.add (local.get $a) (i32.mul (i32.add (local.get $j) (i32.const 3)) (local.get $rowBytes))) (i32.shl (i32.add (local.get $j) (i32.const 1)) (i32.const 3)))))))
            (local.set $s3 (f64.sub (local.get $s3) (f64.mul (local.get $s2) (f64.load (i32.add (i32.add (local.get $a) (i32.mul (i32.add (local.get $j) (i32.const 3)) (local.get $rowBytes))) (i32.shl (i32.add (local.get $j) (i32.const 2)) (i32.const 3)))))))
            (local.set $s3 (f64.div (local.get $s3) (f64.load (i32.add (i32.add (local.get $a) (i32.mul (i32.add (local.get $j) (i32.const 3)) (local.get $rowBytes))) (i32.shl (i32.add (local.get $j) (i32.const 3)) (i32.const 3))))))
            (f64.store offset=24 (i32.add (local.get $row) (i32.shl (local.get $j) (i32.const 3))) (local.get $s3))
            (local.set $s4 (f64.sub (local.get $s4) (f64.mul (local.get $s0) (f64.load (i32.add (i32.add (local.get $a) (i32.mul (i32.add (local.get $j) (i32.const 4)) (local.get $rowBytes))) (i32.shl (i32.add (local.get $j) (i32.const 0)) (i32.const 3)))))))
            (local.set $s4 (f64.sub (local.get $s4) (f64.mul (local.get $s1) (f64.load (i32.add (i32.add (local.get $a) (i32.mul (i32.add (local.get $j) (i32.const 4)) (local.get $rowBytes))) (i32.shl (i32.add (local.get $j) (i32.const 1)) (i32.const 3)))))))
            (local.set $s4 (f64.sub (local.get $s4) (f64.mul (local.get $s2) (f64.load (i32.add (i32.add (local.get $a) (i32.mul (i32.add (local.get $j) (i32.const 4)) (local.get $rowBytes))) (i32.shl (i32.add (local.get $j) (i32.const 2)) (i32.const 3)))))))
            (local.set $s4 (f64.sub (local.get $s4) (f64.mul (local.get $s3) (f64.load (i32.add (i32.add (local.get $a) (i32.mul (i32.add (local.get $j) (i32.const 4)) (local.get $rowBytes))) (i32.shl (i32.add (local.get $j) (i32.const 3)) (i32.const 3)))))))
            (local.set $s4 (f64.div (local.get $s4) (f64.load (i32.add (i32.add (local.get $a) (i32.mul (i32.add (local.get $j) (i32.const 4)) (local.get $rowBytes))) (i32.shl (i32.add (local.get $j) (i32.const 4)) (i32.const 3))))))
            (f64.store offset=32 (i32.add (local.get $row) (i32.shl (local.get $j) (i32.const 3))) (local.get $s4))
            (local.set $s5 (f64.sub (local.get $s5) (f64.mul (local.get $s0) (f64.load (i32.add (i32.add (local.get $a) (i32.mul (i32.add (local.get $j) (i32.const 5)) (local.get $rowBytes))) (i32.shl (i32.add (local.get $j) (i32.const 0)) (i32.const 3)))))))
            (local.set $s5 (f64.sub (local.get $s5) (f64.mul (local.get $s1) (f64.load (i32.add (i32.add (local.get $a) (i32.mul (i32.add (local.get $j) (i32.const 5)) (local.get $rowBytes))) (i32.shl (i32.add (local.get $j) (i32.const 1)) (i32.const 3)))))))
            (local.set $s5 (f64.sub (local.get $s5) (f64.mul (local.get $s2) (f64.load (i32.add (i32.add (local.get $a) (i32.mul (i32.add (local.get $j) (i32.const 5)) (local.get $rowBytes))) (i32.shl (i32.add (local.get $j) (i32.const 2)) (i32.const 3)))))))
            (local.set $s5 (f64.sub (local.get $s5) (f64.mul (local.get $s3) (f64.load (i32.add (i32.add (local.get $a) (i32.mul (i32.add (local.get $j) (i32.const 5)) (local.get $rowBytes))) (i32.shl (i32.add (local.get $j) (i32.const 3)) (i32.const 3)))))))
            (local.set $s5 (f64.sub (local.get $s5) (f64.mul (local.get $s4) (f64.load (i32.add (i32.add (local.get $a) (i32.mul (i32.add (local.get $j) (i32.const 5)) (local.get $rowBytes))) (i32.shl (i32.add (local.get $j) (i32.const 4)) (i32.const 3)))))))
            (local.set $s5 (f64.div (local.get $s5) (f64.load (i32.add (i32.add (local.get $a) (i32.mul (i32.add (local.get $j) (i32.const 5)) (local.get $rowBytes))) (i32.shl (i32.add (local.get $j) (i32.const 5)) (i32.const 3))))))
            (f64.store offset=40 (i32.add (local.get $row) (i32.shl (local.get $j) (i32.const 3))) (local.get $s5))
            (local.set $s6 (f64.sub (local.get $s6) (f64.mul (local.get $s0) (f64.load (i32.add (i32.add (local.get $a) (i32.mul (i32.add (local.get $j) (i32.const 6)) (local.get $rowBytes))) (i32.shl (i32.add (local.get $j) (i32.const 0)) (i32.const 3)))))))
            (local.set $s6 (f64.sub (local.get $s6) (f64.mul (local.get $s1) (f64.load (i32.add (i32.add (local.get $a) (i32.mul (i32.add (local.get $j) (i32.const 6)) (local.get $rowBytes))) (i32.shl (i32.add (local.get $j) (i32.const 1)) (i32.const 3)))))))
            (local.set $s6 (f64.sub (local.get $s6) (f64.mul (local.get $s2) (f64.load (i32.add (i32.add (local.get $a) (i32.mul (i32.add (local.get $j) (i32.const 6)) (local.get $rowBytes))) (i32.shl (i32.add (local.get $j) (i32.const 2)) (i32.const 3)))))))
            (local.set $s6 (f64.sub (local.get $s6) (f64.mul (local.get $s3) (f64.load (i32.add (i32.add (local.get $a) (i32.mul (i32.add (local.get $j) (i32.const 6)) (local.get $rowBytes))) (i32.shl (i32.add (local.get $j) (i32.const 3)) (i32.const 3)))))))
            (local.set $s6 (f64.sub (local.get $s6) (f64.mul (local.get $s4) (f64.load (i32.add (i32.add (local.get $a) (i32.mul (i32.add (local.get $j) (i32.const 6)) (local.get $rowBytes))) (i32.shl (i32.add (local.get $j) (i32.const 4)) (i32.const 3)))))))
            (local.set $s6 (f64.sub (local.get $s6) (f64.mul (local.get $s5) (f64.load (i32.add (i32.add (local.get $a) (i32.mul (i32.add (local.get $j) (i32.const 6)) (local.get $rowBytes))) (i32.shl (i32.add (local.get $j) (i32.const 5)) (i32.const 3)))))))
            (local.set $s6 (f64.div (local.get $s6) (f64.load (i32.add (i32.add (local.get $a) (i32.mul (i32.add (local.get $j) (i32.const 6)) (local.get $rowBytes))) (i32.shl (i32.add (local.get $j) (i32.const 6)) (i32.const 3))))))
            (f64.store offset=48 (i32.add (local.get $row) (i32.shl (local.get $j) (i32.const 3))) (local.get $s6))
            (local.set $s7 (f64.sub (local.get $s7) (f64.mul (local.get $s0) (f64.load (i32.add (i32.add (local.get $a) (i32.mul (i32.add (local.get $j) (i32.const 7)) (local.get $rowBytes))) (i32.shl (i32.add (local.get $j) (i32.const 0)) (i32.const 3)))))))
            (local.set $s7 (f64.sub (local.get $s7) (f64.mul (local.get $s1) (f64.load (i32.add (i32.add (local.get $a) (i32.mul (i32.add (local.get $j) (i32.const 7)) (local.get $rowBytes))) (i32.shl (i32.add (local.get $j) (i32.const 1)) (i32.const 3)))))))
            (local.set $s7 (f64.sub (local.get $s7) (f64.mul (local.get $s2) (f64.load (i32.add (i32.add (local.get $a) (i32.mul (i32.add (local.get $j) (i32.const 7)) (local.get $rowBytes))) (i32.shl (i32.add (local.get $j) (i32.const 2)) (i32.const 3)))))))
            (local.set $s7 (f64.sub (local.get $s7) (f64.mul (local.get $s3) (f64.load (i32.add (i32.add (local.get $a) (i32.mul (i32.add (local.get $j) (i32.const 7)) (local.get $rowBytes))) (i32.shl (i32.add (local.get $j) (i32.const 3)) (i32.const 3)))))))
            (local.set $s7 (f64.sub (local.get $s7) (f64.mul (local.get $s4) (f64.load (i32.add (i32.add (local.get $a) (i32.mul (i32.add (local.get $j) (i32.const 7)) (local.get $rowBytes))) (i32.shl (i32.add (local.get $j) (i32.const 4)) (i32.const 3)))))))
            (local.set $s7 (f64.sub (local.get $s7) (f64.mul (local.get $s5) (f64.load (i32.add (i32.add (local.get $a) (i32.mul (i32.add (local.get $j) (i32.const 7)) (local.get $rowBytes))) (i32.shl (i32.add (local.get $j) (i32.const 5)) (i32.const 3)))))))
            (local.set $s7 (f64.sub (local.get $s7) (f64.mul (local.get $s6) (f64.load (i32.add (i32.add (local.get $a) (i32.mul (i32.add (local.get $j) (i32.const 7)) (local.get $rowBytes))) (i32.shl (i32.add (local.get $j) (i32.const 6)) (i32.const 3)))))))
            (local.set $s7 (f64.div (local.get $s7) (f64.load (i32.add (i32.add (local.get $a) (i32.mul (i32.add (local.get $j) (i32.const 7)) (local.get $rowBytes))) (i32.shl (i32.add (local.get $j) (i32.const 7)) (i32.const 3))))))
            (f64.store offset=56 (i32.add (local.get $row) (i32.shl (local.get $j) (i32.const 3))) (local.get $s7))
            (local.set $j (i32.add (local.get $j) (i32.const 8)))
            (br $eights)))
        ;; Blocks of 2 entries (j even): 1 f64x2 sum over m < j, then the block's own terms in scalar.
        (block $twos_done
          (loop $twos
            (br_if $twos_done (i32.ge_s (i32.add (local.get $j) (i32.const 1)) (local.get $i)))
            (local.set $acc0 (f64x2.add (v128.load offset=0 (i32.add (local.get $row) (i32.shl (local.get $j) (i32.const 3)))) (v128.const f64x2 0 0)))
            ;; pj: the interleaved pair of rows j, j + 1 at m = 0; the next pairs are pairBytes on.
            (local.set $pj (i32.add (local.get $li) (i32.mul (i32.shr_u (local.get $j) (i32.const 1)) (local.get $pairBytes))))
            (local.set $at (local.get $row))
            (local.set $m (i32.const 0))
            (block $twos_m_done
              (loop $twos_m
                (br_if $twos_m_done (i32.ge_u (local.get $m) (local.get $j)))
                (local.set $x (v128.load64_splat (local.get $at)))
                (local.set $acc0 (f64x2.sub (local.get $acc0) (f64x2.mul (local.get $x) (v128.load (local.get $pj)))))
                (local.set $at (i32.add (local.get $at) (i32.const 8)))
                (local.set $pj (i32.add (local.get $pj) (i32.const 16)))
                (local.set $m (i32.add (local.get $m) (i32.const 1)))
                (br $twos_m)))
            (local.set $s0 (f64x2.extract_lane 0 (local.get $acc0)))
            (local.set $s1 (f64x2.extract_lane 1 (local.get $acc0)))
            (local.set $s0 (f64.div (local.get $s0) (f64.load (i32.add (i32.add (local.get $a) (i32.mul (i32.add (local.get $j) (i32.const 0)) (local.get $rowBytes))) (i32.shl (i32.add (local.get $j) (i32.const 0)) (i32.const 3))))))
            (f64.store offset=0 (i32.add (local.get $row) (i32.shl (local.get $j) (i32.const 3))) (local.get $s0))
            (local.set $s1 (f64.sub (local.get $s1) (f64.mul (local.get $s0) (f64.load (i32.add (i32.add (local.get $a) (i32.mul (i32.add (local.get $j) (i32.const 1)) (local.get $rowBytes))) (i32.shl (i32.add (local.get $j) (i32.const 0)) (i32.const 3)))))))
            (local.set $s1 (f64.div (local.get $s1) (f64.load (i32.add (i32.add (local.get $a) (i32.mul (i32.add (local.get $j) (i32.const 1)) (local.get $rowBytes))) (i32.shl (i32.add (local.get $j) (i32.const 1)) (i32.const 3))))))
            (f64.store offset=8 (i32.add (local.get $row) (i32.shl (local.get $j) (i32.const 3))) (local.get $s1))
            (local.set $j (i32.add (local.get $j) (i32.const 2)))
            (br $twos)))
        ;; The entries left of the diagonal one at a time (at most one), then the diagonal.
        (block $ones_done
          (loop $ones
            (local.set $s (f64.add (f64.load (i32.add (local.get $row) (i32.shl (local.get $j) (i32.const 3))))
              (select (local.get $lambda) (f64.const 0) (i32.eq (local.get $j) (local.get $i)))))
            (local.set $pj (i32.add (local.get $a) (i32.mul (local.get $j) (local.get $rowBytes))))
            (local.set $m (i32.const 0))
            (block $one_m_done
              (loop $one_m
                (br_if $one_m_done (i32.ge_u (local.get $m) (local.get $j)))
                (local.set $at (i32.shl (local.get $m) (i32.const 3)))
                (local.set $s (f64.sub (local.get $s)
                  (f64.mul (f64.load (i32.add (local.get $row) (local.get $at))) (f64.load (i32.add (local.get $pj) (local.get $at))))))
                (local.set $m (i32.add (local.get $m) (i32.const 1)))
                (br $one_m)))
            (if (i32.eq (local.get $j) (local.get $i))
              (then
                (if (i32.eqz (f64.gt (local.get $s) (f64.const 1e-10))) (then (return (i32.const 0))))
                (f64.store (i32.add (local.get $row) (i32.shl (local.get $j) (i32.const 3))) (f64.sqrt (local.get $s)))
                (br $ones_done)))
            (f64.store (i32.add (local.get $row) (i32.shl (local.get $j) (i32.const 3)))
              (f64.div (local.get $s) (f64.load (i32.add (local.get $pj) (i32.shl (local.get $j) (i32.const 3))))))
            (local.set $j (i32.add (local.get $j) (i32.const 1)))
            (br $ones)))
        ;; Row i into the interleaved copy: lane i & 1 of pair i >> 1.
        (local.set $pj (i32.add (i32.add (local.get $li) (i32.mul (i32.shr_u (local.get $i) (i32.const 1)) (local.get $pairBytes)))
          (i32.shl (i32.and (local.get $i) (i32.const 1)) (i32.const 3))))
        (local.set $m (i32.const 0))
        (block $copy_done
          (loop $copy
            (br_if $copy_done (i32.gt_u (local.get $m) (local.get $i)))
            (f64.store (i32.add (local.get $pj) (i32.shl (local.get $m) (i32.const 4)))
              (f64.load (i32.add (local.get $row) (i32.shl (local.get $m) (i32.const 3)))))
            (local.set $m (i32.add (local.get $m) (i32.const 1)))
            (br $copy)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $rows)))
    (i32.const 1))
)
