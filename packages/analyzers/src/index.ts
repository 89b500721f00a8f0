export {
  accumulate,
  capGroups,
  emptyAccumulator,
  labelAccumulator,
  MAX_GROUP_VALUES,
  mergeAccumulators,
  mergeAccumulatorsInto,
  mergeUnknownFeatures,
  MISSING_GROUP,
  OTHER_GROUP,
  predictedClass,
  UNKNOWN_FEATURE_NAMES_KEPT,
} from './accumulator/window-accumulator';
export type {
  CategoricalAccumulator,
  FeatureAccumulator,
  NumericAccumulator,
  OutcomeAccumulator,
  UnknownFeatureCounts,
  WindowAccumulator,
} from './accumulator/window-accumulator';
export {
  addEstimateRows,
  binnedEstimatedAuc,
  emptyEstimate,
  mergeEstimates,
  windowEstimates,
} from './accumulator/estimate-accumulator';
export type { EstimateAccumulator, WindowEstimates } from './accumulator/estimate-accumulator';
export { SPEC_DEFAULTS, groupColumns } from './profile/analysis-spec';
export type { AnalysisSpec, AttributionSpec } from './profile/analysis-spec';
export {
  addAttributions,
  emptyAttributions,
  mergeAttributions,
  MAX_ATTRIBUTION_GROUPS,
} from './accumulator/attribution-accumulator';
export type { AttributionAccumulator, AttributionSums } from './accumulator/attribution-accumulator';
export { analyzeAttributions } from './window/attribution-analysis';
export type { AttributionAnalysis, FeatureAttribution, GroupAttribution } from './window/attribution-analysis';
export { COARSE_BINS, FINE_BINS, fitReferenceProfile, requireColumn } from './profile/reference-profile';
export { nextUp, quantileSorted } from './profile/binning';
export { wilsonInterval } from './stats/wilson';
export { attributionNdcg, rankFeatures } from './stats/ndcg';
export { attributionShare } from './stats/protected-share';
export type { AttributionShare } from './stats/protected-share';
export type { CategoricalProfile, FeatureProfile, NumericProfile, ReferenceProfile } from './profile/reference-profile';
export { analyzeReport } from './report/analyze-report';
export type { ReportInput } from './report/analyze-report';
export { DRIFT_DEFAULTS } from './report/drift-decision';
export { CURVE_POINTS, NEW_CATEGORY_NAMES } from './report/report-types';
export { averagePrecision, downsampleCurve, precisionRecallCurve, rocCurve } from './stats/curves';
export { categoricalDrift, numericDrift } from './window/feature-drift';
export { analyzeWindow, binnedAuc } from './window/analyze-window';
export { rocAuc } from './stats/classification';
export { calibrateScore, estimateCbpe, fitCbpe, fitIsotonic, needsCalibration } from './stats/cbpe';
export { CHUNK_SIZES, fitReferenceChunks, MIN_CHUNKS, referenceBand } from './stats/reference-chunks';
export type { ChunkMetric, ChunkStatistics, ReferenceBand } from './stats/reference-chunks';
export type { CbpeEstimates, CbpeReference, PerformanceEstimate, ScoreCalibrator } from './stats/cbpe';
export { benjaminiHochberg } from './stats/multiple-testing';
export type { ExactStatistics, FeatureQualityRates, WindowAnalysis } from './window/analyze-window';
export { completeEventTime } from './window/complete-event-time';
export type { PartitionProgress } from './window/complete-event-time';
export { EventTimeWindows } from './window/event-time-windows';
export type { WindowBounds } from './window/event-time-windows';
export type {
  BinaryPerformance,
  Calibration,
  CalibrationBin,
  CategoricalDriftMetrics,
  CategoricalQuality,
  CategoricalSummary,
  AttributionShareChange,
  ConfusionMatrix,
  DomainClassifier,
  EstimatedBinaryPerformance,
  ExplanationFeature,
  Explanations,
  FairnessResult,
  FeatureDrift,
  FeatureQuality,
  GroupRates,
  Histogram,
  NumericDriftMetrics,
  NumericQuality,
  MultivariateDrift,
  NumericSummary,
  ReconstructionDrift,
  RegressionPerformance,
  Report,
  ReportComputation,
  ReportSections,
  SectionStatus,
  ValueDistribution,
} from './report/report-types';
export { initCompute } from './compute/compute-backend';
export type { Compute, ComputeBackend } from './compute/compute-backend';
export { scoreLogisticModel, trainLogisticModel } from './model/logistic-model';
export type { LogisticModel, TrainOptions } from './model/logistic-model';
export {
  BAND_SIGMAS,
  chunkBand,
  ERROR_BINS,
  EXPLAINED_VARIANCE,
  fitDataReconstruction,
  MAX_RECONSTRUCTION_FEATURES,
  rebuildsExactly,
  reconstructionError,
  reconstructionErrors,
  reconstructionErrorsOfRows,
  samplingBand,
} from './multivariate/data-reconstruction';
export type {
  DataReconstruction,
  ErrorMoments,
  ReconstructionBand,
  ReconstructionInput,
} from './multivariate/data-reconstruction';
export { multivariateDrift } from './multivariate/multivariate-drift';
export type { MultivariateOptions } from './multivariate/multivariate-drift';
export { domainClassifier } from './multivariate/domain-classifier';
export type { DomainClassifierOptions } from './multivariate/domain-classifier';
export {
  addReconstruction,
  emptyReconstruction,
  mergeReconstruction,
  reconstructionWindow,
} from './multivariate/reconstruction-accumulator';
export type { ReconstructionAccumulator, ReconstructionWindow } from './multivariate/reconstruction-accumulator';
export {
  SURROGATE_OTHER,
  SURROGATE_SCORE_CLIP,
  SURROGATE_TOP_CATEGORIES,
  accumulateSurrogate,
  addSurrogateRows,
  emptySurrogate,
  mergeSurrogates,
  solveSurrogate,
  surrogateDesign,
  SURROGATE_BLOCKED_COLUMNS,
  surrogateRows,
  surrogateTarget,
} from './stats/surrogate';
export type { SurrogateAccumulator, SurrogateDesign, SurrogateFeature, SurrogateFit } from './stats/surrogate';
export {
  ATTRIBUTION_PREFIX,
  PERMUTATION_REPEATS,
  PERMUTATION_ROWS,
  PERMUTATION_SEED,
  SHARE_GROWTH_FLOOR,
  SHARE_GROWTH_WARNING,
  SURROGATE_FIT_PRODUCTS,
  SURROGATE_MIN_ROWS_PER_COLUMN,
  shareChange,
  surrogateFitRows,
} from './report/report-explanations';
export type { ExplainOptions } from './report/report-explanations';
export { startReportWorkers, stopIdleReportWorkers } from './report/report-workers';
export { analyzeSurrogateWindow, fitReferenceSurrogate } from './window/window-surrogate';
export type { ExplainSpec, ReferenceSurrogate, SurrogateWindow } from './window/window-surrogate';
