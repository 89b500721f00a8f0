/**
 * Reading JSON straight from the UTF-8 bytes of a message, for the decoder's fast path (`event-scanner.ts`). Every
 * function returns the index after what it read, or {@link FAIL} when the text is not what the fast path handles:
 * invalid JSON, or valid JSON it leaves to `JSON.parse` (a string with an escape, a number it cannot convert
 * exactly, nesting deeper than {@link MAX_DEPTH}). A failure is never an answer: the caller then decodes the
 * message the slow way, which gives the exact result and reason. Callers check UTF-8 validity first.
 */

export const FAIL = -1;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const MINUS = 0x2d;
const PLUS = 0x2b;
const DOT = 0x2e;
const ZERO = 0x30;
const NINE = 0x39;
const LOWER_E = 0x65;
const UPPER_E = 0x45;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const COMMA = 0x2c;
const COLON = 0x3a;

/** Nesting deeper than this inside a skipped value goes to `JSON.parse`. */
export const MAX_DEPTH = 64;

/** Value kinds of {@link readValue}. */
export enum Kind {
  Absent = 0,
  Null = 1,
  True = 2,
  False = 3,
  Number = 4,
  /** A string without escapes: its content is `bytes[start, end)`. */
  String = 5,
  /** An object: `bytes[start, end)` spans it from `{` to `}` inclusive. */
  Object = 6,
  /** Anything else that is valid JSON (an array, a string with escapes): only skipped. */
  Other = 7,
  /** An object already read into its destination by the event scanner. */
  Staged = 8,
}

/** Exactly representable powers of ten: a decimal of at most 15 digits times or over one of them rounds once. */
const POW10 = [
  1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20,
  1e21, 1e22,
];

/** What {@link readValue} read; reused from value to value (no allocation per value). */
export class ValueSlot {
  kind: Kind = Kind.Absent;
  start = 0;
  end = 0;
  number = 0;
  /** For a string: whether every byte is ASCII. */
  ascii = true;
}

export function isSpace(byte: number): boolean {
  return byte === 0x20 || byte === 0x0a || byte === 0x0d || byte === 0x09;
}

export function skipSpace(b: Uint8Array, i: number, end: number): number {
  while (i < end && isSpace(b[i]!)) i++;
  return i;
}

/**
 * A string without escapes starting at the quote `b[i]`: sets `slot` to its content and returns the index after the
 * closing quote. FAIL for an escape (left to `JSON.parse`) or a control character (invalid JSON).
 */
export function readPlainString(b: Uint8Array, i: number, end: number, slot: ValueSlot): number {
  const start = i + 1;
  let ascii = true;
  for (let j = start; j < end; j++) {
    const c = b[j]!;
    if (c === QUOTE) {
      slot.kind = Kind.String;
      slot.start = start;
      slot.end = j;
      slot.ascii = ascii;
      return j + 1;
    }
    if (c === BACKSLASH || c < 0x20) return FAIL;
    if (c >= 0x80) ascii = false;
  }
  return FAIL;
}

/** Any string starting at the quote `b[i]`, escapes included (checked as JSON spells them); the index after it. */
function skipString(b: Uint8Array, i: number, end: number): number {
  for (let j = i + 1; j < end; j++) {
    const c = b[j]!;
    if (c === QUOTE) return j + 1;
    if (c < 0x20) return FAIL;
    if (c === BACKSLASH) {
      const e = b[++j];
      if (e === 0x75) {
        // \uXXXX
        if (j + 4 >= end) return FAIL;
        for (let k = 1; k <= 4; k++) if (!isHex(b[j + k]!)) return FAIL;
        j += 4;
      } else if (!(
        e === QUOTE ||
        e === BACKSLASH ||
        e === 0x2f ||
        e === 0x62 ||
        e === 0x66 ||
        e === 0x6e ||
        e === 0x72 ||
        e === 0x74
      )) {
        return FAIL;
      }
    }
  }
  return FAIL;
}

function isHex(c: number): boolean {
  return (c >= ZERO && c <= NINE) || (c >= 0x61 && c <= 0x66) || (c >= 0x41 && c <= 0x46);
}

