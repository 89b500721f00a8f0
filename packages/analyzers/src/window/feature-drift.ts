/**
 * Drift metrics of one feature computed from its reference profile and a window's accumulator — the streaming
 * path. `vigil report`, which holds the raw values, passes exact KS and Wasserstein instead of the binned ones.
 */
import type { CategoricalAccumulator, NumericAccumulator } from '../accumulator/window-accumulator';
import type { CategoricalProfile, NumericProfile } from '../profile/reference-profile';
import type { CategoricalDriftMetrics, NumericDriftMetrics } from '../report/report-types';
import { chi2Contingency } from '../stats/chi2';
import { hellingerDistance, jensenShannonDistance, psi } from '../stats/distribution';
import { ksPValue, ksStatisticBinned } from '../stats/ks';

export interface NumericDrift extends NumericDriftMetrics {
  /** True when `ks` and `wasserstein` come from the percentile bins (streaming), false when exact. */
  binned: boolean;
  /** Upper bound of |binned KS − exact KS|: the largest mass of one fine bin on either side (0 when exact). */
  ksErrorBound: number;
  referenceRows: number;
  currentRows: number;
}

/** Exact two-sample statistics from the raw values, when the caller has them (a report). */
export interface ExactNumericStatistics {
  ks: number;
  ksPValue: number;
  wasserstein: number;
}

export function numericDrift(p: NumericProfile, a: NumericAccumulator, exact?: ExactNumericStatistics): NumericDrift {
  const refN = p.rows - p.missing;
  const curN = a.rows - a.missing;
  const ks = exact ? exact.ks : ksStatisticBinned(p.fineCounts, a.fineCounts);
  const wasserstein = exact ? exact.wasserstein : binnedWasserstein(p, a);
  let maxMass = 0;
  for (let i = 0; i < p.fineCounts.length && !exact; i++) {
    maxMass = Math.max(
      maxMass,
      (p.fineCounts[i] as number) / Math.max(refN, 1),
      (a.fineCounts[i] as number) / Math.max(curN, 1),
    );
  }
  return {
    psi: psi(p.counts, a.counts),
    js: jensenShannonDistance(p.counts, a.counts),
    hellinger: hellingerDistance(p.counts, a.counts),
    ks,
    ksPValue: exact ? exact.ksPValue : refN > 0 && curN > 0 ? ksPValue(ks, refN, curN) : Number.NaN,
    wasserstein,
    wassersteinNormed: p.std > 0 ? wasserstein / p.std : Number.NaN,
    missingRate: a.rows > 0 ? a.missing / a.rows : Number.NaN,
    referenceMissingRate: p.rows > 0 ? p.missing / p.rows : Number.NaN,
    binned: !exact,
    ksErrorBound: maxMass,
    referenceRows: refN,
    currentRows: curN,
  };
}

/**
 * Wasserstein-1 from percentile-bin counts: ∫|F_ref − F_cur| by the trapezoid rule over the bin edges, with the
 * outer bins closed at the observed minimum and maximum. An approximation for streaming windows; reports are exact.
 */
function binnedWasserstein(p: NumericProfile, a: NumericAccumulator): number {
  const refN = p.rows - p.missing;
  const curN = a.rows - a.missing;
  if (refN === 0 || curN === 0) return Number.NaN;
  const lo = Math.min(p.min, a.min ?? p.min);
  const hi = Math.max(p.max, a.max ?? p.max);
  const points = [lo, ...p.fineEdges, hi];
  let fr = 0;
  let fc = 0;
  let previous = 0;
  let total = 0;
  for (let i = 0; i < p.fineCounts.length; i++) {
    fr += (p.fineCounts[i] as number) / refN;
    fc += (a.fineCounts[i] as number) / curN;
    const width = Math.max(0, (points[i + 1] as number) - (points[i] as number));
    // The CDF difference is known at the bin's edges only: trapezoid between them.
    const current = Math.abs(fr - fc);
    total += 0.5 * (previous + current) * width;
    previous = current;
  }
  return total;
}

export interface CategoricalDrift extends CategoricalDriftMetrics {
  referenceRows: number;
  currentRows: number;
  /** Category labels of the compared bins: the reference's, then "(new)" when the window has unseen ones. */
  labels: string[];
  referenceCounts: number[];
  currentCounts: number[];
}

/** Unseen categories share one "new" bin, so a burst of distinct new values is one effect, not many. */
export function categoricalDrift(p: CategoricalProfile, a: CategoricalAccumulator): CategoricalDrift {
  const unseen = Object.values(a.unseen).reduce((s, n) => s + n, 0);
  const labels = [...p.categories];
  const ref = [...p.counts];
  const cur = [...a.counts];
  if (unseen > 0) {
    labels.push('(new)');
    ref.push(0);
    cur.push(unseen);
  }
  const chi2 = chi2Contingency(ref, cur);
  const refN = p.rows - p.missing;
  const curN = a.rows - a.missing;
  return {
    chi2: chi2.statistic,
    chi2PValue: chi2.pValue,
    psi: psi(ref, cur),
    js: jensenShannonDistance(ref, cur),
    hellinger: hellingerDistance(ref, cur),
    newCategoryRate: curN > 0 ? unseen / curN : Number.NaN,
    missingRate: a.rows > 0 ? a.missing / a.rows : Number.NaN,
    referenceMissingRate: p.rows > 0 ? p.missing / p.rows : Number.NaN,
    referenceRows: refN,
    currentRows: curN,
    labels,
    referenceCounts: ref,
    currentCounts: cur,
  };
}
