import { compositeKey, VigilError } from '@vigil/core';
import type { SqlExecutor } from '../sql/sql-client';
import type { StoredOffset } from '../offsets/offsets';
import { joinLabelsIn, type LabelInput, type LabelMatch } from '../stream/labels';
import { queueFlaggedIn, type FlaggedGroup } from '../review-queue/review-queue';
import { advanceWatermarksIn, touchWindowsIn, type WatermarkInput, type WindowKey } from '../stream/windows';
import { byteaArrayParam, float8ArrayParam, int4ArrayParam, int8ArrayParam, textArrayParam } from './array-params';
import { storedAccumulator, storedValue } from './stored-accumulator';
import { packJson, unpackJson } from '@vigil/core';
import { toIso, toMs, toNumber, toOffset, type Offset } from '../values';
import type { BucketCacheTx } from './bucket-cache';

/** The offsets a batch covers on one partition: it holds the messages firstOffset ≤ offset < nextOffset. */
export interface BatchPartition {
  topic: string;
  partition: number;
  firstOffset: Offset;
  nextOffset: Offset;
}

/** What a batch adds to one time bucket of one model version. */
export interface BucketDelta<A = unknown> {
  model: string;
  /** '' when events carry no version. */
  version: string;
  /** Bucket start, epoch milliseconds. */
  bucketStart: number;
  /** The accumulator, a JSON value (the store never looks inside). */
  accumulator: A;
  /**
   * `accumulator` in its stored form ({@link storedAccumulator}), when the caller makes it itself: sent as is, and
   * `accumulator` is then only read to merge the delta into a bucket stored before. The runner counts a delta only
   * when one of the two is read (pipeline/batch-buckets.ts), so that a batch's accumulators (tens of KB of small
   * objects each, ~100 a batch with 100 models) are not kept alive through the batch's statements, which made V8
   * copy and promote them all (docs/benchmarks.md, "A fleet").
   */
  stored?: Uint8Array;
  /** Events counted in `accumulator`. */
  rows: number;
}

/** A delta's accumulator in its stored form: its `stored` when the caller made it. */
function storedOf<A>(d: BucketDelta<A>): Uint8Array {
  return d.stored ?? storedAccumulator(d.accumulator);
}

/** Where one prediction was counted, for the label that arrives later. Times in epoch milliseconds. */
export interface PredictionIndexRow {
  model: string;
  id: string;
  version: string;
  ts: number;
  bucketStart: number;
  /** After this the label join forgets the prediction (`deleteExpiredPredictions`). */
  expiresAt: number;
  /** What a late label's counts need: the score, the predicted class, the raw group attribute values. */
  score?: number | null;
  prediction?: number | null;
  groups?: Record<string, string | null>;
  /** Set when the prediction event carried its label: a later label event for it is a duplicate. */
  label?: number | null;
}

/**
 * The prediction-index rows of one model's decoded batch as columns, what the runner builds instead of one
 * {@link PredictionIndexRow} per event (a batch's thousands of them, each with its boxed times and score, lived
 * through the batch's statements and were copied by every young-generation collection). Row `i` is the row
 * `{ model, id: ids[i], version: versions[versionCodes[i]], ts: ts[i], bucketStart: bucketStarts[i],
 * expiresAt: expiresAt[i], score: score[i], prediction: prediction[i], label: label[i], groups:
 * groups[groupCodes[i]] }`, with NaN in the three outcome columns for null ({@link predictionIndexRows}).
 */
export interface PredictionIndexColumns {
  readonly model: string;
  readonly rowCount: number;
  readonly ids: readonly string[];
  readonly versions: readonly string[];
  readonly versionCodes: Int32Array;
  readonly ts: Float64Array;
  readonly bucketStarts: Float64Array;
  readonly expiresAt: Float64Array;
  readonly score: Float64Array;
  readonly prediction: Float64Array;
  readonly label: Float64Array;
  readonly groups: readonly Record<string, string | null>[];
  readonly groupCodes: Int32Array;
}

/** The rows `columns` stands for, as objects (for tests and callers that want them). */
export function predictionIndexRows(columns: PredictionIndexColumns): PredictionIndexRow[] {
  const known = (v: number): number | null => (Number.isNaN(v) ? null : v);
  return Array.from({ length: columns.rowCount }, (_, i) => ({
    model: columns.model,
    id: columns.ids[i]!,
    version: columns.versions[columns.versionCodes[i]!]!,
    ts: columns.ts[i]!,
    bucketStart: columns.bucketStarts[i]!,
    expiresAt: columns.expiresAt[i]!,
    score: known(columns.score[i]!),
    prediction: known(columns.prediction[i]!),
    label: known(columns.label[i]!),
    groups: columns.groups[columns.groupCodes[i]!]!,
  }));
}

