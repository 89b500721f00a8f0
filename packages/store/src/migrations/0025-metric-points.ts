/**
 * Dashboards plot a metric over time from `vigil_metric_rows`, whose windows `retention.metricRows` deletes: over a
 * range longer than the limit their panels were empty where the windows had been, although the hourly and daily
 * roll-ups of those windows were kept (migration 0013). `vigil_metric_points` is one view over the three sources,
 * each period read from exactly one of them (docs/storage.md "Reading across the seams"):
 *
 * - windows from the first hour none of whose windows were deleted (`vigil_rollup_state.windows_deleted_before`
 *   rounded up to the hour);
 * - hourly roll-ups of the hours before it, from the first day none of whose hours were deleted
 *   (`hours_deleted_before` rounded up to the day);
 * - daily roll-ups of the days before that.
 *
 * A partly deleted hour is read from its roll-up (written from all its windows before any was deleted), not from
 * the windows left in it: no period is missing, none is counted twice. The seams come from the roll-up state (one
 * row) rather than from the oldest window of each series: retention deletes by time for every series at once.
 *
 * Columns as `vigil_metric_rows` where they mean the same: a roll-up is plotted at `window_end` = the end of the last
 * window it holds (a window is plotted at its end), `window_start` is its period's start; `value` is a window's
 * value or a roll-up's mean, `value_max` a window's value or a roll-up's maximum (what "drifted" and "worst of"
 * panels plot), `windows` how many windows it summarises; `grain` is 'window', 'hour' or 'day'. No details: roll-ups have none.
 */
export const MIGRATION_0025_METRIC_POINTS = `
CREATE FUNCTION vigil_metric_seams(OUT windows_from timestamptz, OUT hours_from timestamptz) LANGUAGE sql STABLE PARALLEL SAFE AS $fn$
  WITH s AS (
    SELECT coalesce(date_bin('1 hour', max(windows_deleted_before) - interval '1 microsecond', timestamptz 'epoch') + interval '1 hour', '-infinity') AS w,
           coalesce(date_bin('1 day', max(hours_deleted_before) - interval '1 microsecond', timestamptz 'epoch') + interval '1 day', '-infinity') AS h
    FROM vigil_rollup_state
  )
  -- Days are read only where no window is, whole days before the windows' first hour.
  SELECT w, least(h, CASE WHEN w = '-infinity' THEN w ELSE date_bin('1 day', w, timestamptz 'epoch') END) FROM s
$fn$;

CREATE VIEW vigil_metric_points AS
SELECT 'window' AS grain, r.model, r.version, r.metric, r.feature, r.group_key, r.window_start, r.window_end,
       r.value, r.value AS value_max, 1 AS windows, r.rows, r.labelled_rows
FROM vigil_metric_rows r
WHERE r.window_end >= (SELECT windows_from FROM vigil_metric_seams())
UNION ALL
SELECT 'hour', s.model, s.version, s.metric, s.feature, s.group_key, h.bucket_start, h.last_window_end,
       h.value_mean, h.value_max, h.windows, h.rows, h.labelled_rows
FROM vigil_metric_hourly h JOIN vigil_metric_series s USING (series_id)
WHERE h.bucket_start + interval '1 hour' <= (SELECT windows_from FROM vigil_metric_seams())
  AND h.bucket_start >= (SELECT hours_from FROM vigil_metric_seams())
UNION ALL
SELECT 'day', s.model, s.version, s.metric, s.feature, s.group_key, d.bucket_start, d.last_window_end,
       d.value_mean, d.value_max, d.windows, d.rows, d.labelled_rows
FROM vigil_metric_daily d JOIN vigil_metric_series s USING (series_id)
WHERE d.bucket_start + interval '1 day' <= (SELECT hours_from FROM vigil_metric_seams());
`;
