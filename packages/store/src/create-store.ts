import { silentLogger, type Logger } from '@vigil/core';
import {
  applyBatchIn,
  mergeBucketsIn,
  RepeatedPrediction,
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
import { BucketCache } from './batch/bucket-cache';
import { loadBuckets, type StoredBucket } from './batch/load-buckets';
import {
  countDeadLetters,
  listDeadLetters,
  markReplayed,
  type DeadLetter,
  type DeadLetterQuery,
} from './dead-letters/dead-letters';
import { metricRows, upsertMetricRows, type MetricRow, type MetricRowQuery } from './metrics/metric-rows';
import { fleetModels, latestWindow, type FleetModel, type LatestWindow } from './metrics/fleet-summary';
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
  loadReferenceFits,
  loadReferenceProfile,
  loadReferenceProfiles,
  pinProfile,
  resolvePins,
  saveRangeProfile,
  saveReferenceFit,
  saveReferenceProfile,
  type PinnedProfile,
  type PinRequest,
  type StoredRangeProfile,
  type StoredReferenceFit,
  type StoredReferenceProfile,
} from './profiles/reference-profiles';
import { applyRetention, type RetentionLimits, type RetentionResult } from './retention/apply-retention';
import {
  ensureMetricPartitionsIn,
  metricPartitions,
  type MetricPartition,
  type PartitionsResult,
} from './metrics/metric-partitions';
import { createPgliteClient } from './sql/pglite-client';
import { createPostgresClient } from './sql/postgres-client';
import type { SqlClient } from './sql/sql-client';
import { toStoreError } from './sql/sql-error';
import {
  txOver,
  type AlertGroupsOfTx,
  type AuditOfTx,
  type IncidentsOfTx,
  type ModelControlsOfTx,
  type OutboxOfTx,
  type ReviewQueueOfTx,
  type ReviewsOfTx,
  type SilencesOfTx,
  type Tx,
} from './tx';

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