export interface DeadLetterInput {
  topic: string;
  partition: number;
  offset: Offset;
  /** A VigilError code, e.g. VIGIL_DECODE_INVALID_JSON. */
  code: string;
  reason: string;
  /** The message value as received; stored truncated to the store's `deadLetterMaxBytes`. */
  raw: Uint8Array;
  /** The size of the value as received, when `raw` was already cut by the decoder. @defaultValue raw's length */
  rawBytes?: number;
  /** @defaultValue the database's now() */
  receivedAt?: number;
}

export interface Batch<A = unknown> {
  groupId: string;
  /**
   * One entry per partition the batch read from. Empty for sources without offsets (files), which then get no
   * replay protection from the store.
   */
  offsets: readonly BatchPartition[];
  buckets: readonly BucketDelta<A>[];
  predictions?: readonly PredictionIndexRow[];
  /** More prediction-index rows, as columns: indexed with `predictions`, in one statement. */
  predictionColumns?: readonly PredictionIndexColumns[];
  /**
   * The caller did not look the batch's prediction ids up in the index first, and counted every prediction in its
   * buckets: then an id the index already holds, or one the batch gives twice, makes `apply` write nothing and
   * return `{ applied: false, repeated: true }`, for the caller to look the ids up and apply the batch without its
   * repeats. Without it a repeated id is skipped (its first entry kept) and the batch's other effects are written.
   * Repeats are rare (a producer's retry), and the look-up cost Postgres a primary-key probe an event.
   */
  predictionsUnseen?: boolean;
  deadLetters?: readonly DeadLetterInput[];
  /** Label events to join to their predictions (their deltas come from `labelEffects`). */
  labels?: readonly LabelInput[];
  /** Windows whose buckets this batch changes: marked for (re-)analysis. */
  windows?: readonly WindowKey[];
  /** Per model, the largest event time in the batch. */
  watermarks?: readonly WatermarkInput[];
  /** Predictions flagged for human review, queued with the batch (docs/review.md); `now` picks the capacity hour. */
  flagged?: { readonly now: number; readonly groups: readonly FlaggedGroup[] };
}

/**
 * Turns joined labels into what they add: the label-dependent part of their buckets' accumulators, and the
 * windows those buckets belong to. Called inside the batch's transaction, with the predictions locked.
 */
export type LabelEffects<A> = (
  matches: readonly LabelMatch[],
) => { buckets: BucketDelta<A>[]; windows: WindowKey[] } | Promise<{ buckets: BucketDelta<A>[]; windows: WindowKey[] }>;

/**
 * Adds `delta` to `stored` and returns the sum. `stored` is the store's own copy (a bucket just read from the
 * database, or a copy it made), so the merge may consume it and reuse its arrays (`mergeAccumulatorsInto`): with
 * ~100 bucket merges a batch for 100 models, allocating a whole new accumulator per merge was garbage the daemon paid
 * for. `delta` must not be mutated. The store calls it, it never interprets accumulators.
 */
export type MergeAccumulators<A> = (stored: A, delta: A) => A | Promise<A>;

export type ApplyBatchResult =
  | {
      applied: true;
      buckets: number;
      predictions: number;
      deadLetters: number;
      labels: { joined: number; duplicates: number; orphaned: number };
      /** Flagged predictions queued for review, and those beyond the hour's capacity. */
      review?: { queued: number; notQueued: number };
    }
  /** The stored offsets already cover the batch: it was committed before (a replay after a crash). */
  | { applied: false; stored: StoredOffset[] }
  /** A batch applied with `predictionsUnseen` repeats a prediction id: nothing was written. */
  | { applied: false; repeated: true };

interface OffsetPlan {
  topic: string;
  partition: number;
  first: bigint;
  next: bigint;
}

function planOffsets(offsets: readonly BatchPartition[]): OffsetPlan[] {
  const plans = offsets.map((o) => ({
    topic: o.topic,
    partition: o.partition,
    first: toOffset(o.firstOffset, `firstOffset of ${o.topic}/${o.partition}`),
    next: toOffset(o.nextOffset, `nextOffset of ${o.topic}/${o.partition}`),
  }));
  const seen = new Set<string>();
  for (const p of plans) {
    const key = compositeKey(p.topic, p.partition);
    if (seen.has(key))
      throw new VigilError('VIGIL_INTERNAL', `a batch lists partition ${p.topic}/${p.partition} twice`);
    seen.add(key);
    if (p.next < p.first)
      throw new VigilError(
        'VIGIL_INTERNAL',
        `a batch's nextOffset precedes its firstOffset on ${p.topic}/${p.partition}`,
      );
  }
  // Rows are always locked in the same order, so two transactions over overlapping partitions cannot deadlock.
  return plans.sort((a, b) => (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.partition - b.partition));
}

const bucketKey = (model: string, version: string, start: number): string => compositeKey(model, version, start);

/**
 * Writes one batch with exactly-once effect, inside the caller's transaction: locks the batch's offset rows,
 * returns `{ applied: false }` when they show the batch was committed before, and otherwise merges the bucket
 * deltas, inserts the prediction index rows and dead letters, and advances the offsets. A batch with
 * `predictionsUnseen` that repeats a prediction id throws {@link RepeatedPrediction}, for the caller to roll back.
 *
 * `registered` holds the `model\0version` pairs known to be in `vigil_models` / `vigil_model_versions` already
 * (committed by earlier batches: rows there are never deleted); the pairs this batch adds are added to it, for the
 * caller to remember once the transaction has committed.
 */
