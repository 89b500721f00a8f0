/** The share of total |attribution| carried by the protected attributes and by their configured proxies. */
export interface AttributionShare {
  /** Σ over protected features / Σ over all features; null when the total is 0. */
  readonly protected: number | null;
  /** Σ over proxy features / Σ over all features; null when the total is 0. */
  readonly proxies: number | null;
}

/**
 * Shares of total |attribution| (`explain.protected` and `explain.proxies`, docs/explanations.md). The input is
 * each feature's total |attribution| over the same rows: sums of |a| (what the window accumulators hold), or means
 * when every row carries every feature. Sums are the right input when rows carry different features, since then
 * the means have different denominators and would not add up to a share of the total.
 *
 * A feature listed in both lists counts in both shares; a listed feature absent from `absTotals` contributes 0 (the
 * model carried no attribution on it). Every total must be a finite number ≥ 0.
 */
export function attributionShare(
  absTotals: Readonly<Record<string, number>>,
  protectedFeatures: readonly string[],
  proxies: readonly string[],
): AttributionShare {
  let total = 0;
  for (const [name, value] of Object.entries(absTotals)) {
    if (!(Number.isFinite(value) && value >= 0))
      throw new RangeError(`the |attribution| total of "${name}" must be a finite number >= 0, not ${value}`);
    total += value;
  }
  if (total === 0) return { protected: null, proxies: null };
  return { protected: sumOf(absTotals, protectedFeatures) / total, proxies: sumOf(absTotals, proxies) / total };
}

function sumOf(absTotals: Readonly<Record<string, number>>, names: readonly string[]): number {
  let sum = 0;
  for (const name of new Set(names)) if (Object.hasOwn(absTotals, name)) sum += absTotals[name]!;
  return sum;
}
