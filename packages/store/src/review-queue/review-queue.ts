/**
 * The human review queue (migration 0014, docs/review.md). Flagged predictions are written in the transaction of
 * the batch that flagged them, at most the hour's capacity of them queued and the rest recorded as `not_queued`.
 * Reviewers claim an item (the claim times out), then decide it: `agree` or `override`, with a label or not. A
 * label becomes a label event of the prediction (source `human`): it waits in `vigil_orphan_labels` and the next
 * maintenance pass joins it like any late label, so its window is analysed again.
 */
import { VigilError } from '@vigil/core';
import type { SqlExecutor } from '../sql/sql-client';
import { toIso, toMs, toNumber } from '../values';
import { allotReviewCapacity } from './allot-review-capacity';

export type ReviewItemStatus = 'pending' | 'claimed' | 'decided' | 'expired' | 'not_queued';
export type ReviewVerdict = 'agree' | 'override';
export const REVIEW_VERDICTS: readonly ReviewVerdict[] = ['agree', 'override'];

/** One flagged prediction as the batch hands it over. */
export interface FlaggedPrediction {
  id: string;
  version: string;
  /** Event time, epoch ms. */
  ts: number;
  score: number | null;
  prediction: number | null;
  features: Record<string, number | string | null>;
  groups: Record<string, string | null>;
  /** The event's attributions by feature (docs/events.md); absent or `{}` when it carried none. */
  attributions?: Record<string, number>;
  /** Why it was flagged (the daemon's FlagReason objects). */
  reasons: ReadonlyArray<{ policy: string }>;
  priority: number;
  /** The reserves of the hour's capacity it may be charged to, in order (`audit`, `group:sex=F`); none: shared only. */
  reserves?: readonly string[];
}

/** A model's flagged predictions of one batch, most urgent first: the first ones the hour can take are queued. */
export interface FlaggedGroup {
  model: string;
  capacityPerHour: number;
  /** Items of the hour's capacity kept for a sample (`audit`, `group:sex=F`), see allotReviewCapacity. */
  reserves?: Readonly<Record<string, number>>;
  ttlMs: number;
  /** What the item shows of the model when it was flagged (drift, calibration); open incidents are added here. */
  context: Record<string, unknown>;
  items: readonly FlaggedPrediction[];
}

export interface ReviewItem {
  id: string;
  model: string;
  predictionId: string;
  version: string;
  eventTs: number;
  score: number | null;
  prediction: number | null;
  features: Record<string, number | string | null>;
  groups: Record<string, string | null>;
  /** The event's attributions by feature; `{}` when it carried none (or they were erased by retention). */
  attributions: Record<string, number>;
  reasons: Array<Record<string, unknown> & { policy: string }>;
  policies: string[];
  priority: number;
  context: Record<string, unknown>;
  status: ReviewItemStatus;
  flaggedAt: number;
  expiresAt: number;
  claimedBy: string | null;
  claimedAt: number | null;
  claimExpiresAt: number | null;
  decidedBy: string | null;
  decidedAt: number | null;
  verdict: ReviewVerdict | null;
  label: number | null;
  verdictReason: string | null;
}

const HOUR_MS = 3_600_000;

/**
 * Queues the flagged predictions of a batch, inside its transaction: per model, locks the counter of the clock hour
 * of `now`, queues the items the hour's capacity and reserves still allow (in the order given: most urgent first;
 * allotReviewCapacity) and records the others as `not_queued`. A prediction already in the queue (keyed by model and
 * event id) is left as it is and counts nowhere.
 */
