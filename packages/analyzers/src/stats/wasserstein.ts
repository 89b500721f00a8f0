/**
 * Wasserstein-1 (earth mover's) distance between the empirical distributions of two samples,
 * scipy.stats.wasserstein_distance(u, v) without weights:
 *
 *   W₁ = ∫ |F_u(x) − F_v(x)| dx = Σₖ |F_u(zₖ) − F_v(zₖ)| · (zₖ₊₁ − zₖ),
 *
 * over the merged sorted values z of both samples, with Fₛ(x) the fraction of sample s that is ≤ x.
 *
 * Inputs must be sorted ascending and NaN-free. One merge pass, no allocation: the CDF difference is kept as the
 * integer |i·n_v − j·n_u| and the sum divided by n_u·n_v once at the end. All terms are non-negative, so the
 * plain running sum has a relative error of at most (n_u + n_v)·ε.
 *
 * W₁ is symmetric, ≥ 0, and shifts by |c| when one sample is translated by c; it is in the units of the feature.
 *
 * @returns NaN when either sample is empty (scipy refuses empty samples).
 */
export function wasserstein1(sortedU: Float64Array, sortedV: Float64Array): number {
  const nu = sortedU.length;
  const nv = sortedV.length;
  if (nu === 0 || nv === 0) return NaN;
  let i = 0;
  let j = 0;
  let sum = 0;
  let previous = Math.min(sortedU[0]!, sortedV[0]!);
  while (i < nu && j < nv) {
    const a = sortedU[i]!;
    const b = sortedV[j]!;
    const x = a <= b ? a : b;
    // The CDFs are constant on [previous, x): i and j elements are ≤ previous.
    sum += Math.abs(i * nv - j * nu) * (x - previous);
    previous = x;
    if (a <= b) i++;
    else j++;
  }
  // One sample is used up; its CDF is 1 and only the other one moves.
  for (; i < nu; i++) {
    const x = sortedU[i]!;
    sum += Math.abs(i * nv - j * nu) * (x - previous);
    previous = x;
  }
  for (; j < nv; j++) {
    const x = sortedV[j]!;
    sum += Math.abs(i * nv - j * nu) * (x - previous);
    previous = x;
  }
  return sum / (nu * nv);
}
