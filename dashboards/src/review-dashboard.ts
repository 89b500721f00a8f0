import type { Dashboard } from '@grafana/grafana-foundation-sdk/dashboard';
import { incidentAnnotations } from './incident-annotations';
import { stat, table, timeSeries } from './panels';
import { metricIn, metricIs, modelIs, modelRows, versionIn, withVersion } from './sql-conventions';
import { modelVariable, versionVariable } from './variables';
import { vigilDashboard } from './vigil-dashboard';

export const REVIEW_UID = 'vigil-review';

const rowsOfModel = `${modelIs(false)} AND ${versionIn()} AND $__timeFilter(window_end)`;

/**
 * Human review of flagged predictions (docs/review.md): the queue as it is now (from `vigil_review_queue`; an item
 * past its TTL is marked `expired` when the queue is next used, so it is left out here by its `expires_at`), and
 * per window the review rows the daemon writes (docs/metrics.md, "Human review").
 */
export function reviewDashboard(): Dashboard {
  return vigilDashboard(
    REVIEW_UID,
    'Vigil / Human review',
    'Predictions flagged for human review: the queue now, what each window flagged, queued and had decided, how often reviewers override the model, and the error rate the audit sample estimates.',
  )
    .withVariable(modelVariable(false))
    .withVariable(versionVariable())
    .annotation(incidentAnnotations(false))
    .withPanel(
      stat(
        {
          title: 'Queue now',
          description:
            'Items pending and claimed now, decided in the last 24 hours, and the age of the oldest pending item.',
        },
        { w: 24, h: 5 },
        `SELECT count(*) FILTER (WHERE status = 'pending' AND expires_at > now()) AS pending,
                count(*) FILTER (WHERE status = 'claimed') AS claimed,
                count(*) FILTER (WHERE status = 'decided' AND decided_at > now() - interval '24 hours') AS "decided (24 h)",
                coalesce(extract(epoch FROM now() - min(flagged_at) FILTER (WHERE status = 'claimed' OR (status = 'pending' AND expires_at > now()))), 0)::float8 AS "oldest pending (s)"
         FROM vigil_review_queue
         WHERE ${modelIs(false)} AND ${versionIn()}`,
      ),
    )
    .withPanel(
      timeSeries(
        {
          title: 'Flagged, queued and decided per window',
          description:
            'Predictions of each window flagged by any policy, queued within the hourly capacity, not queued (beyond it), and decided.',
        },
        { w: 12, h: 8 },
        `SELECT window_end AS "time", ${withVersion('metric')} AS metric, value
         FROM vigil_metric_points
         WHERE ${rowsOfModel} AND ${modelRows()} AND ${metricIn(['flaggedRows', 'queuedRows', 'notQueuedRows', 'decidedRows'])}
         ORDER BY 1, 2`,
        { min: 0 },
      ),
    )
    .withPanel(
      timeSeries(
        {
          title: 'Override rate and audit error rate',
          description:
            'Overrides / decisions per window; the audit error rate is the same over the uniform audit sample alone, the unbiased estimate of the error rate.',
        },
        { w: 12, h: 8 },
        `SELECT window_end AS "time", ${withVersion('metric')} AS metric, value
         FROM vigil_metric_points
         WHERE ${rowsOfModel} AND ${modelRows()} AND ${metricIn(['overrideRate', 'auditErrorRate'])} AND value IS NOT NULL
         ORDER BY 1, 2`,
        { min: 0, max: 1, unit: 'percentunit', threshold: 0.1 },
      ),
    )
    .withPanel(
      timeSeries(
        {
          title: 'Backlog per window',
          description: 'Items of each window still pending or claimed at its latest analysis.',
        },
        { w: 12, h: 7 },
        `SELECT window_end AS "time", ${withVersion('metric')} AS metric, value
         FROM vigil_metric_points
         WHERE ${rowsOfModel} AND ${modelRows()} AND ${metricIs('reviewBacklog')}
         ORDER BY 1, 2`,
        { min: 0 },
      ),
    )
    .withPanel(
      table(
        {
          title: 'Override rate per group (latest window)',
          description: 'Per group value: decisions, overrides, the override rate and its 95% Wilson interval.',
        },
        { w: 12, h: 7 },
        `SELECT group_key AS "group", version, (details ->> 'decided')::int AS decided, (details ->> 'overrides')::int AS overrides,
                value AS override_rate, (details ->> 'lower')::float8 AS ci_lower, (details ->> 'upper')::float8 AS ci_upper
         FROM vigil_metric_rows
         WHERE ${rowsOfModel} AND ${metricIs('overrideRate')} AND group_key LIKE '%=%'
           AND window_end = (SELECT max(window_end) FROM vigil_metric_rows WHERE ${rowsOfModel} AND ${metricIs('overrideRate')})
         ORDER BY 1, 2`,
      ),
    )
    .withPanel(
      table(
        {
          title: 'Oldest waiting items',
          description:
            'The pending and claimed items that have waited longest, with the policies that flagged them (no feature values: open the /review page).',
        },
        { w: 24, h: 8 },
        `SELECT id, prediction_id, version, status, array_to_string(policies, ' ') AS policies, priority,
                flagged_at, extract(epoch FROM now() - flagged_at)::float8 AS waiting_seconds, claimed_by
         FROM vigil_review_queue
         WHERE ${modelIs(false)} AND ${versionIn()} AND (status = 'claimed' OR (status = 'pending' AND expires_at > now()))
         ORDER BY flagged_at, id
         LIMIT 20`,
      ),
    )
    .build();
}