export async function queueFlaggedIn(
  tx: SqlExecutor,
  groups: readonly FlaggedGroup[],
  now: number,
): Promise<{ queued: number; notQueued: number }> {
  let queued = 0;
  let notQueued = 0;
  const hourStart = toIso(Math.floor(now / HOUR_MS) * HOUR_MS, 'hour');
  // One model at a time, in name order: two batches lock the counters in the same order.
  for (const group of [...groups].sort((a, b) => (a.model < b.model ? -1 : a.model > b.model ? 1 : 0))) {
    if (group.items.length === 0) continue;
    await tx.query(
      'INSERT INTO vigil_review_capacity (model, hour_start) VALUES ($1, $2::timestamptz) ON CONFLICT DO NOTHING',
      [group.model, hourStart],
    );
    const locked = await tx.query<{ queued: unknown; reserved: unknown }>(
      'SELECT queued, reserved FROM vigil_review_capacity WHERE model = $1 AND hour_start = $2::timestamptz FOR UPDATE',
      [group.model, hourStart],
    );
    const present = await tx.query<{ prediction_id: string }>(
      'SELECT prediction_id FROM vigil_review_queue WHERE model = $1 AND prediction_id = ANY ($2::text[])',
      [group.model, group.items.map((i) => i.id)],
    );
    const known = new Set(present.rows.map((r) => r.prediction_id));
    const items = group.items.filter((i) => !known.has(i.id));
    if (items.length === 0) continue;
    const reservedSoFar = json<Record<string, unknown>>(locked.rows[0]?.reserved ?? {});
    const allotted = allotReviewCapacity(
      group.capacityPerHour,
      group.reserves ?? {},
      {
        queued: toNumber(locked.rows[0]?.queued ?? 0),
        reserved: Object.fromEntries(Object.entries(reservedSoFar).map(([k, v]) => [k, toNumber(v)])),
      },
      items,
    );
    const incidents = await tx.query<Record<string, unknown>>(
      `SELECT id, version, metric, feature, group_key, severity, status, value, threshold, opened_at FROM vigil_incidents
       WHERE model = $1 AND status <> 'resolved' ORDER BY opened_at, id`,
      [group.model],
    );
    const context = {
      ...group.context,
      openIncidents: incidents.rows.map((r) => ({
        id: r.id,
        version: r.version,
        metric: r.metric,
        feature: r.feature,
        group: r.group_key,
        severity: r.severity,
        status: r.status,
        value: r.value === null ? null : toNumber(r.value),
        threshold: r.threshold === null ? null : toNumber(r.threshold),
        openedAt: toMs(r.opened_at),
      })),
    };
    const inserted = await tx.query<{ status: string }>(
      `INSERT INTO vigil_review_queue (model, prediction_id, version, event_ts, score, prediction, features, groups, reasons, policies, priority,
                                       context, status, flagged_at, expires_at, attributions)
       SELECT $1, u.id, u.v, u.ts::timestamptz, u.score, u.pred, u.f::jsonb, u.g::jsonb, u.r::jsonb,
              ARRAY(SELECT DISTINCT e ->> 'policy' FROM jsonb_array_elements(u.r::jsonb) AS e ORDER BY 1), u.pri, $2::jsonb,
              u.status, $4::timestamptz, $5::timestamptz, u.a::jsonb
       FROM UNNEST($6::text[], $7::text[], $8::text[], $9::float8[], $10::float8[], $11::text[], $12::text[], $13::text[], $14::float8[], $3::text[], $15::text[])
         AS u(id, v, ts, score, pred, f, g, r, pri, status, a)
       ON CONFLICT (model, prediction_id) DO NOTHING
       RETURNING status`,
      [
        group.model,
        JSON.stringify(context),
        allotted.queued.map((q) => (q ? 'pending' : 'not_queued')),
        toIso(now, 'now'),
        toIso(now + group.ttlMs, 'expiresAt'),
        items.map((i) => i.id),
        items.map((i) => i.version),
        items.map((i) => toIso(i.ts, 'event ts')),
        items.map((i) => i.score),
        items.map((i) => i.prediction),
        items.map((i) => JSON.stringify(i.features)),
        items.map((i) => JSON.stringify(i.groups)),
        items.map((i) => JSON.stringify(i.reasons)),
        items.map((i) => i.priority),
        items.map((i) => JSON.stringify(i.attributions ?? {})),
      ],
    );
    const q = inserted.rows.filter((r) => r.status === 'pending').length;
    const n = inserted.rows.length - q;
    await tx.query(
      'UPDATE vigil_review_capacity SET queued = queued + $3, not_queued = not_queued + $4, reserved = $5::jsonb WHERE model = $1 AND hour_start = $2::timestamptz',
      [group.model, hourStart, q, n, JSON.stringify(allotted.used.reserved)],
    );
    queued += q;
    notQueued += n;
  }
  return { queued, notQueued };
}

export interface ReviewQueueQuery {
  model?: string;
  status?: ReviewItemStatus;
  /** A policy that flagged the item: `audit`, `borderline`, `unusual`, `group`. */
  reason?: string;
  /** @defaultValue 100 */
  limit?: number;
}

const SELECT = `SELECT id::text AS id, model, prediction_id, version, event_ts, score, prediction, features, groups, attributions, reasons, policies, priority, context,
  status, flagged_at, expires_at, claimed_by, claimed_at, claim_expires_at, decided_by, decided_at, verdict, label, verdict_reason FROM vigil_review_queue`;

