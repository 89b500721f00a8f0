import type { ColumnBuilder } from './column-builder';
import { isMissingBytes } from './missing-values';
import { EXACT_POWERS_OF_TEN, MAX_EXACT_MANTISSA, parseNumberBytes } from './parse-number';

// Module constants: read per cell, they cost less than a property of the imported module's exports.
const POWERS: readonly number[] = EXACT_POWERS_OF_TEN;
const MAX_MANTISSA = MAX_EXACT_MANTISSA;

/**
 * Reads a whole row of delimited text in one call: each numeric field that is a plain decimal (optional sign, digits
 * with at most one point) goes straight into its column of a column-major block of values, and every other field is
 * handed back as a byte range for the caller to read the general way. Anything unusual — a quoted field, too few or
 * too many fields, a row that does not end in a line end — makes {@link row} return -1 having consumed nothing, and
 * the caller reads that row field by field with {@link CsvCursor} as before (which raises the errors).
 *
 * Why: a wide file is ~1,000 numeric fields a row, and a call of `CsvCursor.nextNumber` and the reader's checks per
 * field cost about as much as parsing the digits (docs/decisions/0044). The value of a plain decimal is computed as
 * `nextNumber` and `parseNumberBytes` compute it (Clinger's fast path: a mantissa under 2⁵³ times or divided by an
 * exact power of ten), so the doubles are the same; numbers with an exponent, and mantissas of 2⁵³ or more, are
 * handed back as ranges and parsed the general way.
 */
export class CsvFastRows {
  /** Field index, start and end of each field handed back by the last {@link row}, `rangeCount` of them. */
  ranges: Int32Array;
  rangeCount = 0;
  /** The numbers of the handed-back fields of a row, by field, between the two passes of {@link readRanges}. */
  private readonly values: Float64Array;

  /**
   * @param targets per field of a row: the block column its value goes to when it is a plain decimal, or -1 to have
   *   the field handed back as a range whatever it holds.
   */
  constructor(
    private readonly targets: Int32Array,
    private readonly delimiter: number,
  ) {
    this.ranges = new Int32Array(3 * Math.max(16, targets.length));
    this.values = new Float64Array(targets.length);
  }

  /**
   * Reads the fields the last {@link row} (block row `r`) handed back as the field-by-field reader reads them: a
   * field of a numeric column (one with a block column, or a numeric builder) missing or parsed the general way, into
   * its block column or its builder; a category into its builder; a field of neither is skipped. Returns false,
   * having changed nothing, when a numeric column holds something that is neither a number nor missing: the caller
   * then reads the row field by field, which turns the column categorical or raises the error.
   */
  readRanges(
    bytes: Uint8Array,
    builders: readonly (ColumnBuilder | null)[],
    block: Float64Array,
    stride: number,
    r: number,
  ): boolean {
    return readHandedBack(
      this.ranges,
      0,
      this.rangeCount,
      this.targets,
      this.values,
      bytes,
      builders,
      block,
      stride,
      r,
    );
  }

  /**
   * Reads the row starting at `pos` (not a blank line): its numeric fields into `block[target * stride + r]`, the
   * others into {@link ranges}. Returns the position after the row's line end, or -1 when the row needs the general
   * reader (the block's row `r` may then hold some of its values, which that reader overwrites).
   */
  row(bytes: Uint8Array, pos: number, block: Float64Array, stride: number, r: number): number {
    const targets = this.targets;
    const delimiter = this.delimiter;
    const length = bytes.length;
    const last = targets.length - 1;
    const ranges = this.ranges;
    let count = 0;
    let i = pos;
    for (let k = 0; k <= last; k++) {
      const target = targets[k] as number;
      const fieldStart = i;
      let c = bytes[i];
      let plain = false;
      if (target >= 0) {
        const negative = c === 0x2d;
        if (negative || c === 0x2b) c = bytes[++i];
        let mantissa = 0;
        const wholeStart = i;
        // Typed-array reads past the end are undefined, which no comparison below accepts.
        while ((c as number) >= 0x30 && (c as number) <= 0x39) {
          mantissa = mantissa * 10 + ((c as number) - 0x30);
          c = bytes[++i];
        }
        let digits = i - wholeStart;
        let exponent = 0;
        if (c === 0x2e) {
          const fractionStart = ++i;
          c = bytes[i];
          while ((c as number) >= 0x30 && (c as number) <= 0x39) {
            mantissa = mantissa * 10 + ((c as number) - 0x30);
            c = bytes[++i];
          }
          exponent = fractionStart - i;
          digits += i - fractionStart;
        }
        if (
          digits !== 0 &&
          mantissa < MAX_MANTISSA &&
          exponent >= -22 &&
          (c === delimiter || c === 0x0a || c === 0x0d)
        ) {
          const value = mantissa === 0 ? 0 : exponent === 0 ? mantissa : mantissa / (POWERS[-exponent] as number);
          block[target * stride + r] = negative ? -value : value;
          plain = true;
        } else {
          i = fieldStart;
          c = bytes[i];
        }
      }
      if (!plain) {
        // As CsvCursor.next: spaces (and tabs unless they delimit) before the field are not part of it.
        while (c === 0x20 || (c === 0x09 && delimiter !== 0x09)) c = bytes[++i];
        if (c === 0x22) return -1;
        const start = i;
        while (i < length && c !== delimiter && c !== 0x0a && c !== 0x0d) c = bytes[++i];
        if (count === ranges.length) return -1;
        ranges[count] = k;
        ranges[count + 1] = start;
        ranges[count + 2] = i;
        count += 3;
      }
      if (k < last) {
        if (c !== delimiter) return -1;
        i++;
      } else if (c === 0x0a) {
        i++;
      } else if (c === 0x0d) {
        i += bytes[i + 1] === 0x0a ? 2 : 1;
      } else {
        return -1;
      }
    }
    this.rangeCount = count;
    return i;
  }
}

/**
 * {@link CsvFastRows.readRanges} for the handed-back fields `ranges[from, to)` (three numbers each: field, start and
 * end in `bytes`) of a row, with `values` (one per field) as scratch: shared with the WebAssembly row parser
 * (csv-wasm-rows.ts), which hands back the fields of several rows in one array.
 */
export function readHandedBack(
  ranges: Int32Array,
  from: number,
  to: number,
  targets: Int32Array,
  values: Float64Array,
  bytes: Uint8Array,
  builders: readonly (ColumnBuilder | null)[],
  block: Float64Array,
  stride: number,
  r: number,
): boolean {
  for (let j = from; j < to; j += 3) {
    const k = ranges[j]!;
    if (targets[k]! < 0 && builders[k]?.kind !== 'numeric') continue;
    const start = ranges[j + 1]!;
    const end = ranges[j + 2]!;
    if (isMissingBytes(bytes, start, end)) values[k] = Number.NaN;
    else if (Number.isNaN((values[k] = parseNumberBytes(bytes, start, end)))) return false;
  }
  for (let j = from; j < to; j += 3) {
    const k = ranges[j]!;
    const target = targets[k]!;
    const builder = builders[k];
    if (target >= 0) block[target * stride + r] = values[k]!;
    else if (builder == null) continue;
    else if (builder.kind === 'numeric') builder.pushNumber(values[k]!);
    else if (isMissingBytes(bytes, ranges[j + 1]!, ranges[j + 2]!)) builder.pushMissing();
    else builder.pushBytes(bytes, ranges[j + 1]!, ranges[j + 2]!);
  }
  return true;
}
