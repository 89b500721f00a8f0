/**
 * Equal-width bins of a numeric column for the report's distribution charts. The drift metrics bin by reference
 * deciles, which makes every reference look flat; these bins show the shape of both samples instead.
 */
import { firstAbove, firstAtLeast, quantileSorted } from '../profile/binning';
import type { ValueDistribution } from './report-types';

/** About this many bins; the bin width is rounded to 1, 2, 2.5 or 5 × 10^k so the edges are round numbers. */
export const DISTRIBUTION_BINS = 20;
/** Columns of integers spanning at most this many values get one bin per integer. */
const MAX_INTEGER_BINS = 40;
/** Far outliers: when the full range exceeds this many times the 1%–99% range, the plotted range is trimmed. */
const OUTLIER_RATIO = 5;

function niceStep(rough: number): number {
  const power = 10 ** Math.floor(Math.log10(rough));
  return ([1, 2, 2.5, 5, 10].find((m) => m * power >= rough * (1 - 1e-12)) ?? 10) * power;
}

function allIntegers(sorted: Float64Array): boolean {
  for (let i = 0; i < sorted.length; i++) if (!Number.isInteger(sorted[i])) return false;
  return true;
}

/**
 * Counts `sorted` (ascending, finite) into the bins of `edges` (last bin closed); values outside [first, last edge]
 * are returned apart. Each bin's bounds are found by binary search, not by a pass over the values: the same counts
 * as walking the values (bin b holds edges[b] ≤ v < edges[b + 1], the last one also v = its upper edge).
 */
function count(sorted: Float64Array, edges: number[]): { counts: number[]; outside: number } {
  const bins = edges.length - 1;
  const counts = new Array<number>(bins).fill(0);
  const lo = edges[0]!;
  const hi = edges[bins]!;
  // A NaN edge (the ± half-width around an infinite value) excludes nothing, as `v < NaN` and `v > NaN` are false.
  const first = lo !== lo ? 0 : firstAtLeast(sorted, lo);
  const end = firstAbove(sorted, hi, first);
  let start = first;
  for (let bin = 0; bin < bins - 1; bin++) {
    const next = Math.min(end, firstAtLeast(sorted, edges[bin + 1]!, start));
    counts[bin] = next - start;
    start = next;
  }
  counts[bins - 1] = end - start;
  return { counts, outside: sorted.length - (end - first) };
}

/** Equal-width bins over both sorted samples (finite values only); null when both are empty. */
export function valueDistribution(reference: Float64Array, current: Float64Array): ValueDistribution | null {
  const sides = [reference, current].filter((s) => s.length > 0);
  if (sides.length === 0) return null;
  const q = (p: number, pick: (a: number, b: number) => number): number =>
    sides.map((s) => quantileSorted(s, p)).reduce((a, b) => pick(a, b));
  // The ends themselves: what q(0) and q(1) give, except that interpolating across a range wider than the largest
  // double gives NaN (an infinite difference times 0).
  let lo = Math.min(...sides.map((s) => s[0]!));
  let hi = Math.max(...sides.map((s) => s[s.length - 1]!));
  let edges: number[];
  // Below 2^51 an integer ± 0.5 is exact.
  if (sides.every(allIntegers) && hi - lo <= MAX_INTEGER_BINS && Math.max(Math.abs(lo), Math.abs(hi)) < 2 ** 51) {
    edges = Array.from({ length: hi - lo + 2 }, (_, i) => lo - 0.5 + i);
  } else {
    if (hi - lo > OUTLIER_RATIO * (q(0.99, Math.max) - q(0.01, Math.min))) {
      // Quantiles interpolated across a range wider than the largest double are not finite: the whole range then.
      const trimmedLo = q(0.005, Math.min);
      const trimmedHi = q(0.995, Math.max);
      if (Number.isFinite(trimmedLo) && Number.isFinite(trimmedHi)) {
        lo = trimmedLo;
        hi = trimmedHi;
      }
    }
    const step = niceStep((hi - lo) / DISTRIBUTION_BINS);
    if (hi === lo) {
      // ± 0.5 around one value, wider for magnitudes where 0.5 is below float64 resolution.
      const half = Math.max(0.5, Math.abs(lo) * 1e-9);
      edges = [lo - half, lo + half];
    } else if (!(step > 0 && Number.isFinite(step))) {
      // A range too narrow or too wide for float64 steps: one bin.
      edges = [lo, hi];
    } else {
      const first = Math.floor(lo / step);
      const bins = Math.max(1, Math.ceil(hi / step - 1e-9) - first);
      // toPrecision keeps 0.30000000000000004 out of the edges.
      edges = Array.from({ length: bins + 1 }, (_, i) => Number(((first + i) * step).toPrecision(12)));
      if (edges[bins]! < hi) edges[bins] = hi;
      // Steps near the largest double can make an edge infinite (or NaN): one bin then, as for a range too wide.
      if (edges[0]! > lo || edges.some((e, i) => !Number.isFinite(e) || (i > 0 && !(e > edges[i - 1]!))))
        edges = [lo, hi];
    }
  }
  const ref = count(reference, edges);
  const cur = count(current, edges);
  return {
    edges,
    reference: ref.counts,
    current: cur.counts,
    outside: { reference: ref.outside, current: cur.outside },
  };
}
