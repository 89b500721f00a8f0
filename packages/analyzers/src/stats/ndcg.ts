/**
 * Features ranked by importance (mean |attribution|, or any non-negative importance), most important first. Ties are
 * broken by name (code-unit order), so the ranking, and the NDCG computed from it, does not depend on the order the
 * features were seen in.
 */
export function rankFeatures(importance: Readonly<Record<string, number>>): string[] {
  return Object.keys(importance).sort((a, b) => importance[b]! - importance[a]! || (a < b ? -1 : a > b ? 1 : 0));
}

/**
 * NDCG@k of the current feature ranking against the reference ranking, SageMaker Clarify's attribution-drift
 * definition: with F the features ranked by their reference importance, F′ ranked by their current importance and
 * a(f) the reference importance of f (the relevance),
 *
 *   DCG  = Σ_{i=1..k} a(F′ᵢ) / log₂(i + 1),   iDCG = Σ_{i=1..k} a(Fᵢ) / log₂(i + 1),   NDCG = DCG / iDCG.
 *
 * So it is 1 when the current top k are the reference's top k in the reference's order, and a swap costs in
 * proportion to how far apart the two features' reference importances are: two features of equal reference importance
 * can swap for free. The features are the union of both sides; one absent from a side has importance 0 there (a
 * feature new in the current window carries no reference relevance, so ranking it high costs the places it takes).
 * Tied importances are ordered by name ({@link rankFeatures}); sklearn's `ndcg_score` averages over tied orders
 * instead, so the two agree only without ties in the current importances.
 *
 * @param k - how many top places count; @defaultValue all features. A k above the number of features means all.
 * @returns null when the reference importances are all 0 (no ideal ranking to compare with) or there are no features.
 */
export function attributionNdcg(
  reference: Readonly<Record<string, number>>,
  current: Readonly<Record<string, number>>,
  k?: number,
): number | null {
  if (k !== undefined && !(Number.isInteger(k) && k >= 1)) throw new RangeError(`k must be an integer >= 1, not ${k}`);
  const names = [...new Set([...Object.keys(reference), ...Object.keys(current)])];
  const ref: Record<string, number> = {};
  const cur: Record<string, number> = {};
  for (const name of names) {
    ref[name] = importanceOf(reference, name, 'reference');
    cur[name] = importanceOf(current, name, 'current');
  }
  const top = Math.min(k ?? names.length, names.length);
  const ideal = rankFeatures(ref);
  const actual = rankFeatures(cur);
  let dcg = 0;
  let idcg = 0;
  for (let i = 0; i < top; i++) {
    const discount = Math.log2(i + 2);
    dcg += ref[actual[i]!]! / discount;
    idcg += ref[ideal[i]!]! / discount;
  }
  return idcg > 0 ? dcg / idcg : null;
}

function importanceOf(values: Readonly<Record<string, number>>, name: string, side: string): number {
  if (!Object.hasOwn(values, name)) return 0;
  const value = values[name]!;
  if (!(Number.isFinite(value) && value >= 0))
    throw new RangeError(`the ${side} importance of "${name}" must be a finite number >= 0, not ${value}`);
  return value;
}
