import { VigilError } from '@vigil/core';
import { EXACT_POWERS_OF_TEN, MAX_EXACT_MANTISSA } from './parse-number';

// Module constants: read per cell, they cost less than a property of the imported module's exports.
const POWERS: readonly number[] = EXACT_POWERS_OF_TEN;
const MAX_MANTISSA = MAX_EXACT_MANTISSA;

/** How a field ended: at a delimiter, at a line end, or at the end of the text. */
export type FieldEnd = typeof DELIMITER | typeof LINE_END | typeof FILE_END;
export const DELIMITER = 0;
export const LINE_END = 1;
export const FILE_END = 2;

/**
 * Walks the fields of delimited text held in bytes (RFC 4180 quoting, LF, CRLF or CR line ends, optional spaces
 * after a delimiter). A field is left as a byte range (`start`, `end`) unless it is quoted with escaped quotes,
 * in which case `text` holds its value; keeping ranges is what lets a reader parse numbers without strings.
 */
export class CsvCursor {
  readonly bytes: Uint8Array;
  readonly source: string;
  private readonly delimiter: number;
  private readonly skipTabs: boolean;
  pos: number;
  /** 1-based line of `pos`. */
  line: number;
  /** Byte range of the last field's value when `text` is null. */
  start = 0;
  end = 0;
  /** The last field's value when it had escaped quotes, else null. */
  text: string | null = null;
  /** Line on which the last field began. */
  fieldLine = 1;
  /** The value read by the last {@link nextNumber} that did not return -1 (which leaves the fields above as they were). */
  number = 0;

  constructor(bytes: Uint8Array, source: string, delimiter: number, pos = 0, line = 1) {
    this.bytes = bytes;
    this.source = source;
    this.delimiter = delimiter;
    this.skipTabs = delimiter !== 0x09;
    this.pos = pos;
    this.line = line;
  }

  /** True at the end of the text. */
  get done(): boolean {
    return this.pos >= this.bytes.length;
  }

  /** Skips empty lines at `pos`; returns true if any were skipped. */
  skipBlankLines(): boolean {
    const bytes = this.bytes;
    const start = this.pos;
    for (;;) {
      const c = bytes[this.pos];
      if (c === 0x0a) {
        this.pos++;
        this.line++;
      } else if (c === 0x0d) {
        this.pos += bytes[this.pos + 1] === 0x0a ? 2 : 1;
        this.line++;
      } else {
        return this.pos !== start;
      }
    }
  }

  /** Reads the field at `pos` and moves past the delimiter or line end that follows it. */
  next(): FieldEnd {
    const bytes = this.bytes;
    const length = bytes.length;
    const delimiter = this.delimiter;
    let pos = this.pos;
    let c = bytes[pos];
    while (c === 0x20 || (c === 0x09 && this.skipTabs)) c = bytes[++pos];
    this.fieldLine = this.line;
    this.text = null;
    if (c === 0x22) {
      pos = this.quoted(pos + 1);
    } else {
      this.start = pos;
      while (pos < length) {
        c = bytes[pos];
        if (c === delimiter || c === 0x0a || c === 0x0d) break;
        pos++;
      }
      this.end = pos;
    }
    if (pos >= length) {
      this.pos = pos;
      return FILE_END;
    }
    c = bytes[pos];
    if (c === delimiter) {
      this.pos = pos + 1;
      return DELIMITER;
    }
    this.pos = c === 0x0d && bytes[pos + 1] === 0x0a ? pos + 2 : pos + 1;
    this.line++;
    return LINE_END;
  }