/**
 * Items most urgent first (pending and claimed), then in the order they were flagged. The order is the numeric id, not
 * the text the id is returned as (which would put 10 before 2).
 */
export async function listReviewItems(sql: SqlExecutor, query: ReviewQueueQuery = {}): Promise<ReviewItem[]> {
  const result = await sql.query<Record<string, unknown>>(
    `${SELECT} WHERE ($1::text IS NULL OR model = $1) AND ($2::text IS NULL OR status = $2) AND ($3::text IS NULL OR $3 = ANY (policies))
     ORDER BY (status IN ('pending', 'claimed')) DESC, priority DESC, vigil_review_queue.id LIMIT $4`,
    [
      query.model ?? null,
      query.status ?? null,
      query.reason ?? null,
      Math.max(1, Math.min(query.limit ?? 100, 10_000)),
    ],
  );
  return result.rows.map(toItem);
}

export async function getReviewItem(sql: SqlExecutor, id: string, forUpdate = false): Promise<ReviewItem | null> {
  if (!/^\d{1,18}$/.test(id)) return null;
  const result = await sql.query<Record<string, unknown>>(
    `${SELECT} WHERE id = $1::bigint${forUpdate ? ' FOR UPDATE' : ''}`,
    [id],
  );
  const row = result.rows[0];
  return row === undefined ? null : toItem(row);
}

/**
 * Claims item `id` for `reviewer` until `now + timeoutMs`. A pending item, or one whose claim has timed out, can be
 * claimed; the reviewer holding a live claim may claim again (it is renewed). Anything else is a conflict.
 */
export async function claimReviewItemIn(
  tx: SqlExecutor,
  id: string,
  reviewer: string,
  now: number,
  timeoutMs: number,
): Promise<ReviewItem> {
  const item = await getReviewItem(tx, id, true);
  if (!item) throw new VigilError('VIGIL_NOT_FOUND', `no review item ${id}`);
  const claimLive = item.status === 'claimed' && (item.claimExpiresAt ?? 0) > now;
  const claimable =
    (item.status === 'pending' && item.expiresAt > now) ||
    (item.status === 'claimed' && (!claimLive || item.claimedBy === reviewer));
  if (!claimable) {
    const why = claimLive
      ? `claimed by ${item.claimedBy ?? '?'} until ${new Date(item.claimExpiresAt ?? 0).toISOString()}`
      : item.status === 'pending'
        ? 'expired'
        : item.status;
    throw new VigilError('VIGIL_CONFLICT', `review item ${id} cannot be claimed: it is ${why}`, {
      details: { status: item.status },
    });
  }
  await tx.query(
    `UPDATE vigil_review_queue SET status = 'claimed', claimed_by = $2, claimed_at = $3::timestamptz, claim_expires_at = $4::timestamptz WHERE id = $1::bigint`,
    [id, reviewer, toIso(now, 'now'), toIso(now + timeoutMs, 'claim expiry')],
  );
  return { ...item, status: 'claimed', claimedBy: reviewer, claimedAt: now, claimExpiresAt: now + timeoutMs };
}

/** The most urgent item the reviewer may claim (their own live claim first), or null; skips rows others hold locked. */
export async function nextReviewItemIn(
  tx: SqlExecutor,
  reviewer: string,
  now: number,
  models?: readonly string[],
): Promise<ReviewItem | null> {
  const result = await tx.query<{ id: string }>(
    `SELECT id::text AS id FROM vigil_review_queue
     WHERE ($1::text[] IS NULL OR model = ANY ($1)) AND (
       (status = 'pending' AND expires_at > $3::timestamptz)
       OR (status = 'claimed' AND (claimed_by = $2 OR claim_expires_at <= $3::timestamptz)))
     ORDER BY (status = 'claimed' AND claimed_by = $2) DESC, priority DESC, vigil_review_queue.id LIMIT 1 FOR UPDATE SKIP LOCKED`,
    [models === undefined ? null : [...models], reviewer, toIso(now, 'now')],
  );
  const id = result.rows[0]?.id;
  return id === undefined ? null : getReviewItem(tx, id);
}

export interface VerdictInput {
  verdict: ReviewVerdict;
  /** The true outcome, when the reviewer knows it: joined to the prediction like a label event. */
  label?: number;
  reason: string;
  /** How long the label waits for a prediction that left the index (as late labels do). */
  labelTtlMs: number;
}

/**
 * Decides item `id`: only its live claimant may (an item claimed by nobody, or whose claim has timed out, must be
 * claimed first). With a label, the label is handed to the label join as an orphan of the prediction.
 */
