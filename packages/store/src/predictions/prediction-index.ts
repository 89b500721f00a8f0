import type { SqlExecutor } from '../sql/sql-client';
import { textArrayParam } from '../batch/array-params';
import { toMs, toMsParam } from '../values';

/** Where a prediction was counted. Times in epoch milliseconds. */
export interface IndexedPrediction {
  version: string;
  ts: number;
  bucketStart: number;
}

/** For the label join: the predictions among `ids` that are still indexed, by id. */
export async function lookupPredictions(sql: SqlExecutor, model: string, ids: readonly string[]): Promise<Map<string, IndexedPrediction>> {
  const found = new Map<string, IndexedPrediction>();
  if (ids.length === 0) return found;
  const result = await sql.query<{ id: string; version: string; ts: unknown; bucket_start: unknown }>(
    'SELECT id, version, ts, bucket_start FROM vigil_prediction_index WHERE model = $1 AND id = ANY($2::text[])',
    // A batch's worth of ids as one binary array (see batch/array-params.ts): nothing to escape or parse.
    [model, textArrayParam(ids)],
  );
  for (const r of result.rows) found.set(r.id, { version: r.version, ts: toMs(r.ts), bucketStart: toMs(r.bucket_start) });
  return found;
}

/** Forgets predictions whose label can no longer arrive in time; returns how many. */
export async function deleteExpiredPredictions(sql: SqlExecutor, now: number): Promise<number> {
  // Times in the index are epoch milliseconds (migration 0004).
  const result = await sql.query('DELETE FROM vigil_prediction_index WHERE expires_at <= $1::bigint', [toMsParam(now, 'now')]);
  return result.rowCount;
}