export async function applyBatchIn<A>(
  tx: SqlExecutor,
  batch: Batch<A>,
  merge: MergeAccumulators<A>,
  deadLetterMaxBytes: number,
  labelEffects?: LabelEffects<A>,
  registered: Set<string> = new Set<string>(),
  cache?: BucketCacheTx,
): Promise<ApplyBatchResult> {
  const plans = planOffsets(batch.offsets);

  // (a) Lock the offset rows. A partition seen for the first time gets a row saying "nothing before this batch",
  // inserted before the lock so a concurrent first batch on the same partition waits on it instead of racing.
  if (plans.length > 0) {
    const topics = plans.map((p) => p.topic);
    const partitions = plans.map((p) => p.partition);
    await tx.query(
      `INSERT INTO vigil_consumer_offsets (group_id, topic, partition, next_offset)
       SELECT $1, u.topic, u.partition, u.first_offset::bigint FROM UNNEST($2::text[], $3::integer[], $4::text[]) AS u(topic, partition, first_offset)
       ON CONFLICT (group_id, topic, partition) DO NOTHING`,
      [batch.groupId, topics, partitions, plans.map((p) => p.first.toString())],
    );
    const locked = await tx.query<{ topic: string; partition: number; next_offset: string }>(
      `SELECT o.topic, o.partition, o.next_offset::text AS next_offset FROM vigil_consumer_offsets AS o
       JOIN UNNEST($2::text[], $3::integer[]) AS u(topic, partition) ON o.topic = u.topic AND o.partition = u.partition
       WHERE o.group_id = $1 ORDER BY o.topic, o.partition FOR UPDATE OF o`,
      [batch.groupId, topics, partitions],
    );
    const stored = new Map(locked.rows.map((r) => [compositeKey(r.topic, r.partition), BigInt(r.next_offset)]));
    let replayed = 0;
    for (const p of plans) {
      const at = stored.get(compositeKey(p.topic, p.partition));
      if (at === undefined)
        throw new VigilError('VIGIL_INTERNAL', `offset row of ${p.topic}/${p.partition} vanished under its lock`);
      if (at > p.first) {
        // Part of the batch was committed before. Only a whole batch can be recognised as a replay; a partial
        // overlap means the consumer did not seek to the stored offsets, and applying it would count twice.
        if (at < p.next) {
          throw new VigilError(
            'VIGIL_STORE_OFFSET_CONFLICT',
            `batch ${p.topic}/${p.partition} [${p.first}, ${p.next}) overlaps offsets already committed up to ${at}; seek to the stored offsets`,
            { details: { topic: p.topic, partition: p.partition, storedNextOffset: at.toString() } },
          );
        }
        replayed += 1;
      }
    }
    if (replayed > 0) {
      if (replayed < plans.length) {
        throw new VigilError(
          'VIGIL_STORE_OFFSET_CONFLICT',
          'a batch was committed before on some of its partitions but not on others',
          {
            details: { groupId: batch.groupId },
          },
        );
      }
      return {
        applied: false,
        stored: plans.map((p) => ({
          topic: p.topic,
          partition: p.partition,
          nextOffset: String(stored.get(compositeKey(p.topic, p.partition))),
        })),
      };
    }
  }

  // Predictions first: a label in the same batch as its prediction then joins instead of waiting as an orphan.
  const predictions = await insertPredictions(
    tx,
    batch.predictions ?? [],
    batch.predictionColumns ?? [],
    registered,
    batch.predictionsUnseen === true,
  );
  const review = batch.flagged ? await queueFlaggedIn(tx, batch.flagged.groups, batch.flagged.now) : undefined;
  const joined = await joinLabelsIn(tx, batch.labels ?? []);
  if (joined.matches.length > 0 && !labelEffects)
    throw new VigilError('VIGIL_INTERNAL', 'a batch with labels needs labelEffects');
  const effects =
    joined.matches.length > 0 && labelEffects ? await labelEffects(joined.matches) : { buckets: [], windows: [] };
  const buckets = await mergeBucketsIn(tx, [...batch.buckets, ...effects.buckets], merge, registered, cache);
  await touchWindowsIn(tx, [...(batch.windows ?? []), ...effects.windows]);
  await advanceWatermarksIn(tx, batch.watermarks ?? []);
  const deadLetters = await insertDeadLetters(tx, batch.deadLetters ?? [], deadLetterMaxBytes);

  // (d) The new offsets, in the same transaction as every effect above.
  if (plans.length > 0) {
    await tx.query(
      `UPDATE vigil_consumer_offsets AS o SET next_offset = u.next_offset::bigint, updated_at = now()
       FROM UNNEST($2::text[], $3::integer[], $4::text[]) AS u(topic, partition, next_offset)
       WHERE o.group_id = $1 AND o.topic = u.topic AND o.partition = u.partition`,
      [batch.groupId, plans.map((p) => p.topic), plans.map((p) => p.partition), plans.map((p) => p.next.toString())],
    );
  }
  return {
    applied: true,
    buckets,
    predictions,
    deadLetters,
    labels: { joined: joined.matches.length, duplicates: joined.duplicates, orphaned: joined.orphaned },
    ...(review ? { review } : {}),
  };
}

