/**
 * The `vigil report --json` document. Every field is described in docs/report.md;
 * field names are the users' contract: never renamed, only added to.
 */
import type { FeatureKind } from '@vigil/core';
import type { PerformanceEstimate } from '../stats/cbpe';
import type { ReconstructionBand } from '../multivariate/data-reconstruction';

/** Reference-against-current counts over one feature's bins, for the histogram charts. */
export interface Histogram {
  /** Bin labels: `[a, b)` ranges for numeric features (outer bins open), category names for categorical ones. */
  labels: string[];
  reference: number[];
  current: number[];
}

/**
 * Reference and current counts over equal-width bins of a numeric column, for drawing its shape (the drift metrics
 * use the reference's decile bins of `Histogram` instead). `edges` has one more entry than the counts; a bin is
 * [edges[i], edges[i+1]), the last one closed. Columns of small integers get one bin per integer.
 */
export interface ValueDistribution {
  edges: number[];
  reference: number[];
  current: number[];
  /**
   * Values left out of the plotted range: with far outliers the range is the 0.5%–99.5% quantiles of both sides
   * together, and the values beyond it are counted here instead of squeezing every other bin into one.
   */
  outside: { reference: number; current: number };
}

export interface NumericDriftMetrics {
  psi: number;
  js: number;
  hellinger: number;
  ks: number;
  ksPValue: number;
  wasserstein: number;
  wassersteinNormed: number;
  missingRate: number;
  referenceMissingRate: number;
}

export interface CategoricalDriftMetrics {
  chi2: number;
  chi2PValue: number;
  psi: number;
  js: number;
  hellinger: number;
  newCategoryRate: number;
  missingRate: number;
  referenceMissingRate: number;
}

export interface FeatureDrift {
  feature: string;
  kind: FeatureKind;
  /** The metric that decides `drifted` (see docs/metrics.md for the choice by kind and sample size). */
  method: 'psi' | 'ks' | 'chi2' | 'js' | 'wasserstein';
  value: number;
  threshold: number;
  /** Present when the deciding method is a test; `pValueAdjusted` is the Benjamini–Hochberg adjusted value. */
  pValue?: number;
  pValueAdjusted?: number;
  drifted: boolean;
  metrics: NumericDriftMetrics | CategoricalDriftMetrics;
  /**
   * Streaming windows: `ks` comes from the percentile bins, within this of the exact statistic (docs/decisions/0004).
   * `vigil report` on the binned path: `ks` comes from its value buckets, within this of the exact statistic.
   */
  ksErrorBound?: number;
  /** `vigil report` only, present when the column took the binned path (docs/report.md, "Large files"). */
  statistics?: 'binned';
  /** The binned path: `metrics.wasserstein` is within this of the exact distance. */
  wassersteinErrorBound?: number;
  histogram: Histogram;
  /** Numeric features in `vigil report`: equal-width bins for the distribution charts. */
  distribution?: ValueDistribution;
}

export interface CalibrationBin {
  lower: number;
  upper: number;
  count: number;
  meanScore: number;
  positiveRate: number;
}

export interface Calibration {
  ece: number;
  eceEqualMass: number;
  mce: number;
  brier: number;
  bins: CalibrationBin[];
  /** Labelled rows the calibration was computed on. */
  rows: number;
}

/** The predicted class against the label on the labelled rows; a rate is null when its denominator is 0. */
export interface ConfusionMatrix {
  /** The class is `score >= threshold`; absent when a prediction column gave the class. */
  threshold?: number;
  /** The prediction column that gave the class, when there is one. */
  predictionColumn?: string;
  tp: number;
  fp: number;
  tn: number;
  fn: number;
  /** tp / (tp + fn), recall. */
  tpr: number | null;
  /** fp / (fp + tn). */
  fpr: number | null;
  /** tn / (tn + fp), specificity. */
  tnr: number | null;
  /** fn / (fn + tp). */
  fnr: number | null;
  /** tp / (tp + fp). */
  precision: number | null;
  /** tn / (tn + fn), negative predictive value. */
  npv: number | null;
}

