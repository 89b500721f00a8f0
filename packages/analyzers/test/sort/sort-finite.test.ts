import fc from 'fast-check';
import { sortFinite } from '../../src/sort/sort-finite';

describe('sortFinite', () => {
  it('orders exactly as a comparison sort and drops NaN (small and radix paths)', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.double(), fc.constant(0), fc.constant(-0), fc.integer({ min: -5, max: 5 })), { maxLength: 5000 }), (values) => {
        const input = Float64Array.from(values);
        const expected = values.filter((v) => !Number.isNaN(v)).map((v) => (v === 0 ? 0 : v)).sort((a, b) => a - b);
        expect(Array.from(sortFinite(input))).toEqual(expected);
      }),
      { numRuns: 60 },
    );
  });

  it('takes the radix path for large inputs and keeps the input intact', () => {
    const n = 100_000;
    const input = Float64Array.from({ length: n }, (_, i) => Math.sin(i * 12.9898) * 43758.5453 * (i % 7 === 0 ? -1e-300 : 1));
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
});