export async function decideReviewItemIn(
  tx: SqlExecutor,
  id: string,
  reviewer: string,
  now: number,
  input: VerdictInput,
): Promise<ReviewItem> {
  const item = await getReviewItem(tx, id, true);
  if (!item) throw new VigilError('VIGIL_NOT_FOUND', `no review item ${id}`);
  if (item.status !== 'claimed' || item.claimedBy !== reviewer || (item.claimExpiresAt ?? 0) <= now) {
    const why =
      item.status === 'claimed'
        ? item.claimedBy === reviewer
          ? 'your claim has timed out: claim it again'
          : `it is claimed by ${item.claimedBy ?? '?'}`
        : `it is ${item.status}`;
    throw new VigilError('VIGIL_CONFLICT', `review item ${id} cannot be decided by ${reviewer}: ${why}`, {
      details: { status: item.status },
    });
  }
  await tx.query(
    `UPDATE vigil_review_queue SET status = 'decided', decided_by = $2, decided_at = $3::timestamptz, verdict = $4, label = $5, verdict_reason = $6
     WHERE id = $1::bigint`,
    [id, reviewer, toIso(now, 'now'), input.verdict, input.label ?? null, input.reason],
  );
  if (input.label !== undefined) {
    await tx.query(
      `INSERT INTO vigil_orphan_labels (model, id, label, ts, expires_at) VALUES ($1, $2, $3, $4::timestamptz, $5::timestamptz) ON CONFLICT (model, id) DO NOTHING`,
      [item.model, item.predictionId, input.label, toIso(now, 'now'), toIso(now + input.labelTtlMs, 'label expiry')],
    );
  }
  return {
    ...item,
    status: 'decided',
    decidedBy: reviewer,
    decidedAt: now,
    verdict: input.verdict,
    label: input.label ?? null,
    verdictReason: input.reason,
  };
}

/**
 * The label prediction `predictionId` of `model` already carries in the prediction index (on its event, from the
 * labels topic or an earlier verdict): null when it is indexed without one, undefined when it is not indexed (never
 * seen, or past its label TTL). The first label of a prediction wins, so a verdict's label is then not its label.
 */
export async function predictionLabelIn(
  tx: SqlExecutor,
  model: string,
  predictionId: string,
): Promise<number | null | undefined> {
  // A primary-key probe.
  const result = await tx.query<{ label: unknown }>(
    'SELECT label FROM vigil_prediction_index WHERE model = $1 AND id = $2',
    [model, predictionId],
  );
  const row = result.rows[0];
  return row === undefined ? undefined : numOrNull(row.label);
}

/** An item whose status a settling pass changed: its windows' review rows (backlog, oldest pending age) changed. */
export interface SettledReviewItem {
  model: string;
  version: string;
  eventTs: number;
}

/**
 * Claims that timed out go back to `pending`; pending items past their TTL (and timed-out claims past it) become
 * `expired`, and so do those of `unreviewed` models (configured without a review section: nobody can claim them any
 * more) whatever their TTL. Returns how many items changed, and which (so the caller can touch their windows).
 */
export async function expireReviewItemsIn(
  tx: SqlExecutor,
  now: number,
  unreviewed: readonly string[] = [],
): Promise<{ released: number; expired: number; changed: SettledReviewItem[] }> {
  const at = toIso(now, 'now');
  const expired = await tx.query<{ model: string; version: string; event_ts: unknown }>(
    `UPDATE vigil_review_queue SET status = 'expired', claimed_by = NULL, claimed_at = NULL, claim_expires_at = NULL
     WHERE (expires_at <= $1::timestamptz OR model = ANY ($2::text[]))
       AND (status = 'pending' OR (status = 'claimed' AND claim_expires_at <= $1::timestamptz))
     RETURNING model, version, event_ts`,
    [at, [...unreviewed]],
  );
  const released = await tx.query<{ model: string; version: string; event_ts: unknown }>(
    `UPDATE vigil_review_queue SET status = 'pending', claimed_by = NULL, claimed_at = NULL, claim_expires_at = NULL
     WHERE status = 'claimed' AND claim_expires_at <= $1::timestamptz
     RETURNING model, version, event_ts`,
    [at],
  );
  const changed = [...expired.rows, ...released.rows].map((r) => ({
    model: r.model,
    version: r.version,
    eventTs: toMs(r.event_ts),
  }));
  return { released: released.rowCount, expired: expired.rowCount, changed };
}

/**
 * Adds `patch` to the context of item `id` when it still waits for a reviewer and its context has no analysed
 * window (it was flagged before any window of its model was analysed: a file replay, a first hour). Returns
 * whether it was added.
 */
