import fc from 'fast-check';
import {
  binIndex,
  binLabels,
  countSortedIntoBins,
  nextUp,
  quantileEdges,
  quantileSorted,
  referenceEdges,
} from '../../src/profile/binning';
import { sortFinite } from '../../src/sort/sort-finite';
import { hellingerDistance, jensenShannonDistance, psi } from '../../src/stats/distribution';
import { binningGolden, column } from './binning-golden';

function countsOf(values: ArrayLike<number>, edges: readonly number[]): number[] {
  const counts = new Array<number>(edges.length + 1).fill(0);
  countSortedIntoBins(sortFinite(Float64Array.from(values)), edges, counts);
  return counts;
}

/** Values with heavy ties (small integers), occasional infinities, and continuous values. */
const mixedValues = fc.array(
  fc.oneof(
    { weight: 4, arbitrary: fc.integer({ min: -3, max: 3 }) },
    { weight: 4, arbitrary: fc.double({ min: -1e6, max: 1e6, noNaN: true }) },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        Infinity,
        -Infinity,
        Number.MAX_VALUE,
        -Number.MAX_VALUE,
        Number.MIN_VALUE,
        -Number.MIN_VALUE,
        -0,
      ),
    },
  ),
  { maxLength: 400 },
);
const bins = fc.constantFrom(2, 3, 10, 100);

describe('binning', () => {
  it('puts out-of-range values into the open outer bins and edge values into the bin above', () => {
    const edges = [1, 2, 3];
    expect([-100, 0.99, 1, 1.5, 2, 3, 1e9].map((x) => binIndex(edges, x))).toEqual([0, 0, 1, 1, 2, 3, 3]);
  });

  it('collapses duplicate edges of discrete features in plain quantile edges', () => {
    const sorted = Float64Array.from([0, 0, 0, 0, 0, 0, 1, 1, 2, 2]);
    // numpy: np.unique(np.quantile(x, np.arange(1, 10) / 10))
    expect(quantileEdges(sorted, 10)).toEqual([0, 0.39999999999999947, 1, 1.2000000000000002, 2]);
    const binary = Float64Array.from([0, 0, 0, 0, 0, 1, 1, 1, 1, 1]);
    expect(quantileEdges(binary, 10)).toEqual([0, 0.5, 1]);
  });

  it('interpolates quantiles as numpy does', () => {
    const s = Float64Array.from([1, 2, 3, 4]);
    expect(quantileSorted(s, 0.5)).toBe(2.5);
    expect(quantileSorted(s, 0.1)).toBeCloseTo(1.3, 15);
    expect(quantileSorted(Float64Array.from([7]), 0.3)).toBe(7);
  });
});

describe('nextUp', () => {
  it('steps to the adjacent double above, as numpy.nextafter(v, inf)', () => {
    expect(nextUp(0)).toBe(Number.MIN_VALUE);
    expect(nextUp(1)).toBe(1 + Number.EPSILON);
    expect(nextUp(-1)).toBe(-1 + Number.EPSILON / 2);
    expect(nextUp(-Number.MIN_VALUE)).toBe(0);
    expect(nextUp(Number.MAX_VALUE)).toBe(Infinity);
    expect(nextUp(1e300)).toBeGreaterThan(1e300);
    expect((nextUp(1e300) + 1e300) / 2 === 1e300 || (nextUp(1e300) + 1e300) / 2 === nextUp(1e300)).toBe(true);
  });
});