  /**
   * Reads the field at `pos` as a number when it is a plain decimal (optional sign, digits with at most one point,
   * an optional exponent of up to 6 digits) that ends right at a delimiter, a line end or the end of the text, and
   * moves past that end; `number` then holds the value. Any other field (quoted, padded, missing, too many digits
   * for the exact fast path, not a number) leaves the cursor where it was and returns -1, so the caller reads it
   * with {@link next} and parses it the slow way.
   *
   * Why: scanning a field for its end and parsing its digits are one pass over the bytes here instead of two, and
   * numbers are most of a model's file. The value is computed exactly as `parseNumberBytes` computes it (Clinger's
   * fast path), so both give the same double.
   */
  nextNumber(): FieldEnd | -1 {
    const bytes = this.bytes;
    const length = bytes.length;
    let i = this.pos;
    let c = bytes[i];
    const negative = c === 0x2d;
    if (negative || c === 0x2b) c = bytes[++i];
    // No count of significant digits: leading zeros add nothing to the mantissa, and 17 or more significant digits
    // make it at least 10¹⁶ however it rounds on the way, so the one test against 2⁵³ below refuses them too.
    let mantissa = 0;
    const wholeStart = i;
    while (c !== undefined && c >= 0x30 && c <= 0x39) {
      mantissa = mantissa * 10 + (c - 0x30);
      c = bytes[++i];
    }
    let digits = i - wholeStart;
    let exponent = 0;
    if (c === 0x2e) {
      const fractionStart = ++i;
      c = bytes[i];
      while (c !== undefined && c >= 0x30 && c <= 0x39) {
        mantissa = mantissa * 10 + (c - 0x30);
        c = bytes[++i];
      }
      exponent = fractionStart - i;
      digits += i - fractionStart;
    }
    if (digits === 0) return -1;
    if (c === 0x65 || c === 0x45) {
      c = bytes[++i];
      let exponentNegative = false;
      if (c === 0x2d) {
        exponentNegative = true;
        c = bytes[++i];
      } else if (c === 0x2b) {
        c = bytes[++i];
      }
      const digitsStart = i;
      let written = 0;
      while (c !== undefined && c >= 0x30 && c <= 0x39 && i - digitsStart < 6) {
        written = written * 10 + (c - 0x30);
        c = bytes[++i];
      }
      if (i === digitsStart) return -1;
      exponent += exponentNegative ? -written : written;
    }
    if (i < length && c !== this.delimiter && c !== 0x0a && c !== 0x0d) return -1;
    if (mantissa >= MAX_MANTISSA) return -1;
    let value: number;
    if (mantissa === 0) value = 0;
    else if (exponent >= 0 && exponent <= 22) value = mantissa * POWERS[exponent]!;
    else if (exponent < 0 && exponent >= -22) value = mantissa / POWERS[-exponent]!;
    else return -1;
    // Only `number` and the position: `start`, `end`, `text` and `fieldLine` serve a field that needs reading again.
    this.number = negative ? -value : value;
    if (i >= length) {
      this.pos = i;
      return FILE_END;
    }
    if (c === this.delimiter) {
      this.pos = i + 1;
      return DELIMITER;
    }
    this.pos = c === 0x0d && bytes[i + 1] === 0x0a ? i + 2 : i + 1;
    this.line++;
    return LINE_END;
  }

  /** The last field's value as a string. */
  value(): string {
    return (
      this.text ??
      Buffer.from(this.bytes.buffer, this.bytes.byteOffset + this.start, this.end - this.start).toString('utf8')
    );
  }

  /** Reads a quoted field whose content starts at `pos`; returns the position after the closing quote's trailing spaces. */
  private quoted(pos: number): number {
    const bytes = this.bytes;
    const openedOn = this.line;
    let pieces: string[] | null = null;
    let segment = pos;
    for (;;) {
      const quote = bytes.indexOf(0x22, pos);
      if (quote < 0) {
        throw new VigilError('VIGIL_FILE_FORMAT', `${this.source}:${openedOn}: a quoted field is never closed`, {
          details: { file: this.source, line: openedOn },
        });
      }
      for (let i = pos; i < quote; i++) {
        const c = bytes[i];
        if (c === 0x0a || (c === 0x0d && bytes[i + 1] !== 0x0a)) this.line++;
      }
      if (bytes[quote + 1] === 0x22) {
        // An escaped quote: keep the text up to and including one quote, then go on after the pair.
        pieces ??= [];
        pieces.push(this.decode(segment, quote + 1));
        pos = quote + 2;
        segment = pos;
        continue;
      }
      if (pieces === null) {
        this.start = segment;
        this.end = quote;
      } else {
        pieces.push(this.decode(segment, quote));
        this.text = pieces.join('');
      }
      pos = quote + 1;
      let c = bytes[pos];
      while (c === 0x20 || (c === 0x09 && this.skipTabs)) c = bytes[++pos];
      if (pos < bytes.length && c !== this.delimiter && c !== 0x0a && c !== 0x0d) {
        throw new VigilError(
          'VIGIL_FILE_FORMAT',
          `${this.source}:${this.line}: unexpected text after the closing quote of a field`,
          { details: { file: this.source, line: this.line } },
        );
      }
      return pos;
    }
  }

  private decode(from: number, to: number): string {
    return Buffer.from(this.bytes.buffer, this.bytes.byteOffset + from, to - from).toString('utf8');
  }
}
