/**
 * The binned path of a report's numeric column (docs/report.md, "Large files"): when even one column pair per
 * thread does not fit in `--memory-budget`, a spilled column is streamed twice from its spill file in pieces of
 * {@link PIECE} values instead of being read whole and sorted.
 *
 * Pass 1 counts each side into 65,536 buckets of the float32 bits of the value's offset from the reference's
 * median (sign, exponent and the top 7 mantissa bits: a bucket spans at most 2^-7 of its values' distance from
 * that centre; the median comes from a pass before, centred on 0), with each bucket's exact least and largest
 * value, and the exact count, sum, sum of squares, min and max. From the buckets come an approximate sorted sample of each
 * side, which gives the reference bins (deciles and percentiles, point masses included), the quantiles and the
 * chart's bins; pass 2 counts both sides exactly into those bins. KS and Wasserstein come from the buckets, with
 * bounds on their error as in docs/decisions/0004: a bucket whose values are all equal (an integer, a point mass)
 * adds no error.
 */
import type { SpilledColumn } from '@vigil/core';
import type { NumericAccumulator } from '../accumulator/window-accumulator';
import { binIndex, quantileSorted, referenceEdges } from '../profile/binning';
import { COARSE_BINS, FINE_BINS, type NumericProfile } from '../profile/reference-profile';
import { ksPValue } from '../stats/ks';
import type { NumericSummary } from './report-types';
import type { NumericColumnResult } from './numeric-column';
import { forEachSpilledPiece } from './spilled-column';
import { valueDistribution } from './value-distribution';

const BUCKETS = 1 << 16;
/** Values read from the spill file at a time. */
export const PIECE = 1 << 16;
/** The most values of the approximate sorted sample of a side. */
const SAMPLE = 1 << 16;
/** Bytes one thread holds for a binned column pair: buckets, their extremes and samples of both sides, a piece. */
export const BINNED_COLUMN_BYTES = 2 * BUCKETS * (8 + 8 + 8) + 2 * SAMPLE * 8 + PIECE * 8;

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** The bucket of a finite value's offset from the centre: its float32 bits made order-preserving, top 16 of them. */
function bucketOf(offset: number): number {
  f32[0] = offset;
  const b = u32[0]!;
  return (b & 0x80000000 ? ~b : b | 0x80000000) >>> 16;
}

interface Side {
  rows: number;
  n: number;
  sum: number;
  sumSquares: number;
  min: number;
  max: number;
  counts: Float64Array;
  low: Float64Array;
  high: Float64Array;
}

function bucketPass(column: SpilledColumn, center: number): Side {
  const side: Side = {
    rows: column.rows,
    n: 0,
    sum: 0,
    sumSquares: 0,
    min: Infinity,
    max: -Infinity,
    counts: new Float64Array(BUCKETS),
    low: new Float64Array(BUCKETS).fill(Infinity),
    high: new Float64Array(BUCKETS).fill(-Infinity),
  };
  const { counts, low, high } = side;
  forEachSpilledPiece(column, PIECE, (values) => {
    for (let i = 0; i < values.length; i++) {
      // + 0 folds -0 into +0, as sortFinite does: the least or largest value is then 0, never -0.
      const v = values[i]! + 0;
      // Missing is NaN only: ±Infinity is a value, as on the exact path (sortFinite keeps it).
      if (v !== v) continue;
      side.n++;
      side.sum += v;
      side.sumSquares += v * v;
      if (v < side.min) side.min = v;
      if (v > side.max) side.max = v;
      // + 0 folds -0 into +0: equal values share a bucket.
      const b = bucketOf(v - center + 0);
      counts[b]!++;
      if (v < low[b]!) low[b] = v;
      if (v > high[b]!) high[b] = v;
    }
  });
  return side;
}

/** About {@link SAMPLE} values at evenly spaced ranks, ascending, spread evenly within each bucket; ends exact. */
function approximateSorted(side: Side): Float64Array {
  const m = Math.min(side.n, SAMPLE);
  const out = new Float64Array(m);
  if (m === 0) return out;
  let b = 0;
  let before = 0;
  for (let i = 0; i < m; i++) {
    const rank = ((i + 0.5) * side.n) / m;
    while (before + side.counts[b]! <= rank && b < BUCKETS - 1) before += side.counts[b++]!;
    const lo = side.low[b]!;
    const hi = side.high[b]!;
    out[i] = lo === hi ? lo : lo + (hi - lo) * ((rank - before) / side.counts[b]!);
  }
  out[0] = side.min;
  out[m - 1] = side.max;
  return out;
}

function summary(side: Side, sample: Float64Array): NumericSummary {
  const q = (p: number): number => quantileSorted(sample, p);
  return {
    rows: side.rows,
    missing: side.rows - side.n,
    missingShare: side.rows > 0 ? (side.rows - side.n) / side.rows : Number.NaN,
    min: side.n > 0 ? side.min : Number.NaN,
    max: side.n > 0 ? side.max : Number.NaN,
    mean: side.n > 0 ? side.sum / side.n : Number.NaN,
    p5: q(0.05),
    p25: q(0.25),
    p50: q(0.5),
    p75: q(0.75),
    p95: q(0.95),
  };
}

