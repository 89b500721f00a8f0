/**
 * BinLookup (binning.ts), the grid-guided walk the ingest's counting uses, against binIndex, the binary search it
 * stands for: the same bin for any value on any edges — ties, zeros of both signs, infinities, edges equal to the
 * values, a single or no edge, a narrow or a huge spread, and edges out of order or with a NaN (binIndex's own
 * answer there).
 */
import fc from 'fast-check';
import { BinLookup, binIndex, binLookup } from '../../src/profile/binning';

const special = fc.constantFrom(
  0,
  -0,
  Infinity,
  -Infinity,
  Number.MAX_VALUE,
  -Number.MAX_VALUE,
  Number.MIN_VALUE,
  1e-300,
);
const anyDouble = fc.oneof(fc.double({ noNaN: true }), special, fc.integer({ min: -50, max: 50 }));
const sortedEdges = fc
  .array(fc.oneof(anyDouble, fc.double({ min: -3, max: 3, noNaN: true })), { maxLength: 120 })
  .map((e) => e.sort((a, b) => a - b));

describe('BinLookup', () => {
  it('gives binIndex for any value on ascending edges (ties and infinities included)', () => {
    fc.assert(
      fc.property(sortedEdges, fc.array(anyDouble, { maxLength: 60 }), (edges, values) => {
        const lookup = new BinLookup(edges);
        // The edges themselves and their neighbours are where an off-by-one would show.
        for (const x of [...values, ...edges, ...edges.map((e) => e * (1 + 1e-15)), ...edges.map((e) => e - 1e-12)]) {
          expect(lookup.bin(x)).toBe(binIndex(edges, x));
        }
      }),
      { numRuns: 500 },
    );
  });

  it('gives binIndex for NaN values and for edges out of order or with a NaN', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(anyDouble, fc.constant(Number.NaN)), { maxLength: 40 }),
        fc.array(fc.oneof(anyDouble, fc.constant(Number.NaN)), { maxLength: 40 }),
        (edges, values) => {
          const lookup = new BinLookup(edges);
          for (const x of [...values, ...edges, Number.NaN]) expect(lookup.bin(x)).toBe(binIndex(edges, x));
        },
      ),
      { numRuns: 500 },
    );
  });

  it('gives binIndex on quantile-like edges of a skewed distribution, value by value', () => {
    const edges = Array.from({ length: 99 }, (_, i) => Math.exp(((i + 1) / 100 - 0.5) * 8));
    const lookup = binLookup(edges);
    expect(binLookup(edges)).toBe(lookup); // made once per edge array
    for (let k = -2000; k <= 2000; k++) {
      const x = Math.exp(k / 400);
      expect(lookup.bin(x)).toBe(binIndex(edges, x));
      expect(lookup.bin(-x)).toBe(binIndex(edges, -x));
    }
  });
});
