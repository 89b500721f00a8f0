/**
 * Window bookkeeping for the streaming daemon (migration 0002): which windows hold data, which changed since
 * their last analysis, and each model's watermark. The store knows no window geometry; the daemon says which
 * windows a bucket belongs to.
 */
import type { SqlExecutor } from '../sql/sql-client';
import { toIso, toMs, toNumber } from '../values';
import { compositeKey } from '@vigil/core';
import { int8ArrayParam, textArrayParam } from '../batch/array-params';

/** A window of one model version. Times in epoch milliseconds, `end` exclusive. */
export interface WindowKey {
  model: string;
  version: string;
  start: number;
  end: number;
}

/** A window that is closed and changed since it was last analysed. */
export interface DueWindow extends WindowKey {
  /** Pass back to `commitAnalysis`: the change this analysis covers. */
  changeSeq: number;
  /** Analyses done before this one (0: never analysed). */
  analyses: number;
  /** Rows and labelled rows the last analysis saw (0 before the first): what tells a revision's size. */
  analysedRows?: number;
  analysedLabelledRows?: number;
  /** Milliseconds since the window last changed (database clock). */
  quietMs?: number;
}

export interface WatermarkInput {
  model: string;
  /** The largest event time of the batch for this model, epoch ms. */
  maxEventTs: number;
  /**
   * The partition the batch's events came from (`vigil_partition_watermarks`): the model's windows wait for every
   * partition that carries its events. Absent for sources without partitions (files).
   */
  topic?: string;
  partition?: number;
  /**
   * The topic's partition count, when the source knows it: each of its partitions without a row for the model gets
   * one with no event time, which holds the model's windows back until it carries the model or goes idle.
   */
  partitions?: number;
}

/** One partition's progress for a model: its largest event time (null: none yet) and how long since it carried the model. */
export interface PartitionWatermark {
  topic: string;
  partition: number;
  maxEventTs: number | null;
  /** Milliseconds since a batch of this partition last carried the model (or since its row was made), database clock. */
  idleMs: number;
}

const windowOrder = (a: WindowKey, b: WindowKey): number =>
  a.model < b.model
    ? -1
    : a.model > b.model
      ? 1
      : a.version < b.version
        ? -1
        : a.version > b.version
          ? 1
          : a.start - b.start || a.end - b.end;

/** Marks windows as changed (creating them when new), in the caller's transaction. Locks rows in key order. */
export async function touchWindowsIn(tx: SqlExecutor, windows: readonly WindowKey[]): Promise<void> {
  if (windows.length === 0) return;
  const unique = [...new Map(windows.map((w) => [compositeKey(w.model, w.version, w.start, w.end), w])).values()].sort(
    windowOrder,
  );
  await tx.query(
    `INSERT INTO vigil_windows (model, version, window_start, window_end)
     SELECT u.m, u.v, u.s::timestamptz, u.e::timestamptz FROM UNNEST($1::text[], $2::text[], $3::text[], $4::text[]) AS u(m, v, s, e)
     ON CONFLICT (model, version, window_start, window_end) DO UPDATE SET change_seq = vigil_windows.change_seq + 1, changed_at = now()`,
    [
      unique.map((w) => w.model),
      unique.map((w) => w.version),
      unique.map((w) => toIso(w.start, 'window start')),
      unique.map((w) => toIso(w.end, 'window end')),
    ],
  );
}

/** Moves each model's largest event time forward (never back), in the caller's transaction. */
export async function advanceWatermarksIn(tx: SqlExecutor, marks: readonly WatermarkInput[]): Promise<void> {
  if (marks.length === 0) return;
  const byModel = new Map<string, number>();
  for (const m of marks) byModel.set(m.model, Math.max(byModel.get(m.model) ?? -Infinity, m.maxEventTs));
  const models = [...byModel.keys()].sort();
  await tx.query(
    `INSERT INTO vigil_watermarks (model, max_event_ts)
     SELECT u.m, u.t::timestamptz FROM UNNEST($1::text[], $2::text[]) AS u(m, t)
     ON CONFLICT (model) DO UPDATE SET max_event_ts = GREATEST(vigil_watermarks.max_event_ts, EXCLUDED.max_event_ts), updated_at = now()`,
    [models, models.map((m) => toIso(byModel.get(m) as number, 'max event time'))],
  );
  await advancePartitionWatermarksIn(tx, marks);
}

/**
 * Per (model, topic, partition): the largest event time, moved forward, and `updated_at` set to now; the other
 * partitions of the topic (when `partitions` is given) get a row without an event time unless they have one. One
 * statement with its rows in key order, so batches of different partitions of one model cannot deadlock.
 */
