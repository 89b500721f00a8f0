export type {
  BinaryPerformance, Calibration, CalibrationBin, CategoricalDriftMetrics, FairnessResult, FeatureDrift, GroupRates,
  Histogram, NumericDriftMetrics, RegressionPerformance, Report,
} from './report/report-types';
