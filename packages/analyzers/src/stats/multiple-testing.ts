export interface BenjaminiHochbergResult {
  /** Adjusted p-values, in the order of the input. */
  adjusted: number[];
  /** adjusted ≤ fdr, in the order of the input. */
  rejected: boolean[];
}

/**
 * Benjamini–Hochberg control of the false-discovery rate, with the adjusted p-values of statsmodels
 * multipletests(pValues, alpha=fdr, method='fdr_bh'):
 *
 *   with p₍₁₎ ≤ … ≤ p₍ₘ₎ the sorted p-values,  adjusted₍ᵢ₎ = min(1, min_{k ≥ i} p₍ₖ₎ · m / k),
 *
 * and a hypothesis rejected when its adjusted p-value is ≤ fdr. Rejecting on the adjusted value is equivalent to
 * the step-up rule "reject the i smallest, for the largest i with p₍ᵢ₎ ≤ i·fdr/m".
 *
 * NaN p-values (tests that could not be computed) are left out of the family: they do not count in m, their
 * adjusted value is NaN and they are never rejected. statsmodels has no defined behaviour for them.
 */
export function benjaminiHochberg(pValues: readonly number[], fdr: number): BenjaminiHochbergResult {
  const adjusted = new Array<number>(pValues.length).fill(NaN);
  const order: number[] = [];
  for (let i = 0; i < pValues.length; i++) if (!Number.isNaN(pValues[i])) order.push(i);
  // Stable, so equal p-values keep their input order (the adjusted values of ties are equal regardless).
  order.sort((a, b) => pValues[a]! - pValues[b]!);
  const m = order.length;
  let running = Infinity;
  for (let rank = m; rank >= 1; rank--) {
    const index = order[rank - 1]!;
    // p / (rank / m), the same two roundings as statsmodels' p / ecdffactor.
    const candidate = pValues[index]! / (rank / m);
    if (candidate < running) running = candidate;
    adjusted[index] = Math.min(1, running);
  }
  return { adjusted, rejected: adjusted.map((a) => a <= fdr) };
}
