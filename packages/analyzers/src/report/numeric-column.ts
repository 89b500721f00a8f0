/**
 * Everything a report computes from one numeric column pair (a feature or the score): both sides sorted, the
 * reference profile, the current side's accumulator, and the exact KS and Wasserstein statistics. A pure function
 * of two arrays, so it runs unchanged in a worker thread; this is ~85% of a report's analysis time.
 */
import type { SpilledColumn } from '@vigil/core';
import { numericAccumulatorFromSorted, type NumericAccumulator } from '../accumulator/window-accumulator';
import { quantileSorted } from '../profile/binning';
import { fitNumericWithSum, type NumericProfile } from '../profile/reference-profile';
import { PAIR_SLACK, sortDecimalPair, sortFinite } from '../sort/sort-finite';
import { ksPValue } from '../stats/ks';
import { ksAndWasserstein1 } from '../stats/wasserstein';
import type { NumericSummary, ValueDistribution } from './report-types';
import { analyzeBinnedColumn } from './binned-column';
import { readSpilledColumn } from './spilled-column';
import { valueDistribution } from './value-distribution';

export interface NumericColumnJob {
  name: string;
  /** The values, or where a file reader spilled them (read back here, one column pair at a time). */
  reference: Float64Array | SpilledColumn;
  current: Float64Array | SpilledColumn;
  /** Both sides spilled and too large for the memory budget: stream them through buckets (binned-column.ts). */
  binned?: boolean;
}

export interface NumericColumnResult {
  name: string;
  profile: NumericProfile;
  accumulator: NumericAccumulator;
  /** Exact two-sample statistics; NaN when either side has no finite value. */
  ks: number;
  ksPValue: number;
  wasserstein: number;
  /** Data-quality figures of each side, and the current values outside the reference's range. */
  summary: { reference: NumericSummary; current: NumericSummary; below: number; above: number };
  /** Equal-width bins of both sides for the charts; null when neither side has a finite value. */
  distribution: ValueDistribution | null;
  /** Present when the binned path computed the column: bounds on |binned − exact| of KS and Wasserstein. */
  binned?: { ksErrorBound: number; wassersteinErrorBound: number };
}

/**
 * Rows, missing values, extremes, mean and quantiles of one side from its sorted finite values. `sum` is the sum
 * of `sorted` in its order when the caller has it already (the profile and the accumulator add the same values in
 * the same order, so the mean is the same double): a pass a side fewer.
 */
export function numericSummary(rows: number, sorted: Float64Array, sum?: number): NumericSummary {
  const n = sorted.length;
  if (sum === undefined) {
    sum = 0;
    for (let i = 0; i < n; i++) sum += sorted[i] as number;
  }
  const q = (p: number): number => quantileSorted(sorted, p);
  return {
    rows,
    missing: rows - n,
    missingShare: rows > 0 ? (rows - n) / rows : Number.NaN,
    min: n > 0 ? (sorted[0] as number) : Number.NaN,
    max: n > 0 ? (sorted[n - 1] as number) : Number.NaN,
    mean: n > 0 ? sum / n : Number.NaN,
    p5: q(0.05),
    p25: q(0.25),
    p50: q(0.5),
    p75: q(0.75),
    p95: q(0.95),
  };
}

/** Index of the first element of `sorted` that is ≥ `x` (strict: `> x` when `after`). */
function lowerBound(sorted: Float64Array, x: number, after = false): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((sorted[mid] as number) < x || (after && sorted[mid] === x)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * The two sides of the column being analysed, sorted and (when spilled) read back, kept for the next column: one
 * set a thread (a worker has its own module state). Nothing a result holds refers to them — the profile,
 * accumulator, summaries and charts copy what they keep — so a report of 1,000 columns allocates them once
 * instead of 2,000 times each (decision 0028).
 */
const buffers: Float64Array[] = [new Float64Array(0), new Float64Array(0), new Float64Array(0), new Float64Array(0)];
const SORTED = 0;
const SPILLED = 2;

function buffer(slot: number, length: number): Float64Array {
  if ((buffers[slot] as Float64Array).length < length) buffers[slot] = new Float64Array(length);
  return buffers[slot] as Float64Array;
}

export function analyzeNumericColumn(job: NumericColumnJob): NumericColumnResult {
  if (job.binned && !(job.reference instanceof Float64Array) && !(job.current instanceof Float64Array)) {
    return analyzeBinnedColumn(job.name, job.reference, job.current);
  }
  const reference =
    job.reference instanceof Float64Array
      ? job.reference
      : readSpilledColumn(job.reference, buffer(SPILLED, job.reference.rows));
  const current =
    job.current instanceof Float64Array
      ? job.current
      : readSpilledColumn(job.current, buffer(SPILLED + 1, job.current.rows));
  // Decimal columns are sorted and merged in one walk over their keys (decision 0028), counted and walked in
  // WebAssembly (0047, one kernel instance a thread, this one's or the worker's); other columns are sorted,
  // then KS and Wasserstein taken from one merge pass over the sorted pair. The same numbers either way.
  const pair = sortDecimalPair(
    reference,
    current,
    buffer(SORTED, reference.length + PAIR_SLACK),
    buffer(SORTED + 1, current.length + PAIR_SLACK),
  );
  const refSorted = pair?.u ?? sortFinite(reference, buffer(SORTED, reference.length));
  const curSorted = pair?.v ?? sortFinite(current, buffer(SORTED + 1, current.length));
  // The current side's sums are taken in the loop of the reference's squares (one pass fewer over 100,000 values).
  const { profile, sum: refSum, current: curSums } = fitNumericWithSum(job.name, reference, refSorted, curSorted);
  const accumulator = numericAccumulatorFromSorted(profile, curSorted, current.length, curSums);
  const both = refSorted.length > 0 && curSorted.length > 0;
  const { ks, wasserstein } =
    pair ?? (both ? ksAndWasserstein1(refSorted, curSorted) : { ks: Number.NaN, wasserstein: Number.NaN });
  return {
    name: job.name,
    profile,
    accumulator,
    ks,
    ksPValue: both ? ksPValue(ks, refSorted.length, curSorted.length) : Number.NaN,
    wasserstein,
    summary: {
      reference: numericSummary(reference.length, refSorted, refSum),
      current: numericSummary(current.length, curSorted, accumulator.sum),
      // Without reference values there is no range to fall outside of.
      below: refSorted.length > 0 ? lowerBound(curSorted, refSorted[0] as number) : 0,
      above:
        refSorted.length > 0
          ? curSorted.length - lowerBound(curSorted, refSorted[refSorted.length - 1] as number, true)
          : 0,
    },
    distribution: valueDistribution(refSorted, curSorted),
  };
}