async function advancePartitionWatermarksIn(tx: SqlExecutor, marks: readonly WatermarkInput[]): Promise<void> {
  const rows = new Map<string, { model: string; topic: string; partition: number; maxEventTs: number | null }>();
  const keyOf = (model: string, topic: string, partition: number) => compositeKey(model, topic, partition);
  for (const m of marks) {
    if (m.topic === undefined || m.partition === undefined) continue;
    const key = keyOf(m.model, m.topic, m.partition);
    rows.set(key, {
      model: m.model,
      topic: m.topic,
      partition: m.partition,
      maxEventTs: Math.max(rows.get(key)?.maxEventTs ?? -Infinity, m.maxEventTs),
    });
  }
  for (const m of marks) {
    if (m.topic === undefined || m.partitions === undefined) continue;
    for (let p = 0; p < m.partitions; p++) {
      const key = keyOf(m.model, m.topic, p);
      if (!rows.has(key)) rows.set(key, { model: m.model, topic: m.topic, partition: p, maxEventTs: null });
    }
  }
  if (rows.size === 0) return;
  const sorted = [...rows.values()].sort((a, b) =>
    a.model < b.model
      ? -1
      : a.model > b.model
        ? 1
        : a.topic < b.topic
          ? -1
          : a.topic > b.topic
            ? 1
            : a.partition - b.partition,
  );
  // A row without an event time changes nothing in a row that exists (its max and its idle clock stay).
  await tx.query(
    `INSERT INTO vigil_partition_watermarks (model, topic, partition, max_event_ts)
     SELECT u.m, u.t, u.p, u.e::timestamptz FROM UNNEST($1::text[], $2::text[], $3::integer[], $4::text[]) WITH ORDINALITY AS u(m, t, p, e, n) ORDER BY u.n
     ON CONFLICT (model, topic, partition) DO UPDATE SET
       max_event_ts = GREATEST(vigil_partition_watermarks.max_event_ts, EXCLUDED.max_event_ts),
       updated_at = CASE WHEN EXCLUDED.max_event_ts IS NULL THEN vigil_partition_watermarks.updated_at ELSE now() END`,
    [
      sorted.map((r) => r.model),
      sorted.map((r) => r.topic),
      sorted.map((r) => r.partition),
      sorted.map((r) => (r.maxEventTs === null ? null : toIso(r.maxEventTs, 'max event time'))),
    ],
  );
}

/**
 * Per model (of `models`, else all), each partition's largest event time and how long it has been idle for the
 * model (database clock).
 */
export async function loadPartitionWatermarks(
  sql: SqlExecutor,
  models?: readonly string[],
): Promise<Map<string, PartitionWatermark[]>> {
  const result = await sql.query<{
    model: string;
    topic: string;
    partition: number;
    max_event_ts: unknown;
    idle_ms: number | string;
  }>(
    `SELECT model, topic, partition, max_event_ts, (EXTRACT(EPOCH FROM (now() - updated_at)) * 1000)::float8 AS idle_ms
     FROM vigil_partition_watermarks WHERE $1::text[] IS NULL OR model = ANY($1::text[]) ORDER BY model, topic, partition`,
    [models === undefined ? null : [...models]],
  );
  const out = new Map<string, PartitionWatermark[]>();
  for (const r of result.rows) {
    const list = out.get(r.model) ?? [];
    list.push({
      topic: r.topic,
      partition: r.partition,
      maxEventTs: r.max_event_ts === null ? null : toMs(r.max_event_ts),
      idleMs: Math.max(0, Number(r.idle_ms)),
    });
    out.set(r.model, list);
  }
  return out;
}

/** Largest event time seen per model (epoch ms). */
export async function loadMaxEventTimes(sql: SqlExecutor): Promise<Map<string, number>> {
  const result = await sql.query<{ model: string; max_event_ts: unknown }>(
    'SELECT model, max_event_ts FROM vigil_watermarks',
  );
  return new Map(result.rows.map((r) => [r.model, toMs(r.max_event_ts)]));
}

/**
 * Per model that ever had traffic: how long ago (ms, by the database's clock, so daemons agree) a batch last
 * carried its events, and the version whose windows changed last (the one a "no traffic" incident concerns).
 */
export async function loadTraffic(
  sql: SqlExecutor,
): Promise<Map<string, { silentMs: number; version: string | null }>> {
  const result = await sql.query<{ model: string; silent_ms: number | string; version: string | null }>(
    `SELECT w.model, (EXTRACT(EPOCH FROM (now() - w.updated_at)) * 1000)::float8 AS silent_ms,
            (SELECT v.version FROM vigil_windows v WHERE v.model = w.model ORDER BY v.changed_at DESC LIMIT 1) AS version
     FROM vigil_watermarks w`,
  );
  return new Map(result.rows.map((r) => [r.model, { silentMs: Number(r.silent_ms), version: r.version }]));
}

