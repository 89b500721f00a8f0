/**
 * The late-label join (docs/events.md, "Label event"; docs/streaming.md, "The label join"): a label counts in the bucket of its prediction's event time.
 * Joining happens inside a batch's transaction: the indexed prediction is locked, marked labelled once, and the
 * caller turns the matches into accumulator deltas (the store never looks inside accumulators). A label whose
 * prediction is unknown waits in `vigil_orphan_labels` until the prediction arrives or the label expires.
 */
import type { SqlExecutor } from '../sql/sql-client';
import { toIso, toMs, toNumber } from '../values';
import { compositeKey } from '@vigil/core';

export interface LabelInput {
  model: string;
  id: string;
  label: number;
  /** When the label was known, epoch ms. */
  ts: number;
  /** An orphan (no prediction yet) is forgotten, and counted as orphaned, after this time (epoch ms). */
  expiresAt: number;
}

/** A label joined to its indexed prediction: what its bucket's label-dependent counts need. */
export interface LabelMatch {
  model: string;
  id: string;
  version: string;
  bucketStart: number;
  /** The prediction's event time (epoch ms). */
  ts: number;
  score: number | null;
  prediction: number | null;
  /** Raw group attribute values of the prediction (attribute → value, null when missing). */
  groups: Record<string, string | null>;
  label: number;
}

export interface LabelOutcome {
  matches: LabelMatch[];
  /** Labels for predictions that already had one (a producer retry, or the event carried it): ignored. */
  duplicates: number;
  /** Labels kept waiting for their prediction. */
  orphaned: number;
}

interface IndexRow {
  model: string;
  id: string;
  version: string;
  bucket_start: unknown;
  ts: unknown;
  score: number | null;
  prediction: number | null;
  groups: Record<string, string | null> | string | null;
  labelled: boolean;
}

/** Locks the predictions of `labels`, marks the unlabelled ones labelled, stores the rest as orphans. */
export async function joinLabelsIn(tx: SqlExecutor, labels: readonly LabelInput[]): Promise<LabelOutcome> {
  if (labels.length === 0) return { matches: [], duplicates: 0, orphaned: 0 };
  // One label per prediction per batch: the first wins, later ones are duplicates.
  const unique = new Map<string, LabelInput>();
  let duplicates = 0;
  for (const l of labels) {
    const key = compositeKey(l.model, l.id);
    if (unique.has(key)) duplicates++;
    else unique.set(key, l);
  }
  const list = [...unique.values()].sort((a, b) =>
    a.model < b.model ? -1 : a.model > b.model ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0,
  );
  const found = await tx.query<IndexRow>(
    `SELECT p.model, p.id, p.version, p.bucket_start, p.ts, p.score, p.prediction, p.groups, p.label IS NOT NULL AS labelled
     FROM vigil_prediction_index AS p JOIN UNNEST($1::text[], $2::text[]) AS u(m, i) ON p.model = u.m AND p.id = u.i
     ORDER BY p.model, p.id FOR UPDATE OF p`,
    [list.map((l) => l.model), list.map((l) => l.id)],
  );
  const rows = new Map(found.rows.map((r) => [compositeKey(r.model, r.id), r]));
  const matches: LabelMatch[] = [];
  const orphans: LabelInput[] = [];
  for (const l of list) {
    const row = rows.get(compositeKey(l.model, l.id));
    if (!row) orphans.push(l);
    else if (row.labelled) duplicates++;
    else matches.push(toMatch(row, l.label));
  }
  await markLabelledIn(tx, matches);
  let orphaned = 0;
  if (orphans.length > 0) {
    const inserted = await tx.query(
      `INSERT INTO vigil_orphan_labels (model, id, label, ts, expires_at)
       SELECT u.m, u.i, u.l, u.t::timestamptz, u.e::timestamptz FROM UNNEST($1::text[], $2::text[], $3::float8[], $4::text[], $5::text[]) AS u(m, i, l, t, e)
       ON CONFLICT (model, id) DO NOTHING`,
      [
        orphans.map((o) => o.model),
        orphans.map((o) => o.id),
        orphans.map((o) => o.label),
        orphans.map((o) => toIso(o.ts, 'label ts')),
        orphans.map((o) => toIso(o.expiresAt, 'label expiresAt')),
      ],
    );
    orphaned = inserted.rowCount;
    duplicates += orphans.length - inserted.rowCount;
  }
  return { matches, duplicates, orphaned };
}

