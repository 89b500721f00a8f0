/**
 * Retention (docs/configuration.md, "Retention"): erases the raw bytes of old dead letters (the row, its code and
 * reason stay, so the count and the why are still known), deletes old prediction-index rows and erases the feature
 * values of long-settled review items, then records what
 * it did in the audit log, all in one transaction. With a limit on metric rows, it first rolls the windows analysed
 * since its last run up into hourly and daily roll-ups, then drops the weekly partitions of windows wholly past the
 * limit and deletes the windows past it in the week that holds it (and hourly roll-ups past theirs, a row per
 * series-hour); the audit entry names each partition dropped. With a limit on buckets, it deletes the buckets that
 * start before it, in batches of {@link BUCKET_DELETE_BATCH}: the store's pass ({@link applyRetention}) commits each
 * batch after the first in a transaction of its own with its own audit entry, so a backlog of months never holds
 * locks and WAL in one transaction, and a pass stopped half-way leaves whole batches done and audited.
 */
import type { SqlClient, SqlExecutor } from '../sql/sql-client';
import { appendAuditIn } from '../alerts/audit-log';
import { rollUpMetricsIn, type RollUpResult } from '../metrics/metric-rollups';
import { toIso, toMsParam } from '../values';

export interface RetentionLimits {
  /** Dead letters received longer ago than this lose their raw bytes. */
  deadLetterRawMs?: number;
  /** Prediction-index rows whose event time is older than this are deleted. */
  predictionIndexMs?: number;
  /** Metric rows of windows that ended longer ago than this are deleted, after being rolled up. */
  metricRowsMs?: number;
  /** Hourly roll-ups older than this are deleted (daily roll-ups are kept). */
  metricHourlyMs?: number;
  /** Review items settled (decided, expired, not queued) longer ago than this lose their features, reasons and context. */
  reviewQueueMs?: number;
  /** Buckets that start longer ago than this are deleted (the configuration keeps it past every re-analysis). */
  bucketsMs?: number;
}

/**
 * Buckets deleted per statement: ~50 MB of accumulators at ~5 KB each, so that one statement never holds a backlog
 * of months (a limit set on a store that kept every bucket) in memory at once.
 */
export const BUCKET_DELETE_BATCH = 10_000;

export interface RetentionResult {
  /** Dead letters whose raw bytes this run erased (null: no limit configured). */
  deadLettersErased: number | null;
  predictionsDeleted: number | null;
  /** Set when a metric limit is configured: the roll-ups written and the windows and hours deleted. */
  metrics?: RollUpResult;
  /** Set when `reviewQueueMs` is configured: the review items whose feature values this run erased. */
  reviewItemsErased?: number;
  /** Set when `bucketsMs` is configured: the buckets this run deleted. */
  bucketsDeleted?: number;
}

/**
 * The store's retention pass: every limit in one transaction, with the first batch of buckets; then, while a batch
 * came back full, one transaction per further batch of buckets (same limit), each with an audit entry
 * `retention.applied` of `details.buckets: {bucketStartBefore, deleted, batch}`. The buckets' entries of a pass add
 * up to what it deleted, whatever stopped it; the next pass deletes what is left.
 */
export async function applyRetention(
  sql: SqlClient,
  now: number,
  limits: RetentionLimits,
  bucketBatch = BUCKET_DELETE_BATCH,
): Promise<RetentionResult | null> {
  const first = await sql.transaction((tx) => applyRetentionIn(tx, now, limits, bucketBatch, 1));
  if (first === null || limits.bucketsMs === undefined || first.bucketsDeleted !== bucketBatch) return first;
  const before = now - limits.bucketsMs;
  let total = first.bucketsDeleted;
  for (let batch = 2; ; batch++) {
    const deleted = await sql.transaction(async (tx) => {
      const n = await deleteBucketBatchIn(tx, before, bucketBatch);
      if (n > 0)
        await appendAuditIn(tx, [
          {
            at: now,
            actor: 'vigil',
            action: 'retention.applied',
            reason: 'retention limits of the configuration',
            details: { buckets: { bucketStartBefore: new Date(before).toISOString(), deleted: n, batch } },
          },
        ]);
      return n;
    });
    total += deleted;
    if (deleted < bucketBatch) break;
  }
  return { ...first, bucketsDeleted: total };
}

/** Deletes up to `batch` buckets that start before `before` (epoch ms); returns how many. */
async function deleteBucketBatchIn(sql: SqlExecutor, before: number, batch: number): Promise<number> {
  const deleted = await sql.query(
    `DELETE FROM vigil_buckets WHERE (model, version, bucket_start) IN (
       SELECT model, version, bucket_start FROM vigil_buckets WHERE bucket_start < $1::timestamptz LIMIT $2)`,
    [toIso(before, 'before'), batch],
  );
  return deleted.rowCount;
}

/**
 * Applies the configured limits as of `now` in the caller's transaction; returns null, writing nothing, when no
 * limit is configured. Buckets: up to `bucketBatches` batches (all of them by default: the whole backlog in this
 * transaction; the store's pass takes one and commits the others apart, {@link applyRetention}).
 */