export interface BinaryPerformance {
  accuracy: number;
  precision: number;
  recall: number;
  auc: number;
  logLoss: number;
  rows: number;
  /** `vigil report` only (the daemon's windows leave these out). */
  confusion?: ConfusionMatrix;
  /**
   * scikit-learn's `roc_curve` (collinear points dropped), then at most {@link CURVE_POINTS} points kept with both
   * ends exact: fpr ascending from 0 to 1. Absent when a class is missing among the labelled rows.
   */
  roc?: { fpr: number[]; tpr: number[] };
  /** scikit-learn's `precision_recall_curve` in its order (recall descending to 0), downsampled likewise. */
  pr?: { precision: number[]; recall: number[] };
  /** scikit-learn's `average_precision_score`, from every threshold (not the downsampled points). */
  averagePrecision?: number;
}

/**
 * Binary performance estimated without labels (confidence-based performance estimation, docs/metrics.md): present
 * instead of {@link BinaryPerformance} when the current file has no labels and the reference has. Each estimate has
 * its sampling error and a band of ± 3 sampling errors, clipped to [0, 1]; a value is null (NaN) when undefined,
 * e.g. the AUC when every calibrated probability is 0 or 1.
 */
export interface EstimatedBinaryPerformance {
  estimatedAccuracy: PerformanceEstimate;
  estimatedPrecision: PerformanceEstimate;
  estimatedRecall: PerformanceEstimate;
  estimatedF1: PerformanceEstimate;
  estimatedAuc: PerformanceEstimate;
  /** Current rows with a score and a predicted class: what the estimates are of. */
  rows: number;
  /** Whether the score was calibrated (isotonic, fitted on the labelled reference) or used as it is. */
  calibration: 'isotonic' | 'none';
  /** Labelled reference rows the calibration and the sampling errors were fitted on. */
  referenceRows: number;
}

/** The most points of one curve in the report. */
export const CURVE_POINTS = 200;

export interface RegressionPerformance {
  mae: number;
  rmse: number;
  bias: number;
  rows: number;
}

export interface GroupRates {
  group: string;
  n: number;
  /** Rows of the group with a label. */
  labelled: number;
  selectionRate: number;
  tpr: number | null;
  fpr: number | null;
  fnr: number | null;
  ppv: number | null;
  ece: number | null;
  ciSelectionRate: [number, number];
  ciTpr: [number, number] | null;
  ciFpr: [number, number] | null;
  ciFnr: [number, number] | null;
  ciPpv: [number, number] | null;
  sufficient: boolean;
  /** Sufficient for the label-based rates (tpr, fpr, fnr, ppv, ece). */
  sufficientLabelled: boolean;
}

export interface FairnessResult {
  attribute: string;
  groups: GroupRates[];
  statisticalParityDifference: number | null;
  disparateImpactRatio: number | null;
  equalOpportunityDifference: number | null;
  equalizedOddsDifference: number | null;
  predictiveParityDifference: number | null;
}

/** Missing and range figures of one side (reference or current) of a numeric feature; NaN → null in JSON. */
export interface NumericSummary {
  rows: number;
  missing: number;
  /** missing / rows. */
  missingShare: number;
  min: number;
  max: number;
  mean: number;
  /** numpy's default (linear) quantiles of the non-missing values. */
  p5: number;
  p25: number;
  p50: number;
  p75: number;
  p95: number;
}

export interface NumericQuality {
  feature: string;
  kind: 'numeric';
  reference: NumericSummary;
  current: NumericSummary;
  /** Current values below the reference minimum / above its maximum; `share` is of the current non-missing values. */
  outsideReferenceRange: { below: number; above: number; share: number };
  /**
   * Present when the column took the binned path: rows, missing, min, max, mean and the outside counts stay exact;
   * the quantiles lie within the value bucket of the exact one (at most 2^-7 of its distance from the median away).
   */
  statistics?: 'binned';
}

