import type { Dashboard } from '@grafana/grafana-foundation-sdk/dashboard';
import type { MetricName } from '@vigil/core';
import { incidentAnnotations } from './incident-annotations';
import { barChart, table, timeSeries } from './panels';
import { metricIn, metricIs, modelIs, versionIn, withVersion } from './sql-conventions';
import { groupVariable, metricChoice, modelVariable, versionVariable } from './variables';
import { joinSql } from './sql-query';
import { vigilDashboard } from './vigil-dashboard';

export const FAIRNESS_UID = 'vigil-fairness';

/** Per-group rates (docs/metrics.md, "Fairness"); each row's details hold `{n, labelled, ci: [lower, upper], sufficient}`. */
export const GROUP_RATES = [
  ['Selection rate', 'selectionRate'],
  ['True-positive rate', 'tpr'],
  ['False-positive rate', 'fpr'],
  ['False-negative rate', 'fnr'],
  ['Positive predictive value', 'ppv'],
  ['Calibration error (ECE)', 'ece'],
] as const satisfies ReadonlyArray<readonly [string, MetricName]>;

/** Differences across the sufficient groups of one attribute; `group_key` is the attribute. */
export const DIFFERENCES = [
  'statisticalParityDifference',
  'equalOpportunityDifference',
  'equalizedOddsDifference',
  'predictiveParityDifference',
] as const satisfies readonly MetricName[];

const inRange = `${modelIs(false)} AND ${versionIn()} AND $__timeFilter(window_end)`;

/** Rows of one group (`sex=female`, `sex*race=female*white`) of a selected attribute. */
function groupOfSelected(prefix = ''): string {
  return `${prefix}group_key LIKE '%=%' AND split_part(${prefix}group_key, '=', 1) IN ($group)`;
}

const quoted = (names: readonly string[]) => names.map((n) => `'${n}'`).join(', ');

/** Groups of the selected attributes in the latest window that has them. */
const LATEST_GROUPS = `
  WITH latest AS (
    SELECT window_end FROM vigil_metric_rows WHERE ${inRange} AND ${metricIs('selectionRate')} AND ${groupOfSelected()} ORDER BY window_end DESC LIMIT 1
  ), rates AS (
    SELECT r.version, r.group_key, r.metric, r.value,
           (r.details ->> 'n')::bigint AS n, (r.details ->> 'labelled')::bigint AS labelled,
           (r.details -> 'ci' ->> 0)::float8 AS ci_lower, (r.details -> 'ci' ->> 1)::float8 AS ci_upper,
           (r.details ->> 'sufficient')::boolean AS sufficient
    FROM vigil_metric_rows AS r
    JOIN latest AS l ON l.window_end = r.window_end
    WHERE ${modelIs(false, 'r.model')} AND ${versionIn('r.version')} AND ${groupOfSelected('r.')}
  )`;

