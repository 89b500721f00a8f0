/**
 * Every metric of one window from its accumulator and the reference profile (docs/streaming.md, "When a window is analysed"). The daemon
 * calls this with binned statistics only; `vigil report`, which holds the raw values, passes the exact ones
 * (KS, Wasserstein, AUC, equal-mass ECE) and gets the same document otherwise — one code path for both.
 */
import { VigilError } from '@vigil/core';
import { windowEstimates, type WindowEstimates } from '../accumulator/estimate-accumulator';
import { OTHER_GROUP, type WindowAccumulator } from '../accumulator/window-accumulator';
import type { AnalysisSpec } from '../profile/analysis-spec';
import { binLabels } from '../profile/binning';
import type { ReferenceProfile } from '../profile/reference-profile';
import { DRIFT_DEFAULTS, driftMethod, type DriftMethod } from '../report/drift-decision';
import type { Calibration, FairnessResult, FeatureDrift, Report } from '../report/report-types';
import { calibrationFromBins } from '../stats/calibration';
import { classificationRates } from '../stats/classification';
import { fairnessDifferences, groupRates } from '../stats/fairness';
import { benjaminiHochberg } from '../stats/multiple-testing';
import { referenceBand, type ChunkMetric, type ReferenceBand } from '../stats/reference-chunks';
import { analyzeAttributions, type AttributionAnalysis } from './attribution-analysis';
import { categoricalDrift, numericDrift, type ExactNumericStatistics, type NumericDrift } from './feature-drift';

/** Statistics only raw values give; without them the window's binned estimates are used. */
export interface ExactStatistics {
  /** Per numeric column (feature or score), by name. */
  numeric?: ReadonlyMap<string, ExactNumericStatistics>;
  auc?: number;
  eceEqualMass?: number;
}

export type WindowAnalysis = Pick<
  Report,
  'drift' | 'prediction' | 'calibration' | 'performance' | 'fairness' | 'summary'
> & {
  /** Binary, when the profile has CBPE fitted: performance estimated from the calibrated scores, labels or not. */
  estimated?: WindowEstimates;
  /**
   * Per performance metric (realised and estimated), when the profile has reference chunk statistics: the band
   * `threshold: reference` rules judge it against, at the window's rows (labelled rows for the realised metrics).
   */
  referenceBands?: Record<string, ReferenceBand>;
  /** Data quality per numeric feature, in profile order (docs/metrics.md, "Data quality in the windows"). */
  quality?: FeatureQualityRates[];
  /** Logged attributions against the reference's (docs/explanations.md); absent when the window carried none. */
  attributions?: AttributionAnalysis;
};

export interface FeatureQualityRates {
  feature: string;
  /** Share of the non-missing values outside the reference's [min, max]; NaN without a non-missing value. */
  outOfRangeRate: number;
}

export function analyzeWindow(
  profile: ReferenceProfile,
  acc: WindowAccumulator,
  spec: AnalysisSpec,
  exact: ExactStatistics = {},
): WindowAnalysis {
  const drift = profile.features.map((p, i): FeatureDrift => {
    const a = acc.features[i];
    if (p.kind === 'numeric' && a?.kind === 'numeric') {
      const metrics = numericDrift(p, a, exact.numeric?.get(p.name));
      const method = driftMethod('numeric', metrics.referenceRows, metrics.currentRows);
      return {
        feature: p.name,
        kind: 'numeric',
        ...decidingMetric(method, metrics.ks, metrics.ksPValue, metrics.psi, spec.fdr),
        drifted: false,
        metrics: pickNumeric(metrics),
        ...(metrics.binned ? { ksErrorBound: metrics.ksErrorBound } : {}),
        histogram: { labels: binLabels(p.edges), reference: p.counts, current: a.counts },
      };
    }
    if (p.kind === 'categorical' && a?.kind === 'categorical') {
      const m = categoricalDrift(p, a);
      const method = driftMethod('categorical', m.referenceRows, m.currentRows);
      return {
        feature: p.name,
        kind: 'categorical',
        ...decidingMetric(method, m.chi2, m.chi2PValue, m.psi, spec.fdr),
        drifted: false,
        metrics: {
          chi2: m.chi2,
          chi2PValue: m.chi2PValue,
          psi: m.psi,
          js: m.js,
          hellinger: m.hellinger,
          newCategoryRate: m.newCategoryRate,
          missingRate: m.missingRate,
          referenceMissingRate: m.referenceMissingRate,
        },
        histogram: { labels: m.labels, reference: m.referenceCounts, current: m.currentCounts },
      };
    }
    throw new VigilError('VIGIL_PROFILE_MISMATCH', `profile and accumulator disagree on the kind of "${p.name}"`);
  });
  const prediction = predictionDrift(
    profile,
    acc,
    spec.score !== undefined ? exact.numeric?.get(spec.score) : undefined,
  );
  decideDrift(drift, prediction.prediction, spec.fdr);
  const attributions = analyzeAttributions(acc.attributions, profile.attributions, spec);
  return {
    ...(attributions ? { attributions } : {}),
    drift,
    ...prediction,
    ...outcomes(acc, spec, exact),
    ...estimated(profile, acc),
    ...referenceBands(profile, acc),
    quality: quality(profile, acc),
    fairness: fairness(acc, spec),
    summary: {
      features: drift.length,
      drifted: drift.filter((d) => d.drifted).map((d) => d.feature),
      falseDiscoveryRate: spec.fdr,
    },
  };
}

