/**
 * Number parsing for file readers. The rule is "whatever `Number()` accepts, except hexadecimal, binary and octal
 * literals, plus `true`/`false` as 1/0, plus the infinities as numpy and pandas write and read them (`inf`, `Inf`,
 * `INF`, `infinity`, any case, signed), so `Infinity` and `inf` mean the same"; an empty or blank text is not a number. NaN means "not a number" (the
 * text `NaN` itself is a missing-value token, so readers test for missing values first).
 */

/** Powers of ten that are exact doubles; multiplying or dividing an exact mantissa by one rounds only once. */
export const EXACT_POWERS_OF_TEN: readonly number[] = [
  1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20,
  1e21, 1e22,
];

// A mantissa below 2^53 is an exact double, which is what makes the fast path exact; 16 digits may exceed it.
export const MAX_EXACT_MANTISSA = 2 ** 53;
export const MAX_FAST_DIGITS = 16;

const NON_DECIMAL_PREFIX = /^0[xXbBoO]/;
const TRUE_WORDS = new Set(['true', 'True', 'TRUE']);
const FALSE_WORDS = new Set(['false', 'False', 'FALSE']);
const INFINITY = /^([+-]?)(inf|infinity)$/i;

/**
 * Parses a number from `text` with the rule above.
 * @returns the value, or NaN when `text` is not a number.
 */
export function parseNumberText(text: string): number {
  const trimmed = text.trim();
  if (trimmed.length === 0 || NON_DECIMAL_PREFIX.test(trimmed)) return Number.NaN;
  const value = Number(trimmed);
  if (!Number.isNaN(value)) return value;
  if (TRUE_WORDS.has(trimmed)) return 1;
  if (FALSE_WORDS.has(trimmed)) return 0;
  const infinity = INFINITY.exec(trimmed);
  if (infinity) return infinity[1] === '-' ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY;
  return Number.NaN;
}

/**
 * Parses `bytes[start, end)` as {@link parseNumberText} would parse their UTF-8 text, without creating a string
 * for the common case of a plain decimal whose digits form an integer below 2^53 and whose exponent is small
 * (Clinger's fast path, which yields exactly the double `Number()` yields). Longer decimals go to `Number()`, and
 * anything unusual (whitespace, `Infinity`, `true`, prefixes to refuse) to `parseNumberText`.
 */
export function parseNumberBytes(bytes: Uint8Array, start: number, end: number): number {
  let i = start;
  let c = bytes[i];
  let negative = false;
  if (c === 0x2d) {
    negative = true;
    i++;
  } else if (c === 0x2b) {
    i++;
  }
  let mantissa = 0;
  let significant = 0;
  let anyDigit = false;
  let exponent = 0;
  while (i < end) {
    c = bytes[i]!;
    if (c < 0x30 || c > 0x39) break;
    anyDigit = true;
    if (significant > 0 || c !== 0x30) {
      mantissa = mantissa * 10 + (c - 0x30);
      significant++;
    }
    i++;
  }
  if (i < end && bytes[i] === 0x2e) {
    i++;
    while (i < end) {
      c = bytes[i]!;
      if (c < 0x30 || c > 0x39) break;
      anyDigit = true;
      if (significant > 0 || c !== 0x30) {
        mantissa = mantissa * 10 + (c - 0x30);
        significant++;
      }
      exponent--;
      i++;
    }
  }
  if (anyDigit && i < end && (bytes[i] === 0x65 || bytes[i] === 0x45)) {
    i++;
    let exponentNegative = false;
    if (bytes[i] === 0x2d) {
      exponentNegative = true;
      i++;
    } else if (bytes[i] === 0x2b) {
      i++;
    }
    const digitsStart = i;
    let written = 0;
    while (i < end && i - digitsStart < 6) {
      c = bytes[i]!;
      if (c < 0x30 || c > 0x39) break;
      written = written * 10 + (c - 0x30);
      i++;
    }
    // No exponent digits, or so many that the fast path cannot apply: let the slow path decide.
    if (i === digitsStart) return slowPath(bytes, start, end);
    exponent += exponentNegative ? -written : written;
  }
  if (!anyDigit || i !== end) return slowPath(bytes, start, end);
  // A well-formed decimal that is merely too long: `Number()` needs no trimming or prefix checks.
  if (significant > MAX_FAST_DIGITS || mantissa >= MAX_EXACT_MANTISSA) return Number(latin1(bytes, start, end));
  if (mantissa === 0) return negative ? -0 : 0;
  let value: number;
  if (exponent >= 0 && exponent <= 22) value = mantissa * EXACT_POWERS_OF_TEN[exponent]!;
  else if (exponent < 0 && exponent >= -22) value = mantissa / EXACT_POWERS_OF_TEN[-exponent]!;
  else return Number(latin1(bytes, start, end));
  return negative ? -value : value;
}

function slowPath(bytes: Uint8Array, start: number, end: number): number {
  return parseNumberText(Buffer.from(bytes.buffer, bytes.byteOffset + start, end - start).toString('utf8'));
}

/** Text of ASCII bytes; `String.fromCharCode` beats a Buffer round trip for cells this short. */
function latin1(bytes: Uint8Array, start: number, end: number): string {
  let text = '';
  for (let i = start; i < end; i++) text += String.fromCharCode(bytes[i]!);
  return text;
}
