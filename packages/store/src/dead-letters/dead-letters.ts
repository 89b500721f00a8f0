import type { SqlExecutor } from '../sql/sql-client';
import { toBuffer, toMs, toNumber } from '../values';

export interface DeadLetter {
  /** bigserial, as a string. */
  id: string;
  topic: string;
  partition: number;
  offset: string;
  receivedAt: number;
  code: string;
  reason: string;
  /** The stored bytes: the message value, truncated when it was larger than the limit. */
  raw: Buffer;
  /** The size of the message value as received (more than `raw.length` when truncated). */
  rawBytes: number;
  replayedAt: number | null;
  /** When retention erased `raw` (then empty); null while the bytes are kept. */
  rawErasedAt: number | null;
}

export interface DeadLetterQuery {
  /** @defaultValue 100 */
  limit?: number;
  /** Only those not replayed yet. @defaultValue false */
  pendingOnly?: boolean;
  /** Page backwards: only ids lower than this one. */
  beforeId?: string;
}

/** Newest first. */
export async function listDeadLetters(sql: SqlExecutor, query: DeadLetterQuery = {}): Promise<DeadLetter[]> {
  const result = await sql.query<Record<string, unknown>>(
    `SELECT id::text AS id, topic, partition, "offset"::text AS "offset", received_at, code, reason, raw, raw_bytes, replayed_at, raw_erased_at
     FROM vigil_dead_letters
     WHERE (NOT $2::boolean OR replayed_at IS NULL) AND ($3::bigint IS NULL OR id < $3::bigint)
     ORDER BY vigil_dead_letters.id DESC LIMIT $1`,
    [query.limit ?? 100, query.pendingOnly ?? false, query.beforeId ?? null],
  );
  return result.rows.map((r) => ({
    id: String(r.id),
    topic: String(r.topic),
    partition: toNumber(r.partition),
    offset: String(r.offset),
    receivedAt: toMs(r.received_at),
    code: String(r.code),
    reason: String(r.reason),
    raw: toBuffer(r.raw),
    rawBytes: toNumber(r.raw_bytes),
    replayedAt: r.replayed_at === null ? null : toMs(r.replayed_at),
    rawErasedAt: r.raw_erased_at === null || r.raw_erased_at === undefined ? null : toMs(r.raw_erased_at),
  }));
}

/** How many dead letters came from these topics (a summary needs the count, not the rows and their bytes). */
export async function countDeadLetters(sql: SqlExecutor, topics: readonly string[]): Promise<number> {
  const result = await sql.query<{ n: string }>(
    'SELECT count(*)::text AS n FROM vigil_dead_letters WHERE topic = ANY($1::text[])',
    [[...topics]],
  );
  return Number(result.rows[0]?.n ?? 0);
}

/** Marks dead letters as re-submitted; returns how many were not marked before. */
export async function markReplayed(sql: SqlExecutor, ids: readonly string[], at?: number): Promise<number> {
  if (ids.length === 0) return 0;
  const result = await sql.query(
    `UPDATE vigil_dead_letters SET replayed_at = COALESCE($2::timestamptz, now())
     WHERE id = ANY($1::bigint[]) AND replayed_at IS NULL`,
    [ids.map(String), at === undefined ? null : new Date(at).toISOString()],
  );
  return result.rowCount;
}
