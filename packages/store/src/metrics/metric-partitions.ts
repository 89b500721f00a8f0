/**
 * The weekly time partitions of `vigil_metric_windows` (migration 0016, docs/storage.md "Time partitions"). The
 * maintenance pass creates this week's partition and the next ones ahead of the windows that will fill them, and
 * moves windows that landed in the default partition (a backfill of old event times, or windows stored before the
 * migration) into their week's partition; retention drops a partition once every window in it has expired.
 *
 * Names and bounds are made here from epoch milliseconds (`vigil_metric_windows_p20261130`: the week from Monday
 * 2026-11-30 00:00 UTC), never from input: DDL takes no parameters.
 */
import type { SqlExecutor } from '../sql/sql-client';
import { toIso, toMs } from '../values';

export const PARTITION_MS = 7 * 86_400_000;
/** Weeks start on Mondays, 00:00 UTC: 1970-01-05 was one. */
const ORIGIN_MS = Date.UTC(1970, 0, 5);
const PREFIX = 'vigil_metric_windows_p';
/** First key of the transaction-scoped advisory lock that serialises partition changes between daemons. */
const PARTITION_LOCK = 0x76_67_70_74;

/** The start of the week holding `ms`. */
export function partitionStart(ms: number): number {
  return ORIGIN_MS + Math.floor((ms - ORIGIN_MS) / PARTITION_MS) * PARTITION_MS;
}

export function partitionName(start: number): string {
  return PREFIX + new Date(start).toISOString().slice(0, 10).replaceAll('-', '');
}

export interface MetricPartition {
  name: string;
  /** Epoch ms, inclusive. */
  from: number;
  /** Epoch ms, exclusive. */
  to: number;
}

export interface PartitionsResult {
  /** Partitions created by this pass. */
  created: MetricPartition[];
  /** Windows moved out of the default partition into the partitions of their weeks. */
  moved: number;
}

/** The weekly partitions that exist, oldest first (a partition not named by Vigil is left out). */
export async function metricPartitions(sql: SqlExecutor): Promise<MetricPartition[]> {
  const result = await sql.query<{ name: string }>(
    `SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
     WHERE i.inhparent = 'vigil_metric_windows'::regclass AND c.relname LIKE 'vigil\\_metric\\_windows\\_p%' ORDER BY 1`,
  );
  const out: MetricPartition[] = [];
  for (const { name } of result.rows) {
    const m = /^vigil_metric_windows_p(\d{4})(\d{2})(\d{2})$/.exec(name);
    if (!m) continue;
    const from = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
    out.push({ name, from, to: from + PARTITION_MS });
  }
  return out;
}

/**
 * Creates the partitions of the week holding `now` and of the `ahead` weeks after it, and of every week that has
 * windows in the default partition, moving those windows in. Run in one transaction (the store's
 * `maintainPartitions`); partitions that exist are left alone.
 */
export async function ensureMetricPartitionsIn(sql: SqlExecutor, now: number, ahead = 2): Promise<PartitionsResult> {
  await sql.query('SELECT pg_advisory_xact_lock($1::integer, hashtext(current_schema()))', [PARTITION_LOCK]);
  const existing = new Set((await metricPartitions(sql)).map((p) => p.from));
  const wanted = new Set<number>();
  for (let i = 0; i <= ahead; i++) wanted.add(partitionStart(now) + i * PARTITION_MS);
  const stray = await sql.query<{ start: unknown }>(
    `SELECT DISTINCT date_bin($1::interval, window_end, $2::timestamptz) AS start FROM vigil_metric_windows_default`,
    [`${PARTITION_MS / 1000} seconds`, toIso(ORIGIN_MS, 'origin')],
  );
  const strayWeeks = new Set(stray.rows.map((r) => toMs(r.start)));
  for (const from of strayWeeks) wanted.add(from);
  const created: MetricPartition[] = [];
  let moved = 0;
  const missing = [...wanted].filter((from) => !existing.has(from));
  // Windows that move out of the default partition must not vanish from a query meanwhile: one planned with the
  // partitions before the ATTACH (it waited for the default partition's lock) read none of them once it ran after
  // the commit. Readers wait for this transaction instead, as they do for a DROP of a partition (decision 0040).
  if (missing.some((from) => strayWeeks.has(from)))
    await sql.query('LOCK TABLE ONLY vigil_metric_windows IN ACCESS EXCLUSIVE MODE');
  // No window may enter the default partition between the move below and the ATTACH, which checks the default
  // partition's rows: an analysis committing a window of that week in between made the ATTACH fail (SQLSTATE 23514).
  // Writers wait for this transaction (it is short); inserts already in flight finish first and are then moved.
  if (missing.length > 0) await sql.query('LOCK TABLE vigil_metric_windows_default IN SHARE ROW EXCLUSIVE MODE');
  for (const from of missing.sort((a, b) => a - b)) {
    if (existing.has(from)) continue;
    const p = { name: partitionName(from), from, to: from + PARTITION_MS };
    const [lower, upper] = [toIso(p.from, 'partition start'), toIso(p.to, 'partition end')];
    // Filled, then attached: the default partition may hold some of the week's windows, and a partition cannot be
    // created over rows the default partition holds. ATTACH checks the new table's rows and the default's.
    await sql.query(`CREATE TABLE ${p.name} (LIKE vigil_metric_windows INCLUDING DEFAULTS)`);
    const move = await sql.query(
      `WITH m AS (DELETE FROM vigil_metric_windows_default WHERE window_end >= $1::timestamptz AND window_end < $2::timestamptz RETURNING *)
       INSERT INTO ${p.name} SELECT * FROM m`,
      [lower, upper],
    );
    moved += move.rowCount;
    await sql.query(
      `ALTER TABLE vigil_metric_windows ATTACH PARTITION ${p.name} FOR VALUES FROM ('${lower}') TO ('${upper}')`,
    );
    created.push(p);
  }
  return { created, moved };
}

export interface DroppedPartition extends MetricPartition {
  /** Windows it held. */
  windows: number;
}

/** Drops the partitions whose every window ended before `before` (epoch ms); returns them with their window counts. */
export async function dropMetricPartitionsIn(sql: SqlExecutor, before: number): Promise<DroppedPartition[]> {
  await sql.query('SELECT pg_advisory_xact_lock($1::integer, hashtext(current_schema()))', [PARTITION_LOCK]);
  const dropped: DroppedPartition[] = [];
  for (const p of await metricPartitions(sql)) {
    if (p.to > before) continue;
    const n = await sql.query<{ n: number }>(`SELECT count(*)::integer AS n FROM ${p.name}`);
    await sql.query(`DROP TABLE ${p.name}`);
    dropped.push({ ...p, windows: n.rows[0]?.n ?? 0 });
  }
  return dropped;
}