function estimated(profile: ReferenceProfile, acc: WindowAccumulator): Pick<WindowAnalysis, 'estimated'> {
  const e = profile.cbpe && acc.outcome.estimate ? windowEstimates(profile.cbpe, acc.outcome.estimate) : null;
  return e ? { estimated: e } : {};
}

function quality(profile: ReferenceProfile, acc: WindowAccumulator): FeatureQualityRates[] {
  const out: FeatureQualityRates[] = [];
  profile.features.forEach((p, i) => {
    const a = acc.features[i];
    if (p.kind !== 'numeric' || a?.kind !== 'numeric') return;
    const present = a.rows - a.missing;
    out.push({ feature: p.name, outOfRangeRate: present > 0 ? (a.outside ?? 0) / present : Number.NaN });
  });
  return out;
}

/** The metrics `threshold: reference` applies to, with the realised chunk metric each is judged against. */
export const REFERENCE_BAND_METRICS: Readonly<Record<string, ChunkMetric>> = {
  accuracy: 'accuracy',
  precision: 'precision',
  recall: 'recall',
  auc: 'auc',
  estimatedAccuracy: 'accuracy',
  estimatedPrecision: 'precision',
  estimatedRecall: 'recall',
  estimatedF1: 'f1',
  estimatedAuc: 'auc',
};

function referenceBands(profile: ReferenceProfile, acc: WindowAccumulator): Pick<WindowAnalysis, 'referenceBands'> {
  if (!profile.chunks || profile.chunks.length === 0) return {};
  const bands: Record<string, ReferenceBand> = {};
  for (const [metric, chunkMetric] of Object.entries(REFERENCE_BAND_METRICS)) {
    const rows = metric.startsWith('estimated') ? (acc.outcome.estimate?.rows ?? 0) : acc.outcome.labelled;
    const band = referenceBand(profile.chunks, chunkMetric, rows);
    if (band) bands[metric] = band;
  }
  return { referenceBands: bands };
}

/** What decides `drifted`: the test statistic and its p-value on small samples, PSI on large ones. */
function decidingMetric(
  method: DriftMethod,
  statistic: number,
  pValue: number,
  psi: number,
  fdr: number,
): Pick<FeatureDrift, 'method' | 'value' | 'threshold' | 'pValue'> {
  return method === 'psi'
    ? { method, value: psi, threshold: DRIFT_DEFAULTS.psi }
    : { method, value: statistic, threshold: fdr, pValue };
}

function pickNumeric(m: NumericDrift) {
  return {
    psi: m.psi,
    js: m.js,
    hellinger: m.hellinger,
    ks: m.ks,
    ksPValue: m.ksPValue,
    wasserstein: m.wasserstein,
    wassersteinNormed: m.wassersteinNormed,
    missingRate: m.missingRate,
    referenceMissingRate: m.referenceMissingRate,
  };
}

/**
 * Benjamini–Hochberg over every test the window makes: the p-value of each feature (KS for numeric, chi-square
 * for categorical) and the KS p-value of the score (prediction drift), so a model with many features does not
 * cry wolf. Every feature and the score get their adjusted p-value; the features decided by a test drift when it
 * is at most the false-discovery rate. The fairness analysis makes no test (rates with intervals, differences
 * against rule thresholds), so it has no p-value in the family (docs/metrics.md, "Multiple testing").
 */
