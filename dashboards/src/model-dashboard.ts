import type { Dashboard } from '@grafana/grafana-foundation-sdk/dashboard';
import type { MetricName } from '@vigil/core';
import { incidentAnnotations } from './incident-annotations';
import { stat, timeSeries } from './panels';
import {
  featureRows,
  metricIn,
  metricIs,
  modelIs,
  modelRows,
  OPEN_INCIDENT,
  SCORE_FEATURE,
  versionIn,
  withVersion,
} from './sql-conventions';
import { featureVariable, modelVariable, versionVariable } from './variables';
import { vigilDashboard } from './vigil-dashboard';

export const MODEL_UID = 'vigil-model';

const model = modelIs(false);

/** Metric rows of the selected model and versions in the time range. */
const rowsOfModel = `${model} AND ${versionIn()} AND $__timeFilter(window_end)`;

/** A time series of whole-model metrics, one series per metric (and version). */
function modelMetrics(metrics: readonly MetricName[]): string {
  return `SELECT window_end AS "time", ${withVersion('metric')} AS metric, value
          FROM vigil_metric_points
          WHERE ${rowsOfModel} AND ${metricIn(metrics)} AND ${modelRows()}
          ORDER BY 1, 2`;
}

export function modelDashboard(): Dashboard {
  return vigilDashboard(
    MODEL_UID,
    'Vigil / Model overview',
    'One model: traffic, labels, drift per feature, prediction drift and performance over time.',
  )
    .withVariable(modelVariable(false))
    .withVariable(versionVariable())
    .withVariable(featureVariable())
    .annotation(incidentAnnotations(false))
    .withPanel(
      stat(
        { title: 'Events', description: 'Prediction events counted in the time range.' },
        { w: 6, h: 4 },
        `SELECT coalesce(sum(rows), 0) AS events FROM vigil_buckets WHERE ${model} AND ${versionIn()} AND $__timeFilter(bucket_start)`,
        { unit: 'short' },
      ),
    )
    .withPanel(
      stat(
        { title: 'Latest window', description: 'Rows, and rows with a label, in the latest analysed window.' },
        { w: 6, h: 4 },
        `SELECT rows, labelled_rows
         FROM vigil_metric_rows
         WHERE ${rowsOfModel} AND ${metricIs('rows')} AND ${modelRows()}
         ORDER BY window_end DESC, version DESC
         LIMIT 1`,
        { unit: 'short' },
      ),
    )
    .withPanel(
      stat(
        { title: 'Drifted features', description: 'Input features flagged as drifted in the latest analysed window.' },
        { w: 6, h: 4 },
        `SELECT coalesce(sum(value), 0) AS drifted_features
         FROM vigil_metric_rows
         WHERE ${model} AND ${versionIn()} AND ${metricIs('drifted')} AND ${featureRows()}
           AND window_end = (SELECT window_end FROM vigil_metric_rows WHERE ${rowsOfModel} AND ${metricIs('drifted')} ORDER BY window_end DESC LIMIT 1)`,
        { red: 1 },
      ),
    )
    .withPanel(
      stat(
        { title: 'Open incidents', description: 'Incidents of this model firing or acknowledged, now.' },
        { w: 6, h: 4 },
        `SELECT count(*) AS open_incidents FROM vigil_incidents WHERE ${model} AND ${OPEN_INCIDENT}`,
        { red: 1 },
      ),
    )
    .withPanel(
      timeSeries(
        { title: 'Traffic', description: 'Prediction events per interval, per version.' },
        { w: 12, h: 8 },
        `SELECT $__timeGroupAlias(bucket_start, $__interval), ${withVersion("'events'")} AS metric, sum(rows) AS events
         FROM vigil_buckets
         WHERE ${model} AND ${versionIn()} AND $__timeFilter(bucket_start)
         GROUP BY 1, 2
         ORDER BY 1`,
        { unit: 'short', min: 0 },
      ),
    )
    .withPanel(
      timeSeries(
        {
          title: 'Rows and labels per window',
          description:
            'Rows in each analysed window, and how many of them have a label so far (labels arrive late; a window is re-analysed when they do).',
        },
        { w: 12, h: 8 },
        modelMetrics(['rows', 'labelledRows']),
        { unit: 'short', min: 0 },
      ),
    )
    .withPanel(
      timeSeries(
        {
          title: 'Feature drift (PSI)',
          description:
            'PSI of each selected feature against the reference profile, per window. Above 0.2 is usually called a significant shift.',
        },
        { w: 12, h: 9 },
        `SELECT window_end AS "time", ${withVersion('feature')} AS metric, value AS psi
         FROM vigil_metric_points
         WHERE ${rowsOfModel} AND ${metricIs('psi')} AND ${featureRows()} AND feature IN ($feature)
         ORDER BY 1, 2`,
        { min: 0, threshold: 0.2 },
      ),
    )
    .withPanel(
      timeSeries(
        {
          title: 'Prediction drift',
          description:
            'Drift of the score distribution against the reference: PSI, Jensen–Shannon distance and the KS statistic.',
        },
        { w: 12, h: 9 },
        `SELECT window_end AS "time", ${withVersion('metric')} AS metric, value
         FROM vigil_metric_points
         WHERE ${rowsOfModel} AND feature = ${SCORE_FEATURE} AND group_key = '' AND ${metricIn(['psi', 'js', 'ks'])}
         ORDER BY 1, 2`,
        { min: 0 },
      ),
    )
    .withPanel(
      timeSeries(
        {
          title: 'Performance',
          description:
            'Accuracy, precision, recall and AUC of the labelled rows of each window (binary models), beside the same metrics estimated from the calibrated scores without labels (CBPE, when the reference had labels): the estimated lines come first and the realised ones meet them as labels arrive.',
        },
        { w: 12, h: 8 },
        modelMetrics([
          'accuracy',
          'precision',
          'recall',
          'auc',
          'estimatedAccuracy',
          'estimatedPrecision',
          'estimatedRecall',
          'estimatedAuc',
        ]),
        { unit: 'percentunit', min: 0, max: 1 },
      ),
    )
    .withPanel(
      timeSeries(
        {
          title: 'Errors',
          description: 'Log loss (binary), and MAE, RMSE and bias (regression) of the labelled rows of each window.',
        },
        { w: 12, h: 8 },
        modelMetrics(['logLoss', 'mae', 'rmse', 'bias']),
      ),
    )
    .build();
}
