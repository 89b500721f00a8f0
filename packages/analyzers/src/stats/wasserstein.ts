/**
 * Wasserstein-1 (earth mover's) distance between the empirical distributions of two samples,
 * scipy.stats.wasserstein_distance(u, v) without weights:
 *
 *   W₁ = ∫ |F_u(x) − F_v(x)| dx = Σₖ |F_u(zₖ) − F_v(zₖ)| · (zₖ₊₁ − zₖ),
 *
 * over the merged sorted values z of both samples, with Fₛ(x) the fraction of sample s that is ≤ x.
 *
 * Inputs must be sorted ascending and NaN-free. One merge pass ({@link ksAndWasserstein1}'s): the CDF difference is kept as the
 * integer |i·n_v − j·n_u| and the sum divided by n_u·n_v once at the end. The sum is compensated (Neumaier), so
 * its error does not grow with the number of rows; scipy's pairwise summation grows only with log n, and a plain
 * running sum over 2M terms would already drift by ~1e-12 relative.
 *
 * W₁ is symmetric, ≥ 0, and shifts by |c| when one sample is translated by c; it is in the units of the feature.
 *
 * @returns NaN when either sample is empty (scipy refuses empty samples).
 */
export function wasserstein1(sortedU: Float64Array, sortedV: Float64Array): number {
  return ksAndWasserstein1(sortedU, sortedV).wasserstein;
}

/**
 * {@link wasserstein1} and the two-sample KS statistic (ks.ts `ksStatistic(sortedU, sortedV)`) from one merge pass
 * over the sorted pair: a report computes both for every numeric column, and each used to walk the 2n values on
 * its own. The same numbers to the bit: the Wasserstein sum is described at {@link wasserstein1}, and KS takes the
 * largest integer |i·n_v − j·n_u| over the states where every value below the next one is consumed, which are the
 * states `ksStatistic` visits.
 *
 * The pass steps from one distinct value to the next, moving past all its ties in both samples at once (decision
 * 0028). A step per element, as before, added a term difference · (x − previous) = +0 for every tie after the
 * first, which leaves the compensated sum and its compensation as they were (both stay ≥ +0, and s + 0 = s,
 * s − s + 0 = +0), and skipped its KS state: so the sums are the same to the bit, with one choice and one
 * compensated add per distinct value instead of per element (rounded data — 4 decimals, counts — has many ties).
 * Ties of an infinity are the exception (∞ − ∞ is NaN, not 0), but there the first infinite value already made
 * the result NaN either way: a term of ±∞ (or 0 · ∞) leaves a NaN compensation.
 */
export function ksAndWasserstein1(sortedU: Float64Array, sortedV: Float64Array): { ks: number; wasserstein: number } {
  const nu = sortedU.length;
  const nv = sortedV.length;
  if (nu === 0 || nv === 0) return { ks: NaN, wasserstein: NaN };
  let i = 0;
  let j = 0;
  // The next unconsumed value of each sample (its last value once it is used up: x is then the other's).
  let u = sortedU[0]!;
  let v = sortedV[0]!;
  const walk = startMergeWalk(u <= v ? u : v);
  // Each step takes the least unconsumed value x; the CDFs are constant on [previous, x), where exactly i elements
  // of u and j of v are ≤ previous.
  while (i < nu || j < nv) {
    const x = i === nu ? v : j === nv ? u : u <= v ? u : v;
    stepMergeWalk(walk, x, i, j, nu, nv);
    while (i < nu && u === x) u = ++i < nu ? sortedU[i]! : u;
    while (j < nv && v === x) v = ++j < nv ? sortedV[j]! : v;
  }
  return endMergeWalk(walk, nu, nv);
}

/**
 * The state of a merge walk over two sorted samples (`ksAndWasserstein1`, and `sortDecimalPair`'s walk over the
 * counts of a decimal pair): the compensated Wasserstein sum and its compensation, the largest |i·n_v − j·n_u| so
 * far, and the previous distinct value. One array, so that both walks add the same terms in the same order. The
 * WebAssembly walk of `sortDecimalPair` (wasm/pair.wat, decision 0047) repeats `stepMergeWalk` operation for
 * operation on this array's four values: a change here must be made there too (its tests compare the two).
 */
export type MergeWalk = Float64Array;
const SUM = 0;
const COMPENSATION = 1;
const MAX_DIFFERENCE = 2;
const PREVIOUS = 3;

export function startMergeWalk(first: number): MergeWalk {
  const walk = new Float64Array(4);
  walk[PREVIOUS] = first;
  return walk;
}

/** The walk's step at the next distinct value x, with i values of u and j of v below it. */
export function stepMergeWalk(walk: MergeWalk, x: number, i: number, j: number, nu: number, nv: number): void {
  const previous = walk[PREVIOUS]!;
  const sum = walk[SUM]!;
  const difference = Math.abs(i * nv - j * nu);
  if (x > previous && difference > walk[MAX_DIFFERENCE]!) walk[MAX_DIFFERENCE] = difference;
  const term = difference * (x - previous);
  const total = sum + term;
  walk[COMPENSATION] = walk[COMPENSATION]! + (sum >= term ? sum - total + term : term - total + sum);
  walk[SUM] = total;
  walk[PREVIOUS] = x;
}

export function endMergeWalk(walk: MergeWalk, nu: number, nv: number): { ks: number; wasserstein: number } {
  return { ks: walk[MAX_DIFFERENCE]! / (nu * nv), wasserstein: (walk[SUM]! + walk[COMPENSATION]!) / (nu * nv) };
}