export async function fillReviewContextIn(
  tx: SqlExecutor,
  id: string,
  patch: Record<string, unknown>,
): Promise<boolean> {
  const result = await tx.query(
    `UPDATE vigil_review_queue SET context = context || $2::jsonb
     WHERE id = $1::bigint AND status IN ('pending', 'claimed') AND NOT (context ? 'window')`,
    [id, JSON.stringify(patch)],
  );
  return result.rowCount > 0;
}

/** How many items `reviewer` decided in [from, to). */
export async function countDecided(sql: SqlExecutor, reviewer: string, from: number, to: number): Promise<number> {
  const result = await sql.query<{ n: unknown }>(
    `SELECT count(*)::int AS n FROM vigil_review_queue WHERE status = 'decided' AND decided_by = $1 AND decided_at >= $2::timestamptz AND decided_at < $3::timestamptz`,
    [reviewer, toIso(from, 'from'), toIso(to, 'to')],
  );
  return toNumber(result.rows[0]?.n ?? 0);
}

/** Queued and not-queued counts per clock hour of a model, oldest first. */
export async function reviewCapacity(
  sql: SqlExecutor,
  model: string,
): Promise<Array<{ hourStart: number; queued: number; notQueued: number }>> {
  const result = await sql.query<Record<string, unknown>>(
    'SELECT hour_start, queued, not_queued FROM vigil_review_capacity WHERE model = $1 ORDER BY hour_start',
    [model],
  );
  return result.rows.map((r) => ({
    hourStart: toMs(r.hour_start),
    queued: toNumber(r.queued),
    notQueued: toNumber(r.not_queued),
  }));
}

/** What a window's review metrics need of one queued item. */
export interface ReviewWindowItem {
  status: ReviewItemStatus;
  verdict: ReviewVerdict | null;
  audit: boolean;
  groups: Record<string, string | null>;
  flaggedAt: number;
}

/** The items of a model version whose predictions' event times are in [start, end). */
export async function reviewWindowItemsIn(
  sql: SqlExecutor,
  model: string,
  version: string,
  start: number,
  end: number,
): Promise<ReviewWindowItem[]> {
  const result = await sql.query<{
    status: ReviewItemStatus;
    verdict: ReviewVerdict | null;
    audit: boolean;
    groups: unknown;
    flagged_at: unknown;
  }>(
    `SELECT status, verdict, 'audit' = ANY (policies) AS audit, groups, flagged_at FROM vigil_review_queue
     WHERE model = $1 AND version = $2 AND event_ts >= $3::timestamptz AND event_ts < $4::timestamptz`,
    [model, version, toIso(start, 'window start'), toIso(end, 'window end')],
  );
  return result.rows.map((r) => ({
    status: r.status,
    verdict: r.verdict,
    audit: r.audit,
    groups: json(r.groups),
    flaggedAt: toMs(r.flagged_at),
  }));
}

function json<T>(value: unknown): T {
  return (typeof value === 'string' ? JSON.parse(value) : value) as T;
}

const msOrNull = (v: unknown): number | null => (v === null || v === undefined ? null : toMs(v));
const numOrNull = (v: unknown): number | null => (v === null || v === undefined ? null : toNumber(v));

function toItem(r: Record<string, unknown>): ReviewItem {
  return {
    id: String(r.id),
    model: r.model as string,
    predictionId: r.prediction_id as string,
    version: r.version as string,
    eventTs: toMs(r.event_ts),
    score: numOrNull(r.score),
    prediction: numOrNull(r.prediction),
    features: json(r.features),
    groups: json(r.groups),
    attributions: json(r.attributions ?? {}),
    reasons: json(r.reasons),
    policies: Array.isArray(r.policies) ? (r.policies as string[]) : json<string[]>(r.policies),
    priority: toNumber(r.priority),
    context: json(r.context),
    status: r.status as ReviewItemStatus,
    flaggedAt: toMs(r.flagged_at),
    expiresAt: toMs(r.expires_at),
    claimedBy: (r.claimed_by as string | null) ?? null,
    claimedAt: msOrNull(r.claimed_at),
    claimExpiresAt: msOrNull(r.claim_expires_at),
    decidedBy: (r.decided_by as string | null) ?? null,
    decidedAt: msOrNull(r.decided_at),
    verdict: (r.verdict as ReviewVerdict | null) ?? null,
    label: numOrNull(r.label),
    verdictReason: (r.verdict_reason as string | null) ?? null,
  };
}
