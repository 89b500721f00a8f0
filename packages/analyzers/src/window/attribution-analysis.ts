/**
 * A window's logged attributions against the reference's (docs/explanations.md): mean and mean |attribution| per
 * feature, the ranking by mean |attribution| and its NDCG@k against the reference ranking, the protected and proxy
 * shares of total |attribution|, and per group the protected features' mean |attribution|.
 */
import type { AttributionAccumulator, AttributionSums } from '../accumulator/attribution-accumulator';
import type { AnalysisSpec } from '../profile/analysis-spec';
import { attributionNdcg, rankFeatures } from '../stats/ndcg';
import { attributionShare } from '../stats/protected-share';

export interface FeatureAttribution {
  feature: string;
  /** Rows that carried an attribution for the feature. */
  rows: number;
  mean: number;
  meanAbs: number;
  /** 1-based place in the window's ranking by mean |attribution|. */
  rank: number;
  /** The reference's mean |attribution|; null when the reference has none for the feature. */
  referenceMeanAbs: number | null;
}

export interface GroupAttribution {
  attribute: string;
  group: string;
  feature: string;
  rows: number;
  meanAbs: number;
}

export interface AttributionAnalysis {
  /** Rows that carried at least one attribution. */
  rows: number;
  /** Ranked, most important first. */
  features: FeatureAttribution[];
  /** The reference ranking; empty when the reference carried no attributions. */
  referenceRanking: string[];
  /** NDCG@k against the reference ranking; null without a reference ranking. */
  ndcg: number | null;
  /** The k used: `explain.k`, at most the number of features; all features by default. */
  k: number;
  protectedShare: number | null;
  proxyShare: number | null;
  referenceProtectedShare: number | null;
  /** protectedShare / referenceProtectedShare; null when either is unknown or the reference share is 0. */
  protectedShareRatio: number | null;
  groups: GroupAttribution[];
}

/** The analysis of `acc` against the reference's attribution sums; undefined when the window carried none. */
export function analyzeAttributions(
  acc: AttributionAccumulator | undefined,
  reference: Readonly<Record<string, AttributionSums>> | undefined,
  spec: AnalysisSpec,
): AttributionAnalysis | undefined {
  const explain = spec.attributions;
  if (!explain || !acc || acc.rows === 0) return undefined;
  const meanAbs = meanAbsOf(acc.features);
  const referenceMeanAbs = reference ? meanAbsOf(reference) : {};
  const ranking = rankFeatures(meanAbs);
  const referenceRanking = rankFeatures(referenceMeanAbs);
  const features = ranking.map((feature, i): FeatureAttribution => {
    const s = acc.features[feature]!;
    return {
      feature,
      rows: s.count,
      mean: s.sum / s.count,
      meanAbs: s.sumAbs / s.count,
      rank: i + 1,
      referenceMeanAbs: Object.hasOwn(referenceMeanAbs, feature) ? referenceMeanAbs[feature]! : null,
    };
  });
  const names = new Set([...ranking, ...referenceRanking]);
  const k = Math.min(explain.k ?? names.size, names.size);
  const ndcg = referenceRanking.length === 0 ? null : attributionNdcg(referenceMeanAbs, meanAbs, explain.k);
  // Shares over sums of |a|: rows may carry different features, and the share is of the total |attribution|.
  const share = attributionShare(sumAbsOf(acc.features), explain.protected, explain.proxies);
  const referenceShare = reference
    ? attributionShare(sumAbsOf(reference), explain.protected, explain.proxies)
    : { protected: null, proxies: null };
  const ratio =
    share.protected !== null && referenceShare.protected !== null && referenceShare.protected > 0
      ? share.protected / referenceShare.protected
      : null;
  const groups: GroupAttribution[] = [];
  for (const [attribute, byGroup] of Object.entries(acc.groups)) {
    for (const group of Object.keys(byGroup).sort()) {
      for (const feature of explain.protected) {
        const s = byGroup[group]![feature];
        if (s && s.count > 0) groups.push({ attribute, group, feature, rows: s.count, meanAbs: s.sumAbs / s.count });
      }
    }
  }
  return {
    rows: acc.rows,
    features,
    referenceRanking,
    ndcg,
    k,
    protectedShare: share.protected,
    proxyShare: share.proxies,
    referenceProtectedShare: referenceShare.protected,
    protectedShareRatio: ratio,
    groups,
  };
}

function meanAbsOf(sums: Readonly<Record<string, AttributionSums>>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [name, s] of Object.entries(sums)) if (s.count > 0) out[name] = s.sumAbs / s.count;
  return out;
}

function sumAbsOf(sums: Readonly<Record<string, AttributionSums>>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [name, s] of Object.entries(sums)) out[name] = s.sumAbs;
  return out;
}
