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
 *
 * The fleet's worst-feature panel reads every model's feature series: 2,000 series of 100 models, ~10 s over a year of
 * their per-series roll-ups (bench/rollup-queries.mjs). Before the windows' first day it reads one row per model and
 * day from `vigil_metric_model_daily`, which gains `feature_value_max_max` (the maximum over the input features'
 * series alone, not `$score` nor groups: the panel's own filter) and `last_window_end` (where the day is plotted);
 * `vigil_metric_seams().windows_day` is that day.
 */
export const MIGRATION_0025_METRIC_POINTS = `
CREATE FUNCTION vigil_metric_seams(OUT windows_from timestamptz, OUT hours_from timestamptz, OUT windows_day timestamptz) LANGUAGE sql STABLE PARALLEL SAFE AS $fn$
  WITH s AS (
    SELECT coalesce(date_bin('1 hour', max(windows_deleted_before) - interval '1 microsecond', timestamptz 'epoch') + interval '1 hour', '-infinity') AS w,
           coalesce(date_bin('1 day', max(hours_deleted_before) - interval '1 microsecond', timestamptz 'epoch') + interval '1 day', '-infinity') AS h
    FROM vigil_rollup_state
  )
  -- Days are read only where no window is, whole days before the windows' first hour.
  SELECT w, least(h, d), d FROM (SELECT w, h, CASE WHEN w = '-infinity' THEN w ELSE date_bin('1 day', w, timestamptz 'epoch') END AS d FROM s) AS x
$fn$;

ALTER TABLE vigil_metric_model_daily ADD COLUMN feature_value_max_max double precision, ADD COLUMN last_window_end timestamptz;
UPDATE vigil_metric_model_daily m SET feature_value_max_max = x.v, last_window_end = x.last_window_end
FROM (SELECT s.metric, d.bucket_start, s.model, s.version, max(d.last_window_end) AS last_window_end,
             max(d.value_max) FILTER (WHERE s.feature <> '' AND s.feature NOT LIKE '$%' AND s.group_key = '') AS v
      FROM vigil_metric_daily d JOIN vigil_metric_series s USING (series_id) GROUP BY 1, 2, 3, 4) AS x
WHERE m.metric = x.metric AND m.bucket_start = x.bucket_start AND m.model = x.model AND m.version = x.version;
ALTER TABLE vigil_metric_model_daily DROP CONSTRAINT vigil_metric_model_daily_pkey,
  ADD PRIMARY KEY (metric, bucket_start, model, version) INCLUDE (value_max_sum, value_max_max, feature_value_max_max, last_window_end);

-- Bounds on bucket_start itself (not bucket_start + interval): both ends are index conditions of the roll-ups' keys.
CREATE VIEW vigil_metric_points AS
SELECT 'window' AS grain, r.model, r.version, r.metric, r.feature, r.group_key, r.window_start, r.window_end,
       r.value, r.value AS value_max, 1 AS windows, r.rows, r.labelled_rows
FROM vigil_metric_rows r
WHERE r.window_end >= (SELECT windows_from FROM vigil_metric_seams())
UNION ALL
SELECT 'hour', s.model, s.version, s.metric, s.feature, s.group_key, h.bucket_start, h.last_window_end,
       h.value_mean, h.value_max, h.windows, h.rows, h.labelled_rows
FROM vigil_metric_hourly h JOIN vigil_metric_series s USING (series_id)
WHERE h.bucket_start <= (SELECT windows_from FROM vigil_metric_seams()) - interval '1 hour'
  AND h.bucket_start >= (SELECT hours_from FROM vigil_metric_seams())
UNION ALL
SELECT 'day', s.model, s.version, s.metric, s.feature, s.group_key, d.bucket_start, d.last_window_end,
       d.value_mean, d.value_max, d.windows, d.rows, d.labelled_rows
FROM vigil_metric_daily d JOIN vigil_metric_series s USING (series_id)
WHERE d.bucket_start <= (SELECT hours_from FROM vigil_metric_seams()) - interval '1 day';
`;
