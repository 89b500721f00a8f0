import { VigilError } from '@vigil/core';
import type { SqlExecutor } from '../sql/sql-client';
import { float8ArrayParam, int8ArrayParam, textArrayParam } from '../batch/array-params';
import { toIso, toMs, toNumber } from '../values';

/** One metric value of one window. Times in epoch milliseconds. */
export interface MetricRow {
  model: string;
  /** '' when events carry no version. */
  version: string;
  windowStart: number;
  windowEnd: number;
  metric: string;
  /** '' for a metric of the whole model (not of one feature). */
  feature: string;
  /** '' for all rows; otherwise the group key, e.g. `sex=female`. */
  group: string;
  /** null when the metric cannot be computed for the window (no labels yet, say). */
  value: number | null;
  rows: number;
  labelledRows: number;
  /** Anything else worth showing (p-value, threshold, bins); stored as jsonb. */
  details?: unknown;
  /** Set by the store on write. */
  computedAt?: number;
}

export interface MetricRowQuery {
  /** Windows starting at or after this time (epoch ms). */
  from: number;
  /** Windows starting before this time (epoch ms). */
  to: number;
  version?: string;
  metric?: string;
}

/**
 * Upserts on the window key, so analysing a window again (late labels) revises its rows in place. Rows with the
 * same key in one call: the last one wins.
 */
export async function upsertMetricRows(sql: SqlExecutor, rows: readonly MetricRow[]): Promise<number> {
  if (rows.length === 0) return 0;
  const byKey = new Map<string, MetricRow>();
  for (const r of rows) byKey.set([r.model, r.version, r.windowStart, r.windowEnd, r.metric, r.feature, r.group].join('\u0000'), r);
  const list = [...byKey.values()];
  // Each column as one binary array (see batch/array-params.ts); window times as epoch-ms int8, turned into
  // timestamptz by exact integer arithmetic in the statement.
  const result = await sql.query(
    `INSERT INTO vigil_metric_rows (model, version, window_start, window_end, metric, feature, group_key, value, rows, labelled_rows, details, computed_at)
     SELECT u.m, u.v, timestamptz 'epoch' + u.ws * interval '1 millisecond', timestamptz 'epoch' + u.we * interval '1 millisecond',
            u.metric, u.f, u.g, u.val, u.r, u.l, u.d::jsonb, now()
     FROM UNNEST($1::text[], $2::text[], $3::int8[], $4::int8[], $5::text[], $6::text[], $7::text[], $8::float8[], $9::int8[], $10::int8[], $11::text[])
       AS u(m, v, ws, we, metric, f, g, val, r, l, d)
     ON CONFLICT (model, version, window_start, window_end, metric, feature, group_key) DO UPDATE SET
       value = EXCLUDED.value, rows = EXCLUDED.rows, labelled_rows = EXCLUDED.labelled_rows,
       details = EXCLUDED.details, computed_at = EXCLUDED.computed_at`,
    [
      textArrayParam(list.map((r) => r.model)),
      textArrayParam(list.map((r) => r.version)),
      int8ArrayParam(list.map((r) => wholeMs(r.windowStart, 'windowStart'))),
      int8ArrayParam(list.map((r) => wholeMs(r.windowEnd, 'windowEnd'))),
      textArrayParam(list.map((r) => r.metric)),
      textArrayParam(list.map((r) => r.feature)),
      textArrayParam(list.map((r) => r.group)),
      // A NaN value is stored as NaN (float8 has it); null as NULL.
      float8ArrayParam(list.map((r) => r.value), true),
      int8ArrayParam(list.map((r) => wholeCount(r.rows, 'rows'))),
      int8ArrayParam(list.map((r) => wholeCount(r.labelledRows, 'labelledRows'))),
      textArrayParam(list.map((r) => (r.details === undefined ? null : JSON.stringify(r.details)))),
    ],
  );
  return result.rowCount;
}

export async function metricRows(sql: SqlExecutor, model: string, query: MetricRowQuery): Promise<MetricRow[]> {
  const result = await sql.query<Record<string, unknown>>(
    `SELECT model, version, window_start, window_end, metric, feature, group_key, value, rows::text AS rows,
            labelled_rows::text AS labelled_rows, details, computed_at
     FROM vigil_metric_rows
     WHERE model = $1 AND window_start >= $2::timestamptz AND window_start < $3::timestamptz
       AND ($4::text IS NULL OR version = $4) AND ($5::text IS NULL OR metric = $5)
     ORDER BY window_start, window_end, version, metric, feature, group_key`,
    [model, toIso(query.from, 'from'), toIso(query.to, 'to'), query.version ?? null, query.metric ?? null],
  );
  return result.rows.map((r) => ({
    model: String(r.model),
    version: String(r.version),
    windowStart: toMs(r.window_start),
    windowEnd: toMs(r.window_end),
    metric: String(r.metric),
    feature: String(r.feature),
    group: String(r.group_key),
    value: r.value === null ? null : toNumber(r.value),
    rows: toNumber(r.rows),
    labelledRows: toNumber(r.labelled_rows),
    ...(r.details === null ? {} : { details: r.details }),
    computedAt: toMs(r.computed_at),
  }));
}

/** A window time as whole epoch milliseconds, refused (like toIso) when it is not a time. */
function wholeMs(ms: number, what: string): number {
  toIso(ms, what);
  return Math.trunc(ms);
}

/** A row count; refused when it is not a safe non-negative integer. */
function wholeCount(n: number, what: string): number {
  if (!Number.isSafeInteger(n) || n < 0) throw new VigilError('VIGIL_INTERNAL', `${what} is not a row count: ${n}`);
  return n;
}
