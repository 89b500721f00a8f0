/**
 * Hourly and daily roll-ups of the metric series (migration 0013, docs/storage.md), written by the maintenance pass
 * before old sliding-window rows are deleted (`retention.metricRows`), so dashboards over months keep a value per
 * hour and per day. Idempotent: an hour is recomputed from its windows, a day from its hours.
 */
import type { SqlExecutor } from '../sql/sql-client';
import { toIso, toMs } from '../values';
import { dropMetricPartitionsIn, type DroppedPartition } from './metric-partitions';

export interface MetricExpiry {
  /** Windows that ended before this time (epoch ms) are deleted, once rolled up. */
  windowsBefore?: number;
  /** Hourly roll-ups of hours that ended before this time (epoch ms) are deleted, once rolled up into their day. */
  hoursBefore?: number;
}

export interface RollUpResult {
  /**
   * Hourly roll-up rows written (one per series and hour with a window analysed since the last pass; before the
   * seams, only those that had none: back-filled hours, decision 0026).
   */
  hours: number;
  /** Daily roll-up rows written. */
  days: number;
  /** Null when no limit applies. */
  windowsDeleted: number | null;
  hoursDeleted: number | null;
  /** The weekly partitions of windows dropped whole (their windows are counted in `windowsDeleted`); absent when none. */
  partitionsDropped?: DroppedPartition[];
}

/**
 * Windows analysed since the last pass (by `computed_at`, less an hour for analyses whose transaction started
 * before the last pass and committed after it) mark their hour and day for recomputation.
 */
const LATE_COMMIT_MARGIN = "interval '1 hour'";

/**
 * The (model, version, hour) of windows analysed since $1 (all when null), leaving out hours some of whose windows
 * were deleted (they end before $2) and hours whose roll-ups were deleted (before $3): a window re-analysed after its
 * hour expired changes neither the hour nor its day.
 */
const CHANGED = `changed AS (
  SELECT DISTINCT model, version, date_bin('1 hour', window_end, timestamptz 'epoch') AS hour
  FROM vigil_metric_windows
  WHERE ($1::timestamptz IS NULL OR computed_at >= $1::timestamptz)
    AND ($2::timestamptz IS NULL OR date_bin('1 hour', window_end, timestamptz 'epoch') >= $2::timestamptz)
    AND ($3::timestamptz IS NULL OR date_bin('1 hour', window_end, timestamptz 'epoch') >= $3::timestamptz)
)`;

/**
 * The (model, version, hour) of windows analysed since $1 (all when null) in hours that CHANGED leaves out: hours
 * before where windows ($2) or hourly roll-ups ($3) were deleted. Back-filled (replayed) windows land there, and
 * would otherwise be deleted without ever being rolled up. Such an hour gets a roll-up from its windows only where it
 * has none (and, before $3, only where its day has none either): a roll-up that exists was written from all of its
 * hour's windows before any was deleted, and a window analysed again after that (a late label) leaves it as it was.
 */
const BACKFILLED = `backfilled AS (
  SELECT DISTINCT model, version, date_bin('1 hour', window_end, timestamptz 'epoch') AS hour
  FROM vigil_metric_windows
  WHERE ($1::timestamptz IS NULL OR computed_at >= $1::timestamptz)
    AND (date_bin('1 hour', window_end, timestamptz 'epoch') < $2::timestamptz
         OR date_bin('1 hour', window_end, timestamptz 'epoch') < $3::timestamptz)
)`;

/** An hourly roll-up from the windows of the (model, version, hour) rows of `src`. */
const HOURLY_FROM = (src: string) => `SELECT x.series_id, c.hour, count(*), count(x.value),
            (array_agg(x.value ORDER BY w.window_end DESC, w.window_start DESC))[1],
            avg(x.value), min(x.value), max(x.value), sum(w.rows), sum(w.labelled_rows), max(w.window_end)
     FROM ${src} c
     JOIN vigil_metric_windows w ON w.model = c.model AND w.version = c.version AND w.window_end >= c.hour AND w.window_end < c.hour + interval '1 hour'
     JOIN vigil_metric_layouts l ON l.layout_id = w.layout
     CROSS JOIN LATERAL unnest(l.series, w.vals) AS x(series_id, value)`;

