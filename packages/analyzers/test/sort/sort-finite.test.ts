import fc from 'fast-check';
import { sortFinite } from '../../src/sort/sort-finite';

describe('sortFinite', () => {
  it('orders exactly as a comparison sort and drops NaN (small and radix paths)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.double(), fc.constant(0), fc.constant(-0), fc.integer({ min: -5, max: 5 })), {
          maxLength: 5000,
        }),
        (values) => {
          const input = Float64Array.from(values);
          const expected = values
            .filter((v) => !Number.isNaN(v))
            .map((v) => (v === 0 ? 0 : v))
            .sort((a, b) => a - b);
          expect(Array.from(sortFinite(input))).toEqual(expected);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('takes the radix path for large inputs and keeps the input intact', () => {
    const n = 100_000;
    const input = Float64Array.from(
      { length: n },
      (_, i) => Math.sin(i * 12.9898) * 43758.5453 * (i % 7 === 0 ? -1e-300 : 1),
    );
    input[5] = Number.NaN;
    input[6] = Number.POSITIVE_INFINITY;
    input[7] = Number.NEGATIVE_INFINITY;
    const copy = input.slice();
    const sorted = sortFinite(input);
    expect(sorted.length).toBe(n - 1);
    expect(sorted[0]).toBe(Number.NEGATIVE_INFINITY);
    expect(sorted[n - 2]).toBe(Number.POSITIVE_INFINITY);
    for (let i = 1; i < sorted.length; i++) expect(sorted[i - 1]! <= sorted[i]!).toBe(true);
    expect(input).toEqual(copy);
  });

  it('sorts radix-sized inputs whose keys share digits, so that some passes are skipped', () => {
    // A digit common to every key moves nothing and its pass is skipped, which can leave the result in either
    // buffer: values in [1, 2) share their top digit, integers their low ones, a constant column every digit.
    const n = 10_000;
    const cases: Record<string, (i: number) => number> = {
      'one binade': (i) => 1 + ((i * 7919) % n) / n,
      'small integers': (i) => (i * 7919) % 97,
      'negative integers and zeros': (i) => -((i * 7919) % 13) || -0,
      constant: () => 2.5,
      'one binade, then NaN every third row': (i) => (i % 3 === 0 ? Number.NaN : 1 + ((i * 104729) % n) / n),
    };
    for (const [name, at] of Object.entries(cases)) {
      const input = Float64Array.from({ length: n }, (_, i) => at(i));
      const expected = Array.from(input)
        .filter((v) => !Number.isNaN(v))
        .map((v) => (v === 0 ? 0 : v))
        .sort((a, b) => a - b);
      expect({ name, sorted: Array.from(sortFinite(input)) }).toEqual({ name, sorted: expected });
    }
  });
});