/**
 * Orphan labels whose prediction has arrived since: deleted from the orphans, marked on the prediction, and
 * returned for the caller to count, all in the caller's transaction (at most `limit` per call).
 */
export async function claimOrphansIn(tx: SqlExecutor, limit: number): Promise<LabelMatch[]> {
  const claimed = await tx.query<IndexRow & { label: number }>(
    `SELECT p.model, p.id, p.version, p.bucket_start, p.ts, p.score, p.prediction, p.groups, p.label IS NOT NULL AS labelled, o.label
     FROM vigil_orphan_labels AS o JOIN vigil_prediction_index AS p ON p.model = o.model AND p.id = o.id
     ORDER BY p.model, p.id LIMIT $1 FOR UPDATE OF o, p SKIP LOCKED`,
    [limit],
  );
  if (claimed.rows.length === 0) return [];
  await tx.query(
    'DELETE FROM vigil_orphan_labels AS o USING UNNEST($1::text[], $2::text[]) AS u(m, i) WHERE o.model = u.m AND o.id = u.i',
    [claimed.rows.map((r) => r.model), claimed.rows.map((r) => r.id)],
  );
  const matches = claimed.rows.filter((r) => !r.labelled).map((r) => toMatch(r, toNumber(r.label)));
  await markLabelledIn(tx, matches);
  return matches;
}

/** Deletes orphans past their expiry and adds them to their model's `orphaned_labels` count; returns how many. */
export async function expireOrphansIn(tx: SqlExecutor, now: number): Promise<number> {
  const expired = await tx.query<{ model: string; n: unknown }>(
    `WITH gone AS (DELETE FROM vigil_orphan_labels WHERE expires_at <= $1::timestamptz RETURNING model)
     SELECT model, count(*)::text AS n FROM gone GROUP BY model ORDER BY model`,
    [toIso(now, 'now')],
  );
  if (expired.rows.length === 0) return 0;
  const models = expired.rows.map((r) => r.model);
  const counts = expired.rows.map((r) => String(r.n));
  await tx.query('INSERT INTO vigil_models (model) SELECT m FROM UNNEST($1::text[]) AS u(m) ON CONFLICT DO NOTHING', [
    models,
  ]);
  await tx.query(
    'UPDATE vigil_models AS m SET orphaned_labels = m.orphaned_labels + u.n::bigint FROM UNNEST($1::text[], $2::text[]) AS u(model, n) WHERE m.model = u.model',
    [models, counts],
  );
  return counts.reduce((s, n) => s + Number(n), 0);
}

async function markLabelledIn(tx: SqlExecutor, matches: readonly LabelMatch[]): Promise<void> {
  if (matches.length === 0) return;
  await tx.query(
    // A prediction is labelled when its label is set (migration 0024 dropped the separate labelled_at).
    `UPDATE vigil_prediction_index AS p SET label = u.l
     FROM UNNEST($1::text[], $2::text[], $3::float8[]) AS u(m, i, l) WHERE p.model = u.m AND p.id = u.i`,
    [matches.map((m) => m.model), matches.map((m) => m.id), matches.map((m) => m.label)],
  );
}

function toMatch(row: IndexRow, label: number): LabelMatch {
  const groups =
    typeof row.groups === 'string' ? (JSON.parse(row.groups) as Record<string, string | null>) : (row.groups ?? {});
  return {
    model: row.model,
    id: row.id,
    version: row.version,
    bucketStart: toMs(row.bucket_start),
    ts: toMs(row.ts),
    score: row.score === null ? null : toNumber(row.score),
    prediction: row.prediction === null ? null : toNumber(row.prediction),
    groups,
    label,
  };
}
