import type { Dashboard } from '@grafana/grafana-foundation-sdk/dashboard';
import { incidentAnnotations } from './incident-annotations';
import { barChart, table, timeSeries } from './panels';
import { metricIn, metricIs, modelIs, modelRows, versionIn, withVersion } from './sql-conventions';
import { joinSql } from './sql-query';
import { modelVariable, versionVariable } from './variables';
import { vigilDashboard } from './vigil-dashboard';

export const EXPLANATIONS_UID = 'vigil-explanations';

const inRange = `${modelIs(false)} AND ${versionIn()} AND $__timeFilter(window_end)`;

/** The latest window with attribution rows, and its per-feature rows (details: rows, rank, referenceMeanAbs). */
const LATEST_FEATURES = `
  WITH latest AS (
    SELECT window_end FROM vigil_metric_rows WHERE ${inRange} AND ${metricIs('attributionNdcg')} ORDER BY window_end DESC LIMIT 1
  ), features AS (
    SELECT r.version, r.feature, r.metric, r.value,
           (r.details ->> 'rank')::int AS rank, (r.details ->> 'referenceMeanAbs')::float8 AS reference_mean_abs, (r.details ->> 'rows')::bigint AS n
    FROM vigil_metric_rows AS r
    JOIN latest AS l ON l.window_end = r.window_end
    WHERE ${modelIs(false, 'r.model')} AND ${versionIn('r.version')} AND r.group_key = '' AND ${metricIn(['attributionMean', 'attributionMeanAbs'], 'r.')}
  )`;

/**
 * Logged attributions over time (docs/explanations.md): how far the feature ranking has moved from the
 * reference's (NDCG), how much of the model's |attribution| goes through protected attributes and their proxies,
 * each feature's mean |attribution|, the protected features' mean |attribution| per group, and the linear surrogate's
 * fit (surrogateR2) beside its importances (surrogateImportance), written for models with an explain section.
 */