/**
 * Adds the models and versions of `pairs` to `vigil_models` / `vigil_model_versions`. `registered` holds the pairs
 * (`model\0version`) this transaction already added: a batch registers its pairs for the index and then for the
 * buckets, and the second call then sends nothing.
 */
async function registerModels(
  tx: SqlExecutor,
  pairs: ReadonlyArray<{ model: string; version: string }>,
  registered = new Set<string>(),
): Promise<void> {
  if (pairs.length === 0) return;
  // Distinct pairs without a key string per row: a batch has thousands of rows and a handful of pairs.
  const versionsOf = new Map<string, Set<string>>();
  for (const p of pairs) {
    let versions = versionsOf.get(p.model);
    if (!versions) versionsOf.set(p.model, (versions = new Set()));
    versions.add(p.version);
  }
  const fresh = [...versionsOf]
    .flatMap(([model, versions]) => [...versions].map((version) => ({ model, version })))
    .filter((p) => !registered.has(compositeKey(p.model, p.version)));
  if (fresh.length === 0) return;
  for (const p of fresh) registered.add(compositeKey(p.model, p.version));
  const unique = fresh.sort((a, b) =>
    a.model < b.model ? -1 : a.model > b.model ? 1 : a.version < b.version ? -1 : a.version > b.version ? 1 : 0,
  );
  const models = unique.map((p) => p.model);
  await tx.query(
    'INSERT INTO vigil_models (model) SELECT DISTINCT m FROM UNNEST($1::text[]) AS u(m) ON CONFLICT DO NOTHING',
    [models],
  );
  await tx.query(
    'INSERT INTO vigil_model_versions (model, version) SELECT u.m, u.v FROM UNNEST($1::text[], $2::text[]) AS u(m, v) ON CONFLICT DO NOTHING',
    [models, unique.map((p) => p.version)],
  );
}

/**
 * (b) Adds the deltas to the stored buckets. Accumulators are merged in JS by the caller's function, so the
 * store needs no knowledge of their shape; the stored rows are read `FOR UPDATE` so no other writer can slip a
 * delta in between our read and our write. Buckets that were not found are then inserted with
 * `ON CONFLICT DO NOTHING`: a concurrent first insert of the same bucket makes ours wait and then fall through
 * to the locked read-merge-write path, instead of overwriting it. Reading first sends each accumulator once (most
 * deltas of a batch extend a bucket an earlier batch created) instead of offering every one to an INSERT first.
 */