/**
 * A JSON number at `b[i]` (strict grammar: `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`) into `slot.number`,
 * the same double `JSON.parse` gives: a decimal of at most 15 significant digits scaled by at most 10^22 is computed
 * with one correctly rounded operation (both operands are exact doubles); any other is converted by `Number()` from
 * its text, which rounds exactly as `JSON.parse` does.
 */
export function readNumber(b: Uint8Array, i: number, end: number, slot: ValueSlot): number {
  const begin = i;
  let negative = false;
  if (b[i] === MINUS) {
    negative = true;
    i++;
  }
  if (i >= end) return FAIL;
  let mantissa = 0;
  let digits = 0;
  let c = b[i]!;
  if (c === ZERO) {
    i++;
  } else if (c > ZERO && c <= NINE) {
    while (i < end && (c = b[i]!) >= ZERO && c <= NINE) {
      mantissa = mantissa * 10 + (c - ZERO);
      digits++;
      i++;
    }
  } else {
    return FAIL;
  }
  let scale = 0;
  if (i < end && b[i] === DOT) {
    i++;
    const first = i;
    while (i < end && (c = b[i]!) >= ZERO && c <= NINE) {
      if (mantissa !== 0 || c !== ZERO) digits++;
      mantissa = mantissa * 10 + (c - ZERO);
      i++;
    }
    if (i === first) return FAIL;
    scale = first - i;
  }
  if (i < end && (b[i] === LOWER_E || b[i] === UPPER_E)) {
    i++;
    let exponentNegative = false;
    if (i < end && (b[i] === PLUS || b[i] === MINUS)) exponentNegative = b[i++] === MINUS;
    const first = i;
    let exponent = 0;
    while (i < end && (c = b[i]!) >= ZERO && c <= NINE) {
      if (exponent < 100_000) exponent = exponent * 10 + (c - ZERO);
      i++;
    }
    if (i === first) return FAIL;
    scale += exponentNegative ? -exponent : exponent;
  }
  let value: number;
  if (digits <= 15 && scale >= -22 && scale <= 22) {
    value = scale < 0 ? mantissa / POW10[-scale]! : mantissa * POW10[scale]!;
    if (negative) value = -value;
  } else {
    value = Number(latin1(b, begin, i));
  }
  slot.kind = Kind.Number;
  slot.number = value;
  return i;
}

function latin1(b: Uint8Array, start: number, end: number): string {
  return Buffer.from(b.buffer, b.byteOffset + start, end - start).toString('latin1');
}

function matchLiteral(b: Uint8Array, i: number, end: number, literal: readonly number[]): number {
  if (i + literal.length > end) return FAIL;
  for (let k = 0; k < literal.length; k++) if (b[i + k] !== literal[k]) return FAIL;
  return i + literal.length;
}

const TRUE = [0x74, 0x72, 0x75, 0x65];
const FALSE = [0x66, 0x61, 0x6c, 0x73, 0x65];
const NULL = [0x6e, 0x75, 0x6c, 0x6c];

/**
 * One JSON value at `b[i]` (no leading space) into `slot`: scalars are read, objects and arrays checked and spanned.
 * Returns the index after it, or FAIL.
 */
export function readValue(b: Uint8Array, i: number, end: number, slot: ValueSlot): number {
  if (i >= end) return FAIL;
  const c = b[i]!;
  if (c === QUOTE) {
    const next = readPlainString(b, i, end, slot);
    if (next !== FAIL) return next;
    slot.kind = Kind.Other;
    return skipString(b, i, end);
  }
  if (c === OPEN_BRACE || c === OPEN_BRACKET) {
    const next = skipNested(b, i, end);
    slot.kind = c === OPEN_BRACE ? Kind.Object : Kind.Other;
    slot.start = i;
    slot.end = next;
    return next;
  }
  if (c === 0x74) {
    slot.kind = Kind.True;
    return matchLiteral(b, i, end, TRUE);
  }
  if (c === 0x66) {
    slot.kind = Kind.False;
    return matchLiteral(b, i, end, FALSE);
  }
  if (c === 0x6e) {
    slot.kind = Kind.Null;
    return matchLiteral(b, i, end, NULL);
  }
  return readNumber(b, i, end, slot);
}

const skipSlot = new ValueSlot();