export interface CategoricalSummary {
  rows: number;
  missing: number;
  missingShare: number;
  /** Distinct categories present. */
  categories: number;
  /** The most frequent category, by rows (ties: the first in sort order). */
  top: { category: string; rows: number } | null;
}

export interface CategoricalQuality {
  feature: string;
  kind: 'categorical';
  reference: CategoricalSummary;
  current: CategoricalSummary;
  /**
   * Current rows whose category the reference never saw: `rows`, `share` of the current non-missing rows,
   * `distinct` new categories and the most frequent of them (at most {@link NEW_CATEGORY_NAMES}).
   */
  newCategories: { rows: number; share: number; distinct: number; top: { category: string; rows: number }[] };
}

export type FeatureQuality = NumericQuality | CategoricalQuality;

/** How many new category names a report lists per feature. */
export const NEW_CATEGORY_NAMES = 5;

/** Whether a part of the report could be computed, and if not, why (for the HTML and the CLI summary). */
export interface SectionStatus {
  computed: boolean;
  /** Present when `computed` is false, e.g. "needs labels in the current file". */
  reason?: string;
}

export interface ReportSections {
  /** Prediction (score) drift. */
  prediction: SectionStatus;
  calibration: SectionStatus;
  performance: SectionStatus;
  /** ROC and precision–recall curves and the confusion matrix (binary task). */
  curves: SectionStatus;
  fairness: SectionStatus;
  /** Feature importance, its ranking's NDCG and the protected share (docs/report.md, "Explanations"). */
  explanations: SectionStatus;
}

/** One feature's importance in both files (docs/report.md, "Explanations"); null where it has none. */
export interface ExplanationFeature {
  feature: string;
  /** Mean |attribution| over the rows carrying one (logged), or the surrogate's importance (score-logit units). */
  reference: number | null;
  current: number | null;
  /** 1 = most important; ties by name. */
  referenceRank: number | null;
  currentRank: number | null;
  /** Listed as a protected attribute / as a proxy (`--protected`, `--proxies`, or the model's `explain`). */
  protected: boolean;
  proxy: boolean;
  /** Surrogate only: the rise in the surrogate's mean squared error when the feature is shuffled, per file. */
  permutationReference?: number | null;
  permutationCurrent?: number | null;
}

/** The share of total importance carried by a list of features, in both files. */
export interface AttributionShareChange {
  features: string[];
  reference: number | null;
  current: number | null;
  /** current / reference; null when the reference share is 0 or unknown. */
  ratio: number | null;
  /**
   * The current share is at least 0.01 and at least 1.5 times the reference's (any share of 0.01 or more grew from a
   * reference share of 0).
   */
  grew: boolean;
}

export interface Explanations {
  /** `attributions` when both files carry `attributions.<feature>` columns, else `surrogate`. */
  source: 'attributions' | 'surrogate';
  /** Rows the importances are over: rows with an attribution, or complete rows of the surrogate. */
  rows: { reference: number; current: number };
  /** In current-rank order. */
  features: ExplanationFeature[];
  /** NDCG@k of the current ranking against the reference's (SageMaker Clarify's definition); null without a reference ranking. */
  ndcg: number | null;
  k: number;
  /** Present when protected attributes are named. */
  protectedShare?: AttributionShareChange;
  /** Present when proxies are named. */
  proxyShare?: AttributionShareChange;
  /** Surrogate only: how much of the score-logit's variance the linear surrogate explains in each file. */
  surrogateR2?: { reference: number; current: number };
  /** Surrogate only: its target, rows, whether collinear columns needed the ridge, and the permutation sample. */
  surrogate?: {
    target: 'logit' | 'identity';
    rows: { reference: number; current: number };
    ridge: boolean;
    /**
     * Present when a file had more rows than the surrogate is fitted on (a wide and long file: p(p+1)/2 products a
     * row): each such file's fit is on a seeded sample drawn to hold about `completeRows` complete rows (`rows`
     * says how many it held; docs/report.md, "Explanations").
     */
    fitSample?: { seed: number; completeRows: number };
    permutation: { seed: number; repeats: number; rows: { reference: number; current: number } };
  };
}

