import { checkCountPair } from './distribution';
import { gcd, kolmogorovSmirnovSf, ksTwoSampleExactSf } from './special-functions';

/**
 * scipy's ks_2samp(method='auto') computes the exact p-value while both samples have at most this many rows and
 * switches to the asymptotic one above it.
 */
export const KS_MAX_EXACT_N = 10_000;

/**
 * Two-sample Kolmogorov–Smirnov statistic D = sup_x |F_ref(x) − F_cur(x)|, the statistic of
 * scipy.stats.ks_2samp(ref, cur). Fₛ(x) is the fraction of sample s that is ≤ x, so the supremum is taken after
 * all values tied at x, in either sample, are counted: ties are handled as scipy's searchsorted(side='right').
 *
 * Inputs must be sorted ascending and NaN-free. One merge pass, no allocation. The difference is kept as the
 * integer |i·n_cur − j·n_ref| and divided once at the end, so D is the correctly rounded value of the exact
 * fraction (scipy's exact branch reports the same fraction, h / lcm(n₁, n₂)).
 *
 * @returns D in [0, 1]; NaN when either sample is empty (scipy refuses empty samples).
 */
export function ksStatistic(sortedRef: Float64Array, sortedCur: Float64Array): number {
  const n1 = sortedRef.length;
  const n2 = sortedCur.length;
  if (n1 === 0 || n2 === 0) return NaN;
  let i = 0;
  let j = 0;
  let maxDifference = 0;
  // Once either sample is exhausted its CDF is 1 and the other only climbs towards 1, so |difference| can only
  // fall: the supremum has already been seen.
  while (i < n1 && j < n2) {
    const a = sortedRef[i]!;
    const b = sortedCur[j]!;
    const x = a <= b ? a : b;
    while (i < n1 && sortedRef[i]! <= x) i++;
    while (j < n2 && sortedCur[j]! <= x) j++;
    const difference = Math.abs(i * n2 - j * n1);
    if (difference > maxDifference) maxDifference = difference;
  }
  return maxDifference / (n1 * n2);
}

/**
 * Two-sided p-value of the two-sample KS test, scipy.stats.ks_2samp(..., alternative='two-sided',
 * method='auto'):
 *
 * - max(n₁, n₂) ≤ 10 000: exact. D is snapped to h / lcm(n₁, n₂) with h = round(D · lcm) and
 *   p = P(D_{n₁,n₂} ≥ h / lcm) under H₀, counted over lattice paths (see {@link ksTwoSampleExactSf}).
 * - otherwise asymptotic: p = kstwo.sf(D, round(n₁n₂ / (n₁ + n₂))), the one-sample two-sided KS distribution at
 *   the effective sample size (see {@link kolmogorovSmirnovSf}).
 *
 * Rounding is half-to-even, as numpy's. The result is clipped to [0, 1].
 *
 * @returns NaN when n₁ or n₂ is not a positive integer or D is NaN.
 */
export function ksPValue(d: number, n1: number, n2: number): number {
  if (!Number.isInteger(n1) || !Number.isInteger(n2) || n1 <= 0 || n2 <= 0 || Number.isNaN(d)) return NaN;
  let p = NaN;
  if (Math.max(n1, n2) <= KS_MAX_EXACT_N) {
    const lcm = (n1 / gcd(n1, n2)) * n2;
    const h = roundHalfEven(d * lcm);
    p = ksTwoSampleExactSf(n1, n2, Math.min(h, lcm));
  }
  // scipy falls back to the asymptotic distribution when the exact computation fails; kept for fidelity, the path
  // recursion keeps every intermediate value in [0, 1].
  if (!(p >= 0 && p <= 1)) {
    const effectiveN = roundHalfEven((n1 * n2) / (n1 + n2));
    p = kolmogorovSmirnovSf(effectiveN, d);
  }
  return p < 0 ? 0 : p > 1 ? 1 : p;
}

/**
 * KS statistic from counts over the same ordered bins: max over bins of |cumulative reference proportion −
 * cumulative current proportion|. It is the exact D whenever every distinct value is its own bin, and otherwise
 * the supremum over bin edges only (a lower bound of the exact D).
 *
 * Computed like {@link ksStatistic}, from |Rₖ·n_cur − Cₖ·n_ref| over cumulative counts, so it is bit-identical to
 * the exact statistic in that case.
 *
 * @returns NaN when either side has no counts.
 */
export function ksStatisticBinned(refCounts: ArrayLike<number>, curCounts: ArrayLike<number>): number {
  const { referenceTotal, currentTotal } = checkCountPair(refCounts, curCounts, 'ksStatisticBinned');
  if (referenceTotal === 0 || currentTotal === 0) return NaN;
  let cumulativeRef = 0;
  let cumulativeCur = 0;
  let maxDifference = 0;
  for (let k = 0; k < refCounts.length; k++) {
    cumulativeRef += refCounts[k]!;
    cumulativeCur += curCounts[k]!;
    const difference = Math.abs(cumulativeRef * currentTotal - cumulativeCur * referenceTotal);
    if (difference > maxDifference) maxDifference = difference;
  }
  return maxDifference / (referenceTotal * currentTotal);
}

/** numpy.round for a single value: to the nearest integer, ties to even. */
function roundHalfEven(x: number): number {
  const floor = Math.floor(x);
  const fraction = x - floor;
  if (fraction < 0.5) return floor;
  if (fraction > 0.5) return floor + 1;
  return floor % 2 === 0 ? floor : floor + 1;
}
