/**
 * Binning on edges fitted from the reference (PRODUCT.md §4). `edges` are the interior edges, ascending and
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
 * Adds sorted values into the bins of `edges` in one merge pass: O(n + bins) instead of a binary search per
 * value. The same bins as `binIndex` (value == edge goes to the bin above).
 */
export function countSortedIntoBins(sorted: Float64Array, edges: readonly number[], counts: number[]): void {
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
 * Interior edges at the quantiles 1/k, 2/k, ..., (k−1)/k of the sorted reference, with duplicates collapsed
 * (a discrete feature yields fewer bins rather than empty ones).
 */
export function quantileEdges(sorted: Float64Array, k: number): number[] {
  const edges: number[] = [];
  for (let i = 1; i < k; i++) {
    const e = quantileSorted(sorted, i / k);
    if (Number.isFinite(e) && (edges.length === 0 || e > (edges[edges.length - 1] as number))) edges.push(e);
  }
  return edges;
}

/** Human-readable labels for the bins of `edges`: `< e0`, `[e0, e1)`, ..., `>= e_last`. */
export function binLabels(edges: readonly number[]): string[] {
  const fmt = (x: number): string => (Math.abs(x) >= 1e5 || (Math.abs(x) < 1e-3 && x !== 0) ? x.toExponential(2) : String(+x.toPrecision(4)));
  if (edges.length === 0) return ['all'];
  const labels = [`< ${fmt(edges[0] as number)}`];
  for (let i = 1; i < edges.length; i++) labels.push(`[${fmt(edges[i - 1] as number)}, ${fmt(edges[i] as number)})`);
  labels.push(`>= ${fmt(edges[edges.length - 1] as number)}`);
  return labels;
}
