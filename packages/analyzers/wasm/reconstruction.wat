;; The per-event reconstruction error at ingest (docs/decisions/0048): the errors of a run of n standardised rows in
;; one call, in float64 with WebAssembly SIMD (f64x2).
;;
;; Memory, laid out by src/multivariate/reconstruction-kernel.ts: the k principal axes row-major (axis j's input i at
;; `axes` + 8(j·d + i)); the same axes transposed, input-major, each input's k values followed by zeros up to kp (a
;; multiple of 8: `axesT` + 8(i·kp + j)); kp doubles of scratch for the projections at `p`; the rows row-major at `z`
;; (row r's input i at `z` + 8(r·d + i)); n doubles out at `out`.
;;
;; A row's error is what the JS `projectedResidual` (data-reconstruction.ts) computes, to the bit: each projection
;; p[j] = Σᵢ axes[j][i]·z[i] is summed over i in order from +0, each back-projection b[i] = Σ_c axes[c][i]·p[c] over c
;; in order from +0, and the squared residuals (z[i] − b[i])² are added one at a time in order of i, from +0, then
;; f64.sqrt. A lane of f64x2.mul then f64x2.add rounds as the scalar multiply then add (WebAssembly SIMD has no fused
;; multiply-add), and which sums share a register changes no sum's order. Lanes of the padding (j >= k) compute
;; products of zeros that are stored in p but never read.
;;
;; Assembled by packages/analyzers/scripts/build-wasm.mjs (wabt) into src/multivariate/reconstruction-wasm.ts.
(module
  (memory (export "memory") 1)

  (func (export "errors")
    (param $n i32) (param $d i32) (param $k i32) (param $kp i32)
    (param $axes i32) (param $axesT i32) (param $p i32) (param $z i32) (param $out i32)
    (local $r i32) (local $row i32) (local $rowEnd i32) (local $rowBytes i32) (local $tBytes i32)
    (local $j i32) (local $i i32) (local $c i32) (local $at i32) (local $zi i32) (local $pc i32) (local $pEnd i32)
    (local $x v128) (local $s0 v128) (local $s1 v128) (local $s2 v128) (local $s3 v128) (local $e v128)
    (local $projected f64) (local $back f64) (local $ez f64)
    (local.set $rowBytes (i32.shl (local.get $d) (i32.const 3)))
    (local.set $tBytes (i32.shl (local.get $kp) (i32.const 3)))
    (local.set $pEnd (i32.add (local.get $p) (i32.shl (local.get $k) (i32.const 3))))
    (local.set $row (local.get $z))
    (local.set $r (i32.const 0))
    (block $rows_done
      (loop $rows
        (br_if $rows_done (i32.ge_u (local.get $r) (local.get $n)))
        (local.set $rowEnd (i32.add (local.get $row) (local.get $rowBytes)))

        ;; The projections onto the axes, eight at a time (four f64x2 sums), from the transposed axes.
        (local.set $j (i32.const 0))
        (block $proj_done
          (loop $proj
            (br_if $proj_done (i32.ge_u (local.get $j) (local.get $kp)))
            (local.set $s0 (v128.const f64x2 0 0))
            (local.set $s1 (v128.const f64x2 0 0))
            (local.set $s2 (v128.const f64x2 0 0))
            (local.set $s3 (v128.const f64x2 0 0))
            (local.set $at (i32.add (local.get $axesT) (i32.shl (local.get $j) (i32.const 3))))
            (local.set $zi (local.get $row))
            (if (i32.gt_u (local.get $d) (i32.const 0))
              (then
                (loop $dot
                  (local.set $x (v128.load64_splat (local.get $zi)))
                  (local.set $s0 (f64x2.add (local.get $s0) (f64x2.mul (v128.load (local.get $at)) (local.get $x))))
                  (local.set $s1 (f64x2.add (local.get $s1) (f64x2.mul (v128.load offset=16 (local.get $at)) (local.get $x))))
                  (local.set $s2 (f64x2.add (local.get $s2) (f64x2.mul (v128.load offset=32 (local.get $at)) (local.get $x))))
                  (local.set $s3 (f64x2.add (local.get $s3) (f64x2.mul (v128.load offset=48 (local.get $at)) (local.get $x))))
                  (local.set $at (i32.add (local.get $at) (local.get $tBytes)))
                  (local.set $zi (i32.add (local.get $zi) (i32.const 8)))
                  (br_if $dot (i32.lt_u (local.get $zi) (local.get $rowEnd))))))
            (local.set $at (i32.add (local.get $p) (i32.shl (local.get $j) (i32.const 3))))
            (v128.store (local.get $at) (local.get $s0))
            (v128.store offset=16 (local.get $at) (local.get $s1))
            (v128.store offset=32 (local.get $at) (local.get $s2))
            (v128.store offset=48 (local.get $at) (local.get $s3))
            (local.set $j (i32.add (local.get $j) (i32.const 8)))
            (br $proj)))

        ;; The back-projections and the squared residuals, eight inputs at a time (four f64x2 sums), from the axes.
        (local.set $projected (f64.const 0))
        (local.set $i (i32.const 0))
        (block $eights_done
          (loop $eights
            (br_if $eights_done (i32.gt_u (i32.add (local.get $i) (i32.const 8)) (local.get $d)))
            (local.set $s0 (v128.const f64x2 0 0))
            (local.set $s1 (v128.const f64x2 0 0))
            (local.set $s2 (v128.const f64x2 0 0))
            (local.set $s3 (v128.const f64x2 0 0))
            (local.set $at (i32.add (local.get $axes) (i32.shl (local.get $i) (i32.const 3))))
            (local.set $pc (local.get $p))
            (if (i32.lt_u (local.get $pc) (local.get $pEnd))
              (then
                (loop $back8
                  (local.set $x (v128.load64_splat (local.get $pc)))
                  (local.set $s0 (f64x2.add (local.get $s0) (f64x2.mul (v128.load (local.get $at)) (local.get $x))))
                  (local.set $s1 (f64x2.add (local.get $s1) (f64x2.mul (v128.load offset=16 (local.get $at)) (local.get $x))))
                  (local.set $s2 (f64x2.add (local.get $s2) (f64x2.mul (v128.load offset=32 (local.get $at)) (local.get $x))))
                  (local.set $s3 (f64x2.add (local.get $s3) (f64x2.mul (v128.load offset=48 (local.get $at)) (local.get $x))))
                  (local.set $at (i32.add (local.get $at) (local.get $rowBytes)))
                  (local.set $pc (i32.add (local.get $pc) (i32.const 8)))
                  (br_if $back8 (i32.lt_u (local.get $pc) (local.get $pEnd))))))
            (local.set $zi (i32.add (local.get $row) (i32.shl (local.get $i) (i32.const 3))))
            (local.set $e (f64x2.sub (v128.load (local.get $zi)) (local.get $s0)))
            (local.set $e (f64x2.mul (local.get $e) (local.get $e)))
            (local.set $projected (f64.add (local.get $projected) (f64x2.extract_lane 0 (local.get $e))))
            (local.set $projected (f64.add (local.get $projected) (f64x2.extract_lane 1 (local.get $e))))
            (local.set $e (f64x2.sub (v128.load offset=16 (local.get $zi)) (local.get $s1)))
            (local.set $e (f64x2.mul (local.get $e) (local.get $e)))
            (local.set $projected (f64.add (local.get $projected) (f64x2.extract_lane 0 (local.get $e))))
            (local.set $projected (f64.add (local.get $projected) (f64x2.extract_lane 1 (local.get $e))))
            (local.set $e (f64x2.sub (v128.load offset=32 (local.get $zi)) (local.get $s2)))
            (local.set $e (f64x2.mul (local.get $e) (local.get $e)))
            (local.set $projected (f64.add (local.get $projected) (f64x2.extract_lane 0 (local.get $e))))
            (local.set $projected (f64.add (local.get $projected) (f64x2.extract_lane 1 (local.get $e))))
            (local.set $e (f64x2.sub (v128.load offset=48 (local.get $zi)) (local.get $s3)))
            (local.set $e (f64x2.mul (local.get $e) (local.get $e)))
            (local.set $projected (f64.add (local.get $projected) (f64x2.extract_lane 0 (local.get $e))))
            (local.set $projected (f64.add (local.get $projected) (f64x2.extract_lane 1 (local.get $e))))
            (local.set $i (i32.add (local.get $i) (i32.const 8)))
            (br $eights)))

        ;; Two inputs at a time (one f64x2 sum).
        (block $twos_done
          (loop $twos
            (br_if $twos_done (i32.gt_u (i32.add (local.get $i) (i32.const 2)) (local.get $d)))
            (local.set $s0 (v128.const f64x2 0 0))
            (local.set $at (i32.add (local.get $axes) (i32.shl (local.get $i) (i32.const 3))))
            (local.set $pc (local.get $p))
            (if (i32.lt_u (local.get $pc) (local.get $pEnd))
              (then
                (loop $back2
                  (local.set $s0 (f64x2.add (local.get $s0)
                    (f64x2.mul (v128.load (local.get $at)) (v128.load64_splat (local.get $pc)))))
                  (local.set $at (i32.add (local.get $at) (local.get $rowBytes)))
                  (local.set $pc (i32.add (local.get $pc) (i32.const 8)))
                  (br_if $back2 (i32.lt_u (local.get $pc) (local.get $pEnd))))))
            (local.set $zi (i32.add (local.get $row) (i32.shl (local.get $i) (i32.const 3))))
            (local.set $e (f64x2.sub (v128.load (local.get $zi)) (local.get $s0)))
            (local.set $e (f64x2.mul (local.get $e) (local.get $e)))
            (local.set $projected (f64.add (local.get $projected) (f64x2.extract_lane 0 (local.get $e))))
            (local.set $projected (f64.add (local.get $projected) (f64x2.extract_lane 1 (local.get $e))))
            (local.set $i (i32.add (local.get $i) (i32.const 2)))
            (br $twos)))

        ;; The last input of an odd d.
        (if (i32.lt_u (local.get $i) (local.get $d))
          (then
            (local.set $back (f64.const 0))
            (local.set $at (i32.add (local.get $axes) (i32.shl (local.get $i) (i32.const 3))))
            (local.set $pc (local.get $p))
            (if (i32.lt_u (local.get $pc) (local.get $pEnd))
              (then
                (loop $back1
                  (local.set $back (f64.add (local.get $back)
                    (f64.mul (f64.load (local.get $at)) (f64.load (local.get $pc)))))
                  (local.set $at (i32.add (local.get $at) (local.get $rowBytes)))
                  (local.set $pc (i32.add (local.get $pc) (i32.const 8)))
                  (br_if $back1 (i32.lt_u (local.get $pc) (local.get $pEnd))))))
            (local.set $ez (f64.sub (f64.load (i32.add (local.get $row) (i32.shl (local.get $i) (i32.const 3))))
              (local.get $back)))
            (local.set $projected (f64.add (local.get $projected) (f64.mul (local.get $ez) (local.get $ez))))))

        (f64.store (i32.add (local.get $out) (i32.shl (local.get $r) (i32.const 3))) (f64.sqrt (local.get $projected)))
        (local.set $row (local.get $rowEnd))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $rows)))
  )
)
