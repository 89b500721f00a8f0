/**
 * Every metric a window's rows may carry (docs/metrics.md, "Metric rows"): the one list of their names. Metric rows,
 * rules, the window metrics and the dashboards' SQL name metrics with {@link MetricName}, so adding a metric is one
 * line here and a misspelt name anywhere is a compile error.
 */
/**
 * A feature's drift measures: its `drifted` verdict and the tests and distances it is about (`vigil model show`
 * marks these of a drifted feature, not its `missingRate`).
 */
export const FEATURE_DRIFT_MEASURES = [
  'drifted',
  'psi',
  'js',
  'hellinger',
  'ks',
  'ksPValue',
  'wasserstein',
  'wassersteinNormed',
  'chi2',
  'chi2PValue',
  'newCategoryRate',
] as const;

export const METRIC_NAMES = [
  // Traffic.
  'rows',
  'labelledRows',
  // Feature drift (and prediction drift under the feature `$score`), and the feature's missing share.
  ...FEATURE_DRIFT_MEASURES,
  'missingRate',
  // Data quality (docs/metrics.md, "Data quality in the windows").
  'outOfRangeRate',
  'unknownFeatureRate',
  // Multivariate drift (docs/metrics.md, "Reconstruction error").
  'reconstructionError',
  // Calibration and performance.
  'ece',
  'eceEqualMass',
  'mce',
  'brier',
  'accuracy',
  'precision',
  'recall',
  'auc',
  'logLoss',
  'mae',
  'rmse',
  'bias',
  // Performance estimated without labels (CBPE; docs/metrics.md, "Estimated performance in the windows").
  'estimatedAccuracy',
  'estimatedPrecision',
  'estimatedRecall',
  'estimatedF1',
  'estimatedAuc',
  // Fairness: differences per attribute, rates per group.
  'statisticalParityDifference',
  'disparateImpactRatio',
  'equalOpportunityDifference',
  'equalizedOddsDifference',
  'predictiveParityDifference',
  'selectionRate',
  'tpr',
  'fpr',
  'fnr',
  'ppv',
  // Explanations (docs/explanations.md): logged attributions, and the linear surrogate.
  'attributionRows',
  'attributionMean',
  'attributionMeanAbs',
  'attributionNdcg',
  'protectedAttributionShare',
  'protectedAttributionShareRatio',
  'proxyAttributionShare',
  'protectedAttributionMeanAbs',
  'surrogateR2',
  'surrogateImportance',
  // Human review (docs/review.md).
  'flaggedRows',
  'queuedRows',
  'notQueuedRows',
  'decidedRows',
  'overrideRate',
  'auditErrorRate',
  'reviewBacklog',
  'oldestPendingAge',
  'groupOverrideRate',
] as const;

export type MetricName = (typeof METRIC_NAMES)[number];

/**
 * What a metric row is of: `feature` has a feature and no group, `group` has a group key and no feature, `model`
 * has neither (docs/metrics.md, "Metric rows").
 */
export type MetricRowKind = 'feature' | 'group' | 'model';
