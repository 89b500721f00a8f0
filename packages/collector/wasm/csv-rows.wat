;; CSV rows read whole (docs/decisions/0044, 0045): what CsvFastRows.row does (src/files/csv-fast-rows.ts), on bytes
;; in this module's memory, for up to `maxRows` rows a call.
;;
;; Each field whose target (an i32 at `targets` + 4k) is >= 0 and that is a plain decimal (optional sign, digits, at
;; most one point, a mantissa under 2^53, at most 22 decimals, ending at the delimiter, LF or CR) goes to the f64 at
;; block + 8 (target * stride + r) as CsvFastRows computes it: the mantissa (exact, under 2^53) converted to a double
;; and divided by the exact power of ten, then negated for a minus sign (so "-0" is -0 and "0" is +0, as in the
;; JavaScript, where 0 / 10^k is +0). Every other field is handed back as three i32 (field, start, end) at `ranges`,
;; after skipping the spaces (and tabs unless they delimit) before it. A row with a quote at a field's start, a wrong
;; field count or no line end stops the call having consumed nothing of it; so do (after the first row) the end of
;; the input, a blank line (the caller skips those) and a full `ranges` area.
;;
;; The byte at `end` is set to 0 during the call (and restored after it) so that the scans need no bounds checks: it
;; stops a number as JavaScript's `undefined` past the end of an array does. The delimiter must not be 0.
;;
;; Assembled by packages/collector/scripts/build-wasm.mjs (wabt) into src/files/csv-rows-wasm.ts.
(module
  (memory (export "memory") 1)

  ;; The exact powers of ten 1e0 ... 1e22 as f64, at byte 0 (the caller's areas start at 256).
  (data (i32.const 0)
    "\00\00\00\00\00\00\f0\3f" "\00\00\00\00\00\00\24\40" "\00\00\00\00\00\00\59\40" "\00\00\00\00\00\40\8f\40"
    "\00\00\00\00\00\88\c3\40" "\00\00\00\00\00\6a\f8\40" "\00\00\00\00\80\84\2e\41" "\00\00\00\00\d0\12\63\41"
    "\00\00\00\00\84\d7\97\41" "\00\00\00\00\65\cd\cd\41" "\00\00\00\20\5f\a0\02\42" "\00\00\00\e8\76\48\37\42"
    "\00\00\00\a2\94\1a\6d\42" "\00\00\40\e5\9c\30\a2\42" "\00\00\90\1e\c4\bc\d6\42" "\00\00\34\26\f5\6b\0c\43"
    "\00\80\e0\37\79\c3\41\43" "\00\a0\d8\85\57\34\76\43" "\00\c8\4e\67\6d\c1\ab\43" "\00\3d\91\60\e4\58\e1\43"
    "\40\8c\b5\78\1d\af\15\44" "\50\ef\e2\d6\e4\1a\4b\44" "\92\d5\4d\06\cf\f0\80\44")

  ;; Reads rows from `pos` (the first not a blank line) until `end`, at most `maxRows`, into block rows r0, r0+1, ...
  ;; For row j it writes at `info` + 8j the position after its line end and the number of i32 written to `ranges` so
  ;; far (three a handed-back field). Positions written are relative to `input` (the start and end of the input are
  ;; `input` + `pos` and `input` + `end`). Returns the number of rows read.
  (func (export "rows")
    (param $targets i32) (param $fields i32) (param $delimiter i32) (param $input i32) (param $pos i32) (param $end i32)
    (param $block i32) (param $stride i32) (param $r0 i32) (param $maxRows i32)
    (param $ranges i32) (param $rangeCap i32) (param $info i32)
    (result i32)
    (local $saved i32) (local $j i32) (local $i i32) (local $k i32) (local $last i32) (local $count i32)
    (local $rowCount i32) (local $rowBase i32) (local $strideBytes i32) (local $c i32) (local $target i32)
    (local $fieldStart i32) (local $wholeStart i32) (local $fractionStart i32) (local $digits i32) (local $decimals i32)
    (local $negative i32) (local $plain i32) (local $start i32) (local $d i32) (local $m i64) (local $value f64)
    (local.set $pos (i32.add (local.get $input) (local.get $pos)))
    (local.set $end (i32.add (local.get $input) (local.get $end)))
    (local.set $saved (i32.load8_u (local.get $end)))
    (i32.store8 (local.get $end) (i32.const 0))
    (local.set $last (i32.sub (local.get $fields) (i32.const 1)))
    (local.set $strideBytes (i32.shl (local.get $stride) (i32.const 3)))
    (local.set $i (local.get $pos))
    (block $done
      (loop $row
        (br_if $done (i32.ge_u (local.get $j) (local.get $maxRows)))
        (if (i32.gt_u (local.get $j) (i32.const 0))
          (then
            (br_if $done (i32.ge_u (local.get $i) (local.get $end)))
            (local.set $c (i32.load8_u (local.get $i)))
            (br_if $done (i32.or (i32.eq (local.get $c) (i32.const 0x0a)) (i32.eq (local.get $c) (i32.const 0x0d))))))
        (local.set $pos (local.get $i))
        (local.set $count (local.get $rowCount))
        (local.set $rowBase
          (i32.add (local.get $block) (i32.shl (i32.add (local.get $r0) (local.get $j)) (i32.const 3))))
        (local.set $k (i32.const 0))
        (block $refused
          (loop $field
            (local.set $target (i32.load (i32.add (local.get $targets) (i32.shl (local.get $k) (i32.const 2)))))
            (local.set $fieldStart (local.get $i))
            (local.set $c (i32.load8_u (local.get $i)))
            (local.set $plain (i32.const 0))
            (if (i32.ge_s (local.get $target) (i32.const 0))
              (then
                (local.set $negative (i32.eq (local.get $c) (i32.const 0x2d)))
                (if (i32.or (local.get $negative) (i32.eq (local.get $c) (i32.const 0x2b)))
                  (then
                    (local.set $i (i32.add (local.get $i) (i32.const 1)))
                    (local.set $c (i32.load8_u (local.get $i)))))
                (local.set $m (i64.const 0))
                (local.set $wholeStart (local.get $i))
                (block $wholeEnd
                  (loop $whole
                    (local.set $d (i32.sub (local.get $c) (i32.const 0x30)))
                    (br_if $wholeEnd (i32.ge_u (local.get $d) (i32.const 10)))
                    (local.set $m
                      (i64.add (i64.mul (local.get $m) (i64.const 10)) (i64.extend_i32_u (local.get $d))))
                    (local.set $i (i32.add (local.get $i) (i32.const 1)))
                    (local.set $c (i32.load8_u (local.get $i)))
                    (br $whole)))
                (local.set $digits (i32.sub (local.get $i) (local.get $wholeStart)))
                (local.set $decimals (i32.const 0))
                (if (i32.eq (local.get $c) (i32.const 0x2e))
                  (then
                    (local.set $i (i32.add (local.get $i) (i32.const 1)))
                    (local.set $fractionStart (local.get $i))
                    (local.set $c (i32.load8_u (local.get $i)))
                    (block $fractionEnd
                      (loop $fraction
                        (local.set $d (i32.sub (local.get $c) (i32.const 0x30)))
                        (br_if $fractionEnd (i32.ge_u (local.get $d) (i32.const 10)))
                        (local.set $m
                          (i64.add (i64.mul (local.get $m) (i64.const 10)) (i64.extend_i32_u (local.get $d))))
                        (local.set $i (i32.add (local.get $i) (i32.const 1)))
                        (local.set $c (i32.load8_u (local.get $i)))
                        (br $fraction)))
                    (local.set $decimals (i32.sub (local.get $i) (local.get $fractionStart)))
                    (local.set $digits (i32.add (local.get $digits) (local.get $decimals)))))
                (if (i32.and
                      (i32.and (i32.ne (local.get $digits) (i32.const 0)) (i32.le_u (local.get $decimals) (i32.const 22)))
                      (i32.or (i32.eq (local.get $c) (local.get $delimiter))
                        (i32.or (i32.eq (local.get $c) (i32.const 0x0a)) (i32.eq (local.get $c) (i32.const 0x0d)))))
                  (then
                    ;; 18 digits or fewer cannot overflow the i64; more may have, so the mantissa is read again,
                    ;; stopping at 2^53 (as the JavaScript's double does, it is then not a plain decimal).
                    (local.set $plain (i32.const 1))
                    (if (i32.gt_u (local.get $digits) (i32.const 18))
                      (then
                        (local.set $m (i64.const 0))
                        (local.set $start (local.get $wholeStart))
                        (block $again
                          (loop $digit
                            (br_if $again (i32.ge_u (local.get $start) (local.get $i)))
                            (local.set $d (i32.sub (i32.load8_u (local.get $start)) (i32.const 0x30)))
                            (local.set $start (i32.add (local.get $start) (i32.const 1)))
                            (br_if $digit (i32.ge_u (local.get $d) (i32.const 10)))
                            (local.set $m
                              (i64.add (i64.mul (local.get $m) (i64.const 10)) (i64.extend_i32_u (local.get $d))))
                            (if (i64.ge_u (local.get $m) (i64.const 0x20000000000000))
                              (then (local.set $plain (i32.const 0)) (br $again)))
                            (br $digit))))
                      (else
                        (if (i64.ge_u (local.get $m) (i64.const 0x20000000000000))
                          (then (local.set $plain (i32.const 0))))))))
                (if (local.get $plain)
                  (then
                    (local.set $value
                      (f64.div (f64.convert_i64_u (local.get $m))
                        (f64.load (i32.shl (local.get $decimals) (i32.const 3)))))
                    (if (local.get $negative) (then (local.set $value (f64.neg (local.get $value)))))
                    (f64.store
                      (i32.add (local.get $rowBase) (i32.mul (local.get $target) (local.get $strideBytes)))
                      (local.get $value)))
                  (else
                    (local.set $i (local.get $fieldStart))
                    (local.set $c (i32.load8_u (local.get $i)))))))
            (if (i32.eqz (local.get $plain))
              (then
                ;; As CsvCursor.next: spaces (and tabs unless they delimit) before the field are not part of it.
                (block $blankEnd
                  (loop $blank
                    (br_if $blankEnd
                      (i32.eqz
                        (i32.or (i32.eq (local.get $c) (i32.const 0x20))
                          (i32.and (i32.eq (local.get $c) (i32.const 0x09))
                            (i32.ne (local.get $delimiter) (i32.const 0x09))))))
                    (local.set $i (i32.add (local.get $i) (i32.const 1)))
                    (local.set $c (i32.load8_u (local.get $i)))
                    (br $blank)))
                (br_if $refused (i32.eq (local.get $c) (i32.const 0x22)))
                (local.set $start (local.get $i))
                (block $textEnd
                  (loop $text
                    (br_if $textEnd (i32.ge_u (local.get $i) (local.get $end)))
                    (br_if $textEnd (i32.eq (local.get $c) (local.get $delimiter)))
                    (br_if $textEnd (i32.eq (local.get $c) (i32.const 0x0a)))
                    (br_if $textEnd (i32.eq (local.get $c) (i32.const 0x0d)))
                    (local.set $i (i32.add (local.get $i) (i32.const 1)))
                    (local.set $c (i32.load8_u (local.get $i)))
                    (br $text)))
                (br_if $refused (i32.gt_u (i32.add (local.get $count) (i32.const 3)) (local.get $rangeCap)))
                (local.set $d (i32.add (local.get $ranges) (i32.shl (local.get $count) (i32.const 2))))
                (i32.store (local.get $d) (local.get $k))
                (i32.store offset=4 (local.get $d) (i32.sub (local.get $start) (local.get $input)))
                (i32.store offset=8 (local.get $d) (i32.sub (local.get $i) (local.get $input)))
                (local.set $count (i32.add (local.get $count) (i32.const 3)))))
            (if (i32.lt_u (local.get $k) (local.get $last))
              (then
                (br_if $refused (i32.ne (local.get $c) (local.get $delimiter)))
                (local.set $i (i32.add (local.get $i) (i32.const 1)))
                (local.set $k (i32.add (local.get $k) (i32.const 1)))
                (br $field)))
            (if (i32.eq (local.get $c) (i32.const 0x0a))
              (then (local.set $i (i32.add (local.get $i) (i32.const 1))))
              (else
                (br_if $refused (i32.ne (local.get $c) (i32.const 0x0d)))
                (local.set $i
                  (i32.add (local.get $i)
                    (select (i32.const 2) (i32.const 1)
                      (i32.eq (i32.load8_u offset=1 (local.get $i)) (i32.const 0x0a)))))))
            ;; The row is read.
            (local.set $rowCount (local.get $count))
            (local.set $d (i32.add (local.get $info) (i32.shl (local.get $j) (i32.const 3))))
            (i32.store (local.get $d) (i32.sub (local.get $i) (local.get $input)))
            (i32.store offset=4 (local.get $d) (local.get $count))
            (local.set $j (i32.add (local.get $j) (i32.const 1)))
            (br $row)))
        ;; Refused: nothing of this row is consumed.
        (local.set $i (local.get $pos))))
    (i32.store8 (local.get $end) (local.get $saved))
    (local.get $j))
)
