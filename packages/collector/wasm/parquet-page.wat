;; A Snappy-compressed Parquet v1 data page decoded in this module's memory (docs/decisions/0053): the page
;; decompressed (`snappy`), then its dictionary indices, RLE / bit-packed hybrid, gathered into doubles (`gather`,
;; what `gatherRleHybrid` in src/files/parquet-typed-page.ts does). The definition levels, the bit width and every
;; check that decides what a page is stay in TypeScript (src/files/parquet-page-kernel.ts).
;;
;; Neither function traps on bad input or reports a cause: each returns -1 when its input is not what it takes (a
;; truncated or corrupt stream, a length that differs, a run past the data, an odd header), and the caller then
;; gives the page to the JavaScript it replaces, which throws the error it always threw (or decodes what it accepts).
;; Both read and write at most 16 bytes past the areas the caller gives; the caller keeps 32 bytes of slack after
;; each area.
;;
;; A page with nulls: its `present` indices gathered first (`gather` into a scratch area), then spread over its rows
;; by its definition levels (`spread`), NaN on a null row, as decodeTypedPage's loop does.
;;
;; Assembled by packages/collector/scripts/build-wasm.mjs (wabt) into src/files/parquet-page-wasm.ts.
(module
  (memory (export "memory") 1)

  ;; Decompresses the raw Snappy block at [in, in + inLen) to [out, out + outLen): a varint of the length, which
  ;; must be outLen, then elements until the input ends: a literal (tag & 3 = 0: its length − 1 in the tag's top six
  ;; bits, or, from 60 to 63, in the 1–4 little-endian bytes after the tag) or a copy of earlier output (tag & 3 = 1:
  ;; length 4–11 and an 11-bit offset; 2: length 1–64 and a 2-byte offset; 3: length 1–64 and a 4-byte offset). A
  ;; copy whose offset is below its length repeats the offset's bytes (the pattern). Returns 0, or -1 when the
  ;; stream is not one that gives exactly outLen bytes.
  (func (export "snappy") (param $in i32) (param $inLen i32) (param $out i32) (param $outLen i32) (result i32)
    (local $ip i32) (local $inEnd i32) (local $op i32) (local $outEnd i32) (local $tag i32) (local $len i32)
    (local $shift i32) (local $b i32) (local $n i32) (local $offset i32) (local $src i32) (local $extra i32)
    (local.set $ip (local.get $in))
    (local.set $inEnd (i32.add (local.get $in) (local.get $inLen)))
    ;; The length: at most five bytes, at most 32 bits.
    (block $length
      (loop $byte
        (if (i32.ge_u (local.get $ip) (local.get $inEnd)) (then (return (i32.const -1))))
        (local.set $b (i32.load8_u (local.get $ip)))
        (local.set $ip (i32.add (local.get $ip) (i32.const 1)))
        (if (i32.and (i32.eq (local.get $shift) (i32.const 28)) (i32.gt_u (local.get $b) (i32.const 15)))
          (then (return (i32.const -1))))
        (local.set $len (i32.or (local.get $len)
          (i32.shl (i32.and (local.get $b) (i32.const 0x7f)) (local.get $shift))))
        (br_if $length (i32.eqz (i32.and (local.get $b) (i32.const 0x80))))
        (local.set $shift (i32.add (local.get $shift) (i32.const 7)))
        (br $byte)))
    (if (i32.ne (local.get $len) (local.get $outLen)) (then (return (i32.const -1))))
    (local.set $op (local.get $out))
    (local.set $outEnd (i32.add (local.get $out) (local.get $outLen)))
    (block $end
      (loop $element
        (br_if $end (i32.ge_u (local.get $ip) (local.get $inEnd)))
        (local.set $tag (i32.load8_u (local.get $ip)))
        (local.set $ip (i32.add (local.get $ip) (i32.const 1)))
        (if (i32.eqz (i32.and (local.get $tag) (i32.const 3)))
          (then
            ;; A literal of n + 1 bytes.
            (local.set $n (i32.shr_u (local.get $tag) (i32.const 2)))
            (if (i32.ge_u (local.get $n) (i32.const 60))
              (then
                (local.set $extra (i32.sub (local.get $n) (i32.const 59)))
                (if (i32.gt_u (local.get $extra) (i32.sub (local.get $inEnd) (local.get $ip)))
                  (then (return (i32.const -1))))
                ;; The 1–4 bytes of the length − 1, little-endian (the 4-byte load may pass the input: masked).
                (local.set $n (i32.and (i32.load (local.get $ip))
                  (i32.shr_u (i32.const -1) (i32.shl (i32.sub (i32.const 4) (local.get $extra)) (i32.const 3)))))
                (local.set $ip (i32.add (local.get $ip) (local.get $extra)))))
            ;; n + 1 bytes must be left in both the input and the output (n < left, without overflow).
            (if (i32.ge_u (local.get $n) (i32.sub (local.get $inEnd) (local.get $ip))) (then (return (i32.const -1))))
            (if (i32.ge_u (local.get $n) (i32.sub (local.get $outEnd) (local.get $op))) (then (return (i32.const -1))))
            (local.set $n (i32.add (local.get $n) (i32.const 1)))
            (if (i32.le_u (local.get $n) (i32.const 16))
              (then (v128.store (local.get $op) (v128.load (local.get $ip))))
              (else (memory.copy (local.get $op) (local.get $ip) (local.get $n))))
            (local.set $op (i32.add (local.get $op) (local.get $n)))
            (local.set $ip (i32.add (local.get $ip) (local.get $n)))
            (br $element)))
        ;; A copy: its length and offset.
        (local.set $extra (i32.and (local.get $tag) (i32.const 3)))
        (if (i32.eq (local.get $extra) (i32.const 1))
          (then
            (if (i32.ge_u (local.get $ip) (local.get $inEnd)) (then (return (i32.const -1))))
            (local.set $n (i32.add (i32.const 4) (i32.and (i32.shr_u (local.get $tag) (i32.const 2)) (i32.const 7))))
            (local.set $offset (i32.or (i32.shl (i32.shr_u (local.get $tag) (i32.const 5)) (i32.const 8))
              (i32.load8_u (local.get $ip))))
            (local.set $ip (i32.add (local.get $ip) (i32.const 1))))
          (else
            ;; 2 or 4 offset bytes.
            (local.set $extra (i32.shl (i32.sub (local.get $extra) (i32.const 1)) (i32.const 1)))
            (if (i32.gt_u (local.get $extra) (i32.sub (local.get $inEnd) (local.get $ip)))
              (then (return (i32.const -1))))
            (local.set $n (i32.add (i32.const 1) (i32.shr_u (local.get $tag) (i32.const 2))))
            (local.set $offset (select (i32.load16_u (local.get $ip)) (i32.load (local.get $ip))
              (i32.eq (local.get $extra) (i32.const 2))))
            (local.set $ip (i32.add (local.get $ip) (local.get $extra)))))
        ;; 0 < offset <= bytes written so far, and length <= bytes left.
        (if (i32.ge_u (i32.sub (local.get $offset) (i32.const 1)) (i32.sub (local.get $op) (local.get $out)))
          (then (return (i32.const -1))))
        (if (i32.gt_u (local.get $n) (i32.sub (local.get $outEnd) (local.get $op))) (then (return (i32.const -1))))
        (local.set $src (i32.sub (local.get $op) (local.get $offset)))
        (if (i32.ge_u (local.get $offset) (i32.const 16))
          (then
            ;; 16 bytes at a time: each block read lies before the block written (up to 15 bytes written past).
            (if (i32.le_u (local.get $n) (i32.const 16))
              (then (v128.store (local.get $op) (v128.load (local.get $src))))
              (else
                (if (i32.ge_u (local.get $offset) (local.get $n))
                  (then (memory.copy (local.get $op) (local.get $src) (local.get $n)))
                  (else
                    (local.set $b (i32.const 0))
                    (loop $block
                      (v128.store (i32.add (local.get $op) (local.get $b))
                        (v128.load (i32.add (local.get $src) (local.get $b))))
                      (local.set $b (i32.add (local.get $b) (i32.const 16)))
                      (br_if $block (i32.lt_u (local.get $b) (local.get $n))))))))
            (local.set $op (i32.add (local.get $op) (local.get $n))))
          (else
            ;; The pattern of `offset` < 16 bytes, repeated: one byte at a time (each read was written before).
            (local.set $b (i32.add (local.get $op) (local.get $n)))
            (loop $repeat
              (i32.store8 (local.get $op) (i32.load8_u (local.get $src)))
              (local.set $op (i32.add (local.get $op) (i32.const 1)))
              (local.set $src (i32.add (local.get $src) (i32.const 1)))
              (br_if $repeat (i32.lt_u (local.get $op) (local.get $b))))))
        (br $element)))
    (if (i32.ne (local.get $op) (local.get $outEnd)) (then (return (i32.const -1))))
    (i32.const 0))

  ;; `gatherRleHybrid` (src/files/parquet-typed-page.ts): `count` dictionary indices of `bitWidth` (1–24) bits,
  ;; RLE / bit-packed hybrid, from [pos, end), each written as the f64 at dict + 8·index to out, out + 8, ... Returns
  ;; the largest index read (the caller checks it against the dictionary's size), or -1 when the data ends before
  ;; `count` indices, a bit-packed run passes `end`, a run header is longer than five bytes or ends at `end`, or an
  ;; RLE run's index is not below `dictCap` (the entries the caller reserved at `dict`; a bit-packed index is below
  ;; 2^bitWidth, which the caller keeps within them). The four bytes at `end` are set to 0 first: an RLE run's value
  ;; read past the data reads 0 there, as JavaScript's `undefined` past the page does.
  (func (export "gather") (param $pos i32) (param $end i32) (param $bitWidth i32) (param $dict i32)
        (param $dictCap i32) (param $out i32) (param $count i32) (result i32)
    (local $i i32) (local $largest i32) (local $mask i32) (local $valueBytes i32) (local $header i64)
    (local $shift i64) (local $b i32) (local $stop i32) (local $o i32) (local $oEnd i32) (local $bit i32)
    (local $index i32) (local $runEnd i64) (local $v f64) (local $k i32)
    (i32.store (local.get $end) (i32.const 0))
    (local.set $mask (i32.sub (i32.shl (i32.const 1) (local.get $bitWidth)) (i32.const 1)))
    (local.set $valueBytes (i32.shr_u (i32.add (local.get $bitWidth) (i32.const 7)) (i32.const 3)))
    (block $done
      (loop $run
        (br_if $done (i32.ge_u (local.get $i) (local.get $count)))
        ;; The run's header: a ULEB128 of at most five bytes that ends before `end`.
        (local.set $header (i64.const 0))
        (local.set $shift (i64.const 0))
        (loop $byte
          (if (i32.ge_u (local.get $pos) (local.get $end)) (then (return (i32.const -1))))
          (local.set $b (i32.load8_u (local.get $pos)))
          (local.set $pos (i32.add (local.get $pos) (i32.const 1)))
          (local.set $header (i64.or (local.get $header)
            (i64.shl (i64.extend_i32_u (i32.and (local.get $b) (i32.const 0x7f))) (local.get $shift))))
          (if (i32.and (local.get $b) (i32.const 0x80))
            (then
              (local.set $shift (i64.add (local.get $shift) (i64.const 7)))
              (if (i64.gt_u (local.get $shift) (i64.const 28)) (then (return (i32.const -1))))
              (br $byte))))
        ;; The run's last index + 1: min(count, i + values), values in i64 (up to 2^37).
        (if (i32.wrap_i64 (i64.and (local.get $header) (i64.const 1)))
          (then
            ;; Bit-packed: header >> 1 groups of 8 indices, bitWidth bytes a group.
            (local.set $runEnd (i64.add (i64.extend_i32_u (local.get $pos))
              (i64.mul (i64.shr_u (local.get $header) (i64.const 1)) (i64.extend_i32_u (local.get $bitWidth)))))
            (if (i64.gt_u (local.get $runEnd) (i64.extend_i32_u (local.get $end))) (then (return (i32.const -1))))
            (local.set $stop (select (local.get $count)
              (i32.wrap_i64 (i64.add (i64.extend_i32_u (local.get $i))
                (i64.shl (i64.shr_u (local.get $header) (i64.const 1)) (i64.const 3))))
              (i64.ge_u (i64.add (i64.extend_i32_u (local.get $i))
                (i64.shl (i64.shr_u (local.get $header) (i64.const 1)) (i64.const 3)))
                (i64.extend_i32_u (local.get $count)))))
            (local.set $o (i32.add (local.get $out) (i32.shl (local.get $i) (i32.const 3))))
            (local.set $oEnd (i32.add (local.get $out) (i32.shl (local.get $stop) (i32.const 3))))
            (local.set $bit (i32.const 0))
            ;; Index k of the run from the little-endian 32-bit word at its byte (at most 24 + 7 bits used; the
            ;; word may pass the run: the mask keeps the index's own bits).
            (if (i32.lt_u (local.get $o) (local.get $oEnd))
              (then
                (loop $value
                  (local.set $index (i32.and (i32.shr_u
                    (i32.load (i32.add (local.get $pos) (i32.shr_u (local.get $bit) (i32.const 3))))
                    (i32.and (local.get $bit) (i32.const 7))) (local.get $mask)))
                  (local.set $largest (select (local.get $index) (local.get $largest)
                    (i32.gt_u (local.get $index) (local.get $largest))))
                  (f64.store (local.get $o)
                    (f64.load (i32.add (local.get $dict) (i32.shl (local.get $index) (i32.const 3)))))
                  (local.set $bit (i32.add (local.get $bit) (local.get $bitWidth)))
                  (local.set $o (i32.add (local.get $o) (i32.const 8)))
                  (br_if $value (i32.lt_u (local.get $o) (local.get $oEnd))))))
            (local.set $i (local.get $stop))
            (local.set $pos (i32.wrap_i64 (local.get $runEnd)))
            (br $run)))
        ;; RLE: header >> 1 copies of the index in the next (bitWidth + 7) / 8 bytes.
        (local.set $index (i32.const 0))
        (local.set $k (i32.const 0))
        (loop $valueByte
          (local.set $index (i32.or (local.get $index)
            (i32.shl (i32.load8_u (local.get $pos)) (i32.shl (local.get $k) (i32.const 3)))))
          (local.set $pos (i32.add (local.get $pos) (i32.const 1)))
          (local.set $k (i32.add (local.get $k) (i32.const 1)))
          (br_if $valueByte (i32.lt_u (local.get $k) (local.get $valueBytes))))
        ;; Past the reserved entries: the JavaScript (which fills NaN) has the page.
        (if (i32.ge_u (local.get $index) (local.get $dictCap)) (then (return (i32.const -1))))
        (local.set $largest (select (local.get $index) (local.get $largest)
          (i32.gt_u (local.get $index) (local.get $largest))))
        (local.set $stop (select (local.get $count)
          (i32.wrap_i64 (i64.add (i64.extend_i32_u (local.get $i)) (i64.shr_u (local.get $header) (i64.const 1))))
          (i64.ge_u (i64.add (i64.extend_i32_u (local.get $i)) (i64.shr_u (local.get $header) (i64.const 1)))
            (i64.extend_i32_u (local.get $count)))))
        (local.set $v (f64.load (i32.add (local.get $dict) (i32.shl (local.get $index) (i32.const 3)))))
        (local.set $o (i32.add (local.get $out) (i32.shl (local.get $i) (i32.const 3))))
        (local.set $oEnd (i32.add (local.get $out) (i32.shl (local.get $stop) (i32.const 3))))
        (if (i32.lt_u (local.get $o) (local.get $oEnd))
          (then
            (loop $fill
              (f64.store (local.get $o) (local.get $v))
              (local.set $o (i32.add (local.get $o) (i32.const 8)))
              (br_if $fill (i32.lt_u (local.get $o) (local.get $oEnd))))))
        (local.set $i (local.get $stop))
        (br $run)))
    (local.get $largest))
  ;; Spreads the doubles at `src` (one a defined row, in order) over `count` rows at `out` by the definition levels
  ;; (bit width 1, RLE / bit-packed hybrid) at [pos, end): a defined row (level 1) takes the next double, a null
  ;; row (level 0) NaN. Returns 0, or -1 when the levels end early or pass `end`, a run header is longer than five
  ;; bytes, or an RLE run's level is neither 0 nor 1 (the JavaScript then has the page). The four bytes at
  ;; `pageEnd` are set to 0 first, as in `gather`.
  (func (export "spread") (param $pos i32) (param $end i32) (param $pageEnd i32) (param $src i32) (param $out i32)
        (param $count i32) (result i32)
    (local $i i32) (local $header i64) (local $shift i64) (local $b i32) (local $stop i32) (local $o i32)
    (local $oEnd i32) (local $k i32) (local $runEnd i64) (local $n i32)
    (i32.store (local.get $pageEnd) (i32.const 0))
    (local.set $o (local.get $out))
    (block $done
      (loop $run
        (br_if $done (i32.ge_u (local.get $i) (local.get $count)))
        (local.set $header (i64.const 0))
        (local.set $shift (i64.const 0))
        (loop $byte
          (if (i32.ge_u (local.get $pos) (local.get $end)) (then (return (i32.const -1))))
          (local.set $b (i32.load8_u (local.get $pos)))
          (local.set $pos (i32.add (local.get $pos) (i32.const 1)))
          (local.set $header (i64.or (local.get $header)
            (i64.shl (i64.extend_i32_u (i32.and (local.get $b) (i32.const 0x7f))) (local.get $shift))))
          (if (i32.and (local.get $b) (i32.const 0x80))
            (then
              (local.set $shift (i64.add (local.get $shift) (i64.const 7)))
              (if (i64.gt_u (local.get $shift) (i64.const 28)) (then (return (i32.const -1))))
              (br $byte))))
        (if (i32.wrap_i64 (i64.and (local.get $header) (i64.const 1)))
          (then
            ;; Bit-packed: header >> 1 bytes of eight levels each, least significant bit first.
            (local.set $runEnd (i64.add (i64.extend_i32_u (local.get $pos)) (i64.shr_u (local.get $header) (i64.const 1))))
            (if (i64.gt_u (local.get $runEnd) (i64.extend_i32_u (local.get $end))) (then (return (i32.const -1))))
            (local.set $stop (select (local.get $count)
              (i32.wrap_i64 (i64.add (i64.extend_i32_u (local.get $i))
                (i64.shl (i64.shr_u (local.get $header) (i64.const 1)) (i64.const 3))))
              (i64.ge_u (i64.add (i64.extend_i32_u (local.get $i))
                (i64.shl (i64.shr_u (local.get $header) (i64.const 1)) (i64.const 3)))
                (i64.extend_i32_u (local.get $count)))))
            (local.set $k (i32.const 0))
            (block $packed
              (loop $level
                (br_if $packed (i32.ge_u (local.get $i) (local.get $stop)))
                (if (i32.and (i32.shr_u (i32.load8_u (i32.add (local.get $pos) (i32.shr_u (local.get $k) (i32.const 3))))
                      (i32.and (local.get $k) (i32.const 7))) (i32.const 1))
                  (then
                    (f64.store (local.get $o) (f64.load (local.get $src)))
                    (local.set $src (i32.add (local.get $src) (i32.const 8))))
                  (else (f64.store (local.get $o) (f64.const nan))))
                (local.set $o (i32.add (local.get $o) (i32.const 8)))
                (local.set $k (i32.add (local.get $k) (i32.const 1)))
                (local.set $i (i32.add (local.get $i) (i32.const 1)))
                (br $level)))
            (local.set $pos (i32.wrap_i64 (local.get $runEnd)))
            (br $run)))
        ;; RLE: header >> 1 rows of the level in the next byte.
        (local.set $b (i32.load8_u (local.get $pos)))
        (local.set $pos (i32.add (local.get $pos) (i32.const 1)))
        (if (i32.gt_u (local.get $b) (i32.const 1)) (then (return (i32.const -1))))
        (local.set $stop (select (local.get $count)
          (i32.wrap_i64 (i64.add (i64.extend_i32_u (local.get $i)) (i64.shr_u (local.get $header) (i64.const 1))))
          (i64.ge_u (i64.add (i64.extend_i32_u (local.get $i)) (i64.shr_u (local.get $header) (i64.const 1)))
            (i64.extend_i32_u (local.get $count)))))
        (local.set $n (i32.shl (i32.sub (local.get $stop) (local.get $i)) (i32.const 3)))
        (local.set $oEnd (i32.add (local.get $o) (local.get $n)))
        (if (local.get $b)
          (then
            (memory.copy (local.get $o) (local.get $src) (local.get $n))
            (local.set $src (i32.add (local.get $src) (local.get $n)))
            (local.set $o (local.get $oEnd)))
          (else
            (block $filled
              (loop $fill
                (br_if $filled (i32.ge_u (local.get $o) (local.get $oEnd)))
                (f64.store (local.get $o) (f64.const nan))
                (local.set $o (i32.add (local.get $o) (i32.const 8)))
                (br $fill)))))
        (local.set $i (local.get $stop))
        (br $run)))
    (i32.const 0))
)
