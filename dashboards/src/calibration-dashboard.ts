import type { Dashboard } from '@grafana/grafana-foundation-sdk/dashboard';
import { incidentAnnotations } from './incident-annotations';
import { barChart, stat, table, timeSeries } from './panels';
import { metricIn, metricIs, modelIs, modelRows, versionIn, withVersion } from './sql-conventions';
import { modelVariable, versionVariable } from './variables';
import { joinSql } from './sql-query';
import { vigilDashboard } from './vigil-dashboard';

export const CALIBRATION_UID = 'vigil-calibration';

const rowsOfModel = `${modelIs(false)} AND ${versionIn()} AND ${modelRows()} AND $__timeFilter(window_end)`;

/**
 * The `ece` row of the latest window carries the window's equal-width calibration bins in
 * `details.bins = [{lower, upper, count, meanScore, positiveRate}]`; empty bins are left out.
 */
const LATEST_BINS = `
  WITH latest AS (
    SELECT details
    FROM vigil_metric_rows
    WHERE ${rowsOfModel} AND ${metricIs('ece')} AND jsonb_typeof(details -> 'bins') = 'array'
    ORDER BY window_end DESC, version DESC
    LIMIT 1
  ), bins AS (
    SELECT (b ->> 'lower')::float8 AS lower, (b ->> 'upper')::float8 AS upper, (b ->> 'count')::float8 AS count,
           (b ->> 'meanScore')::float8 AS mean_score, (b ->> 'positiveRate')::float8 AS positive_rate
    FROM latest, jsonb_array_elements(latest.details -> 'bins') AS b
  )`;

export function calibrationDashboard(): Dashboard {
  return vigilDashboard(
    CALIBRATION_UID,
    'Vigil / Calibration',
    'Whether the scores of one model still mean what they say: expected calibration error, Brier score, and the reliability diagram of the latest window.',
  )
    .withVariable(modelVariable(false))
    .withVariable(versionVariable())
    .annotation(incidentAnnotations(false))
    .withPanel(
      stat(
        {
          title: 'Latest window',
          description: 'ECE, MCE and Brier score of the labelled rows of the latest analysed window.',
        },
        { w: 8, h: 6 },
        `SELECT max(value) FILTER (WHERE ${metricIs('ece')}) AS ece,
                max(value) FILTER (WHERE ${metricIs('mce')}) AS mce,
                max(value) FILTER (WHERE ${metricIs('brier')}) AS brier
         FROM vigil_metric_rows
         WHERE ${rowsOfModel} AND ${metricIn(['ece', 'mce', 'brier'])}
           AND window_end = (SELECT window_end FROM vigil_metric_rows WHERE ${rowsOfModel} AND ${metricIs('ece')} ORDER BY window_end DESC LIMIT 1)`,
      ),
    )
    .withPanel(
      timeSeries(
        {
          title: 'Expected and maximum calibration error',
          description:
            'ECE = Σ (n_b / N)·|positive rate − mean score| over 10 equal-width score bins; MCE is the largest bin gap.',
        },
        { w: 16, h: 6 },
        `SELECT window_end AS "time", ${withVersion('metric')} AS metric, value
         FROM vigil_metric_points
         WHERE ${rowsOfModel} AND ${metricIn(['ece', 'mce'])}
         ORDER BY 1, 2`,
        { min: 0, threshold: 0.1 },
      ),
    )
    .withPanel(
      timeSeries(
        {
          title: 'Brier score and log loss',
          description: 'Mean squared error of the scores, and the log loss, of the labelled rows of each window.',
        },
        { w: 12, h: 8 },
        `SELECT window_end AS "time", ${withVersion('metric')} AS metric, value
         FROM vigil_metric_points
         WHERE ${rowsOfModel} AND ${metricIn(['brier', 'logLoss'])}
         ORDER BY 1, 2`,
        { min: 0 },
      ),
    )
    .withPanel(
      barChart(
        {
          title: 'Reliability diagram (latest window)',
          description:
            'Per score bin of the latest window: the mean score next to the observed positive rate. A calibrated model has the two bars equal.',
        },
        { w: 12, h: 8 },
        joinSql(
          LATEST_BINS,
          `SELECT to_char(lower, 'FM0.00') || '–' || to_char(upper, 'FM0.00') AS bin, mean_score, positive_rate
         FROM bins
         WHERE count > 0
         ORDER BY lower`,
        ),
        'bin',
        { min: 0, max: 1 },
      ),
    )
    .withPanel(
      table(
        {
          title: 'Calibration bins (latest window)',
          description: 'The bins behind the reliability diagram, with their row counts and gaps.',
        },
        { w: 24, h: 8 },
        joinSql(
          LATEST_BINS,
          `SELECT lower, upper, count, mean_score, positive_rate, positive_rate - mean_score AS gap
         FROM bins
         ORDER BY lower`,
        ),
      ),
    )
    .build();
}