/** An object or array at `b[i]`, checked as JSON; the index after it. Iterative, with a depth limit. */
function skipNested(b: Uint8Array, i: number, end: number): number {
  const closers: number[] = [];
  for (;;) {
    // A value starts at `i`.
    const c = b[i];
    if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      if (closers.length >= MAX_DEPTH) return FAIL;
      const close = c === OPEN_BRACE ? CLOSE_BRACE : CLOSE_BRACKET;
      closers.push(close);
      i = skipSpace(b, i + 1, end);
      if (i >= end) return FAIL;
      if (b[i] !== close) {
        if (close === CLOSE_BRACE) i = skipKey(b, i, end);
        if (i === FAIL) return FAIL;
        continue; // the first member's value
      }
      closers.pop();
      i++;
    } else {
      i = readValue(b, i, end, skipSlot);
      if (i === FAIL) return FAIL;
    }
    // After a value: close what ends here, then a comma and the next member.
    for (;;) {
      if (closers.length === 0) return i;
      i = skipSpace(b, i, end);
      if (i >= end) return FAIL;
      const close = closers[closers.length - 1]!;
      if (b[i] === close) {
        closers.pop();
        i++;
        continue;
      }
      if (b[i] !== COMMA) return FAIL;
      i = skipSpace(b, i + 1, end);
      if (close === CLOSE_BRACE) i = skipKey(b, i, end);
      if (i === FAIL) return FAIL;
      break;
    }
  }
}

/** A member's key and colon at `b[i]`; the index of its value (after space). */
function skipKey(b: Uint8Array, i: number, end: number): number {
  if (i >= end || b[i] !== QUOTE) return FAIL;
  i = skipString(b, i, end);
  if (i === FAIL) return FAIL;
  i = skipSpace(b, i, end);
  if (i >= end || b[i] !== COLON) return FAIL;
  return skipSpace(b, i + 1, end);
}

/**
 * A member's key at `b[i]` into `key` (a string without escapes; an escaped key goes to `JSON.parse`, since
 * `"\u0069d"` is the key `id`), then its colon: the index of the member's value.
 */
export function readKey(b: Uint8Array, i: number, end: number, key: ValueSlot): number {
  if (i >= end || b[i] !== QUOTE) return FAIL;
  i = readPlainString(b, i, end, key);
  if (i === FAIL) return FAIL;
  i = skipSpace(b, i, end);
  if (i >= end || b[i] !== COLON) return FAIL;
  return skipSpace(b, i + 1, end);
}

/** At the `{` of an object: the index of its first key, or `~(index after the "}")` for `{}`, or FAIL. */
export function firstMember(b: Uint8Array, i: number, end: number): number {
  if (i >= end || b[i] !== OPEN_BRACE) return FAIL;
  i = skipSpace(b, i + 1, end);
  if (i >= end) return FAIL;
  if (b[i] === CLOSE_BRACE) return ~(i + 1);
  return i;
}

/** After a member's value: the index of the next key, or `~(index after the "}")` at the object's end, or FAIL. */
export function afterMember(b: Uint8Array, i: number, end: number): number {
  i = skipSpace(b, i, end);
  if (i >= end) return FAIL;
  if (b[i] === CLOSE_BRACE) return ~(i + 1);
  if (b[i] !== COMMA) return FAIL;
  return skipSpace(b, i + 1, end);
}

/** Whether `b[start, end)` holds exactly the bytes of `name`. */
export function bytesEqual(b: Uint8Array, start: number, end: number, name: Uint8Array): boolean {
  const length = name.length;
  if (end - start !== length) return false;
  for (let k = 0; k < length; k++) if (b[start + k] !== name[k]) return false;
  return true;
}

/** The text of a plain string read into `slot`. */
export function slotText(b: Uint8Array, slot: ValueSlot): string {
  const encoding = slot.ascii ? 'latin1' : 'utf8';
  // Kafka clients hand out Buffers: read the range in place rather than through a view made for it.
  if (Buffer.isBuffer(b)) return b.toString(encoding, slot.start, slot.end);
  return Buffer.from(b.buffer, b.byteOffset + slot.start, slot.end - slot.start).toString(encoding);
}