export async function mergeBucketsIn<A>(
  tx: SqlExecutor,
  deltas: readonly BucketDelta<A>[],
  merge: MergeAccumulators<A>,
  registered?: Set<string>,
  cache?: BucketCacheTx,
): Promise<number> {
  if (deltas.length === 0) return 0;
  // Deltas for the same bucket are combined first: one statement may not touch a row twice.
  const combined = new Map<string, BucketDelta<A>>();
  const sums = new Set<BucketDelta<A>>();
  for (const d of deltas) {
    toIso(d.bucketStart, 'bucketStart');
    const key = bucketKey(d.model, d.version, d.bucketStart);
    const seen = combined.get(key);
    if (!seen) {
      combined.set(key, d);
      continue;
    }
    // Built field by field: a spread would carry `stored`, the bytes of one side only, over to the sum. The first
    // delta is the caller's, so the merge (which may consume its first argument) gets a copy of it (what JSON would
    // give back); a sum made here is the store's own already.
    const sum: BucketDelta<A> = {
      model: seen.model,
      version: seen.version,
      bucketStart: seen.bucketStart,
      accumulator: await merge(
        sums.has(seen) ? seen.accumulator : (unpackJson(packJson(seen.accumulator)) as A),
        d.accumulator,
      ),
      rows: seen.rows + d.rows,
    };
    sums.add(sum);
    combined.set(key, sum);
  }
  const all = [...combined.values()].sort((a, b) =>
    a.model < b.model
      ? -1
      : a.model > b.model
        ? 1
        : a.version < b.version
          ? -1
          : a.version > b.version
            ? 1
            : a.bucketStart - b.bucketStart,
  );
  await registerModels(tx, all, registered);

  // Binary arrays (array-params.ts): the keys as text, the accumulators as bytea, nothing escaped or parsed.
  const keys = (list: readonly BucketDelta<A>[]): unknown[] => [
    textArrayParam(list.map((d) => d.model)),
    textArrayParam(list.map((d) => d.version)),
    textArrayParam(list.map((d) => toIso(d.bucketStart, 'bucketStart'))),
  ];
  const columns = (list: readonly BucketDelta<A>[], stored: (d: BucketDelta<A>) => Uint8Array): unknown[] => [
    ...keys(list),
    byteaArrayParam(list.map(stored)),
    textArrayParam(list.map((d) => String(d.rows))),
  ];
  const keyOf = (d: BucketDelta<A>): string => bucketKey(d.model, d.version, d.bucketStart);
  const rowKey = (r: { model: string; version: string; bucket_start: unknown }): string =>
    bucketKey(r.model, r.version, toMs(r.bucket_start));
  // The stored accumulators, locked; a bucket cached at the row's revision comes back without its accumulator
  // (bucket-cache.ts, decision 0052), and is taken from the cache.
  const lockStored = async (list: readonly BucketDelta<A>[]): Promise<Map<string, A>> => {
    const locked = await tx.query<{
      model: string;
      version: string;
      bucket_start: unknown;
      revision: string;
      packed: Uint8Array | null;
      accumulator: A | null;
    }>(
      // A row keeps its accumulator in `packed`, or as JSON in `accumulator` (storedValue).
      `SELECT t.model, t.version, t.bucket_start, t.revision::text AS revision,
              CASE WHEN t.revision = u.r::bigint THEN NULL ELSE t.packed END AS packed,
              CASE WHEN t.revision = u.r::bigint THEN NULL ELSE t.accumulator END AS accumulator
       FROM vigil_buckets AS t
       JOIN UNNEST($1::text[], $2::text[], $3::text[], $4::text[]) AS u(m, v, b, r) ON t.model = u.m AND t.version = u.v AND t.bucket_start = u.b::timestamptz
       ORDER BY t.model, t.version, t.bucket_start FOR UPDATE OF t`,
      [...keys(list), textArrayParam(list.map((d) => cache?.cache.revisionOf(keyOf(d)) ?? null))],
    );
    const stored = new Map<string, A>();
    const uncached: { model: string; version: string; bucket_start: unknown }[] = [];
    for (const r of locked.rows) {
      const key = rowKey(r);
      if (r.packed !== null || r.accumulator !== null) {
        // Changed since it was cached, if it was: the cached one is of no use any more.
        cache?.cache.forget(key);
        stored.set(key, storedValue(r));
        continue;
      }
      const accumulator = cache?.cache.take(key, r.revision) as A | undefined;
      if (accumulator === undefined) uncached.push(r);
      else stored.set(key, accumulator);
    }
    // Cached when the statement began, gone since (a concurrent batch of this store took it and failed): read it.
    if (uncached.length > 0) {
      const read = await tx.query<{
        model: string;
        version: string;
        bucket_start: unknown;
        packed: Uint8Array | null;
        accumulator: A | null;
      }>(
        `SELECT t.model, t.version, t.bucket_start, t.packed, t.accumulator FROM vigil_buckets AS t
         JOIN UNNEST($1::text[], $2::text[], $3::text[]) AS u(m, v, b) ON t.model = u.m AND t.version = u.v AND t.bucket_start = u.b::timestamptz`,
        [
          textArrayParam(uncached.map((r) => r.model)),
          textArrayParam(uncached.map((r) => r.version)),
          textArrayParam(uncached.map((r) => toIso(toMs(r.bucket_start), 'bucket_start'))),
        ],
      );
      for (const r of read.rows) stored.set(rowKey(r), storedValue(r));
    }
    return stored;
  };

  const stored = await lockStored(all);
  const missing = all.filter((d) => !stored.has(keyOf(d)));
  let fresh = new Set<string>();
  if (missing.length > 0) {
    // Each delta's stored form once: sent, and cached as the new bucket's accumulator. The row's first revision is the
    // trigger's (migration 0030): a random start, so a bucket deleted by retention and inserted again never takes up
    // the revisions of the row before it, which a cache may hold.
    const storedBytes = new Map(missing.map((d) => [keyOf(d), storedOf(d)]));
    const inserted = await tx.query<{ model: string; version: string; bucket_start: unknown; revision: string }>(
      `INSERT INTO vigil_buckets (model, version, bucket_start, packed, rows)
       SELECT u.m, u.v, u.b::timestamptz, u.a, u.r::bigint FROM UNNEST($1::text[], $2::text[], $3::text[], $4::bytea[], $5::text[]) AS u(m, v, b, a, r)
       ON CONFLICT (model, version, bucket_start) DO NOTHING
       RETURNING model, version, bucket_start, revision::text AS revision`,
      columns(missing, (d) => storedBytes.get(keyOf(d))!),
    );
    fresh = new Set(inserted.rows.map(rowKey));
    if (cache) for (const r of inserted.rows) cache.wrote(rowKey(r), r.revision, undefined, storedBytes.get(rowKey(r)));
    // Created by a concurrent batch between our read and our insert: read-merge-write them like the others.
    const raced = missing.filter((d) => !fresh.has(keyOf(d)));
    if (raced.length > 0) for (const [key, accumulator] of await lockStored(raced)) stored.set(key, accumulator);
  }

  const merged: BucketDelta<A>[] = [];
  for (const d of all) {
    const key = keyOf(d);
    const before = stored.get(key);
    if (before === undefined) {
      if (fresh.has(key)) continue; // inserted above
      throw new VigilError(
        'VIGIL_INTERNAL',
        `bucket ${d.model}/${d.version}@${toIso(d.bucketStart, 'bucketStart')} vanished under its lock`,
      );
    }
    merged.push({
      model: d.model,
      version: d.version,
      bucketStart: d.bucketStart,
      accumulator: await merge(before, d.accumulator),
      rows: d.rows,
    });
  }
  if (merged.length > 0) {
    const updated = await tx.query<{ model: string; version: string; bucket_start: unknown; revision: string }>(
      `UPDATE vigil_buckets AS t SET packed = u.a, accumulator = NULL, rows = t.rows + u.r::bigint, updated_at = now()
       FROM UNNEST($1::text[], $2::text[], $3::text[], $4::bytea[], $5::text[]) AS u(m, v, b, a, r)
       WHERE t.model = u.m AND t.version = u.v AND t.bucket_start = u.b::timestamptz
       RETURNING t.model, t.version, t.bucket_start, t.revision::text AS revision`,
      columns(merged, storedOf),
    );
    if (cache) {
      const byKey = new Map(merged.map((d) => [keyOf(d), d.accumulator]));
      for (const r of updated.rows) cache.wrote(rowKey(r), r.revision, byKey.get(rowKey(r)));
    }
  }
  return all.length;
}

