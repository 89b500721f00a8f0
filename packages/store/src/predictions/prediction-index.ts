import type { SqlExecutor } from '../sql/sql-client';
import { textArrayParam } from '../batch/array-params';
import { toMs, toMsParam } from '../values';

/** Where a prediction was counted. Times in epoch milliseconds. */
export interface IndexedPrediction {
  version: string;
  ts: number;
  /** Null for a prediction whose event carried its label: its row is stored without it (decision 0054). */
  bucketStart: number | null;
}

const bucketOf = (value: unknown): number | null => (value === null ? null : toMs(value));

/** For the label join: the predictions among `ids` that are still indexed, by id. */
export async function lookupPredictions(
  sql: SqlExecutor,
  model: string,
  ids: readonly string[],
): Promise<Map<string, IndexedPrediction>> {
  const found = new Map<string, IndexedPrediction>();
  if (ids.length === 0) return found;
  // One primary-key probe per id, whatever the table's statistics say. With `WHERE model = $1 AND id = ANY($2)` the
  // plan depended on them: until the index's first ANALYZE (and for a model the statistics do not know yet) Postgres
  // estimated a few rows for the model, read every indexed row of it and filtered them against the ids, so each
  // batch's look-up cost grew with everything the model had indexed (docs/benchmarks.md, "Sustained ingest"). A
  // LATERAL subquery that cannot be flattened (OFFSET 0) leaves it no plan but the probes: 1.1-1.4 µs an id with or
  // without statistics, against 1.1 with them and 3.9 (growing) without for `= ANY`.
  const result = await sql.query<{ id: string; version: string; ts: unknown; bucket_start: unknown }>(
    `SELECT p.id, p.version, p.ts, p.bucket_start FROM UNNEST($2::text[]) AS u(id)
     CROSS JOIN LATERAL (SELECT i.id, i.version, i.ts, i.bucket_start FROM vigil_prediction_index AS i WHERE i.model = $1 AND i.id = u.id OFFSET 0) AS p`,
    // A batch's worth of ids as one binary array (see batch/array-params.ts): nothing to escape or parse.
    [model, textArrayParam(ids)],
  );
  for (const r of result.rows)
    found.set(r.id, { version: r.version, ts: toMs(r.ts), bucketStart: bucketOf(r.bucket_start) });
  return found;
}

/**
 * {@link lookupPredictions} for several models in one statement: per model, its predictions among its ids. A batch
 * of a topic keyed by model carries a few dozen models; one round trip instead of one per model.
 */
export async function lookupPredictionsOfModels(
  sql: SqlExecutor,
  wanted: ReadonlyMap<string, readonly string[]>,
): Promise<Map<string, Map<string, IndexedPrediction>>> {
  const found = new Map<string, Map<string, IndexedPrediction>>();
  const models: string[] = [];
  const ids: string[] = [];
  for (const [model, list] of wanted) {
    found.set(model, new Map());
    for (const id of list) {
      models.push(model);
      ids.push(id);
    }
  }
  if (ids.length === 0) return found;
  // The same primary-key probes as lookupPredictions (a LATERAL subquery that cannot be flattened). The two arrays are
  // unnested in a SELECT list, in step, rather than by `FROM UNNEST($1, $2)`, which copies every pair into a
  // tuplestore first (docs/benchmarks.md, "The prediction index's statements").
  const result = await sql.query<{ model: string; id: string; version: string; ts: unknown; bucket_start: unknown }>(
    `SELECT p.model, p.id, p.version, p.ts, p.bucket_start FROM (SELECT UNNEST($1::text[]) AS model, UNNEST($2::text[]) AS id) AS u
     CROSS JOIN LATERAL (SELECT i.model, i.id, i.version, i.ts, i.bucket_start FROM vigil_prediction_index AS i WHERE i.model = u.model AND i.id = u.id OFFSET 0) AS p`,
    [textArrayParam(models), textArrayParam(ids)],
  );
  for (const r of result.rows)
    found.get(r.model)?.set(r.id, { version: r.version, ts: toMs(r.ts), bucketStart: bucketOf(r.bucket_start) });
  return found;
}

/** Forgets predictions whose label can no longer arrive in time; returns how many. */
export async function deleteExpiredPredictions(sql: SqlExecutor, now: number): Promise<number> {
  // Times in the index are epoch milliseconds (migration 0004).
  const result = await sql.query('DELETE FROM vigil_prediction_index WHERE expires_at <= $1::bigint', [
    toMsParam(now, 'now'),
  ]);
  return result.rowCount;
}
