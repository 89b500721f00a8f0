import type { PerformanceEstimate } from '@vigil/analyzers';

/** The estimated metrics of a report without current labels, by their JSON names. */
export type EstimatedMetricName =
  'estimatedAccuracy' | 'estimatedPrecision' | 'estimatedRecall' | 'estimatedF1' | 'estimatedAuc';

/**
 * Why a metric's sampling error could not be measured: the labelled reference has no row that metric counts
 * (CBPE's sampling error is the spread of a per-row share over those rows, docs/metrics.md).
 */
const NO_ROWS: Record<EstimatedMetricName, string> = {
  estimatedAccuracy: 'the reference has no labelled row',
  estimatedPrecision: 'no reference row is predicted positive',
  estimatedRecall: 'no reference row is labelled positive',
  estimatedF1: 'no reference row is predicted or labelled positive',
  estimatedAuc: 'the reference has one class only',
};

/**
 * An estimate's band, or why it has none. Without reference rows to measure it on, the sampling error is undefined
 * and the band [NaN, NaN] (null in the JSON); with rows that all came out alike (every reference positive predicted
 * negative, say) it is 0 and the band a point. Neither is a range the estimate is likely to be in, so the console
 * and the HTML report say why instead of printing "[-, -]" or "[0.278, 0.278]".
 */
export function estimateBand(
  metric: EstimatedMetricName,
  e: PerformanceEstimate,
): { band: [number, number] } | { reason: string } {
  // JSON read back has null where the report held NaN.
  const error = e.samplingError as number | null;
  if (error === null || !Number.isFinite(error)) return { reason: NO_ROWS[metric] };
  if (error === 0) return { reason: 'every reference row it counts came out alike' };
  return { band: e.band };
}
