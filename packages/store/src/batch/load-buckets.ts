import type { SqlExecutor } from '../sql/sql-client';
import { toIso, toMs, toNumber } from '../values';
import { storedValue } from './stored-accumulator';

export interface StoredBucket<A = unknown> {
  bucketStart: number;
  accumulator: A;
  rows: number;
  updatedAt: number;
}

/** The buckets of one model version with from ≤ bucketStart < to (epoch ms), oldest first. */
export async function loadBuckets<A = unknown>(
  sql: SqlExecutor,
  model: string,
  version: string,
  from: number,
  to: number,
): Promise<StoredBucket<A>[]> {
  const result = await sql.query<{
    bucket_start: unknown;
    packed: Uint8Array | null;
    accumulator: A | null;
    rows: string;
    updated_at: unknown;
  }>(
    `SELECT bucket_start, packed, accumulator, rows::text AS rows, updated_at FROM vigil_buckets
     WHERE model = $1 AND version = $2 AND bucket_start >= $3::timestamptz AND bucket_start < $4::timestamptz
     ORDER BY bucket_start`,
    [model, version, toIso(from, 'from'), toIso(to, 'to')],
  );
  return result.rows.map((r) => ({
    bucketStart: toMs(r.bucket_start),
    accumulator: storedValue({ model, version, ...r }),
    rows: toNumber(r.rows),
    updatedAt: toMs(r.updated_at),
  }));
}