export async function applyRetentionIn(
  sql: SqlExecutor,
  now: number,
  limits: RetentionLimits,
  bucketBatch = BUCKET_DELETE_BATCH,
  bucketBatches = Infinity,
): Promise<RetentionResult | null> {
  const metricLimits = limits.metricRowsMs !== undefined || limits.metricHourlyMs !== undefined;
  if (
    limits.deadLetterRawMs === undefined &&
    limits.predictionIndexMs === undefined &&
    limits.reviewQueueMs === undefined &&
    limits.bucketsMs === undefined &&
    !metricLimits
  )
    return null;
  const details: Record<string, unknown> = {};
  let deadLettersErased: number | null = null;
  let predictionsDeleted: number | null = null;
  if (limits.deadLetterRawMs !== undefined) {
    const before = now - limits.deadLetterRawMs;
    const erased = await sql.query(
      `UPDATE vigil_dead_letters SET raw = ''::bytea, raw_erased_at = $2::timestamptz
       WHERE received_at < $1::timestamptz AND raw_erased_at IS NULL`,
      [toIso(before, 'before'), toIso(now, 'now')],
    );
    deadLettersErased = erased.rowCount;
    details.deadLetterRaw = { receivedBefore: new Date(before).toISOString(), erased: deadLettersErased };
  }
  if (limits.predictionIndexMs !== undefined) {
    const before = now - limits.predictionIndexMs;
    // The index is on the event time's hour (migration 0021): the hours up to the limit's, then the rows before it.
    const deleted = await sql.query(
      'DELETE FROM vigil_prediction_index WHERE ts / 3600000 <= $1::bigint / 3600000 AND ts < $1::bigint',
      [toMsParam(before, 'before')],
    );
    predictionsDeleted = deleted.rowCount;
    details.predictionIndex = { eventTimeBefore: new Date(before).toISOString(), deleted: predictionsDeleted };
  }
  let reviewItemsErased: number | undefined;
  if (limits.reviewQueueMs !== undefined) {
    // Erased, not deleted: the row keeps the prediction's key (so an event delivered again is not flagged twice),
    // its status, verdict, label, policies and groups (so a window analysed again keeps its review rows), and the
    // reviewer's reason. What goes is what the model saw: the feature values and attributions, the reasons (they quote values) and
    // the model's state at the time. Settled = decided, expired (at its TTL) or never queued (when flagged).
    const before = now - limits.reviewQueueMs;
    const erased = await sql.query(
      `UPDATE vigil_review_queue SET features = '{}'::jsonb, attributions = '{}'::jsonb, reasons = '[]'::jsonb, context = '{}'::jsonb
       WHERE ((status = 'decided' AND decided_at < $1::timestamptz) OR (status = 'expired' AND expires_at < $1::timestamptz)
              OR (status = 'not_queued' AND flagged_at < $1::timestamptz))
         AND (features <> '{}'::jsonb OR attributions <> '{}'::jsonb OR reasons <> '[]'::jsonb OR context <> '{}'::jsonb)`,
      [toIso(before, 'before')],
    );
    reviewItemsErased = erased.rowCount;
    details.reviewQueue = { settledBefore: new Date(before).toISOString(), erased: reviewItemsErased };
  }
  let bucketsDeleted: number | undefined;
  if (limits.bucketsMs !== undefined) {
    const before = now - limits.bucketsMs;
    bucketsDeleted = 0;
    for (let batch = 0; batch < bucketBatches; batch++) {
      const deleted = await deleteBucketBatchIn(sql, before, bucketBatch);
      bucketsDeleted += deleted;
      if (deleted < bucketBatch) break;
    }
    details.buckets = { bucketStartBefore: new Date(before).toISOString(), deleted: bucketsDeleted };
  }
  let metrics: RollUpResult | undefined;
  if (metricLimits) {
    const windowsBefore = limits.metricRowsMs === undefined ? undefined : now - limits.metricRowsMs;
    const hoursBefore = limits.metricHourlyMs === undefined ? undefined : now - limits.metricHourlyMs;
    metrics = await rollUpMetricsIn(sql, {
      ...(windowsBefore === undefined ? {} : { windowsBefore }),
      ...(hoursBefore === undefined ? {} : { hoursBefore }),
    });
    details.metricRollups = { hours: metrics.hours, days: metrics.days };
    if (windowsBefore !== undefined) {
      details.metricRows = {
        windowEndBefore: new Date(windowsBefore).toISOString(),
        windowsDeleted: metrics.windowsDeleted,
        ...(metrics.partitionsDropped
          ? {
              partitionsDropped: metrics.partitionsDropped.map((p) => ({
                partition: p.name,
                from: new Date(p.from).toISOString(),
                to: new Date(p.to).toISOString(),
                windows: p.windows,
              })),
            }
          : {}),
      };
    }
    if (hoursBefore !== undefined)
      details.metricHourly = { hourEndBefore: new Date(hoursBefore).toISOString(), deleted: metrics.hoursDeleted };
  }
  await appendAuditIn(sql, [
    { at: now, actor: 'vigil', action: 'retention.applied', reason: 'retention limits of the configuration', details },
  ]);
  return {
    deadLettersErased,
    predictionsDeleted,
    ...(metrics === undefined ? {} : { metrics }),
    ...(reviewItemsErased === undefined ? {} : { reviewItemsErased }),
    ...(bucketsDeleted === undefined ? {} : { bucketsDeleted }),
  };
}
