/**
 * Hourly and daily roll-ups of every metric series (docs/storage.md): what a dashboard over months needs once the
 * sliding-window rows are gone (`retention.metricRows`). A roll-up row summarises the windows of one series that
 * ended in its hour (or day): how many, the value of the last one, the mean, minimum and maximum of their non-null
 * values, and their row counts summed (sliding windows overlap, so an event counts once per window holding it).
 * Written by the maintenance pass (store.applyRetention); a day is rolled up from its hours.
 *
 * Rows are written hour by hour for every series, so one series' year is spread over the whole table; the primary
 * key carries the columns panels plot (last, mean, max, rows) so that a panel over months reads them from the
 * index, one series at a time, without visiting the table (docs/benchmarks.md, "Metric storage").
 */
export const MIGRATION_0013_METRIC_ROLLUPS = `
CREATE TABLE vigil_metric_hourly (
  series_id        integer          NOT NULL,
  bucket_start     timestamptz      NOT NULL,
  windows          integer          NOT NULL,
  value_count      integer          NOT NULL,
  value_last       double precision,
  value_mean       double precision,
  value_min        double precision,
  value_max        double precision,
  rows             bigint           NOT NULL,
  labelled_rows    bigint           NOT NULL,
  last_window_end  timestamptz      NOT NULL,
  PRIMARY KEY (series_id, bucket_start) INCLUDE (value_last, value_mean, value_max, rows)
);

CREATE TABLE vigil_metric_daily (
  series_id        integer          NOT NULL,
  bucket_start     timestamptz      NOT NULL,
  windows          integer          NOT NULL,
  value_count      integer          NOT NULL,
  value_last       double precision,
  value_mean       double precision,
  value_min        double precision,
  value_max        double precision,
  rows             bigint           NOT NULL,
  labelled_rows    bigint           NOT NULL,
  last_window_end  timestamptz      NOT NULL,
  PRIMARY KEY (series_id, bucket_start) INCLUDE (value_last, value_mean, value_max, rows)
);

-- One row: the computed_at up to which windows have been rolled up, and the times before which windows and hourly
-- roll-ups have been deleted (an hour or day from before them is not recomputed: some of its parts are gone).
CREATE TABLE vigil_rollup_state (
  id                      boolean     PRIMARY KEY DEFAULT true CHECK (id),
  rolled_up_to            timestamptz,
  windows_deleted_before  timestamptz,
  hours_deleted_before    timestamptz
);

-- For Grafana: the roll-ups with their series keys, in the columns of vigil_metric_rows where they have one.
CREATE VIEW vigil_metric_rollups AS
SELECT 'hour' AS grain, s.model, s.version, s.metric, s.feature, s.group_key, h.bucket_start, h.bucket_start + interval '1 hour' AS bucket_end,
       h.windows, h.value_count, h.value_last, h.value_mean, h.value_min, h.value_max, h.rows, h.labelled_rows, h.last_window_end
FROM vigil_metric_hourly h JOIN vigil_metric_series s USING (series_id)
UNION ALL
SELECT 'day' AS grain, s.model, s.version, s.metric, s.feature, s.group_key, d.bucket_start, d.bucket_start + interval '1 day' AS bucket_end,
       d.windows, d.value_count, d.value_last, d.value_mean, d.value_min, d.value_max, d.rows, d.labelled_rows, d.last_window_end
FROM vigil_metric_daily d JOIN vigil_metric_series s USING (series_id);
`;
