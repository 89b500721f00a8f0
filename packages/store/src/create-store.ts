import { silentLogger, type Logger } from '@vigil/core';
import {
  applyBatchIn,
  mergeBucketsIn,
  type ApplyBatchResult,
  type Batch,
  type LabelEffects,
  type MergeAccumulators,
} from './batch/apply-batch';
import { claimOrphansIn, expireOrphansIn } from './stream/labels';
import {
  dueWindows,
  loadMaxEventTimes,
  loadPartitionWatermarks,
  loadTraffic,
  touchWindowsIn,
  type DueWindow,
  type PartitionWatermark,
} from './stream/windows';
import { loadBuckets, type StoredBucket } from './batch/load-buckets';
import {
  countDeadLetters,
  listDeadLetters,
  markReplayed,
  type DeadLetter,
  type DeadLetterQuery,
} from './dead-letters/dead-letters';
import { metricRows, upsertMetricRows, type MetricRow, type MetricRowQuery } from './metrics/metric-rows';
import { migrate } from './migrations/migrate';
import { loadOffsets, type StoredOffset } from './offsets/offsets';
import {
  deleteExpiredPredictions,
  lookupPredictions,
  lookupPredictionsOfModels,
  type IndexedPrediction,
} from './predictions/prediction-index';
import {
  loadPinnedProfile,
  loadRangeProfile,
  loadReferenceProfile,
  pinProfile,
  saveRangeProfile,
  saveReferenceProfile,
  type PinnedProfile,
  type StoredRangeProfile,
  type StoredReferenceProfile,
} from './profiles/reference-profiles';
import { applyRetentionIn, type RetentionLimits, type RetentionResult } from './retention/apply-retention';
import { ensureMetricPartitionsIn, type PartitionsResult } from './metrics/metric-partitions';
import { createPgliteClient } from './sql/pglite-client';
import { createPostgresClient } from './sql/postgres-client';
import type { SqlClient, SqlExecutor } from './sql/sql-client';
import { toStoreError } from './sql/sql-error';

export interface StoreOptions {
  /**
   * A PostgreSQL connection string (`VIGIL_DATABASE_URL`). Absent: the embedded PGlite database.
   * @defaultValue embedded
   */
  url?: string;
  /**
   * The embedded database's folder (the daemon passes `./.vigil/pglite`); ignored with `url`.
   * @defaultValue in memory
   */
  dataDir?: string;
  /** Schema for Vigil's tables, created when missing. @defaultValue `public` */
  schema?: string;
  /** @defaultValue 10 */
  poolSize?: number;
  /** Dead-letter values are stored up to this many bytes. @defaultValue 65536 */
  deadLetterMaxBytes?: number;
  logger?: Logger;
  /** Use this client instead of opening one (tests; sharing one embedded database); `close()` closes it. */
  client?: SqlClient;
}

