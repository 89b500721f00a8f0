/**
 * Comparing values whose floating-point numbers were added up in different orders (a merge against the union, a
 * crash-and-resume run against a clean one, batches against the whole): their last bits differ, so `toEqual` on the
 * raw numbers fails, and rounding both sides (to 12 digits, say) fails too whenever the two land either side of a
 * rounding boundary. `expect(actual).toEqual(roughly(expected))` compares every number to a relative tolerance
 * instead, and everything else (strings, booleans, null, the shape) exactly.
 */

/** The default tolerance: a few hundred ulps of a double, far below any difference a wrong computation makes. */
export const ROUGHLY = 1e-12;

/**
 * An asymmetric matcher that accepts a number within `tolerance` of `expected`, relative to its magnitude (absolute
 * below 1, so a value near 0 is not held to a relative bound its rounding noise cannot meet). Integers are held to the
 * same bound, which below 1/tolerance (1e12 by default) admits only the integer itself: counts compare exactly.
 * Non-finite numbers match only themselves. Printed in jest's diffs as `roughly(9.09120022538, 1e-12)`.
 */
export class RoughNumber {
  readonly $$typeof = Symbol.for('jest.asymmetricMatcher');

  constructor(
    readonly expected: number,
    readonly tolerance: number = ROUGHLY,
  ) {}

  asymmetricMatch(actual: unknown): boolean {
    if (typeof actual !== 'number') return false;
    if (!Number.isFinite(this.expected) || !Number.isFinite(actual)) return Object.is(actual, this.expected);
    return Math.abs(actual - this.expected) <= this.tolerance * Math.max(1, Math.abs(this.expected));
  }

  toString(): string {
    return 'RoughNumber';
  }

  toAsymmetricMatcher(): string {
    return `roughly(${this.expected}, ${this.tolerance})`;
  }
}

/**
 * `expected` with every number (in arrays and plain objects, however deep) replaced by a {@link RoughNumber} of
 * `tolerance`; other values, and objects that are not plain (a Date, a Map, a typed array), are left to compare
 * exactly.
 */
export function roughly(expected: unknown, tolerance: number = ROUGHLY): unknown {
  if (typeof expected === 'number') return new RoughNumber(expected, tolerance);
  if (Array.isArray(expected)) return expected.map((v) => roughly(v, tolerance));
  if (expected !== null && typeof expected === 'object') {
    const proto = Object.getPrototypeOf(expected) as unknown;
    if (proto === Object.prototype || proto === null)
      return Object.fromEntries(Object.entries(expected).map(([k, v]) => [k, roughly(v, tolerance)]));
  }
  return expected;
}