/**
 * How `vigil report` read its files (docs/report.md, "Large files"): whole in memory, or — when that would exceed
 * the memory budget — in chunks with the numeric feature columns spilled to a temporary file and analysed one
 * column pair at a time.
 */
export interface ReportComputation {
  /** `--memory-budget`, in bytes. */
  memoryBudget: number;
  /** What reading both files whole would take (about four times their size), in bytes. */
  estimatedInMemory: number;
  reading: 'in-memory' | 'spilled';
  /** Numeric feature columns read back from the spill file (0 in memory). */
  spilledColumns: number;
  /**
   * `exact` when every statistic is; `binned` when some columns (`binnedColumns`; marked `statistics: "binned"`
   * in `drift` and `dataQuality`) were streamed through value buckets because one column pair per thread did not
   * fit in the budget.
   */
  statistics: 'exact' | 'binned';
  binnedColumns: number;
}

export interface Report {
  rows: { reference: number; current: number };
  task: 'binary' | 'regression';
  drift: FeatureDrift[];
  prediction?: {
    metrics: { psi: number; js: number; ks: number; ksPValue: number; wasserstein: number };
    /** `ksPValue` adjusted by Benjamini–Hochberg together with the features' test p-values; absent when NaN. */
    pValueAdjusted?: number;
    histogram: Histogram;
    /** `vigil report` only: equal-width bins of the score. */
    distribution?: ValueDistribution;
  };
  calibration?: Calibration;
  performance?: BinaryPerformance | RegressionPerformance | EstimatedBinaryPerformance;
  fairness: FairnessResult[];
  /** Which features drive the score, reference against current; absent when `sections.explanations` says why. */
  explanations?: Explanations;
  /** Per feature, in `drift` order: missing values, range and quantiles, new categories — reference vs current. */
  dataQuality: FeatureQuality[];
  /** Which optional sections were computed; a reason for each one that was not. */
  sections: ReportSections;
  summary: { features: number; drifted: string[]; falseDiscoveryRate: number };
  options: {
    threshold: number;
    minGroupSize: number;
    features: { name: string; kind: FeatureKind; inferred: boolean }[];
  };
  /** Drift across features: data reconstruction error against its reference band, and the domain classifier. */
  multivariate?: MultivariateDrift;
  /**
   * `vigil report` only, present when the files were too large for the memory budget: how they were read and the
   * statistics computed. Absent, the files were read whole and every statistic is exact.
   */
  computation?: ReportComputation;
  generatedAt: string;
}

/** The current file's data reconstruction error against the band of reference chunks of its size (docs/report.md). */
export interface ReconstructionDrift {
  computed: true;
  /** Mean reconstruction error of the current rows. */
  reconstructionError: number;
  /** The current rows' standard deviation of the error / √rows (NannyML's sampling error). */
  samplingError: number;
  rows: number;
  referenceReconstructionError: ReconstructionBand;
  /** The current error is outside the reference band. */
  drifted: boolean;
  /** Principal axes kept, the share of the variance they explain, and the features they span. */
  components: number;
  explainedVariance: number;
  features: number;
}

/** How well a classifier tells current rows from reference rows (docs/report.md, "Domain classifier"). */
export interface DomainClassifier {
  /** Mean ROC AUC over the held-out folds: 0.5 when the two files cannot be told apart, 1 when always. */
  auc: number;
  foldAuc: number[];
  folds: number;
  seed: number;
  /** Rows used from each file (a sample when a file is larger than the cap). */
  rows: { reference: number; current: number };
  model: 'logistic-regression';
}

export type MultivariateDrift = (ReconstructionDrift | { computed: false; reason: string }) & {
  domainClassifier?: DomainClassifier;
};