describe('referenceEdges', () => {
  it('gives each point mass a bin of its own: 94% zeros give [0, nextUp(0)) and the rest in 9 quantile bins', () => {
    // 940 zeros and 60 distinct positive values.
    const values = Float64Array.from({ length: 1000 }, (_, i) => (i < 940 ? 0 : i - 939));
    const edges = referenceEdges(values, 10);
    expect(quantileEdges(values, 10)).toEqual([0]); // the old bins: everything from 0 up in one bin
    expect(edges.slice(0, 2)).toEqual([0, Number.MIN_VALUE]);
    // The remaining 60 values (1..60) at their own quantiles j/9: np.quantile(np.arange(1, 61), np.arange(1, 9) / 9)
    expect(edges.slice(2)).toEqual(
      quantileEdges(
        Float64Array.from({ length: 60 }, (_, i) => i + 1),
        9,
      ),
    );
    expect(edges).toHaveLength(10);
    // numpy: np.bincount(np.searchsorted(edges, x, side="right"))
    expect(countsOf(values, edges)).toEqual([0, 940, 7, 7, 6, 7, 6, 7, 6, 7, 7]);
  });

  it('moves PSI, JS and Hellinger when a point mass shifts (94% zeros → 88.7%), which plain deciles hide', () => {
    const sample = (n: number, zeros: number): Float64Array =>
      Float64Array.from({ length: n }, (_, i) =>
        i < zeros ? 0 : Math.round(Math.exp(6 + 2 * ((i * 0.6180339887498949) % 1))),
      );
    const reference = sample(3000, 2820);
    const current = sample(3000, 2661);
    const sortedRef = sortFinite(reference);
    const plain = quantileEdges(sortedRef, 10);
    const fitted = referenceEdges(sortedRef, 10);
    const before = [countsOf(reference, plain), countsOf(current, plain)] as const;
    const after = [countsOf(reference, fitted), countsOf(current, fitted)] as const;
    expect(psi(...before)).toBe(0);
    expect(jensenShannonDistance(...before)).toBe(0);
    expect(hellingerDistance(...before)).toBe(0);
    // The zero bin alone: (0.113 − 0.06)·ln(0.113/0.06) + (0.887 − 0.94)·ln(0.887/0.94) ≈ 0.037.
    expect(psi(...after)).toBeGreaterThan(0.03);
    expect(jensenShannonDistance(...after)).toBeGreaterThan(0.05);
    expect(hellingerDistance(...after)).toBeGreaterThan(0.05);
  });

  describe('golden vectors (numpy: scripts/golden/binning_vectors.py)', () => {
    for (const c of binningGolden.cases) {
      it(`${c.name}: edges, fine edges and counts`, () => {
        const reference = column(c.reference);
        const sorted = sortFinite(reference);
        expect(referenceEdges(sorted, binningGolden.k)).toEqual(c.edges);
        expect(referenceEdges(sorted, binningGolden.fineK)).toEqual(c.fineEdges);
        expect(quantileEdges(sorted, binningGolden.k)).toEqual(c.plainEdges);
        expect(countsOf(reference, c.edges)).toEqual(c.referenceCounts);
        expect(countsOf(column(c.current), c.edges)).toEqual(c.currentCounts);
        expect(countsOf(reference, c.fineEdges)).toEqual(c.fineReferenceCounts);
        expect(countsOf(column(c.current), c.fineEdges)).toEqual(c.fineCurrentCounts);
        for (const v of c.pointMasses) {
          const i = c.edges.indexOf(v);
          expect(c.edges[i + 1]).toBe(nextUp(v));
        }
      });
    }
  });

  it('edges are finite and strictly increasing', () => {
    fc.assert(
      fc.property(mixedValues, bins, (values, k) => {
        const edges = referenceEdges(sortFinite(Float64Array.from(values)), k);
        for (let i = 0; i < edges.length; i++) {
          expect(Number.isFinite(edges[i])).toBe(true);
          if (i > 0) expect(edges[i]!).toBeGreaterThan(edges[i - 1]!);
        }
      }),
    );
  });

  it('every reference value lands in exactly one bin, and the counts sum to n', () => {
    fc.assert(
      fc.property(mixedValues, bins, (values, k) => {
        const sorted = sortFinite(Float64Array.from(values));
        const edges = referenceEdges(sorted, k);
        const lower = [-Infinity, ...edges];
        const upper = [...edges, Infinity];
        for (const v of sorted) {
          const holding = lower.flatMap((lo, i) =>
            lo <= v && (v < upper[i]! || (i === edges.length && v === Infinity)) ? [i] : [],
          );
          expect(holding).toEqual([binIndex(edges, v)]);
        }
        const counts = countsOf(values, edges);
        expect(counts.reduce((s, n) => s + n, 0)).toBe(sorted.length);
      }),
    );
  });

  it("a point mass's bin holds that value and nothing else", () => {
    fc.assert(
      fc.property(mixedValues, bins, (values, k) => {
        const sorted = sortFinite(Float64Array.from(values));
        const edges = referenceEdges(sorted, k);
        const tally = new Map<number, number>();
        for (const v of sorted) tally.set(v, (tally.get(v) ?? 0) + 1);
        for (const [v, count] of tally) {
          if (!(count >= 2 && count * k >= sorted.length && Number.isFinite(v))) continue;
          const bin = binIndex(edges, v);
          expect(edges[bin - 1]).toBe(v);
          // The bin is [v, nextUp(v)): the next double above and the one below bin elsewhere.
          // The largest double has no finite successor: its bin is the open upper one, shared with +∞ only.
          const top = !Number.isFinite(nextUp(v));
          if (!top) expect(edges[bin]).toBe(nextUp(v));
          if (!top) expect(binIndex(edges, nextUp(v))).not.toBe(bin);
          expect(binIndex(edges, -nextUp(-v))).not.toBe(bin);
          expect(
            sorted.filter((x) => binIndex(edges, x) === bin).every((x) => x === v || (top && x === Infinity)),
          ).toBe(true);
        }
      }),
    );
  });

  it('data without ties gives the plain quantile edges (continuous features bin as before)', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.double({ min: -1e9, max: 1e9, noNaN: true, noDefaultInfinity: true }), {
          maxLength: 400,
          comparator: (a, b) => a === b,
        }),
        bins,
        (values, k) => {
          const sorted = sortFinite(Float64Array.from(values));
          expect(referenceEdges(sorted, k)).toEqual(quantileEdges(sorted, k));
        },
      ),
    );
  });

  it('PSI, JS and Hellinger of a sample against itself are 0', () => {
    fc.assert(
      fc.property(mixedValues, bins, (values, k) => {
        const edges = referenceEdges(sortFinite(Float64Array.from(values)), k);
        const counts = countsOf(values, edges);
        if (values.length === 0) return;
        expect(psi(counts, counts)).toBe(0);
        expect(jensenShannonDistance(counts, counts)).toBe(0);
        expect(hellingerDistance(counts, counts)).toBe(0);
      }),
    );
  });

  it('PSI, JS and Hellinger do not depend on the order of the rows', () => {
    fc.assert(
      fc.property(mixedValues, mixedValues, bins, fc.integer(), (reference, current, k, seed) => {
        fc.pre(reference.length > 0 && current.length > 0);
        const shuffle = (xs: number[]): number[] => {
          const out = [...xs];
          let s = seed >>> 0;
          for (let i = out.length - 1; i > 0; i--) {
            s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
            const j = s % (i + 1);
            [out[i], out[j]] = [out[j]!, out[i]!];
          }
          return out;
        };
        const metrics = (ref: number[], cur: number[]): number[] => {
          const edges = referenceEdges(sortFinite(Float64Array.from(ref)), k);
          // Binned one value at a time in the given order, as a streaming window does.
          const r = new Array<number>(edges.length + 1).fill(0);
          const c = new Array<number>(edges.length + 1).fill(0);
          for (const v of ref) r[binIndex(edges, v)]!++;
          for (const v of cur) c[binIndex(edges, v)]!++;
          return [...edges, psi(r, c), jensenShannonDistance(r, c), hellingerDistance(r, c)];
        };
        expect(metrics(shuffle(reference), shuffle(current))).toEqual(metrics(reference, current));
      }),
    );
  });
});

