import { checkCountPair } from './distribution';
import { regularizedGammaQ } from './special-functions';

export interface Chi2ContingencyResult {
  /** Pearson's X² = Σ (observed − expected)² / expected over the 2 × k′ table. */
  statistic: number;
  /** P(χ²_dof ≥ statistic). */
  pValue: number;
  /** k′ − 1, with k′ the number of categories seen in either sample; 0 when no test was possible. */
  dof: number;
}

/**
 * Two-sample chi-squared test of homogeneity over categories, scipy.stats.chi2_contingency(table,
 * correction=False) for the 2 × k table whose row 0 is the reference counts and row 1 the current counts:
 *
 *   expectedₛₖ = rowTotalₛ · columnTotalₖ / N,   X² = Σₛₖ (observedₛₖ − expectedₛₖ)² / expectedₛₖ,
 *   dof = k′ − 1,   p = chi2.sf(X², dof).
 *
 * Columns where both counts are 0 are dropped first (their expected frequency would be 0, which scipy refuses);
 * k′ is the number of columns left. With fewer than 2 columns left, or with a sample that has no counts at all
 * (a whole row of zero expected frequencies, which scipy also refuses), there is nothing to test: the result is
 * statistic 0, pValue 1, dof 0.
 */
export function chi2Contingency(refCounts: ArrayLike<number>, curCounts: ArrayLike<number>): Chi2ContingencyResult {
  const { referenceTotal, currentTotal } = checkCountPair(refCounts, curCounts, 'chi2Contingency');
  const total = referenceTotal + currentTotal;
  let categories = 0;
  for (let k = 0; k < refCounts.length; k++) if (refCounts[k]! + curCounts[k]! > 0) categories++;
  if (categories < 2 || referenceTotal === 0 || currentTotal === 0) return { statistic: 0, pValue: 1, dof: 0 };
  let statistic = 0;
  for (let k = 0; k < refCounts.length; k++) {
    const r = refCounts[k]!;
    const c = curCounts[k]!;
    const columnTotal = r + c;
    if (columnTotal === 0) continue;
    const expectedRef = (referenceTotal * columnTotal) / total;
    const expectedCur = (currentTotal * columnTotal) / total;
    statistic += (r - expectedRef) ** 2 / expectedRef + (c - expectedCur) ** 2 / expectedCur;
  }
  const dof = categories - 1;
  return { statistic, pValue: chi2Survival(statistic, dof), dof };
}

/**
 * Survival function of the chi-squared distribution, scipy.stats.chi2.sf(x, dof) = Q(dof/2, x/2), the regularized
 * upper incomplete gamma function; keeps its relative precision deep into the tail (p-values like 1e-300).
 *
 * @returns 1 for x ≤ 0, NaN for dof ≤ 0 or NaN arguments.
 */
export function chi2Survival(x: number, dof: number): number {
  if (Number.isNaN(x) || !(dof > 0)) return NaN;
  return regularizedGammaQ(dof / 2, x / 2);
}
