import type { Dashboard } from '@grafana/grafana-foundation-sdk/dashboard';
import { incidentAnnotations } from './incident-annotations';
import { stat, table, timeSeries } from './panels';
import { featureRows, metricIs, modelIs, OPEN_INCIDENT } from './sql-conventions';
import { modelVariable } from './variables';
import { vigilDashboard } from './vigil-dashboard';

export const FLEET_UID = 'vigil-fleet';

const models = modelIs(true);

export function fleetDashboard(): Dashboard {
  return vigilDashboard(
    FLEET_UID,
    'Vigil / Fleet overview',
    'Every monitored model: traffic, open incidents, and where drift is worst.',
  )
    .withVariable(modelVariable(true))
    .annotation(incidentAnnotations(true))
    .withPanel(
      stat(
        { title: 'Models', description: 'Models Vigil monitors (among those selected).' },
        { w: 4, h: 4 },
        `SELECT count(*) AS models FROM vigil_models WHERE ${models}`,
      ),
    )
    .withPanel(
      stat(
        { title: 'Events', description: 'Prediction events counted in the time range.' },
        { w: 4, h: 4 },
        `SELECT coalesce(sum(rows), 0) AS events FROM vigil_buckets WHERE ${models} AND $__timeFilter(bucket_start)`,
        { unit: 'short' },
      ),
    )
    .withPanel(
      stat(
        { title: 'Open incidents', description: 'Incidents firing or acknowledged, now.' },
        { w: 4, h: 4 },
        `SELECT count(*) AS open_incidents FROM vigil_incidents WHERE ${models} AND ${OPEN_INCIDENT}`,
        { red: 1 },
      ),
    )
    .withPanel(
      stat(
        { title: 'Critical and firing', description: 'Critical incidents nobody has acknowledged yet.' },
        { w: 4, h: 4 },
        `SELECT count(*) AS critical_firing FROM vigil_incidents WHERE ${models} AND status = 'firing' AND severity = 'critical'`,
        { red: 1 },
      ),
    )
    .withPanel(
      stat(
        {
          title: 'Windows awaiting analysis',
          description: 'Windows that changed (new events or late labels) since they were last analysed; closed or not.',
        },
        { w: 4, h: 4 },
        `SELECT count(*) AS windows_pending FROM vigil_windows WHERE ${models} AND change_seq > analysed_seq`,
      ),
    )
    .withPanel(
      stat(
        {
          title: 'Event-time lag',
          description:
            'How far behind now the newest event of the most lagging model is (large during a back-fill or a replay).',
        },
        { w: 4, h: 4 },
        `SELECT extract(epoch FROM now() - min(max_event_ts)) AS event_time_lag FROM vigil_watermarks WHERE ${models}`,
        { unit: 's' },
      ),
    )
    .withPanel(
      timeSeries(
        {
          title: 'Traffic',
          description: 'Prediction events per interval, per model (from the time buckets, which do not overlap).',
        },
        { w: 12, h: 8 },
        `SELECT $__timeGroupAlias(bucket_start, $__interval), model AS metric, sum(rows) AS events
         FROM vigil_buckets
         WHERE ${models} AND $__timeFilter(bucket_start)
         GROUP BY 1, 2
         ORDER BY 1`,
        { unit: 'short', min: 0 },
      ),
    )
    .withPanel(
      timeSeries(
        {
          title: 'Worst feature drift (PSI)',
          description:
            "Per model and window, the largest PSI of any input feature (each window's own summary, vigil_metric_windows.psi_max). Above 0.2 is usually called a significant shift. Before the day where retention.metricRows left windows: per model and day (vigil_metric_model_daily).",
        },
        { w: 12, h: 8 },
        // Windows from their summary columns (migration 0027), hours of the windows' first day from the roll-ups,
        // days before it from the models' daily summary: never every feature series of every model.
        `SELECT window_end AS "time", model AS metric, max(psi_max) AS psi
         FROM vigil_metric_windows
         WHERE ${models} AND psi_features > 0 AND $__timeFilter(window_end)
           AND window_end >= (SELECT windows_from FROM vigil_metric_seams())
         GROUP BY 1, 2
         UNION ALL
         SELECT window_end, model, max(value_max)
         FROM vigil_metric_points
         WHERE ${models} AND ${metricIs('psi')} AND ${featureRows()} AND $__timeFilter(window_end)
           AND grain = 'hour' AND window_start >= (SELECT windows_day FROM vigil_metric_seams())
         GROUP BY 1, 2
         UNION ALL
         SELECT last_window_end, model, max(feature_value_max_max)
         FROM vigil_metric_model_daily
         WHERE ${models} AND ${metricIs('psi')} AND bucket_start < (SELECT windows_day FROM vigil_metric_seams())
           AND bucket_start BETWEEN $__timeFrom()::timestamptz - interval '1 day' AND $__timeTo()::timestamptz AND $__timeFilter(last_window_end)
         GROUP BY 1, 2
         ORDER BY 1`,
        { min: 0, threshold: 0.2 },
      ),
    )
    .withPanel(
      table(
        {
          title: 'Models',
          description:
            'Per model: its versions, the latest analysed window, events in the time range, the most drifted feature of the latest window, open incidents, the newest event time, and windows awaiting analysis.',
        },
        { w: 24, h: 8 },
        // The latest window holding the model's rows count, and its drift, from the windows' summary columns
        // (migration 0027): one backward index probe per model, not every window of the range.
        `WITH latest AS (
           SELECT m.model, x.version, x.window_start, x.window_end, x.worst_psi, x.worst_feature, x.drifted_features
           FROM vigil_models AS m
           CROSS JOIN LATERAL (
             SELECT w.version, w.window_start, w.window_end, w.psi_max AS worst_psi, w.psi_worst_feature AS worst_feature, w.drifted_features
             FROM vigil_metric_windows AS w
             WHERE w.model = m.model AND w.model_rows AND $__timeFilter(w.window_end)
             ORDER BY w.window_end DESC, w.version DESC
             LIMIT 1
           ) AS x
           WHERE ${modelIs(true, 'm.model')}
         ), drift AS (
           SELECT model, worst_psi, worst_feature, drifted_features FROM latest
         ), traffic AS (
           SELECT model, sum(rows) AS events FROM vigil_buckets WHERE ${models} AND $__timeFilter(bucket_start) GROUP BY model
         ), pending AS (
           SELECT model, count(*) FILTER (WHERE change_seq > analysed_seq) AS windows_pending FROM vigil_windows WHERE ${models} GROUP BY model
         ), incidents AS (
           SELECT model, count(*) AS open_incidents FROM vigil_incidents WHERE ${models} AND ${OPEN_INCIDENT} GROUP BY model
         )
         SELECT m.model,
                (SELECT string_agg(v.version, ', ' ORDER BY v.first_seen_at) FROM vigil_model_versions AS v WHERE v.model = m.model) AS versions,
                l.window_end AS latest_window_end,
                coalesce(t.events, 0) AS events,
                d.worst_feature,
                d.worst_psi,
                d.drifted_features,
                coalesce(i.open_incidents, 0) AS open_incidents,
                w.max_event_ts AS newest_event,
                coalesce(p.windows_pending, 0) AS windows_pending
         FROM vigil_models AS m
         LEFT JOIN latest AS l ON l.model = m.model
         LEFT JOIN drift AS d ON d.model = m.model
         LEFT JOIN traffic AS t ON t.model = m.model
         LEFT JOIN incidents AS i ON i.model = m.model
         LEFT JOIN pending AS p ON p.model = m.model
         LEFT JOIN vigil_watermarks AS w ON w.model = m.model
         WHERE ${modelIs(true, 'm.model')}
         ORDER BY open_incidents DESC, d.worst_psi DESC NULLS LAST, m.model`,
      ),
    )
    .withPanel(
      table(
        { title: 'Open incidents', description: 'The 50 most recently updated open incidents.' },
        { w: 24, h: 8 },
        `SELECT opened_at, model, version, severity, status, metric, nullif(feature, '') AS feature, nullif(group_key, '') AS "group",
                value, threshold, updated_at
         FROM vigil_incidents
         WHERE ${models} AND ${OPEN_INCIDENT}
         ORDER BY updated_at DESC
         LIMIT 50`,
      ),
    )
    .build();
}