function decideDrift(drift: FeatureDrift[], prediction: Report['prediction'], fdr: number): void {
  const pValues = drift.map((d) => ('ksPValue' in d.metrics ? d.metrics.ksPValue : d.metrics.chi2PValue));
  pValues.push(prediction ? prediction.metrics.ksPValue : Number.NaN);
  const usable = pValues.map((p, i) => [p, i] as const).filter(([p]) => Number.isFinite(p));
  const { adjusted } = benjaminiHochberg(
    usable.map(([p]) => p),
    fdr,
  );
  usable.forEach(([, i], j) => {
    if (i < drift.length) (drift[i] as FeatureDrift).pValueAdjusted = adjusted[j] as number;
    else if (prediction) prediction.pValueAdjusted = adjusted[j] as number;
  });
  for (const d of drift) {
    if (d.method === 'ks' || d.method === 'chi2') d.drifted = d.pValueAdjusted !== undefined && d.pValueAdjusted <= fdr;
    else d.drifted = Number.isFinite(d.value) && d.value >= d.threshold;
  }
}

function predictionDrift(
  profile: ReferenceProfile,
  acc: WindowAccumulator,
  exact: ExactNumericStatistics | undefined,
): Pick<Report, 'prediction'> {
  if (!profile.score || !acc.outcome.score || acc.outcome.score.rows === 0) return {};
  const m = numericDrift(profile.score, acc.outcome.score, exact);
  return {
    prediction: {
      metrics: { psi: m.psi, js: m.js, ks: m.ks, ksPValue: m.ksPValue, wasserstein: m.wasserstein },
      histogram: {
        labels: binLabels(profile.score.edges),
        reference: profile.score.counts,
        current: acc.outcome.score.counts,
      },
    },
  };
}

function outcomes(
  acc: WindowAccumulator,
  spec: AnalysisSpec,
  exact: ExactStatistics,
): Pick<Report, 'calibration' | 'performance'> {
  const o = acc.outcome;
  if (o.labelled === 0 || spec.score === undefined || spec.label === undefined) return {};
  if (spec.task === 'regression') {
    return {
      performance: {
        mae: o.sumAbsoluteError / o.labelled,
        rmse: Math.sqrt(o.sumSquaredError / o.labelled),
        bias: o.sumError / o.labelled,
        rows: o.labelled,
      },
    };
  }
  const { ece, mce } = calibrationFromBins(o.calibration);
  const calibration: Calibration = {
    ece,
    eceEqualMass: exact.eceEqualMass ?? Number.NaN,
    mce,
    brier: o.sumSquaredError / o.labelled,
    bins: o.calibration.flatMap((b, i) =>
      b.count === 0
        ? []
        : [
            {
              lower: i / o.calibration.length,
              upper: (i + 1) / o.calibration.length,
              count: b.count,
              meanScore: b.sumScore / b.count,
              positiveRate: b.sumLabel / b.count,
            },
          ],
    ),
    rows: o.labelled,
  };
  return {
    calibration,
    performance: {
      ...classificationRates(o),
      auc: exact.auc ?? binnedAuc(o.positiveFine, o.negativeFine),
      logLoss: o.sumLogLoss / o.labelled,
      rows: o.labelled,
    },
  };
}

/**
 * ROC AUC from labelled counts over the reference's percentile score bins: the Mann–Whitney count with every
 * pair inside one bin counted as a tie (½). Exact when no bin holds both a positive and a negative of different
 * scores; otherwise off by at most Σ_b pos_b·neg_b / (2·P·N). NaN when a class is absent.
 */
export function binnedAuc(positives: readonly number[], negatives: readonly number[]): number {
  let p = 0;
  let n = 0;
  for (let b = 0; b < positives.length; b++) {
    p += positives[b] as number;
    n += negatives[b] as number;
  }
  if (p === 0 || n === 0) return Number.NaN;
  let below = 0;
  let doubledWins = 0;
  for (let b = 0; b < positives.length; b++) {
    const pos = positives[b] as number;
    const neg = negatives[b] as number;
    doubledWins += pos * (2 * below + neg);
    below += neg;
  }
  return doubledWins / (2 * p * n);
}

/**
 * Per-group rates and the differences between groups. `(other)`, the values beyond the cap of an attribute, is
 * shown with its counts but is a mix of groups, not one: it is never sufficient, so no difference reads it.
 */
function fairness(acc: WindowAccumulator, spec: AnalysisSpec): FairnessResult[] {
  return spec.groups.map((attribute) => {
    const groups = Object.entries(acc.groups[attribute] ?? {})
      .sort(([a, ca], [b, cb]) => cb.n - ca.n || (a < b ? -1 : 1))
      .map(([group, counts]) => {
        const rates = groupRates(group, counts, spec.minGroupSize);
        return group === OTHER_GROUP ? { ...rates, sufficient: false, sufficientLabelled: false } : rates;
      });
    return { attribute, groups, ...fairnessDifferences(groups) };
  });
}