/** Reads and one-shot writes outside a transaction (each opens its own where it writes several statements). */
export interface Store {
  readonly kind: SqlClient['kind'];
  readonly batches: {
    /**
     * Commits a batch's bucket deltas, prediction index rows, dead letters and next offsets in one transaction,
     * or nothing at all. Returns `{ applied: false }` without writing when the stored offsets show the batch was
     * committed before, and `{ applied: false, repeated: true }` (nothing written) when a batch with
     * `predictionsUnseen` repeats a prediction id. `merge` adds a delta to a stored accumulator (the store never looks
     * inside them).
     */
    apply<A>(batch: Batch<A>, merge: MergeAccumulators<A>, labelEffects?: LabelEffects<A>): Promise<ApplyBatchResult>;
  };
  readonly labels: {
    /**
     * Joins up to `limit` waiting (orphan) labels whose prediction has arrived since, with their effects, in one
     * transaction; returns how many were joined (0: none left).
     */
    joinOrphans<A>(merge: MergeAccumulators<A>, labelEffects: LabelEffects<A>, limit?: number): Promise<number>;
    /** Forgets orphan labels past their expiry, counting them per model as orphaned; returns how many. */
    expireOrphans(now: number): Promise<number>;
  };
  readonly windows: {
    /** Largest event time seen per model, epoch ms (the watermark before the allowed lateness). */
    maxEventTimes(): Promise<Map<string, number>>;
    /** Per model (of `models`, else all), each partition's largest event time and how long it has not carried the model (database clock). */
    partitionWatermarks(models?: readonly string[]): Promise<Map<string, PartitionWatermark[]>>;
    /** Per model that ever had traffic: ms since its events last arrived (database clock), and its latest version. */
    traffic(): Promise<Map<string, { silentMs: number; version: string | null }>>;
    /** Closed windows (end ≤ watermark) of `model` that changed since their last analysis, oldest first. */
    due(model: string, watermark: number, limit?: number): Promise<DueWindow[]>;
  };
  readonly offsets: { load(groupId: string, topic: string): Promise<StoredOffset[]> };
  readonly buckets: {
    load<A = unknown>(model: string, version: string, from: number, to: number): Promise<StoredBucket<A>[]>;
  };
  readonly metrics: {
    upsertRows(rows: readonly MetricRow[]): Promise<number>;
    rows(model: string, query: MetricRowQuery): Promise<MetricRow[]>;
    /** The latest window of `model` (of `version` when given) holding its `rows` series, with its fleet summary. */
    latestWindow(model: string, version?: string): Promise<LatestWindow | null>;
    partitions(): Promise<MetricPartition[]>;
    /**
     * Creates the weekly partitions of metric windows for the week of `now` and the two after it, and moves windows
     * that landed in the default partition into their week's (docs/storage.md, "Time partitions").
     */
    maintainPartitions(now: number): Promise<PartitionsResult>;
  };
  readonly deadLetters: {
    list(query?: DeadLetterQuery): Promise<DeadLetter[]>;
    count(topics: readonly string[]): Promise<number>;
    markReplayed(ids: readonly string[], at?: number): Promise<number>;
  };
  readonly profiles: {
    saveReference(model: string, version: string, profile: unknown): Promise<void>;
    loadReference<P = unknown>(model: string, version: string): Promise<StoredReferenceProfile<P> | null>;
    /** Stores the profile of `model`'s traffic in [from, to) unless one is stored; returns the stored one (the first wins). */
    saveRange<P>(model: string, from: number, to: number, profile: P, rows: number): Promise<StoredRangeProfile<P>>;
    loadRange<P = unknown>(model: string, from: number, to: number): Promise<StoredRangeProfile<P> | null>;
    /** Pins the profile a version's buckets are binned with unless one is; returns the pinned one (the first wins). */
    pin<P>(model: string, version: string, fingerprint: string, profile: P): Promise<PinnedProfile<P>>;
    loadPinned<P = unknown>(model: string, version: string): Promise<Required<PinnedProfile<P>> | null>;
    /** `loadReference` of several pairs in one statement, keyed by `compositeKey(model, version)`. */
    loadReferences<P = unknown>(
      pairs: ReadonlyArray<{ model: string; version: string }>,
    ): Promise<Map<string, StoredReferenceProfile<P>>>;
    /** `pin` for the pairs with an offer and `loadPinned` for the others, in two statements (keyed as above). */
    resolvePins<P>(requests: ReadonlyArray<PinRequest<P>>): Promise<Map<string, PinnedProfile<P>>>;
    /** Reference fits stored under these fingerprints (migration 0029), marked used; old unused ones are deleted. */
    loadFits(fingerprints: readonly string[]): Promise<Map<string, StoredReferenceFit>>;
    /** Keeps a reference fit under its fingerprint unless one is kept. */
    saveFit(fingerprint: string, fit: StoredReferenceFit): Promise<void>;
  };
  readonly predictions: {
    lookup(model: string, ids: readonly string[]): Promise<Map<string, IndexedPrediction>>;
    /** `lookup` of several models in one statement (per model, by id). */
    lookupOfModels(
      wanted: ReadonlyMap<string, readonly string[]>,
    ): Promise<Map<string, Map<string, IndexedPrediction>>>;
    deleteExpired(now: number): Promise<number>;
  };
  readonly retention: {
    /**
     * Applies the retention limits (dead-letter bytes, prediction-index rows, metric rows, review items, buckets) and
     * audits the run: one transaction, then one per further batch of buckets (a backlog is deleted in bounded steps).
     */
    apply(now: number, limits: RetentionLimits): Promise<RetentionResult | null>;
  };
  readonly models: {
    /** Model ids and the versions seen for each. */
    list(): Promise<Array<{ model: string; versions: string[] }>>;
    /** Each model with its versions (newest first), its latest window's fleet summary and its open incidents. */
    fleet(): Promise<FleetModel[]>;
  };
  // The alerting and review tables are written in transactions (`tx.incidents`, `tx.outbox`, ...); here, their reads.
  readonly incidents: Pick<IncidentsOfTx, 'get' | 'list' | 'open' | 'ofGroup' | 'ofModel'>;
  readonly alertGroups: Pick<AlertGroupsOfTx, 'get'>;
  readonly outbox: Pick<OutboxOfTx, 'get' | 'pending' | 'ofIncident' | 'ofGroup' | 'openIncidentsNotifiedAt'>;
  readonly audit: Pick<AuditOfTx, 'log'>;
  readonly reviews: Pick<ReviewsOfTx, 'get' | 'list' | 'findings' | 'count'>;
  readonly reviewQueue: Pick<ReviewQueueOfTx, 'get' | 'list' | 'countDecided' | 'capacity'>;
  readonly silences: Pick<SilencesOfTx, 'active'>;
  readonly modelControls: Pick<ModelControlsOfTx, 'list'>;
  /**
   * Runs `fn` in one transaction, so effects written by different packages through the transaction's groups
   * (`tx.metrics`, `tx.incidents`, `tx.outbox`, ...) commit together or not at all.
   */
  transaction<T>(fn: (tx: Tx) => Promise<T>): Promise<T>;
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
  // The bucket accumulators this store's batches last wrote, with their rows' revisions (batch/bucket-cache.ts).
  const buckets = new BucketCache();
  // The reads of the alerting and review tables: the transaction's groups over the client (one statement each).
  const reads = txOver(sql);
  return {
    kind: sql.kind,
    batches: {
      apply: async (batch, merge, labelEffects) => {
        const registered = new Set(registeredModels);
        const cached = buckets.begin();
        let result: ApplyBatchResult;
        try {
          result = await sql.transaction((tx) =>
            applyBatchIn(tx, batch, merge, deadLetterMaxBytes, labelEffects, registered, cached),
          );
        } catch (error) {
          // Rolled back: nothing of the batch was written (Batch.predictionsUnseen).
          if (error instanceof RepeatedPrediction) return { applied: false, repeated: true };
          throw error;
        }
        for (const pair of registered) registeredModels.add(pair);
        cached.commit();
        return result;
      },
    },
    labels: {
      joinOrphans: (merge, labelEffects, limit = 10_000) =>
        sql.transaction(async (tx) => {
          const matches = await claimOrphansIn(tx, limit);
          if (matches.length === 0) return 0;
          const effects = await labelEffects(matches);
          await mergeBucketsIn(tx, effects.buckets, merge);
          await touchWindowsIn(tx, effects.windows);
          return matches.length;
        }),
      expireOrphans: (now) => sql.transaction((tx) => expireOrphansIn(tx, now)),
    },
    windows: {
      maxEventTimes: () => loadMaxEventTimes(sql),
      partitionWatermarks: (models) => loadPartitionWatermarks(sql, models),
      traffic: () => loadTraffic(sql),
      due: (model, watermark, limit = 100) => dueWindows(sql, model, watermark, limit),
    },
    offsets: { load: (groupId, topic) => loadOffsets(sql, groupId, topic) },
    buckets: { load: (model, version, from, to) => loadBuckets(sql, model, version, from, to) },
    metrics: {
      upsertRows: (rows) => upsertMetricRows(sql, rows),
      rows: (model, query) => metricRows(sql, model, query),
      latestWindow: (model, version) => latestWindow(sql, model, version),
      partitions: () => metricPartitions(sql),
      maintainPartitions: (now) => sql.transaction((tx) => ensureMetricPartitionsIn(tx, now)),
    },
    deadLetters: {
      list: (query) => listDeadLetters(sql, query),
      count: (topics) => countDeadLetters(sql, topics),
      markReplayed: (ids, at) => markReplayed(sql, ids, at),
    },
    profiles: {
      // Two statements and an insert: one transaction, so a model is never half-registered.
      saveReference: (model, version, profile) =>
        sql.transaction((tx) => saveReferenceProfile(tx, model, version, profile)),
      loadReference: (model, version) => loadReferenceProfile(sql, model, version),
      saveRange: (model, from, to, profile, rows) => saveRangeProfile(sql, model, from, to, profile, rows),
      loadRange: (model, from, to) => loadRangeProfile(sql, model, from, to),
      pin: (model, version, fingerprint, profile) => pinProfile(sql, model, version, fingerprint, profile),
      loadPinned: (model, version) => loadPinnedProfile(sql, model, version),
      loadReferences: (pairs) => loadReferenceProfiles(sql, pairs),
      resolvePins: (requests) => resolvePins(sql, requests),
      loadFits: (fingerprints) => loadReferenceFits(sql, fingerprints),
      saveFit: (fingerprint, fit) => saveReferenceFit(sql, fingerprint, fit),
    },
    predictions: {
      lookup: (model, ids) => lookupPredictions(sql, model, ids),
      lookupOfModels: (wanted) => lookupPredictionsOfModels(sql, wanted),
      deleteExpired: (now) => deleteExpiredPredictions(sql, now),
    },
    retention: { apply: (now, limits) => applyRetention(sql, now, limits) },
    models: {
      async list() {
        const result = await sql.query<{ model: string; versions: string[] | null }>(
          `SELECT m.model, array_remove(array_agg(v.version ORDER BY v.version), NULL) AS versions
         FROM vigil_models AS m LEFT JOIN vigil_model_versions AS v ON v.model = m.model GROUP BY m.model ORDER BY m.model`,
        );
        return result.rows.map((r) => ({ model: r.model, versions: r.versions ?? [] }));
      },
      fleet: () => fleetModels(sql),
    },
    incidents: reads.incidents,
    alertGroups: reads.alertGroups,
    outbox: reads.outbox,
    audit: reads.audit,
    reviews: reads.reviews,
    reviewQueue: reads.reviewQueue,
    silences: reads.silences,
    modelControls: reads.modelControls,
    transaction: (fn) => sql.transaction((tx) => fn(txOver(tx))),
    close() {
      closed ??= sql.close();
      return closed;
    },
  };
}