/**
 * `rows` as blocks of columns, one per model in the order of their first row (a row's order among the rows of its
 * model kept: the first entry of an id given twice stays first), so that the index rows of a batch are filled by one
 * loop whatever form the caller gave them in. A missing outcome becomes NaN and missing groups an empty object, as
 * the columns spell them.
 */
function rowsAsColumns(rows: readonly PredictionIndexRow[]): PredictionIndexColumns[] {
  const none: Record<string, string | null> = {};
  const byModel = new Map<string, PredictionIndexRow[]>();
  for (const r of rows) {
    let of = byModel.get(r.model);
    if (!of) byModel.set(r.model, (of = []));
    of.push(r);
  }
  const number = (v: number | null | undefined): number => v ?? Number.NaN;
  return [...byModel].map(([model, of]) => {
    const versions: string[] = [];
    const versionCode = new Map<string, number>();
    const groups: Record<string, string | null>[] = [];
    const groupCode = new Map<object, number>();
    const versionCodes = new Int32Array(of.length);
    const groupCodes = new Int32Array(of.length);
    of.forEach((r, i) => {
      let v = versionCode.get(r.version);
      if (v === undefined) versionCode.set(r.version, (v = versions.push(r.version) - 1));
      versionCodes[i] = v;
      const g = r.groups ?? none;
      let code = groupCode.get(g);
      if (code === undefined) groupCode.set(g, (code = groups.push(g) - 1));
      groupCodes[i] = code;
    });
    return {
      model,
      rowCount: of.length,
      ids: of.map((r) => r.id),
      versions,
      versionCodes,
      ts: Float64Array.from(of, (r) => r.ts),
      bucketStarts: Float64Array.from(of, (r) => r.bucketStart),
      expiresAt: Float64Array.from(of, (r) => r.expiresAt),
      score: Float64Array.from(of, (r) => number(r.score)),
      prediction: Float64Array.from(of, (r) => number(r.prediction)),
      label: Float64Array.from(of, (r) => number(r.label)),
      groups,
      groupCodes,
    };
  });
}

/**
 * Thrown inside a batch's transaction, and caught by the store around it, when a batch applied with
 * `predictionsUnseen` indexes an id the index already holds or gives one twice: the transaction rolls back and
 * `apply` returns `{ applied: false, repeated: true }`.
 */
export class RepeatedPrediction extends VigilError {
  constructor() {
    super('VIGIL_INTERNAL', 'a batch applied as unseen repeats a prediction id');
  }
}

/**
 * (c) One INSERT for the whole batch; a prediction id seen before keeps its first entry (a producer retry). Times are
 * epoch milliseconds (migration 0004) and each column travels as one binary array (see array-params.ts), except what
 * a batch repeats on every row: a column with one value for the whole batch (the model, the version and the expiry,
 * usually) is sent once as a scalar, and the groups' JSON texts, a few dozen distinct ones, as a dictionary and one
 * int4 code per row. That cuts the bytes a batch sends from ~145 to ~80 a row in the benchmark, which the daemon
 * paid for in socket writes.
 *
 * With `unseen` (the caller did not look the ids up, {@link Batch.predictionsUnseen}) a repeated id throws
 * {@link RepeatedPrediction} instead of being skipped: the caller counted it.
 */