/** A daily roll-up from the hourly roll-ups of the (model, version, day) rows of `d`. */
const DAILY_FROM = `SELECT h.series_id, d.day, sum(h.windows), sum(h.value_count),
            (array_agg(h.value_last ORDER BY h.bucket_start DESC))[1],
            sum(h.value_mean * h.value_count) / NULLIF(sum(h.value_count), 0), min(h.value_min), max(h.value_max),
            sum(h.rows), sum(h.labelled_rows), max(h.last_window_end)
     FROM d
     JOIN vigil_metric_series s ON s.model = d.model AND s.version = d.version
     JOIN vigil_metric_hourly h ON h.series_id = s.series_id AND h.bucket_start >= d.day AND h.bucket_start < d.day + interval '1 day'`;

const ROLLUP_COLUMNS =
  'series_id, bucket_start, windows, value_count, value_last, value_mean, value_min, value_max, rows, labelled_rows, last_window_end';

const SET_ALL = `windows = EXCLUDED.windows, value_count = EXCLUDED.value_count, value_last = EXCLUDED.value_last,
  value_mean = EXCLUDED.value_mean, value_min = EXCLUDED.value_min, value_max = EXCLUDED.value_max, rows = EXCLUDED.rows,
  labelled_rows = EXCLUDED.labelled_rows, last_window_end = EXCLUDED.last_window_end`;