export function fairnessDashboard(): Dashboard {
  return vigilDashboard(
    FAIRNESS_UID,
    'Vigil / Fairness',
    'How one model treats groups of people: per-group rates with 95% Wilson intervals, and the differences between groups.',
  )
    .withVariable(modelVariable(false))
    .withVariable(versionVariable())
    .withVariable(groupVariable())
    .withVariable(metricChoice('rate', 'Group rate', GROUP_RATES))
    .annotation(incidentAnnotations(false))
    .withPanel(
      timeSeries(
        {
          title: 'Differences between groups',
          description:
            'Statistical parity, equal opportunity, equalized odds and predictive parity differences (max − min across sufficient groups), per attribute.',
        },
        { w: 12, h: 9 },
        `SELECT window_end AS "time", ${withVersion("group_key || ': ' || metric")} AS metric, value
         FROM vigil_metric_points
         WHERE ${inRange} AND group_key IN ($group) AND ${metricIn(DIFFERENCES)}
         ORDER BY 1, 2`,
        { min: 0, threshold: 0.1 },
      ),
    )
    .withPanel(
      timeSeries(
        {
          title: 'Disparate impact ratio',
          description:
            'Lowest over highest selection rate across sufficient groups; below 0.8 fails the four-fifths rule.',
        },
        { w: 12, h: 9 },
        `SELECT window_end AS "time", ${withVersion('group_key')} AS metric, value AS disparate_impact_ratio
         FROM vigil_metric_points
         WHERE ${inRange} AND group_key IN ($group) AND ${metricIs('disparateImpactRatio')}
         ORDER BY 1, 2`,
        { min: 0, max: 1, threshold: 0.8 },
      ),
    )
    .withPanel(
      timeSeries(
        {
          title: '$rate per group',
          description:
            'The chosen rate of every group of the selected attributes, per window (groups too small to be judged included; see the table for which).',
        },
        { w: 12, h: 9 },
        `SELECT window_end AS "time", ${withVersion('group_key')} AS metric, value
         FROM vigil_metric_points
         WHERE ${inRange} AND metric = '$rate' AND ${groupOfSelected()}
         ORDER BY 1, 2`,
        { unit: 'percentunit', min: 0, max: 1 },
      ),
    )
    .withPanel(
      barChart(
        {
          title: '$rate per group, latest window',
          description:
            'The chosen rate of each group in the latest window between the bounds of its 95% Wilson interval.',
        },
        { w: 12, h: 9 },
        joinSql(
          LATEST_GROUPS,
          `SELECT ${withVersion('group_key')} AS "group", ci_lower, value AS rate, ci_upper
         FROM rates
         WHERE metric = '$rate'
         ORDER BY group_key, version`,
        ),
        'group',
        { unit: 'percentunit', min: 0, max: 1 },
      ),
    )
    .withPanel(
      table(
        {
          title: 'Groups in the latest window',
          description:
            'Every rate of every group of the selected attributes in the latest window, with its 95% Wilson interval, the rows behind it, and whether the group is large enough to be used in the differences and alerts.',
        },
        { w: 24, h: 10 },
        joinSql(
          LATEST_GROUPS,
          `SELECT group_key AS "group", version, metric AS rate, value, ci_lower, ci_upper, n, labelled, sufficient
         FROM rates
         WHERE ${metricIn(GROUP_RATES.map(([, m]) => m))}
         ORDER BY group_key, version, array_position(ARRAY[${quoted(GROUP_RATES.map(([, m]) => m))}]::text[], metric)`,
        ),
      ),
    )
    .withPanel(
      table(
        {
          title: 'Differences in the latest window',
          description: 'Per attribute, every difference measure of the latest window.',
        },
        { w: 24, h: 6 },
        `WITH latest AS (
           SELECT window_end FROM vigil_metric_rows WHERE ${inRange} AND ${metricIs('statisticalParityDifference')} AND group_key IN ($group) ORDER BY window_end DESC LIMIT 1
         )
         SELECT r.group_key AS attribute, r.version,
                max(r.value) FILTER (WHERE ${metricIs('statisticalParityDifference', 'r.')}) AS statistical_parity_difference,
                max(r.value) FILTER (WHERE ${metricIs('disparateImpactRatio', 'r.')}) AS disparate_impact_ratio,
                max(r.value) FILTER (WHERE ${metricIs('equalOpportunityDifference', 'r.')}) AS equal_opportunity_difference,
                max(r.value) FILTER (WHERE ${metricIs('equalizedOddsDifference', 'r.')}) AS equalized_odds_difference,
                max(r.value) FILTER (WHERE ${metricIs('predictiveParityDifference', 'r.')}) AS predictive_parity_difference
         FROM vigil_metric_rows AS r
         JOIN latest AS l ON l.window_end = r.window_end
         WHERE ${modelIs(false, 'r.model')} AND ${versionIn('r.version')} AND r.group_key IN ($group)
         GROUP BY r.group_key, r.version
         ORDER BY r.group_key, r.version`,
      ),
    )
    .build();
}
