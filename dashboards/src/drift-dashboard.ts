import type { Dashboard } from '@grafana/grafana-foundation-sdk/dashboard';
import { incidentAnnotations } from './incident-annotations';
import { statusHistory, table, timeSeries } from './panels';
import { featureRows, metricIs, modelIs, modelRows, versionIn, withVersion } from './sql-conventions';
import { featureVariable, metricChoice, modelVariable, versionVariable } from './variables';
import { vigilDashboard } from './vigil-dashboard';

export const DRIFT_UID = 'vigil-drift';

/** The drift metrics a feature row can carry (docs/metrics.md, "Drift"); numeric and categorical features have different ones. */
export const DRIFT_METRICS = [
  ['PSI', 'psi'],
  ['Jensen–Shannon distance', 'js'],
  ['Hellinger distance', 'hellinger'],
  ['KS statistic', 'ks'],
  ['KS p-value', 'ksPValue'],
  ['Wasserstein (÷ reference std)', 'wassersteinNormed'],
  ['Wasserstein', 'wasserstein'],
  ['Chi-squared', 'chi2'],
  ['Chi-squared p-value', 'chi2PValue'],
  ['New-category rate', 'newCategoryRate'],
] as const;

const selected = `${modelIs(false)} AND ${versionIn()} AND ${featureRows()} AND feature IN ($feature) AND $__timeFilter(window_end)`;
const reconstruction = `${modelIs(false)} AND ${versionIn()} AND ${modelRows()} AND ${metricIs('reconstructionError')} AND $__timeFilter(window_end)`;

export function driftDashboard(): Dashboard {
  return vigilDashboard(
    DRIFT_UID,
    'Vigil / Drift',
    'Data drift of each input feature of one model against its reference profile.',
  )
    .withVariable(modelVariable(false))
    .withVariable(versionVariable())
    .withVariable(featureVariable())
    .withVariable(metricChoice('metric', 'Drift metric', DRIFT_METRICS))
    .annotation(incidentAnnotations(false))
    .withPanel(
      timeSeries(
        {
          title: '$metric per feature',
          description:
            'The chosen drift metric of each selected feature, per window. Numeric features have PSI, JS, Hellinger, KS and Wasserstein; categorical ones chi-squared, PSI, JS and the new-category rate.',
        },
        { w: 24, h: 9 },
        `SELECT window_end AS "time", ${withVersion('feature')} AS metric, value
         FROM vigil_metric_points
         WHERE ${selected} AND metric = '$metric'
         ORDER BY 1, 2`,
      ),
    )
    .withPanel(
      statusHistory(
        {
          title: 'Drifted',
          description:
            'Per feature and window: red when the feature drifted (its deciding test, after the Benjamini–Hochberg correction across the window).',
        },
        { w: 24, h: 8 },
        `SELECT window_end AS "time", ${withVersion('feature')} AS metric, value_max AS drifted
         FROM vigil_metric_points
         WHERE ${selected} AND ${metricIs('drifted')}
         ORDER BY 1, 2`,
      ),
    )
    .withPanel(
      timeSeries(
        {
          title: 'Drifted features per window',
          description: 'How many of the selected features drifted in each window.',
        },
        { w: 12, h: 8 },
        `SELECT window_end AS "time", ${withVersion("'drifted features'")} AS metric, sum(value_max) AS drifted
         FROM vigil_metric_points
         WHERE ${selected} AND ${metricIs('drifted')}
         GROUP BY 1, 2
         ORDER BY 1, 2`,
        { min: 0, bars: true },
      ),
    )
    .withPanel(
      timeSeries(
        { title: 'Missing rate', description: 'Share of rows in which each selected feature is missing (null).' },
        { w: 12, h: 8 },
        `SELECT window_end AS "time", ${withVersion('feature')} AS metric, value AS missing_rate
         FROM vigil_metric_points
         WHERE ${selected} AND ${metricIs('missingRate')}
         ORDER BY 1, 2`,
        { unit: 'percentunit', min: 0 },
      ),
    )
    .withPanel(
      timeSeries(
        {
          title: 'Multivariate drift: reconstruction error',
          description:
            "The window's mean data reconstruction error (PCA of the standardised features fitted on the reference) and its band, the reference mean ± 3σ/√rows: a change in how the features move together leaves the band even when no single feature drifts.",
        },
        { w: 24, h: 8 },
        `SELECT window_end AS "time", ${withVersion("'reconstruction error'")} AS metric, value
         FROM vigil_metric_points WHERE ${reconstruction}
         UNION ALL
         SELECT window_end, ${withVersion("'band upper'")}, (details->>'upper')::double precision
         FROM vigil_metric_rows WHERE ${reconstruction}
         UNION ALL
         SELECT window_end, ${withVersion("'band lower'")}, (details->>'lower')::double precision
         FROM vigil_metric_rows WHERE ${reconstruction}
         ORDER BY 1, 2`,
        { min: 0 },
      ),
    )
    .withPanel(
      table(
        {
          title: 'Latest window',
          description: 'Every drift metric of each selected feature in the latest analysed window, most drifted first.',
        },
        { w: 24, h: 9 },
        `WITH latest AS (
           SELECT window_end FROM vigil_metric_rows WHERE ${selected} AND ${metricIs('drifted')} ORDER BY window_end DESC LIMIT 1
         )
         SELECT r.feature, r.version, r.window_start, r.window_end,
                max(r.value) FILTER (WHERE ${metricIs('drifted', 'r.')}) AS drifted,
                max(r.value) FILTER (WHERE ${metricIs('psi', 'r.')}) AS psi,
                max(r.value) FILTER (WHERE ${metricIs('js', 'r.')}) AS js,
                max(r.value) FILTER (WHERE ${metricIs('hellinger', 'r.')}) AS hellinger,
                max(r.value) FILTER (WHERE ${metricIs('ks', 'r.')}) AS ks,
                max(r.value) FILTER (WHERE ${metricIs('ksPValue', 'r.')}) AS ks_p_value,
                max(r.value) FILTER (WHERE ${metricIs('wassersteinNormed', 'r.')}) AS wasserstein_normed,
                max(r.value) FILTER (WHERE ${metricIs('chi2', 'r.')}) AS chi2,
                max(r.value) FILTER (WHERE ${metricIs('chi2PValue', 'r.')}) AS chi2_p_value,
                max(r.value) FILTER (WHERE ${metricIs('newCategoryRate', 'r.')}) AS new_category_rate,
                max(r.value) FILTER (WHERE ${metricIs('missingRate', 'r.')}) AS missing_rate,
                max(r.rows) AS rows
         FROM vigil_metric_rows AS r
         JOIN latest AS l ON l.window_end = r.window_end
         WHERE ${modelIs(false, 'r.model')} AND ${versionIn('r.version')} AND ${featureRows('r.')} AND r.feature IN ($feature)
         GROUP BY r.feature, r.version, r.window_start, r.window_end
         ORDER BY drifted DESC NULLS LAST, psi DESC NULLS LAST, r.feature`,
      ),
    )
    .build();
}