export interface Store {
  readonly kind: SqlClient['kind'];
  /**
   * Commits a batch's bucket deltas, prediction index rows, dead letters and next offsets in one transaction,
   * or nothing at all. Returns `{ applied: false }` without writing when the stored offsets show the batch was
   * committed before. `merge` adds a delta to a stored accumulator (the store never looks inside them).
   */
  applyBatch<A>(
    batch: Batch<A>,
    merge: MergeAccumulators<A>,
    labelEffects?: LabelEffects<A>,
  ): Promise<ApplyBatchResult>;
  /**
   * Joins up to `limit` waiting (orphan) labels whose prediction has arrived since, with their effects, in one
   * transaction; returns how many were joined (0: none left).
   */
  joinOrphanLabels<A>(merge: MergeAccumulators<A>, labelEffects: LabelEffects<A>, limit?: number): Promise<number>;
  /** Forgets orphan labels past their expiry, counting them per model as orphaned; returns how many. */
  expireOrphanLabels(now: number): Promise<number>;
  /** Largest event time seen per model, epoch ms (the watermark before the allowed lateness). */
  maxEventTimes(): Promise<Map<string, number>>;
  /** Per model (of `models`, else all), each partition's largest event time and how long it has not carried the model (database clock). */
  partitionWatermarks(models?: readonly string[]): Promise<Map<string, PartitionWatermark[]>>;
  /** Per model that ever had traffic: ms since its events last arrived (database clock), and its latest version. */
  traffic(): Promise<Map<string, { silentMs: number; version: string | null }>>;
  /** Closed windows (end ≤ watermark) of `model` that changed since their last analysis, oldest first. */
  dueWindows(model: string, watermark: number, limit?: number): Promise<DueWindow[]>;
  loadOffsets(groupId: string, topic: string): Promise<StoredOffset[]>;
  loadBuckets<A = unknown>(model: string, version: string, from: number, to: number): Promise<StoredBucket<A>[]>;
  upsertMetricRows(rows: readonly MetricRow[]): Promise<number>;
  metricRows(model: string, query: MetricRowQuery): Promise<MetricRow[]>;
  listDeadLetters(query?: DeadLetterQuery): Promise<DeadLetter[]>;
  countDeadLetters(topics: readonly string[]): Promise<number>;
  markReplayed(ids: readonly string[], at?: number): Promise<number>;
  saveReferenceProfile(model: string, version: string, profile: unknown): Promise<void>;
  loadReferenceProfile<P = unknown>(model: string, version: string): Promise<StoredReferenceProfile<P> | null>;
  /** Stores the profile of `model`'s traffic in [from, to) unless one is stored; returns the stored one (the first wins). */
  saveRangeProfile<P>(
    model: string,
    from: number,
    to: number,
    profile: P,
    rows: number,
  ): Promise<StoredRangeProfile<P>>;
  loadRangeProfile<P = unknown>(model: string, from: number, to: number): Promise<StoredRangeProfile<P> | null>;
  /** Pins the profile a version's buckets are binned with unless one is; returns the pinned one (the first wins). */
  pinProfile<P>(model: string, version: string, fingerprint: string, profile: P): Promise<PinnedProfile<P>>;
  loadPinnedProfile<P = unknown>(model: string, version: string): Promise<Required<PinnedProfile<P>> | null>;
  lookupPredictions(model: string, ids: readonly string[]): Promise<Map<string, IndexedPrediction>>;
  /** `lookupPredictions` of several models in one statement (per model, by id). */
  lookupPredictionsOfModels(
    wanted: ReadonlyMap<string, readonly string[]>,
  ): Promise<Map<string, Map<string, IndexedPrediction>>>;
  deleteExpiredPredictions(now: number): Promise<number>;
  /** Applies the retention limits (erases old dead-letter bytes, deletes old prediction-index rows) and audits the run. */
  applyRetention(now: number, limits: RetentionLimits): Promise<RetentionResult | null>;
  /**
   * Creates the weekly partitions of metric windows for the week of `now` and the two after it, and moves windows
   * that landed in the default partition into their week's (docs/storage.md, "Time partitions").
   */
  maintainPartitions(now: number): Promise<PartitionsResult>;
  /** Model ids and the versions seen for each. */
  listModels(): Promise<Array<{ model: string; versions: string[] }>>;
  /**
   * Runs `fn` in one transaction, so effects written by different packages through the store's `...In(tx, ...)`
   * functions (metric rows, incidents, outbox rows) commit together or not at all.
   */
  transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T>;
  /** Idempotent; waits for statements in flight. */
  close(): Promise<void>;
}

/** Connects (PostgreSQL or embedded PGlite), applies pending migrations, and returns the store. */
export async function createStore(options: StoreOptions = {}): Promise<Store> {
  const logger = (options.logger ?? silentLogger).child({ component: 'store' });
  const client =
    options.client ??
    (options.url !== undefined
      ? createPostgresClient({ url: options.url, schema: options.schema, poolSize: options.poolSize, logger })
      : await createPgliteClient({ dataDir: options.dataDir, schema: options.schema }));
  try {
    await migrate(client, { schema: options.schema, logger });
  } catch (error) {
    await client.close();
    throw toStoreError(error, 'migrating the database failed');
  }
  logger.info({ backend: client.kind }, 'store ready');
  return storeOver(client, options.deadLetterMaxBytes ?? 65_536);
}

