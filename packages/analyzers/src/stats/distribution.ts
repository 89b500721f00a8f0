import { VigilError } from '@vigil/core';

/**
 * The proportion that replaces an empty bin's 0 in {@link psi}, so that a bin empty on one side contributes a
 * large but finite term instead of an infinite one.
 */
export const EMPTY_PROPORTION = 1e-4;

/**
 * Checks that two count vectors describe the same bins and returns their totals. Mismatched lengths or negative,
 * non-finite counts can only come from a bug upstream, so they throw instead of producing a number.
 *
 * @internal shared by the count-based statistics of this folder
 */
export function checkCountPair(
  refCounts: ArrayLike<number>,
  curCounts: ArrayLike<number>,
  caller: string,
): { referenceTotal: number; currentTotal: number } {
  if (refCounts.length !== curCounts.length) {
    throw new VigilError(
      'VIGIL_INTERNAL',
      `${caller}: reference has ${refCounts.length} bins, current has ${curCounts.length}`,
    );
  }
  let referenceTotal = 0;
  let currentTotal = 0;
  for (let k = 0; k < refCounts.length; k++) {
    const r = refCounts[k]!;
    const c = curCounts[k]!;
    if (!(r >= 0 && c >= 0 && r < Infinity && c < Infinity)) {
      throw new VigilError('VIGIL_INTERNAL', `${caller}: bin ${k} has an invalid count (${r}, ${c})`);
    }
    referenceTotal += r;
    currentTotal += c;
  }
  return { referenceTotal, currentTotal };
}

/**
 * Population Stability Index over the bins of one feature:
 *
 *   PSI = Σₖ (cₖ − rₖ) · ln(cₖ / rₖ),
 *
 * with rₖ, cₖ the reference and current proportions (count / total). A proportion that is exactly 0 is replaced
 * by {@link EMPTY_PROPORTION} before the sum, without renormalising, so a bin empty on both sides contributes
 * (1e-4 − 1e-4)·ln 1 = 0. Every term is ≥ 0, hence PSI ≥ 0 with PSI(x, x) = 0.
 *
 * @returns NaN when either side has no counts at all.
 */
export function psi(refCounts: ArrayLike<number>, curCounts: ArrayLike<number>): number {
  const { referenceTotal, currentTotal } = checkCountPair(refCounts, curCounts, 'psi');
  if (referenceTotal === 0 || currentTotal === 0) return NaN;
  let sum = 0;
  for (let k = 0; k < refCounts.length; k++) {
    const r = refCounts[k] === 0 ? EMPTY_PROPORTION : refCounts[k]! / referenceTotal;
    const c = curCounts[k] === 0 ? EMPTY_PROPORTION : curCounts[k]! / currentTotal;
    sum += (c - r) * Math.log(c / r);
  }
  return sum;
}

/**
 * Jensen–Shannon distance with the natural logarithm, scipy.spatial.distance.jensenshannon(p, q):
 *
 *   p = ref / Σ ref,  q = cur / Σ cur,  m = (p + q) / 2,
 *   JS = √( (KL(p ‖ m) + KL(q ‖ m)) / 2 ),  KL(a ‖ m) = Σₖ aₖ ln(aₖ / mₖ)  (terms with aₖ = 0 are 0).
 *
 * JS is symmetric and lies in [0, √(ln 2)]. A sum that rounding leaves a few ulp below 0 is clamped to 0 (scipy
 * would return NaN from the square root).
 *
 * @returns NaN when either side has no counts at all.
 */
export function jensenShannonDistance(refCounts: ArrayLike<number>, curCounts: ArrayLike<number>): number {
  const { referenceTotal, currentTotal } = checkCountPair(refCounts, curCounts, 'jensenShannonDistance');
  if (referenceTotal === 0 || currentTotal === 0) return NaN;
  let left = 0;
  let right = 0;
  for (let k = 0; k < refCounts.length; k++) {
    const p = refCounts[k]! / referenceTotal;
    const q = curCounts[k]! / currentTotal;
    const m = (p + q) / 2;
    if (p > 0) left += p * Math.log(p / m);
    if (q > 0) right += q * Math.log(q / m);
  }
  return Math.sqrt(Math.max(0, (left + right) / 2));
}

/**
 * Hellinger distance between the two binned distributions, on proportions p = ref / Σ ref and q = cur / Σ cur:
 *
 *   H = √(1 − Σₖ √(pₖ qₖ)) = ‖√p − √q‖₂ / √2,
 *
 * in [0, 1]. The second form is the one evaluated: it is a sum of non-negative terms, where the first subtracts
 * two nearly equal numbers and loses half the significant digits when the distributions are close.
 *
 * @returns NaN when either side has no counts at all.
 */
export function hellingerDistance(refCounts: ArrayLike<number>, curCounts: ArrayLike<number>): number {
  const { referenceTotal, currentTotal } = checkCountPair(refCounts, curCounts, 'hellingerDistance');
  if (referenceTotal === 0 || currentTotal === 0) return NaN;
  let sum = 0;
  for (let k = 0; k < refCounts.length; k++) {
    const difference = Math.sqrt(refCounts[k]! / referenceTotal) - Math.sqrt(curCounts[k]! / currentTotal);
    sum += difference * difference;
  }
  return Math.min(1, Math.sqrt(sum / 2));
}