/** Rolls up what was analysed since the last pass, then deletes what the limits expire. Run in one transaction. */
export async function rollUpMetricsIn(sql: SqlExecutor, expiry: MetricExpiry = {}): Promise<RollUpResult> {
  await sql.query('INSERT INTO vigil_rollup_state (id) VALUES (true) ON CONFLICT (id) DO NOTHING');
  const state = await sql.query<Record<string, unknown>>(
    `SELECT rolled_up_to - ${LATE_COMMIT_MARGIN} AS since, windows_deleted_before, hours_deleted_before FROM vigil_rollup_state FOR UPDATE`,
  );
  const s = state.rows[0] ?? {};
  const iso = (v: unknown) => (v === null || v === undefined ? null : toIso(toMs(v), 'roll-up state'));
  const since = iso(s.since);
  const windowsGone = iso(s.windows_deleted_before);
  const hoursGone = iso(s.hours_deleted_before);
  const params = [since, windowsGone, hoursGone];
  const hours = await sql.query(
    `WITH ${CHANGED}
     INSERT INTO vigil_metric_hourly (${ROLLUP_COLUMNS})
     ${HOURLY_FROM('changed')}
     GROUP BY x.series_id, c.hour
     ON CONFLICT (series_id, bucket_start) DO UPDATE SET ${SET_ALL}`,
    params,
  );
  const backfilledHours = await sql.query(
    `WITH ${BACKFILLED}
     INSERT INTO vigil_metric_hourly (${ROLLUP_COLUMNS})
     ${HOURLY_FROM('backfilled')}
     WHERE $3::timestamptz IS NULL OR c.hour >= $3::timestamptz OR NOT EXISTS (
       SELECT 1 FROM vigil_metric_daily dd WHERE dd.series_id = x.series_id AND dd.bucket_start = date_bin('1 day', c.hour, timestamptz 'epoch'))
     GROUP BY x.series_id, c.hour
     ON CONFLICT (series_id, bucket_start) DO NOTHING`,
    params,
  );
  // Days all of whose hours are kept are recomputed from them; a day before that gets one from the hours it has only
  // where it has none (back-filled), for the same reason as an hour.
  const touchedDays = `${CHANGED}, ${BACKFILLED}, touched AS (
       SELECT DISTINCT model, version, date_bin('1 day', hour, timestamptz 'epoch') AS day
       FROM (SELECT * FROM changed UNION ALL SELECT * FROM backfilled) AS t
     )`;
  const days = await sql.query(
    `WITH ${touchedDays}, d AS (SELECT * FROM touched WHERE $3::timestamptz IS NULL OR day >= $3::timestamptz)
     INSERT INTO vigil_metric_daily (${ROLLUP_COLUMNS})
     ${DAILY_FROM}
     GROUP BY h.series_id, d.day
     ON CONFLICT (series_id, bucket_start) DO UPDATE SET ${SET_ALL}`,
    params,
  );
  const backfilledDays = await sql.query(
    `WITH ${touchedDays}, d AS (SELECT * FROM touched WHERE day < $3::timestamptz)
     INSERT INTO vigil_metric_daily (${ROLLUP_COLUMNS})
     ${DAILY_FROM}
     GROUP BY h.series_id, d.day
     ON CONFLICT (series_id, bucket_start) DO NOTHING`,
    params,
  );
  // The days just rolled up, summarised per model version and metric across features and groups (migration 0015),
  // and across the input features alone (migration 0025: the fleet's worst-feature panel): from every daily row of
  // the day, so a series not analysed since the last pass still counts.
  await sql.query(
    `WITH ${touchedDays}, d AS (SELECT * FROM touched)
     INSERT INTO vigil_metric_model_daily (metric, bucket_start, model, version, series, value_max_sum, value_max_max, value_mean_max,
                                           feature_value_max_max, last_window_end)
     SELECT s.metric, d.day, s.model, s.version, count(*), sum(x.value_max), max(x.value_max), max(x.value_mean),
            max(x.value_max) FILTER (WHERE s.feature <> '' AND s.feature NOT LIKE '$%' AND s.group_key = ''), max(x.last_window_end)
     FROM d
     JOIN vigil_metric_series s ON s.model = d.model AND s.version = d.version
     JOIN vigil_metric_daily x ON x.series_id = s.series_id AND x.bucket_start = d.day
     GROUP BY s.metric, d.day, s.model, s.version
     ON CONFLICT (metric, bucket_start, model, version) DO UPDATE SET series = EXCLUDED.series, value_max_sum = EXCLUDED.value_max_sum,
       value_max_max = EXCLUDED.value_max_max, value_mean_max = EXCLUDED.value_mean_max,
       feature_value_max_max = EXCLUDED.feature_value_max_max, last_window_end = EXCLUDED.last_window_end`,
    params,
  );
  let windowsDeleted: number | null = null;
  let hoursDeleted: number | null = null;
  let partitionsDropped: DroppedPartition[] = [];
  if (expiry.windowsBefore !== undefined) {
    const before = toIso(expiry.windowsBefore, 'windowsBefore');
    // Whole weeks past the limit are dropped (migration 0016); the windows left before it, in the week that holds the
    // limit or in the default partition, are deleted.
    partitionsDropped = await dropMetricPartitionsIn(sql, expiry.windowsBefore);
    windowsDeleted = (await sql.query('DELETE FROM vigil_metric_windows WHERE window_end < $1::timestamptz', [before]))
      .rowCount;
    for (const p of partitionsDropped) windowsDeleted += p.windows;
    await sql.query(
      'UPDATE vigil_rollup_state SET windows_deleted_before = GREATEST(windows_deleted_before, $1::timestamptz)',
      [before],
    );
  }
  if (expiry.hoursBefore !== undefined) {
    const before = toIso(expiry.hoursBefore, 'hoursBefore');
    hoursDeleted = (
      await sql.query("DELETE FROM vigil_metric_hourly WHERE bucket_start + interval '1 hour' <= $1::timestamptz", [
        before,
      ])
    ).rowCount;
    // Days from this one on still have every hour.
    await sql.query(
      `UPDATE vigil_rollup_state SET hours_deleted_before = GREATEST(hours_deleted_before, date_bin('1 hour', $1::timestamptz, timestamptz 'epoch'))`,
      [before],
    );
  }
  await sql.query('UPDATE vigil_rollup_state SET rolled_up_to = now()');
  return {
    hours: hours.rowCount + backfilledHours.rowCount,
    days: days.rowCount + backfilledDays.rowCount,
    windowsDeleted,
    hoursDeleted,
    ...(partitionsDropped.length > 0 ? { partitionsDropped } : {}),
  };
}
