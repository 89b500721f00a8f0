import type { EstimatedBinaryPerformance, PerformanceEstimate } from '@vigil/analyzers';

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

/**
 * Labelled reference rows below which an estimate is flagged (docs/report.md, "Estimated performance"). The band is
 * ± 3 sampling errors of the current sample only; the calibration and the per-row expectations the estimate rests on
 * come from the labelled reference, whose own error the band leaves out. Under 100 rows, the accuracy measured on the
 * reference alone has a standard error of up to 0.05 (√(0.25 / 100)), so the estimate can be off by more than a band
 * of a large current file shows.
 */
export const ESTIMATE_MIN_REFERENCE_ROWS = 100;

/** The warning of an estimate calibrated on fewer than ESTIMATE_MIN_REFERENCE_ROWS labelled reference rows, if it is. */
export function fewReferenceRows(p: Pick<EstimatedBinaryPerformance, 'referenceRows'>): string | undefined {
  if (!(p.referenceRows < ESTIMATE_MIN_REFERENCE_ROWS)) return undefined;
  return `estimated from ${p.referenceRows} labelled reference ${p.referenceRows === 1 ? 'row' : 'rows'} (fewer than ${ESTIMATE_MIN_REFERENCE_ROWS}): the band counts the sampling error of the current rows only, not that of an estimate calibrated on so few rows`;
}