export function explanationsDashboard(): Dashboard {
  return vigilDashboard(
    EXPLANATIONS_UID,
    'Vigil / Explanations',
    'What drives the scores: the feature ranking by mean |attribution| against the reference (NDCG), the share of |attribution| carried by protected attributes and their proxies, and per group how much the model leans on the protected attributes.',
  )
    .withVariable(modelVariable(false))
    .withVariable(versionVariable())
    .annotation(incidentAnnotations(false))
    .withPanel(
      timeSeries(
        {
          title: 'NDCG of the feature ranking',
          description:
            "NDCG@k of the window's ranking by mean |attribution| against the reference ranking (SageMaker Clarify's definition); 1 is the reference's order, Clarify flags below 0.9.",
        },
        { w: 12, h: 8 },
        `SELECT window_end AS "time", ${withVersion("'NDCG'")} AS metric, value
         FROM vigil_metric_points
         WHERE ${inRange} AND ${modelRows()} AND ${metricIs('attributionNdcg')} AND value IS NOT NULL
         ORDER BY 1, 2`,
        { min: 0, max: 1, threshold: 0.9, lowerIsWorse: true },
      ),
    )
    .withPanel(
      timeSeries(
        {
          title: 'Share of |attribution|: protected attributes and proxies',
          description:
            'Σ|attribution| of the protected features (and of their proxies) over Σ|attribution| of all features, per window.',
        },
        { w: 12, h: 8 },
        `SELECT window_end AS "time", ${withVersion("CASE metric WHEN 'protectedAttributionShare' THEN 'protected' ELSE 'proxies' END")} AS metric, value
         FROM vigil_metric_points
         WHERE ${inRange} AND ${modelRows()} AND ${metricIn(['protectedAttributionShare', 'proxyAttributionShare'])} AND value IS NOT NULL
         ORDER BY 1, 2`,
        { unit: 'percentunit', min: 0, max: 1 },
      ),
    )
    .withPanel(
      timeSeries(
        {
          title: 'Mean |attribution| per feature',
          description: "Each feature's mean |attribution| (its global importance, in score units) per window.",
        },
        { w: 12, h: 9 },
        `SELECT window_end AS "time", ${withVersion('feature')} AS metric, value
         FROM vigil_metric_points
         WHERE ${inRange} AND group_key = '' AND ${metricIs('attributionMeanAbs')}
         ORDER BY 1, 2`,
        { min: 0 },
      ),
    )
    .withPanel(
      timeSeries(
        {
          title: "Protected attributes' mean |attribution| per group",
          description:
            'For each group of each group attribute, the mean |attribution| of each protected feature: is the model leaning on it more for one group?',
        },
        { w: 12, h: 9 },
        `SELECT window_end AS "time", ${withVersion("feature || ' | ' || group_key")} AS metric, value
         FROM vigil_metric_points
         WHERE ${inRange} AND ${metricIs('protectedAttributionMeanAbs')}
         ORDER BY 1, 2`,
        { min: 0 },
      ),
    )
    .withPanel(
      timeSeries(
        {
          title: 'Linear surrogate: R²',
          description:
            "R² of the window's linear surrogate of the score's logit (the share of its variance the surrogate explains): how far the surrogate's importances beside it can be trusted; under 0.5 they describe a poor fit.",
        },
        { w: 12, h: 8 },
        `SELECT window_end AS "time", ${withVersion("'R²'")} AS metric, value
         FROM vigil_metric_points
         WHERE ${inRange} AND ${modelRows()} AND ${metricIs('surrogateR2')} AND value IS NOT NULL
         ORDER BY 1, 2`,
        { min: 0, max: 1, threshold: 0.5, lowerIsWorse: true },
      ),
    )
    .withPanel(
      timeSeries(
        {
          title: 'Linear surrogate: importance per feature',
          description:
            "Each feature's surrogate importance per window: the spread of its contribution to the surrogate (|β|·σ for a numeric feature), in score-logit units. What ranks the features when the events log no attributions.",
        },
        { w: 12, h: 8 },
        `SELECT window_end AS "time", ${withVersion('feature')} AS metric, value
         FROM vigil_metric_points
         WHERE ${inRange} AND group_key = '' AND ${metricIs('surrogateImportance')} AND value IS NOT NULL
         ORDER BY 1, 2`,
        { min: 0 },
      ),
    )
    .withPanel(
      barChart(
        {
          title: 'Mean |attribution|, latest window against the reference',
          description:
            "Each feature's mean |attribution| in the reference and in the latest window, in the window's ranking order.",
        },
        { w: 12, h: 9 },
        joinSql(
          LATEST_FEATURES,
          `SELECT ${withVersion('feature')} AS feature, reference_mean_abs AS reference, value AS current
         FROM features
         WHERE ${metricIs('attributionMeanAbs')}
         ORDER BY version, rank`,
        ),
        'feature',
        { min: 0 },
      ),
    )
    .withPanel(
      table(
        {
          title: 'Features in the latest window',
          description:
            "Rank by mean |attribution|, mean and mean |attribution|, the reference's mean |attribution|, and the rows that carried an attribution for the feature.",
        },
        { w: 12, h: 9 },
        joinSql(
          LATEST_FEATURES,
          `SELECT feature, version,
                max(rank) FILTER (WHERE ${metricIs('attributionMeanAbs')}) AS rank,
                max(value) FILTER (WHERE ${metricIs('attributionMean')}) AS mean,
                max(value) FILTER (WHERE ${metricIs('attributionMeanAbs')}) AS mean_abs,
                max(reference_mean_abs) FILTER (WHERE ${metricIs('attributionMeanAbs')}) AS reference_mean_abs,
                max(n) FILTER (WHERE ${metricIs('attributionMeanAbs')}) AS n
         FROM features
         GROUP BY feature, version
         ORDER BY version, rank`,
        ),
      ),
    )
    .build();
}