function storeOver(sql: SqlClient, deadLetterMaxBytes: number): Store {
  let closed: Promise<void> | undefined;
  // Model versions a committed batch of this store registered: later batches skip the two statements that register
  // them again (a round trip each, for every batch of the ingest path).
  const registeredModels = new Set<string>();
  return {
    kind: sql.kind,
    applyBatch: async (batch, merge, labelEffects) => {
      const registered = new Set(registeredModels);
      const result = await sql.transaction((tx) =>
        applyBatchIn(tx, batch, merge, deadLetterMaxBytes, labelEffects, registered),
      );
      for (const pair of registered) registeredModels.add(pair);
      return result;
    },
    joinOrphanLabels: (merge, labelEffects, limit = 10_000) =>
      sql.transaction(async (tx) => {
        const matches = await claimOrphansIn(tx, limit);
        if (matches.length === 0) return 0;
        const effects = await labelEffects(matches);
        await mergeBucketsIn(tx, effects.buckets, merge);
        await touchWindowsIn(tx, effects.windows);
        return matches.length;
      }),
    expireOrphanLabels: (now) => sql.transaction((tx) => expireOrphansIn(tx, now)),
    maxEventTimes: () => loadMaxEventTimes(sql),
    partitionWatermarks: (models) => loadPartitionWatermarks(sql, models),
    traffic: () => loadTraffic(sql),
    dueWindows: (model, watermark, limit = 100) => dueWindows(sql, model, watermark, limit),
    loadOffsets: (groupId, topic) => loadOffsets(sql, groupId, topic),
    loadBuckets: (model, version, from, to) => loadBuckets(sql, model, version, from, to),
    upsertMetricRows: (rows) => upsertMetricRows(sql, rows),
    metricRows: (model, query) => metricRows(sql, model, query),
    listDeadLetters: (query) => listDeadLetters(sql, query),
    countDeadLetters: (topics) => countDeadLetters(sql, topics),
    markReplayed: (ids, at) => markReplayed(sql, ids, at),
    // Two statements and an insert: one transaction, so a model is never half-registered.
    saveReferenceProfile: (model, version, profile) =>
      sql.transaction((tx) => saveReferenceProfile(tx, model, version, profile)),
    loadReferenceProfile: (model, version) => loadReferenceProfile(sql, model, version),
    saveRangeProfile: (model, from, to, profile, rows) => saveRangeProfile(sql, model, from, to, profile, rows),
    loadRangeProfile: (model, from, to) => loadRangeProfile(sql, model, from, to),
    pinProfile: (model, version, fingerprint, profile) => pinProfile(sql, model, version, fingerprint, profile),
    loadPinnedProfile: (model, version) => loadPinnedProfile(sql, model, version),
    lookupPredictions: (model, ids) => lookupPredictions(sql, model, ids),
    lookupPredictionsOfModels: (wanted) => lookupPredictionsOfModels(sql, wanted),
    deleteExpiredPredictions: (now) => deleteExpiredPredictions(sql, now),
    applyRetention: (now, limits) => sql.transaction((tx) => applyRetentionIn(tx, now, limits)),
    maintainPartitions: (now) => sql.transaction((tx) => ensureMetricPartitionsIn(tx, now)),
    async listModels() {
      const result = await sql.query<{ model: string; versions: string[] | null }>(
        `SELECT m.model, array_remove(array_agg(v.version ORDER BY v.version), NULL) AS versions
         FROM vigil_models AS m LEFT JOIN vigil_model_versions AS v ON v.model = m.model GROUP BY m.model ORDER BY m.model`,
      );
      return result.rows.map((r) => ({ model: r.model, versions: r.versions ?? [] }));
    },
    transaction: (fn) => sql.transaction(fn),
    close() {
      closed ??= sql.close();
      return closed;
    },
  };
}
