/**
 * The binary-search kernels of binning.ts and value-distribution.ts against the pass-over-every-value kernels they
 * replaced (kept here verbatim as references): the same counts, edges and chart bins on sorted data with ties, point
 * masses, zeros of both signs, infinities, unsorted and NaN edges.
 */
import fc from 'fast-check';
import {
  countSortedIntoBins,
  firstAbove,
  firstAtLeast,
  nextUp,
  quantileEdges,
  referenceEdges,
} from '../../src/profile/binning';
import { valueDistribution } from '../../src/report/value-distribution';
import { sortFinite } from '../../src/sort/sort-finite';

function mergeCount(sorted: Float64Array, edges: readonly number[], counts: number[]): void {
  let bin = 0;
  let start = 0;
  for (let i = 0; i < sorted.length; i++) {
    while (bin < edges.length && (sorted[i] as number) >= (edges[bin] as number)) {
      counts[bin] = (counts[bin] as number) + (i - start);
      start = i;
      bin++;
    }
  }
  counts[bin] = (counts[bin] as number) + (sorted.length - start);
}

function scanReferenceEdges(sorted: Float64Array, k: number): number[] {
  const n = sorted.length;
  const isMass = (v: number, count: number): boolean => count >= 2 && count * k >= n && Number.isFinite(v);
  const masses: number[] = [];
  let rest = 0;
  for (let i = 0; i < n;) {
    const v = sorted[i] as number;
    let j = i + 1;
    while (j < n && sorted[j] === v) j++;
    if (isMass(v, j - i)) masses.push(v);
    else rest += j - i;
    i = j;
  }
  if (masses.length === 0) return quantileEdges(sorted, k);
  const remainder = new Float64Array(rest);
  let r = 0;
  for (let i = 0; i < n;) {
    const v = sorted[i] as number;
    let j = i + 1;
    while (j < n && sorted[j] === v) j++;
    if (!isMass(v, j - i)) {
      remainder.set(sorted.subarray(i, j), r);
      r += j - i;
    }
    i = j;
  }
  const all = quantileEdges(remainder, k - masses.length);
  for (const v of masses) {
    all.push(v);
    const up = nextUp(v);
    if (Number.isFinite(up)) all.push(up);
  }
  all.sort((a, b) => a - b);
  const edges: number[] = [];
  for (const e of all) if (edges.length === 0 || e > (edges[edges.length - 1] as number)) edges.push(e);
  return edges;
}

/** The chart counts by walking every value, as value-distribution.ts did. */
function walkCount(sorted: Float64Array, edges: number[]): { counts: number[]; outside: number } {
  const bins = edges.length - 1;
  const counts = new Array<number>(bins).fill(0);
  const lo = edges[0]!;
  const hi = edges[bins]!;
  let outside = 0;
  let bin = 0;
  for (let i = 0; i < sorted.length; i++) {
    const v = sorted[i]!;
    if (v < lo || v > hi) {
      outside++;
      continue;
    }
    while (bin < bins - 1 && v >= edges[bin + 1]!) bin++;
    counts[bin]!++;
  }
  return { counts, outside };
}

// Values drawn from a few distinct numbers (ties and point masses), from anywhere, or with infinities and -0.
const value = fc.oneof(
  fc.constantFrom(-2, -0, 0, 1, 1.5, 3),
  fc.double({ min: -1e3, max: 1e3, noNaN: true }),
  fc.constantFrom(Number.NEGATIVE_INFINITY, Number.POSITIVE_INFINITY, 7),
);
const sample = fc.array(value, { maxLength: 400 }).map((v) => sortFinite(Float64Array.from(v)));
const edge = fc.oneof(value, fc.constant(Number.NaN));

describe('binary-search kernels equal the merge kernels', () => {
  it('countSortedIntoBins: ascending, unsorted and NaN edges', () => {
    fc.assert(
      fc.property(sample, fc.array(edge, { maxLength: 12 }), fc.boolean(), (sorted, raw, ascending) => {
        const edges = ascending ? [...new Set(raw.filter((e) => e === e))].sort((a, b) => a - b) : raw;
        const want = new Array<number>(edges.length + 1).fill(1);
        const got = [...want];
        mergeCount(sorted, edges, want);
        countSortedIntoBins(sorted, edges, got);
        expect(got).toEqual(want);
      }),
      { numRuns: 500 },
    );
  });

  it('referenceEdges finds the same point masses and edges for k = 3, 10 and 100', () => {
    fc.assert(
      fc.property(sample, fc.constantFrom(3, 10, 100), (sorted, k) => {
        expect(referenceEdges(sorted, k)).toEqual(scanReferenceEdges(sorted, k));
      }),
      { numRuns: 500 },
    );
  });

  it('referenceEdges on large columns with masses at the probe boundaries', () => {
    // Runs of exactly ⌈n/k⌉ and one shorter, placed at every offset around a multiple of the probe step.
    for (const [n, k] of [
      [1000, 10],
      [1001, 100],
      [100_000, 100],
    ] as const) {
      const m = Math.ceil(n / k);
      for (const offset of [0, 1, m - 1, m, m + 1, 3 * m - 1]) {
        for (const length of [m - 1, m, m + 1]) {
          const values = Float64Array.from({ length: n }, (_, i) => i);
          for (let i = offset; i < Math.min(n, offset + length); i++) values[i] = offset;
          const sorted = sortFinite(values);
          expect(referenceEdges(sorted, k)).toEqual(scanReferenceEdges(sorted, k));
        }
      }
    }
  });

  it('valueDistribution counts as walking every value did', () => {
    fc.assert(
      fc.property(sample, sample, (reference, current) => {
        const d = valueDistribution(reference, current);
        if (d === null) return;
        const ref = walkCount(reference, d.edges);
        const cur = walkCount(current, d.edges);
        expect(d.reference).toEqual(ref.counts);
        expect(d.current).toEqual(cur.counts);
        expect(d.outside).toEqual({ reference: ref.outside, current: cur.outside });
      }),
      { numRuns: 500 },
    );
  });

  it('firstAtLeast and firstAbove are the lower and upper bounds from any start', () => {
    fc.assert(
      fc.property(sample, value, fc.nat(400), (sorted, x, from0) => {
        const from = Math.min(from0, sorted.length);
        let lower = from;
        while (lower < sorted.length && !((sorted[lower] as number) >= x)) lower++;
        let upper = from;
        while (upper < sorted.length && (sorted[upper] as number) <= x) upper++;
        expect(firstAtLeast(sorted, x, from)).toBe(lower);
        expect(firstAbove(sorted, x, from)).toBe(upper);
      }),
    );
  });
});
