/**
 * `vigil_metric_windows` becomes a table partitioned by range of `window_end` (declarative partitioning, managed by
 * Vigil; docs/storage.md "Time partitions"): one partition per week (Monday 00:00 UTC to the next), created ahead by
 * the maintenance pass (packages/store/src/metrics/metric-partitions.ts), and dropped by retention once every window
 * in it is past `retention.metricRows`, instead of a DELETE of each of its rows, which left dead tuples for vacuum.
 *
 * Windows whose week has no partition yet (written before the maintenance pass created it: a backfill of old event
 * times, or the windows stored before this migration) go to the default partition, so a write never fails for want
 * of a partition; the next maintenance pass moves them into their week's partition. Every existing window is moved
 * into the default partition here.
 *
 * The primary key stays (model, version, window_start, window_end): a partitioned table's unique keys must hold the
 * partition key, and this one does. The `vigil_metric_rows` view of migration 0012 is recreated unchanged on the
 * new table.
 */
export const MIGRATION_0016_PARTITION_METRIC_WINDOWS = `
DROP VIEW vigil_metric_rows;
ALTER TABLE vigil_metric_windows RENAME TO vigil_metric_windows_0012;
ALTER INDEX vigil_metric_windows_pkey RENAME TO vigil_metric_windows_0012_pkey;

CREATE TABLE vigil_metric_windows (
  model          text        NOT NULL,
  version        text        NOT NULL,
  window_start   timestamptz NOT NULL,
  window_end     timestamptz NOT NULL,
  rows           bigint      NOT NULL,
  labelled_rows  bigint      NOT NULL,
  vals           jsonb       NOT NULL,
  details        jsonb,
  computed_at    timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (model, version, window_start, window_end)
) PARTITION BY RANGE (window_end);
CREATE TABLE vigil_metric_windows_default PARTITION OF vigil_metric_windows DEFAULT;

INSERT INTO vigil_metric_windows (model, version, window_start, window_end, rows, labelled_rows, vals, details, computed_at)
SELECT model, version, window_start, window_end, rows, labelled_rows, vals, details, computed_at FROM vigil_metric_windows_0012;
DROP TABLE vigil_metric_windows_0012;

-- As in 0012; created on every partition.
CREATE INDEX vigil_metric_windows_end ON vigil_metric_windows (model, window_end);
CREATE INDEX vigil_metric_windows_computed ON vigil_metric_windows (computed_at);

CREATE VIEW vigil_metric_rows AS
SELECT w.model, w.version, w.window_start, w.window_end, s.metric, s.feature, s.group_key,
       (d.vals -> s.series_id::text #>> '{}')::double precision AS value, w.rows, w.labelled_rows,
       w.details -> s.series_id::text AS details, w.computed_at
FROM vigil_metric_windows w
CROSS JOIN LATERAL (SELECT w.vals || '{}'::jsonb AS vals OFFSET 0) AS d
JOIN vigil_metric_series s ON s.model = w.model AND s.version = w.version
WHERE d.vals ? s.series_id::text;
`;
