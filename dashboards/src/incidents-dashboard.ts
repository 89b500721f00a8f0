import type { Dashboard } from '@grafana/grafana-foundation-sdk/dashboard';
import { incidentAnnotations } from './incident-annotations';
import { barChart, stat, stateTimeline, table, timeSeries } from './panels';
import { modelIs } from './sql-conventions';
import { modelVariable } from './variables';
import { vigilDashboard } from './vigil-dashboard';

export const INCIDENTS_UID = 'vigil-incidents';

const models = modelIs(true);

/** Incidents that were open at some moment of the time range. */
const overlapping = `${models} AND opened_at <= $__timeTo() AND (resolved_at IS NULL OR resolved_at >= $__timeFrom())`;

function countWith(status: string): string {
  return `SELECT count(*) AS ${status} FROM vigil_incidents WHERE ${models} AND status = '${status}'`;
}

export function incidentsDashboard(): Dashboard {
  return vigilDashboard(
    INCIDENTS_UID,
    'Vigil / Incidents',
    'The alert lifecycle: what is firing, what was acknowledged or resolved, and when.',
  )
    .withVariable(modelVariable(true))
    .annotation(incidentAnnotations(true))
    .withPanel(
      stat(
        { title: 'Firing', description: 'Incidents firing now, not acknowledged.' },
        { w: 6, h: 4 },
        countWith('firing'),
        { red: 1 },
      ),
    )
    .withPanel(
      stat(
        { title: 'Acknowledged', description: 'Incidents someone acknowledged that are not resolved yet.' },
        { w: 6, h: 4 },
        countWith('acknowledged'),
      ),
    )
    .withPanel(
      stat({ title: 'Silenced', description: 'Incidents silenced now.' }, { w: 6, h: 4 }, countWith('silenced')),
    )
    .withPanel(
      stat(
        { title: 'Resolved in range', description: 'Incidents resolved in the time range.' },
        { w: 6, h: 4 },
        `SELECT count(*) AS resolved FROM vigil_incidents WHERE ${models} AND status = 'resolved' AND $__timeFilter(resolved_at)`,
      ),
    )
    .withPanel(
      stateTimeline(
        {
          title: 'Timeline',
          description:
            'The 30 latest incidents of the range, one row each: firing from when it opened, acknowledged from when someone acknowledged it, until it resolved. A silenced incident shows as silenced from its last update (when it was silenced).',
        },
        { w: 24, h: 10 },
        `WITH recent AS (
           SELECT id, opened_at, acknowledged_at, resolved_at, updated_at, status,
                  concat_ws(' / ', model, nullif(version, ''), metric, nullif(feature, ''), nullif(group_key, '')) || ' (' || severity || ') #' || id AS name
           FROM vigil_incidents
           WHERE ${overlapping}
           ORDER BY opened_at DESC
           LIMIT 30
         )
         SELECT t AS "time", i.name AS metric,
                CASE WHEN t < i.opened_at OR t >= i.resolved_at THEN 0
                     WHEN i.status = 'silenced' AND t >= i.updated_at THEN 3
                     WHEN t >= i.acknowledged_at THEN 2
                     ELSE 1 END AS state
         FROM generate_series($__timeFrom()::timestamptz, $__timeTo()::timestamptz, make_interval(secs => $__interval_ms / 1000.0)) AS t
         CROSS JOIN recent AS i
         ORDER BY 1, 2`,
        [
          { value: 0, text: 'not open', color: 'transparent' },
          { value: 1, text: 'firing', color: 'red' },
          { value: 2, text: 'acknowledged', color: 'orange' },
          { value: 3, text: 'silenced', color: 'blue' },
        ],
      ),
    )
    .withPanel(
      timeSeries(
        {
          title: 'Open incidents over time',
          description: 'Incidents open (opened and not yet resolved) at each moment, per severity.',
        },
        { w: 16, h: 8 },
        `SELECT t AS "time", s.severity AS metric, count(i.id) AS open_incidents
         FROM generate_series($__timeFrom()::timestamptz, $__timeTo()::timestamptz, make_interval(secs => $__interval_ms / 1000.0)) AS t
         CROSS JOIN (VALUES ('critical'), ('warning')) AS s(severity)
         LEFT JOIN vigil_incidents AS i
           ON i.severity = s.severity AND ${modelIs(true, 'i.model')} AND i.opened_at <= t AND (i.resolved_at IS NULL OR i.resolved_at > t)
         GROUP BY 1, 2
         ORDER BY 1, 2`,
        { min: 0 },
      ),
    )
    .withPanel(
      barChart(
        {
          title: 'Incidents by metric',
          description: 'Incidents open at some moment of the time range, per metric and severity.',
        },
        { w: 8, h: 8 },
        `SELECT metric,
                count(*) FILTER (WHERE severity = 'critical') AS critical,
                count(*) FILTER (WHERE severity = 'warning') AS warning
         FROM vigil_incidents
         WHERE ${overlapping}
         GROUP BY metric
         ORDER BY count(*) DESC, metric`,
        'metric',
      ),
    )
    .withPanel(
      table(
        {
          title: 'Rule states',
          description:
            'The current state of every alert rule key: firing, ok, or insufficient_data (too few rows, no labels yet, or a group too small to judge), firing first.',
        },
        { w: 24, h: 8 },
        `SELECT model, version, metric, nullif(feature, '') AS feature, nullif(group_key, '') AS "group", severity, state, value,
                window_end, updated_at
         FROM vigil_rule_states
         WHERE ${models}
         ORDER BY CASE state WHEN 'firing' THEN 0 WHEN 'insufficient_data' THEN 1 ELSE 2 END, updated_at DESC, model, metric
         LIMIT 500`,
      ),
    )
    .withPanel(
      table(
        {
          title: 'Incidents',
          description:
            'Every incident open at some moment of the time range, newest first, with how long it lasted (so far).',
        },
        { w: 24, h: 12 },
        `SELECT id, opened_at, model, version, severity, status, metric, nullif(feature, '') AS feature, nullif(group_key, '') AS "group",
                value, threshold, window_start, window_end, acknowledged_at, resolved_at,
                extract(epoch FROM coalesce(resolved_at, now()) - opened_at) AS open_seconds
         FROM vigil_incidents
         WHERE ${overlapping}
         ORDER BY opened_at DESC
         LIMIT 500`,
        {},
      ),
    )
    .build();
}