async function insertPredictions(
  tx: SqlExecutor,
  rows: readonly PredictionIndexRow[],
  columns: readonly PredictionIndexColumns[],
  registered: Set<string>,
  unseen: boolean,
): Promise<number> {
  // Row objects become blocks of columns first: one fill loop below, whatever form the caller gave.
  const blocks = rows.length === 0 ? columns : [...rowsAsColumns(rows), ...columns];
  let n = 0;
  for (const b of blocks) n += b.rowCount;
  if (n === 0) return 0;
  await registerModels(tx, blocks.flatMap(versionsIndexed), registered);
  const first = firstRowOf(blocks);
  const firstExpiry = checkedMs(first.expiresAt, 'expiresAt');
  let oneModel = true;
  let oneVersion = true;
  let oneExpiry = true;
  const models: string[] = new Array<string>(n);
  const versions: string[] = new Array<string>(n);
  const expiries = new Float64Array(n);
  const ids: string[] = new Array<string>(n);
  const ts = new Float64Array(n);
  const buckets = new Float64Array(n);
  const scores = new Float64Array(n);
  const predictions = new Float64Array(n);
  const labels = new Float64Array(n);
  const groupCodes = new Int32Array(n);
  // Rows of one batch share few distinct group objects (the decoder's batchBuckets reuses one per combination), and
  // different objects may still spell the same JSON.
  const codeOfObject = new Map<object, number>();
  const codeOfJson = new Map<string, number>();
  const groupTexts: string[] = [];
  const groupCodeOf = (g: Record<string, string | null>): number => {
    let code = codeOfObject.get(g);
    if (code === undefined) {
      const json = JSON.stringify(g);
      code = codeOfJson.get(json);
      if (code === undefined) codeOfJson.set(json, (code = groupTexts.push(json)));
      codeOfObject.set(g, code);
    }
    return code;
  };
  // A row whose label came with it is stored slim (decision 0054): its label makes it labelled from the start, so no
  // label will ever join it (a later one is a duplicate) and only its key, version, times and label are read again.
  // Its score, prediction, bucket and group values go in as NULL: NaN here (the arrays send NaN as NULL) and group
  // code 0, which indexes no element of the groups' array (1-based), so the subscript is NULL.
  let slim = 0;
  let at = 0;
  for (const b of blocks) {
    // A block's groups are few distinct objects: each looked up once, not once a row.
    const blockGroups = b.groups.map(groupCodeOf);
    if (b.model !== first.model) oneModel = false;
    for (let i = 0; i < b.rowCount; i++, at++) {
      models[at] = b.model;
      const version = b.versions[b.versionCodes[i]!]!;
      if (version !== first.version) oneVersion = false;
      versions[at] = version;
      const expiry = checkedMs(b.expiresAt[i]!, 'expiresAt');
      if (expiry !== firstExpiry) oneExpiry = false;
      expiries[at] = expiry;
      ids[at] = b.ids[i]!;
      ts[at] = checkedMs(b.ts[i]!, 'ts');
      const bucketStart = checkedMs(b.bucketStarts[i]!, 'bucketStart');
      const label = b.label[i]!;
      labels[at] = label;
      if (!Number.isNaN(label)) {
        slim++;
        buckets[at] = Number.NaN;
        scores[at] = Number.NaN;
        predictions[at] = Number.NaN;
        groupCodes[at] = 0;
      } else {
        buckets[at] = bucketStart;
        scores[at] = b.score[i]!;
        predictions[at] = b.prediction[i]!;
        groupCodes[at] = blockGroups[b.groupCodes[i]!]!;
      }
    }
  }
  const params: unknown[] = [];
  const param = (value: unknown): string => {
    params.push(value);
    return `$${params.length}`;
  };
  // Each array is unnested in the SELECT list, not in FROM: `FROM UNNEST(a, b, …)` first copies every row into a
  // tuplestore and reads it back, which cost 0.7 µs an event of Postgres's CPU (docs/benchmarks.md, "The prediction
  // index's statements"); set-returning functions of a SELECT list run in step, one row at a time, and the arrays
  // are equally long, so the rows are the same.
  const unnested = (value: Buffer, type: string): string => `UNNEST(${param(value)}::${type}[])`;
  const model = oneModel ? `${param(first.model)}::text` : unnested(textArrayParam(models), 'text');
  const id = unnested(textArrayParam(ids), 'text');
  const version = oneVersion ? `${param(first.version)}::text` : unnested(textArrayParam(versions), 'text');
  const t = unnested(int8ArrayParam(ts), 'int8');
  const expiry = oneExpiry ? `${param(String(firstExpiry))}::int8` : unnested(int8ArrayParam(expiries), 'int8');
  // A batch of slim rows only (every event carried its label) sends NULL once for each of the four columns.
  const allSlim = slim === n;
  const bucket = allSlim ? 'NULL::int8' : unnested(int8ArrayParam(buckets), 'int8');
  const score = allSlim ? 'NULL::float8' : unnested(float8ArrayParam(scores), 'float8');
  const prediction = allSlim ? 'NULL::float8' : unnested(float8ArrayParam(predictions), 'float8');
  const groups = allSlim
    ? 'NULL::text'
    : groupTexts.length === 1 && slim === 0
      ? `${param(groupTexts[0])}::text`
      : `(${param(textArrayParam(groupTexts))}::text[])[${unnested(int4ArrayParam(groupCodes), 'int4')}]`;
  const label = unnested(float8ArrayParam(labels), 'float8');
  // An event that carried its label is labelled from the start: `label IS NOT NULL` is the flag (migration 0024), and
  // its row is slim (above; migration 0031 let `bucket_start` and `groups` be NULL).
  const insert = `INSERT INTO vigil_prediction_index (model, id, version, ts, bucket_start, expires_at, score, prediction, groups, label)
     SELECT ${model}, ${id}, ${version}, ${t}, ${bucket}, ${expiry}, ${score}, ${prediction}, ${groups}, ${label}`;
  if (unseen) {
    // No savepoint: a repeat undoes the whole transaction, which the caller then applies again without its repeats.
    try {
      return (await tx.query(insert, params)).rowCount;
    } catch (error) {
      if (isUniqueViolation(error)) throw new RepeatedPrediction();
      throw error;
    }
  }
  // A plain INSERT first, under a savepoint: `ON CONFLICT DO NOTHING` makes Postgres probe the primary key for a
  // conflict and take a speculative-insertion lock for every row before inserting it, which cost 39% of the
  // statement's CPU (docs/benchmarks.md, "Sustained ingest"), while a conflict is rare (the runner drops ids the index
  // already has). When there is one — an id given twice in the batch, or indexed by a concurrent batch — the
  // savepoint undoes the plain INSERT and the statement is run again with `ON CONFLICT DO NOTHING`: the first entry
  // of an id wins, as before.
  await tx.query('SAVEPOINT vigil_prediction_index');
  try {
    const result = await tx.query(insert, params);
    await tx.query('RELEASE SAVEPOINT vigil_prediction_index');
    return result.rowCount;
  } catch (error) {
    if (!isUniqueViolation(error)) throw error;
    await tx.query('ROLLBACK TO SAVEPOINT vigil_prediction_index');
    await tx.query('RELEASE SAVEPOINT vigil_prediction_index');
  }
  const result = await tx.query(`${insert} ON CONFLICT (model, id) DO NOTHING`, params);
  return result.rowCount;
}