/** KS and Wasserstein from both sides' buckets, and bounds on their error. */
function bucketStatistics(
  r: Side,
  c: Side,
): { ks: number; ksErrorBound: number; wasserstein: number; wassersteinErrorBound: number } {
  // Cumulative counts as integers, divided at each use: the CDFs at bucket ends are then the exact ones, to the bit.
  let cr = 0;
  let cc = 0;
  let ks = 0;
  let ksBound = 0;
  let w = 0;
  let wBound = 0;
  let previousHigh = Number.NaN;
  for (let b = 0; b < BUCKETS; b++) {
    const nr = r.counts[b]!;
    const nc = c.counts[b]!;
    if (nr === 0 && nc === 0) continue;
    const lo = Math.min(r.low[b]!, c.low[b]!);
    const hi = Math.max(r.high[b]!, c.high[b]!);
    const before = Math.abs(cr / r.n - cc / c.n);
    // Between the previous bucket's largest value and this one's least, both CDFs are flat.
    if (!Number.isNaN(previousHigh)) w += before * (lo - previousHigh);
    cr += nr;
    cc += nc;
    const after = Math.abs(cr / r.n - cc / c.n);
    // As ksStatistic computes it, so that a bucket-exact column gives the exact statistic to the bit.
    ks = Math.max(ks, Math.abs(cr * c.n - cc * r.n));
    if (hi > lo) {
      const share = Math.max(nr / r.n, nc / c.n);
      ksBound = Math.max(ksBound, share);
      w += ((before + after) / 2) * (hi - lo);
      wBound += share * (hi - lo);
    }
    previousHigh = hi;
  }
  return { ks: ks / (r.n * c.n), ksErrorBound: ksBound, wasserstein: w, wassersteinErrorBound: wBound };
}

/** Counts of `column`'s values (not NaN) over bins of `edges` (binIndex: [e(i-1), e(i)), outer bins open). */
function countInto(values: Float64Array, edges: readonly number[], counts: number[]): void {
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (v === v) counts[binIndex(edges, v)]!++;
  }
}

/** The chart's counts: bins [e(i), e(i+1)), the last closed; values beyond the ends counted apart. */
function countDistribution(
  values: Float64Array,
  edges: readonly number[],
  counts: number[],
  outside: { n: number },
): void {
  const lo = edges[0]!;
  const hi = edges[edges.length - 1]!;
  const inner = edges.slice(1, -1);
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (v !== v) continue;
    if (v < lo || v > hi) outside.n++;
    else counts[binIndex(inner, v)]!++;
  }
}

export function analyzeBinnedColumn(
  name: string,
  reference: SpilledColumn,
  current: SpilledColumn,
): NumericColumnResult {
  // Buckets are finest near their centre: centred on the reference's median (from a first pass centred on 0), a
  // column such as 1e6 ± 10 is bucketed as finely as one around 0.
  const first = bucketPass(reference, 0);
  const center = first.n > 0 ? quantileSorted(approximateSorted(first), 0.5) : 0;
  const r = bucketPass(reference, center);
  const c = bucketPass(current, center);
  const refSample = approximateSorted(r);
  const curSample = approximateSorted(c);
  const edges = referenceEdges(refSample, COARSE_BINS);
  const fineEdges = referenceEdges(refSample, FINE_BINS);
  const mean = r.n > 0 ? r.sum / r.n : Number.NaN;
  const profile: NumericProfile = {
    name,
    kind: 'numeric',
    edges,
    counts: new Array<number>(edges.length + 1).fill(0),
    fineEdges,
    fineCounts: new Array<number>(fineEdges.length + 1).fill(0),
    rows: r.rows,
    missing: r.rows - r.n,
    mean,
    std: r.n > 0 ? Math.sqrt(Math.max(0, r.sumSquares / r.n - mean * mean)) : Number.NaN,
    min: r.n > 0 ? r.min : Number.NaN,
    max: r.n > 0 ? r.max : Number.NaN,
  };
  const accumulator: NumericAccumulator = {
    kind: 'numeric',
    rows: c.rows,
    missing: c.rows - c.n,
    counts: profile.counts.map(() => 0),
    fineCounts: profile.fineCounts.map(() => 0),
    sum: c.sum,
    sumSquares: c.sumSquares,
    min: c.n > 0 ? c.min : null,
    max: c.n > 0 ? c.max : null,
  };
  const chart = valueDistribution(refSample, curSample);
  const chartCounts = chart ? [chart.edges.slice(1).map(() => 0), chart.edges.slice(1).map(() => 0)] : [];
  const outside = [{ n: 0 }, { n: 0 }];
  let below = 0;
  let above = 0;
  forEachSpilledPiece(reference, PIECE, (values) => {
    countInto(values, edges, profile.counts);
    countInto(values, fineEdges, profile.fineCounts);
    if (chart) countDistribution(values, chart.edges, chartCounts[0]!, outside[0]!);
  });
  forEachSpilledPiece(current, PIECE, (values) => {
    countInto(values, edges, accumulator.counts);
    countInto(values, fineEdges, accumulator.fineCounts);
    if (chart) countDistribution(values, chart.edges, chartCounts[1]!, outside[1]!);
    if (r.n === 0) return;
    for (let i = 0; i < values.length; i++) {
      const v = values[i]!;
      if (v < r.min) below++;
      else if (v > r.max) above++;
    }
  });
  const both = r.n > 0 && c.n > 0;
  const stats = both
    ? bucketStatistics(r, c)
    : { ks: Number.NaN, ksErrorBound: 0, wasserstein: Number.NaN, wassersteinErrorBound: 0 };
  return {
    name,
    profile,
    accumulator,
    ks: stats.ks,
    ksPValue: both ? ksPValue(stats.ks, r.n, c.n) : Number.NaN,
    wasserstein: stats.wasserstein,
    summary: { reference: summary(r, refSample), current: summary(c, curSample), below, above },
    distribution: chart
      ? {
          edges: chart.edges,
          reference: chartCounts[0]!,
          current: chartCounts[1]!,
          outside: { reference: outside[0]!.n, current: outside[1]!.n },
        }
      : null,
    binned: { ksErrorBound: stats.ksErrorBound, wassersteinErrorBound: stats.wassersteinErrorBound },
  };
}
