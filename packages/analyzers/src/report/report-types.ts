/**
 * The `vigil report --json` document. Field names follow ../shared/PRODUCT.md §3 (the contract); fields beyond it
 * (histograms, options, backend) are additions the HTML report and users rely on.
 */
import type { FeatureKind } from '@vigil/core';

/** Reference-against-current counts over one feature's bins, for the histogram charts. */
export interface Histogram {
  /** Bin labels: `[a, b)` ranges for numeric features (outer bins open), category names for categorical ones. */
  labels: string[];
  reference: number[];
  current: number[];
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
  /** Streaming windows: `ks` comes from the percentile bins, within this of the exact statistic (docs/decisions/0004). */
  ksErrorBound?: number;
  histogram: Histogram;
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

export interface BinaryPerformance {
  accuracy: number;
  precision: number;
  recall: number;
  auc: number;
  logLoss: number;
  rows: number;
}

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

export interface Report {
  rows: { reference: number; current: number };
  task: 'binary' | 'regression';
  drift: FeatureDrift[];
  prediction?: { metrics: { psi: number; js: number; ks: number; ksPValue: number; wasserstein: number }; histogram: Histogram };
  calibration?: Calibration;
  performance?: BinaryPerformance | RegressionPerformance;
  fairness: FairnessResult[];
  summary: { features: number; drifted: string[]; falseDiscoveryRate: number };
  options: { threshold: number; minGroupSize: number; features: { name: string; kind: FeatureKind; inferred: boolean }[] };
  generatedAt: string;
}
