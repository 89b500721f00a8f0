/**
 * Binning on edges fitted from the reference (docs/metrics.md, "Binning"). `edges` are the interior edges, ascending and
 * distinct; bin i holds values x with edges[i-1] <= x < edges[i], so the outer bins are open and nothing out of
 * range is dropped. This is numpy's `searchsorted(edges, x, side="right")`.
 */
export function binIndex(edges: ArrayLike<number>, x: number): number {
  let lo = 0;
  let hi = edges.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((edges[mid] as number) <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * `binIndex` for one set of edges, many values at a time (the ingest's counting: every numeric value of every event
 * goes through 10 and 100 bins). A uniform grid over [first edge, last edge] gives each value a first guess, and the
 * guess is walked up past the edges ≤ x and down past the edges > x: for edges in ascending order (ties allowed) the
 * one index with every edge before it ≤ x and every edge from it on > x is `binIndex`'s answer, whatever the guess, so
 * the grid only decides how far the walk goes. Quantile edges are densest where most values are, so four cells an
 * edge leave the walk a step or two, against the ~7 unpredictable branches of a binary search over 100 edges. Edges
 * out of order or with a NaN (no fitted profile has them) and NaN values get `binIndex` itself.
 */
export class BinLookup {
  private readonly edges: Float64Array;
  private readonly ordered: boolean;
  private readonly low: number;
  private readonly scale: number;
  private readonly cells: number;
  private readonly guesses: Int32Array;

  constructor(private readonly given: ArrayLike<number>) {
    const n = given.length;
    this.edges = Float64Array.from(given);
    let ordered = true;
    for (let i = 0; i < n; i++) {
      const e = this.edges[i]!;
      if (e !== e || (i > 0 && !(this.edges[i - 1]! <= e))) ordered = false;
    }
    this.ordered = ordered;
    const low = n > 0 ? this.edges[0]! : 0;
    const high = n > 0 ? this.edges[n - 1]! : 0;
    const spread = Number.isFinite(low) && Number.isFinite(high) && high > low && Number.isFinite(high - low);
    this.cells = spread ? 4 * n : 1;
    this.low = low;
    this.scale = spread ? this.cells / (high - low) : 0;
    this.guesses = new Int32Array(this.cells);
    if (ordered) for (let c = 0; c < this.cells; c++) this.guesses[c] = binIndex(this.edges, low + c / this.scale);
  }

  /** `binIndex(edges, x)`. */
  bin(x: number): number {
    if (!this.ordered || x !== x) return binIndex(this.given, x);
    const edges = this.edges;
    const n = edges.length;
    const at = (x - this.low) * this.scale;
    // NaN (an infinite x with one cell) and anything below the first cell go to the first; past the end, the last.
    let bin = this.guesses[at >= this.cells ? this.cells - 1 : at > 0 ? Math.floor(at) : 0]!;
    while (bin < n && edges[bin]! <= x) bin++;
    while (bin > 0 && edges[bin - 1]! > x) bin--;
    return bin;
  }
}

const lookups = new WeakMap<ArrayLike<number>, BinLookup>();

/** The {@link BinLookup} of `edges`, made once per (immutable) edge array. */
export function binLookup(edges: ArrayLike<number>): BinLookup {
  let lookup = lookups.get(edges);
  if (lookup === undefined) {
    lookup = new BinLookup(edges);
    lookups.set(edges, lookup);
  }
  return lookup;
}

/**
 * Adds sorted values into the bins of `edges`: the same bins as `binIndex` (value == edge goes to the bin above),
 * found by one binary search per edge instead of a pass over the values. A report counts every column into 10 and
 * 100 bins on both sides: four passes over 100,000 values a column, where ~110 searches of 17 steps each suffice.
 * `sorted` is ascending without NaN (`sortFinite`'s output).
 */
export function countSortedIntoBins(sorted: Float64Array, edges: readonly number[], counts: number[]): void {
  let start = 0;
  for (let bin = 0; bin < edges.length; bin++) {
    // The first value ≥ the edge at or after the previous boundary: what a merge over the values would stop at,
    // also for edges out of order (a bin then gets 0) and for NaN (no value is ≥ it, so it takes the rest).
    const end = firstAtLeast(sorted, edges[bin] as number, start);
    counts[bin] = (counts[bin] as number) + (end - start);
    start = end;
  }
  counts[edges.length] = (counts[edges.length] as number) + (sorted.length - start);
}

/**
 * Index of the first element of ascending `sorted` at or after `from` that is ≥ `x` (`sorted.length` if none).
 * The test is `!(v >= x)` so that a NaN `x` is never reached, as in a merge.
 */
export function firstAtLeast(sorted: Float64Array, x: number, from = 0): number {
  let lo = from;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (!((sorted[mid] as number) >= x)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Quantile of sorted data with numpy's default (linear) interpolation: position q·(n−1). */
export function quantileSorted(sorted: Float64Array, q: number): number {
  const n = sorted.length;
  if (n === 0) return Number.NaN;
  const pos = q * (n - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(lo + 1, n - 1);
  const t = pos - lo;
  const a = sorted[lo] as number;
  const b = sorted[hi] as number;
  // numpy's _lerp, bit for bit: from the nearer end, so edges equal numpy's and a value on an edge bins alike.
  const diff = b - a;
  return t >= 0.5 ? b - diff * (1 - t) : a + diff * t;
}

/**
 * Interior edges at the quantiles 1/k, 2/k, ..., (k−1)/k of the sorted data, with duplicates collapsed (a tie
 * yields fewer bins rather than empty ones). The remainder binning of `referenceEdges`.
 */
export function quantileEdges(sorted: Float64Array, k: number): number[] {
  const edges: number[] = [];
  for (let i = 1; i < k; i++) {
    const e = quantileSorted(sorted, i / k);
    if (Number.isFinite(e) && (edges.length === 0 || e > (edges[edges.length - 1] as number))) edges.push(e);
  }
  return edges;
}

/**
 * The reference bins of a numeric column (docs/metrics.md "Binning"): interior edges, finite, strictly increasing.
 *
 * A point mass — a finite value that occurs at least twice and in at least 1/k of the non-missing reference
 * (count·k ≥ n) — gets a bin of its own, [v, nextUp(v)), which holds v and nothing else. The other values are
 * cut at the quantiles of their own sorted sample into k − (number of point masses) bins, so each of those bins
 * holds at most about 1/k of the reference, as a decile does. Plain deciles would merge a point mass with its
 * neighbours (their edges collapse onto it), and a shift of the mass — zeros becoming fewer, say — would not move
 * PSI, JS or Hellinger. Without a point mass this is `quantileEdges(sorted, k)`, the reference deciles, exactly.
 */
export function referenceEdges(sorted: Float64Array, k: number): number[] {
  const n = sorted.length;
  const masses: number[] = [];
  // The runs of equal values (start, end) that are point masses, ascending.
  const runs: number[] = [];
  let rest = n;
  // A point mass is a run of at least m = max(2, ⌈n/k⌉) equal values, and any m consecutive indices hold one
  // multiple of m: probing every m-th value and measuring its run by binary search finds every mass in ~k·log n
  // steps instead of a pass over all n values (done twice a column: k = 10 and k = 100).
  const m = Math.max(2, Math.ceil(n / k));
  let covered = 0;
  for (let probe = 0; probe < n; probe += m) {
    if (probe < covered) continue;
    const v = sorted[probe] as number;
    if (!Number.isFinite(v)) continue;
    const i = firstAtLeast(sorted, v, covered);
    const j = firstAbove(sorted, v, probe);
    covered = j;
    if (isPointMass(v, j - i, n, k)) {
      masses.push(v);
      runs.push(i, j);
      rest -= j - i;
    }
  }
  if (masses.length === 0) return quantileEdges(sorted, k);
  const remainder = new Float64Array(rest);
  let r = 0;
  let from = 0;
  for (let x = 0; x < runs.length; x += 2) {
    remainder.set(sorted.subarray(from, runs[x] as number), r);
    r += (runs[x] as number) - from;
    from = runs[x + 1] as number;
  }
  remainder.set(sorted.subarray(from, n), r);
  const all = quantileEdges(remainder, k - masses.length);
  for (const v of masses) {
    all.push(v);
    const up = nextUp(v);
    // The largest finite double has no finite successor: its bin is the open upper one, which holds it (and +∞).
    if (Number.isFinite(up)) all.push(up);
  }
  all.sort((a, b) => a - b);
  const edges: number[] = [];
  for (const e of all) if (edges.length === 0 || e > (edges[edges.length - 1] as number)) edges.push(e);
  return edges;
}

/**
 * Index of the first element of ascending `sorted` at or after `from` that is > `x` (`sorted.length` if none, and
 * for a NaN `x`, which no value is above).
 */
export function firstAbove(sorted: Float64Array, x: number, from = 0): number {
  let lo = from;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (!((sorted[mid] as number) > x)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * A value seen once is no mass, however small the reference: otherwise every value of a reference shorter than k
 * would be one, and tie-free data would not keep its deciles.
 */
function isPointMass(v: number, count: number, n: number, k: number): boolean {
  return count >= 2 && count * k >= n && Number.isFinite(v);
}

const scratch = new Float64Array(1);
const scratchBits = new BigInt64Array(scratch.buffer);

/** The smallest double above the finite `v` (Java's Math.nextUp, numpy's nextafter(v, inf)). */
export function nextUp(v: number): number {
  if (v === 0) return Number.MIN_VALUE;
  scratch[0] = v;
  // Doubles of one sign are ordered as their bit patterns: one step up in magnitude for positives, down for negatives.
  scratchBits[0] = v > 0 ? (scratchBits[0] as bigint) + 1n : (scratchBits[0] as bigint) - 1n;
  const up = scratch[0] as number;
  return up === 0 ? 0 : up; // -MIN_VALUE steps to -0, which is 0
}

/**
 * Human-readable labels for the bins of `edges`: `< e0`, `[e0, e1)`, ..., `>= e_last`. A point mass's bin
 * [v, nextUp(v)) reads `= v`, and the bin after it, which starts just above v, reads `(v, e)` or `> v`.
 */
export function binLabels(edges: readonly number[]): string[] {
  // A profile's edges never change and every window of it labels the same bins: formatted once per edges array
  // (formatting was a tenth of closing a window, bench/window-close.mjs).
  let labels = labelled.get(edges);
  if (!labels) labelled.set(edges, (labels = formatBinLabels(edges)));
  return labels;
}

const labelled = new WeakMap<readonly number[], string[]>();

function formatBinLabels(edges: readonly number[]): string[] {
  const fmt = (x: number): string =>
    Math.abs(x) >= 1e5 || (Math.abs(x) < 1e-3 && x !== 0) ? x.toExponential(2) : String(+x.toPrecision(4));
  if (edges.length === 0) return ['all'];
  const e = (i: number): number => edges[i] as number;
  const singleton = (i: number): boolean => i >= 1 && i < edges.length && nextUp(e(i - 1)) === e(i);
  const labels = [`< ${fmt(e(0))}`];
  for (let i = 1; i < edges.length; i++) {
    if (singleton(i)) labels.push(`= ${fmt(e(i - 1))}`);
    else if (singleton(i - 1)) labels.push(`(${fmt(e(i - 2))}, ${fmt(e(i))})`);
    else labels.push(`[${fmt(e(i - 1))}, ${fmt(e(i))})`);
  }
  labels.push(singleton(edges.length - 1) ? `> ${fmt(e(edges.length - 2))}` : `>= ${fmt(e(edges.length - 1))}`);
  return labels;
}