/** Windows of `model` that end at or before `watermark` and changed since their last analysis, oldest first. */
export async function dueWindows(
  sql: SqlExecutor,
  model: string,
  watermark: number,
  limit: number,
): Promise<DueWindow[]> {
  const result = await sql.query<{
    version: string;
    window_start: unknown;
    window_end: unknown;
    change_seq: unknown;
    analyses: unknown;
    rows: unknown;
    labelled_rows: unknown;
    quiet_ms: unknown;
  }>(
    `SELECT version, window_start, window_end, change_seq::text AS change_seq, analyses, rows::text AS rows, labelled_rows::text AS labelled_rows,
            (EXTRACT(EPOCH FROM (now() - changed_at)) * 1000)::float8 AS quiet_ms
     FROM vigil_windows
     WHERE model = $1 AND window_end <= $2::timestamptz AND change_seq > analysed_seq
     ORDER BY window_end, version, window_start LIMIT $3`,
    [model, toIso(watermark, 'watermark'), limit],
  );
  return result.rows.map((r) => ({
    model,
    version: r.version,
    start: toMs(r.window_start),
    end: toMs(r.window_end),
    changeSeq: toNumber(r.change_seq),
    analyses: toNumber(r.analyses),
    analysedRows: toNumber(r.rows),
    analysedLabelledRows: toNumber(r.labelled_rows),
    quietMs: Math.max(0, Number(r.quiet_ms)),
  }));
}

/**
 * Records an analysis of `window` that covered its changes up to `changeSeq`, in the caller's transaction, and
 * says whether the caller's results should be written: false when another analysis already covered as much
 * (two daemons raced for the window), so a result is never written over a newer one.
 */
export async function markAnalysedIn(
  tx: SqlExecutor,
  window: DueWindow,
  counts: { rows: number; labelledRows: number },
): Promise<boolean> {
  const result = await tx.query(
    `UPDATE vigil_windows SET analysed_seq = $5::bigint, analysed_at = now(), analyses = analyses + 1, rows = $6::bigint, labelled_rows = $7::bigint
     WHERE model = $1 AND version = $2 AND window_start = $3::timestamptz AND window_end = $4::timestamptz AND analysed_seq < $5::bigint`,
    [
      window.model,
      window.version,
      toIso(window.start, 'window start'),
      toIso(window.end, 'window end'),
      String(window.changeSeq),
      String(counts.rows),
      String(counts.labelledRows),
    ],
  );
  return result.rowCount === 1;
}

/**
 * `markAnalysedIn` for many windows at once (an analysis pass writes the windows it analysed together): for each
 * entry, in order, whether its results should be written. The windows must be distinct. Their rows are locked first,
 * in the order batches lock them (`touchWindowsIn`), so a pass and a batch waiting for each other cannot deadlock.
 */
export async function markAnalysedManyIn(
  tx: SqlExecutor,
  entries: ReadonlyArray<{ window: DueWindow; counts: { rows: number; labelledRows: number } }>,
): Promise<boolean[]> {
  if (entries.length === 0) return [];
  const sorted = [...entries].sort((a, b) => windowOrder(a.window, b.window));
  const keys = [
    textArrayParam(sorted.map((e) => e.window.model)),
    textArrayParam(sorted.map((e) => e.window.version)),
    textArrayParam(sorted.map((e) => toIso(e.window.start, 'window start'))),
    textArrayParam(sorted.map((e) => toIso(e.window.end, 'window end'))),
  ];
  await tx.query(
    `SELECT 1 FROM UNNEST($1::text[], $2::text[], $3::text[], $4::text[]) WITH ORDINALITY AS u(m, v, ws, we, i)
     JOIN vigil_windows w ON w.model = u.m AND w.version = u.v AND w.window_start = u.ws::timestamptz AND w.window_end = u.we::timestamptz
     ORDER BY u.i FOR UPDATE OF w`,
    keys,
  );
  const result = await tx.query<{ model: string; version: string; window_start: unknown; window_end: unknown }>(
    `UPDATE vigil_windows AS w SET analysed_seq = u.seq, analysed_at = now(), analyses = w.analyses + 1, rows = u.r, labelled_rows = u.l
     FROM UNNEST($1::text[], $2::text[], $3::text[], $4::text[], $5::int8[], $6::int8[], $7::int8[]) AS u(m, v, ws, we, seq, r, l)
     WHERE w.model = u.m AND w.version = u.v AND w.window_start = u.ws::timestamptz AND w.window_end = u.we::timestamptz
       AND w.analysed_seq < u.seq
     RETURNING w.model, w.version, w.window_start, w.window_end`,
    [
      ...keys,
      int8ArrayParam(sorted.map((e) => e.window.changeSeq)),
      int8ArrayParam(sorted.map((e) => e.counts.rows)),
      int8ArrayParam(sorted.map((e) => e.counts.labelledRows)),
    ],
  );
  const marked = new Set(
    result.rows.map((r) => compositeKey(r.model, r.version, toMs(r.window_start), toMs(r.window_end))),
  );
  return entries.map((e) => marked.has(compositeKey(e.window.model, e.window.version, e.window.start, e.window.end)));
}
