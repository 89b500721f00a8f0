;; The surrogate's XᵀX kernel (docs/decisions/0027): one block of design rows, every pair of its columns summed over
;; the block's rows and added to the packed upper triangle of XᵀX, in float64 with WebAssembly SIMD (f64x2).
;;
;; The block is held quad-major: the columns 4q … 4q+3 of the block's rows are one panel of `stride` bytes, row r's
;; four values at byte 32r of it (columns past p are zeros). A tile of 4 × 4 columns keeps its 16 sums in 8 f64x2
;; registers; each sum runs over the rows in order from +0, one multiply and one add a row (no fused multiply-add in
;; WebAssembly SIMD), so every entry is the sum the plain loop `s += x[r][i] * x[r][j]` gives, to the bit.
;;
;; Assembled by packages/analyzers/scripts/build-wasm.mjs (wabt) into src/stats/gram-wasm.ts.
(module
  (memory (export "memory") 1)

  ;; Byte address of the triangle's entry (i, 0) were row i full: row i starts at entry i·p − i(i−1)/2 with (i, i),
  ;; so entry (i, j) is at this plus 8j.
  (func $rowBase (param $tri i32) (param $p i32) (param $i i32) (result i32)
    (i32.add (local.get $tri)
      (i32.shl
        (i32.sub
          (i32.sub (i32.mul (local.get $i) (local.get $p))
            (i32.shr_u (i32.mul (local.get $i) (i32.sub (local.get $i) (i32.const 1))) (i32.const 1)))
          (local.get $i))
        (i32.const 3))))

  ;; Adds v to the triangle's entry (i, j) when i <= j < p (the tiles on the diagonal and at column p).
  (func $put (param $tri i32) (param $p i32) (param $i i32) (param $j i32) (param $v f64)
    (local $at i32)
    (if (i32.ge_u (local.get $j) (local.get $p)) (then (return)))
    (if (i32.lt_u (local.get $j) (local.get $i)) (then (return)))
    (local.set $at (i32.add (call $rowBase (local.get $tri) (local.get $p) (local.get $i)) (i32.shl (local.get $j) (i32.const 3))))
    (f64.store (local.get $at) (f64.add (f64.load (local.get $at)) (local.get $v))))

  ;; The tiles of column quad qi against quads qi … quads−1 over the block's b rows (b ≥ 1), added to the triangle at
  ;; byte `tri` (p columns). Called once per quad, so V8 moves it to its optimising tier after the first few calls.
  (func (export "gramRow")
    (param $qi i32) (param $quads i32) (param $p i32) (param $b i32) (param $panel i32) (param $stride i32)
    (param $tri i32)
    (local $qj i32) (local $pi i32) (local $pj i32) (local $o i32) (local $end i32) (local $i i32) (local $j i32)
    (local $x v128) (local $v0 v128) (local $v1 v128)
    (local $base0 i32) (local $base1 i32) (local $base2 i32) (local $base3 i32) (local $last i32) (local $at i32)
    (local $a00 v128) (local $a01 v128) (local $a10 v128) (local $a11 v128) (local $a20 v128) (local $a21 v128) (local $a30 v128) (local $a31 v128)
    (local.set $pi (i32.add (local.get $panel) (i32.mul (local.get $qi) (local.get $stride))))
    (local.set $end (i32.shl (local.get $b) (i32.const 5)))
    (local.set $i (i32.shl (local.get $qi) (i32.const 2)))
    (local.set $base0 (call $rowBase (local.get $tri) (local.get $p) (i32.add (local.get $i) (i32.const 0))))
    (local.set $base1 (call $rowBase (local.get $tri) (local.get $p) (i32.add (local.get $i) (i32.const 1))))
    (local.set $base2 (call $rowBase (local.get $tri) (local.get $p) (i32.add (local.get $i) (i32.const 2))))
    (local.set $base3 (call $rowBase (local.get $tri) (local.get $p) (i32.add (local.get $i) (i32.const 3))))
    ;; Right of the diagonal quad and up to this one, all 16 entries of a tile are in the triangle (the rest: $put).
    (local.set $last (i32.sub (i32.shr_u (local.get $p) (i32.const 2)) (i32.const 1)))
    (local.set $qj (local.get $qi))
    (block $tiles_done
      (loop $tiles
        (br_if $tiles_done (i32.ge_u (local.get $qj) (local.get $quads)))
        (local.set $pj (i32.add (local.get $panel) (i32.mul (local.get $qj) (local.get $stride))))
        (local.set $a00 (v128.const f64x2 0 0))
        (local.set $a01 (v128.const f64x2 0 0))
        (local.set $a10 (v128.const f64x2 0 0))
        (local.set $a11 (v128.const f64x2 0 0))
        (local.set $a20 (v128.const f64x2 0 0))
        (local.set $a21 (v128.const f64x2 0 0))
        (local.set $a30 (v128.const f64x2 0 0))
        (local.set $a31 (v128.const f64x2 0 0))
        (local.set $o (i32.const 0))
        (loop $rows
          (local.set $v0 (v128.load (i32.add (local.get $pj) (local.get $o))))
          (local.set $v1 (v128.load offset=16 (i32.add (local.get $pj) (local.get $o))))
          (local.set $x (v128.load64_splat (i32.add (local.get $pi) (local.get $o))))
          (local.set $a00 (f64x2.add (local.get $a00) (f64x2.mul (local.get $x) (local.get $v0))))
          (local.set $a01 (f64x2.add (local.get $a01) (f64x2.mul (local.get $x) (local.get $v1))))
          (local.set $x (v128.load64_splat offset=8 (i32.add (local.get $pi) (local.get $o))))
          (local.set $a10 (f64x2.add (local.get $a10) (f64x2.mul (local.get $x) (local.get $v0))))
          (local.set $a11 (f64x2.add (local.get $a11) (f64x2.mul (local.get $x) (local.get $v1))))
          (local.set $x (v128.load64_splat offset=16 (i32.add (local.get $pi) (local.get $o))))
          (local.set $a20 (f64x2.add (local.get $a20) (f64x2.mul (local.get $x) (local.get $v0))))
          (local.set $a21 (f64x2.add (local.get $a21) (f64x2.mul (local.get $x) (local.get $v1))))
          (local.set $x (v128.load64_splat offset=24 (i32.add (local.get $pi) (local.get $o))))
          (local.set $a30 (f64x2.add (local.get $a30) (f64x2.mul (local.get $x) (local.get $v0))))
          (local.set $a31 (f64x2.add (local.get $a31) (f64x2.mul (local.get $x) (local.get $v1))))
          (local.set $o (i32.add (local.get $o) (i32.const 32)))
          (br_if $rows (i32.lt_u (local.get $o) (local.get $end))))
        (local.set $j (i32.shl (local.get $qj) (i32.const 2)))
        (if (i32.and (i32.gt_u (local.get $qj) (local.get $qi)) (i32.le_s (local.get $qj) (local.get $last)))
          (then
            (local.set $at (i32.add (local.get $base0) (i32.shl (local.get $j) (i32.const 3))))
            (f64.store (local.get $at) (f64.add (f64.load (local.get $at)) (f64x2.extract_lane 0 (local.get $a00))))
            (f64.store offset=8 (local.get $at) (f64.add (f64.load offset=8 (local.get $at)) (f64x2.extract_lane 1 (local.get $a00))))
            (f64.store offset=16 (local.get $at) (f64.add (f64.load offset=16 (local.get $at)) (f64x2.extract_lane 0 (local.get $a01))))
            (f64.store offset=24 (local.get $at) (f64.add (f64.load offset=24 (local.get $at)) (f64x2.extract_lane 1 (local.get $a01))))
            (local.set $at (i32.add (local.get $base1) (i32.shl (local.get $j) (i32.const 3))))
            (f64.store (local.get $at) (f64.add (f64.load (local.get $at)) (f64x2.extract_lane 0 (local.get $a10))))
            (f64.store offset=8 (local.get $at) (f64.add (f64.load offset=8 (local.get $at)) (f64x2.extract_lane 1 (local.get $a10))))
            (f64.store offset=16 (local.get $at) (f64.add (f64.load offset=16 (local.get $at)) (f64x2.extract_lane 0 (local.get $a11))))
            (f64.store offset=24 (local.get $at) (f64.add (f64.load offset=24 (local.get $at)) (f64x2.extract_lane 1 (local.get $a11))))
            (local.set $at (i32.add (local.get $base2) (i32.shl (local.get $j) (i32.const 3))))
            (f64.store (local.get $at) (f64.add (f64.load (local.get $at)) (f64x2.extract_lane 0 (local.get $a20))))
            (f64.store offset=8 (local.get $at) (f64.add (f64.load offset=8 (local.get $at)) (f64x2.extract_lane 1 (local.get $a20))))
            (f64.store offset=16 (local.get $at) (f64.add (f64.load offset=16 (local.get $at)) (f64x2.extract_lane 0 (local.get $a21))))
            (f64.store offset=24 (local.get $at) (f64.add (f64.load offset=24 (local.get $at)) (f64x2.extract_lane 1 (local.get $a21))))
            (local.set $at (i32.add (local.get $base3) (i32.shl (local.get $j) (i32.const 3))))
            (f64.store (local.get $at) (f64.add (f64.load (local.get $at)) (f64x2.extract_lane 0 (local.get $a30))))
            (f64.store offset=8 (local.get $at) (f64.add (f64.load offset=8 (local.get $at)) (f64x2.extract_lane 1 (local.get $a30))))
            (f64.store offset=16 (local.get $at) (f64.add (f64.load offset=16 (local.get $at)) (f64x2.extract_lane 0 (local.get $a31))))
            (f64.store offset=24 (local.get $at) (f64.add (f64.load offset=24 (local.get $at)) (f64x2.extract_lane 1 (local.get $a31))))
          )
          (else
            (call $put (local.get $tri) (local.get $p) (i32.add (local.get $i) (i32.const 0)) (i32.add (local.get $j) (i32.const 0)) (f64x2.extract_lane 0 (local.get $a00)))
            (call $put (local.get $tri) (local.get $p) (i32.add (local.get $i) (i32.const 0)) (i32.add (local.get $j) (i32.const 1)) (f64x2.extract_lane 1 (local.get $a00)))
            (call $put (local.get $tri) (local.get $p) (i32.add (local.get $i) (i32.const 0)) (i32.add (local.get $j) (i32.const 2)) (f64x2.extract_lane 0 (local.get $a01)))
            (call $put (local.get $tri) (local.get $p) (i32.add (local.get $i) (i32.const 0)) (i32.add (local.get $j) (i32.const 3)) (f64x2.extract_lane 1 (local.get $a01)))
            (call $put (local.get $tri) (local.get $p) (i32.add (local.get $i) (i32.const 1)) (i32.add (local.get $j) (i32.const 0)) (f64x2.extract_lane 0 (local.get $a10)))
            (call $put (local.get $tri) (local.get $p) (i32.add (local.get $i) (i32.const 1)) (i32.add (local.get $j) (i32.const 1)) (f64x2.extract_lane 1 (local.get $a10)))
            (call $put (local.get $tri) (local.get $p) (i32.add (local.get $i) (i32.const 1)) (i32.add (local.get $j) (i32.const 2)) (f64x2.extract_lane 0 (local.get $a11)))
            (call $put (local.get $tri) (local.get $p) (i32.add (local.get $i) (i32.const 1)) (i32.add (local.get $j) (i32.const 3)) (f64x2.extract_lane 1 (local.get $a11)))
            (call $put (local.get $tri) (local.get $p) (i32.add (local.get $i) (i32.const 2)) (i32.add (local.get $j) (i32.const 0)) (f64x2.extract_lane 0 (local.get $a20)))
            (call $put (local.get $tri) (local.get $p) (i32.add (local.get $i) (i32.const 2)) (i32.add (local.get $j) (i32.const 1)) (f64x2.extract_lane 1 (local.get $a20)))
            (call $put (local.get $tri) (local.get $p) (i32.add (local.get $i) (i32.const 2)) (i32.add (local.get $j) (i32.const 2)) (f64x2.extract_lane 0 (local.get $a21)))
            (call $put (local.get $tri) (local.get $p) (i32.add (local.get $i) (i32.const 2)) (i32.add (local.get $j) (i32.const 3)) (f64x2.extract_lane 1 (local.get $a21)))
            (call $put (local.get $tri) (local.get $p) (i32.add (local.get $i) (i32.const 3)) (i32.add (local.get $j) (i32.const 0)) (f64x2.extract_lane 0 (local.get $a30)))
            (call $put (local.get $tri) (local.get $p) (i32.add (local.get $i) (i32.const 3)) (i32.add (local.get $j) (i32.const 1)) (f64x2.extract_lane 1 (local.get $a30)))
            (call $put (local.get $tri) (local.get $p) (i32.add (local.get $i) (i32.const 3)) (i32.add (local.get $j) (i32.const 2)) (f64x2.extract_lane 0 (local.get $a31)))
            (call $put (local.get $tri) (local.get $p) (i32.add (local.get $i) (i32.const 3)) (i32.add (local.get $j) (i32.const 3)) (f64x2.extract_lane 1 (local.get $a31)))
          ))
        (local.set $qj (i32.add (local.get $qj) (i32.const 1)))
        (br $tiles))))
)
