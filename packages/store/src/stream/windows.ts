/**
 * Window bookkeeping for the streaming daemon (migration 0002): which windows hold data, which changed since
 * their last analysis, and each model's watermark. The store knows no window geometry; the daemon says which
 * windows a bucket belongs to.
 */
import type { SqlExecutor } from '../sql/sql-client';
import { toIso, toMs, toNumber } from '../values';

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
}

export interface WatermarkInput {
  model: string;
  /** The largest event time of the batch for this model, epoch ms. */
  maxEventTs: number;
}

const windowOrder = (a: WindowKey, b: WindowKey): number =>
  a.model < b.model ? -1 : a.model > b.model ? 1 : a.version < b.version ? -1 : a.version > b.version ? 1 : a.start - b.start || a.end - b.end;

/** Marks windows as changed (creating them when new), in the caller's transaction. Locks rows in key order. */
export async function touchWindowsIn(tx: SqlExecutor, windows: readonly WindowKey[]): Promise<void> {
  if (windows.length === 0) return;
  const unique = [...new Map(windows.map((w) => [`${w.model}\u0000${w.version}\u0000${w.start}\u0000${w.end}`, w])).values()].sort(windowOrder);
  await tx.query(
    `INSERT INTO vigil_windows (model, version, window_start, window_end)
     SELECT u.m, u.v, u.s::timestamptz, u.e::timestamptz FROM UNNEST($1::text[], $2::text[], $3::text[], $4::text[]) AS u(m, v, s, e)
     ON CONFLICT (model, version, window_start, window_end) DO UPDATE SET change_seq = vigil_windows.change_seq + 1, changed_at = now()`,
    [unique.map((w) => w.model), unique.map((w) => w.version), unique.map((w) => toIso(w.start, 'window start')), unique.map((w) => toIso(w.end, 'window end'))],
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
}

/** Largest event time seen per model (epoch ms). */
export async function loadMaxEventTimes(sql: SqlExecutor): Promise<Map<string, number>> {
  const result = await sql.query<{ model: string; max_event_ts: unknown }>('SELECT model, max_event_ts FROM vigil_watermarks');
  return new Map(result.rows.map((r) => [r.model, toMs(r.max_event_ts)]));
}

/**
 * Per model that ever had traffic: how long ago (ms, by the database's clock, so daemons agree) a batch last
 * carried its events, and the version whose windows changed last (the one a "no traffic" incident concerns).
 */
export async function loadTraffic(sql: SqlExecutor): Promise<Map<string, { silentMs: number; version: string | null }>> {
  const result = await sql.query<{ model: string; silent_ms: number | string; version: string | null }>(
    `SELECT w.model, (EXTRACT(EPOCH FROM (now() - w.updated_at)) * 1000)::float8 AS silent_ms,
            (SELECT v.version FROM vigil_windows v WHERE v.model = w.model ORDER BY v.changed_at DESC LIMIT 1) AS version
     FROM vigil_watermarks w`,
  );
  return new Map(result.rows.map((r) => [r.model, { silentMs: Number(r.silent_ms), version: r.version }]));
}

/** Windows of `model` that end at or before `watermark` and changed since their last analysis, oldest first. */
export async function dueWindows(sql: SqlExecutor, model: string, watermark: number, limit: number): Promise<DueWindow[]> {
  const result = await sql.query<{ version: string; window_start: unknown; window_end: unknown; change_seq: unknown; analyses: unknown }>(
    `SELECT version, window_start, window_end, change_seq::text AS change_seq, analyses FROM vigil_windows
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
  }));
}

/**
 * Records an analysis of `window` that covered its changes up to `changeSeq`, in the caller's transaction, and
 * says whether the caller's results should be written: false when another analysis already covered as much
 * (two daemons raced for the window), so a result is never written over a newer one.
 */
export async function markAnalysedIn(tx: SqlExecutor, window: DueWindow, counts: { rows: number; labelledRows: number }): Promise<boolean> {
  const result = await tx.query(
    `UPDATE vigil_windows SET analysed_seq = $5::bigint, analysed_at = now(), analyses = analyses + 1, rows = $6::bigint, labelled_rows = $7::bigint
     WHERE model = $1 AND version = $2 AND window_start = $3::timestamptz AND window_end = $4::timestamptz AND analysed_seq < $5::bigint`,
    [window.model, window.version, toIso(window.start, 'window start'), toIso(window.end, 'window end'), String(window.changeSeq), String(counts.rows), String(counts.labelledRows)],
  );
  return result.rowCount === 1;
}
