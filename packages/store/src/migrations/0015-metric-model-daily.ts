/**
 * A fleet panel over a year reads one value per model and day, but the daily roll-ups hold one row per series and
 * day: "drifted features per model and day" over 100 models is 730,000 rows (20 `drifted` series a model) to sum
 * into 36,500 points, 1.44 s measured (bench/rollup-queries.mjs, docs/benchmarks.md "Metric storage"), over the 1 s
 * a dashboard can spend. `vigil_metric_model_daily` keeps, per model version, metric and day, what such panels
 * plot across a metric's features and groups: how many series had a daily roll-up, the sum and the maximum of their
 * daily maxima (drifted features that day; the worst feature's value) and the maximum of their daily means. The
 * maintenance pass writes it from the daily roll-ups of the days it rolls up, in the same transaction; rows already
 * rolled up are summarised here.
 *
 * Keyed by metric first, then day: a fleet panel reads one metric of every model over a range, in time order, from
 * the index alone.
 */
export const MIGRATION_0015_METRIC_MODEL_DAILY = `
CREATE TABLE vigil_metric_model_daily (
  metric          text             NOT NULL,
  bucket_start    timestamptz      NOT NULL,
  model           text             NOT NULL,
  version         text             NOT NULL,
  series          integer          NOT NULL,
  value_max_sum   double precision,
  value_max_max   double precision,
  value_mean_max  double precision,
  PRIMARY KEY (metric, bucket_start, model, version) INCLUDE (value_max_sum, value_max_max)
);

INSERT INTO vigil_metric_model_daily (metric, bucket_start, model, version, series, value_max_sum, value_max_max, value_mean_max)
SELECT s.metric, d.bucket_start, s.model, s.version, count(*), sum(d.value_max), max(d.value_max), max(d.value_mean)
FROM vigil_metric_daily d JOIN vigil_metric_series s USING (series_id)
GROUP BY s.metric, d.bucket_start, s.model, s.version;
`;