/** The (model, version) pairs a block indexes: the versions its rows name, not every version it lists. */
function versionsIndexed(b: PredictionIndexColumns): { model: string; version: string }[] {
  const used = new Uint8Array(b.versions.length);
  for (let i = 0; i < b.rowCount; i++) used[b.versionCodes[i]!] = 1;
  return b.versions.filter((_, code) => used[code] === 1).map((version) => ({ model: b.model, version }));
}

/** The first row of the first non-empty block (there is one: the caller counted rows). */
function firstRowOf(blocks: readonly PredictionIndexColumns[]): { model: string; version: string; expiresAt: number } {
  const b = blocks.find((block) => block.rowCount > 0)!;
  return { model: b.model, version: b.versions[b.versionCodes[0]!]!, expiresAt: b.expiresAt[0]! };
}

/** A driver error for a unique_violation (SQLSTATE 23505); both drivers give the SQLSTATE as `code`. */
function isUniqueViolation(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === '23505';
}

/** The range of a JS Date: ±100,000,000 days from the epoch. */
const MAX_TIME_MS = 8.64e15;

/** An epoch-ms time of the index in whole milliseconds (bigint columns), cut like a Date's (towards zero). */
function checkedMs(ms: number, what: string): number {
  if (!(Math.abs(ms) <= MAX_TIME_MS))
    throw new VigilError('VIGIL_INTERNAL', `${what} is not a time in epoch milliseconds: ${ms}`);
  return Math.trunc(ms);
}

/** (c) Raw bytes travel as hex text: array-of-bytea parameters are encoded differently by the two drivers. */
async function insertDeadLetters(tx: SqlExecutor, rows: readonly DeadLetterInput[], maxBytes: number): Promise<number> {
  if (rows.length === 0) return 0;
  const result = await tx.query(
    `INSERT INTO vigil_dead_letters (topic, partition, "offset", received_at, code, reason, raw, raw_bytes)
     SELECT u.topic, u.partition, u.off::bigint, COALESCE(u.received::timestamptz, now()), u.code, u.reason, decode(u.raw, 'hex'), u.size
     FROM UNNEST($1::text[], $2::integer[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::integer[])
       AS u(topic, partition, off, received, code, reason, raw, size)`,
    [
      rows.map((r) => r.topic),
      rows.map((r) => r.partition),
      rows.map((r) => toOffset(r.offset, 'dead letter offset').toString()),
      rows.map((r) => (r.receivedAt === undefined ? null : toIso(r.receivedAt, 'receivedAt'))),
      rows.map((r) => r.code),
      rows.map((r) => r.reason),
      rows.map((r) =>
        Buffer.from(r.raw.buffer, r.raw.byteOffset, Math.min(r.raw.byteLength, maxBytes)).toString('hex'),
      ),
      rows.map((r) => Math.max(r.rawBytes ?? 0, r.raw.byteLength)),
    ],
  );
  return toNumber(result.rowCount);
}