describe('binLabels', () => {
  it('names a point mass by its value and the bins beside it as open at it', () => {
    expect(binLabels([0, Number.MIN_VALUE, 930, 1364])).toEqual(['< 0', '= 0', '(0, 930)', '[930, 1364)', '>= 1364']);
    expect(binLabels([5, nextUp(5)])).toEqual(['< 5', '= 5', '> 5']);
    expect(binLabels([1, 2, 3])).toEqual(['< 1', '[1, 2)', '[2, 3)', '>= 3']);
    expect(binLabels([])).toEqual(['all']);
  });
});

describe('countSortedIntoBins', () => {
  it('counts exactly as binIndex per value', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: -20, max: 20 }), { maxLength: 300 }),
        fc.uniqueArray(fc.integer({ min: -15, max: 15 }), { maxLength: 12 }),
        (values, rawEdges) => {
          const edges = [...rawEdges].sort((a, b) => a - b);
          const sorted = Float64Array.from(values).sort();
          const expected = new Array<number>(edges.length + 1).fill(0);
          for (const v of values) expected[binIndex(edges, v)]!++;
          const counts = new Array<number>(edges.length + 1).fill(0);
          countSortedIntoBins(sorted, edges, counts);
          expect(counts).toEqual(expected);
        },
      ),
    );
  });
});
