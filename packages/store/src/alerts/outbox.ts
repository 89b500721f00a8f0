/**
 * The notification outbox (migration 0003). A state change and the notifications it causes commit together; the
 * relay turns due rows into queue jobs named by `jobId`, and a worker settles each row exactly once
 * (`settleOutboxIn` only moves a row out of `pending`). Redis may lose every job: pending rows are re-enqueued.
 */
import type { SqlExecutor } from '../sql/sql-client';
import { toIso, toMs, toNumber } from '../values';

export type OutboxKind = 'notify' | 'acknowledge' | 'resolve' | 'review' | 'control';
export type OutboxState = 'pending' | 'delivered' | 'failed' | 'cancelled';

export interface NewOutboxRow {
  /** Deterministic: the same notification always gets the same id, so writing or enqueueing it twice is harmless. */
  jobId: string;
  kind: OutboxKind;
  incidentId: string | null;
  /** A notification group's row (migration 0011): about every subject of the group; `incidentId` is null. */
  groupId?: string | null;
  reviewId: string | null;
  model: string;
  step: number;
  round: number;
  /** `owner:webhook`, `owner:email`, a notifier name, or `control`. */
  target: string;
  /** Data the delivery needs that is not on the incident (review summary, control event). */
  payload: unknown;
  deliverAt: number;
}

export interface OutboxRow extends NewOutboxRow {
  /** bigserial, as a string. */
  id: string;
  state: OutboxState;
  attempts: number;
  lastError: string | null;
  enqueuedAt: number | null;
  createdAt: number;
  settledAt: number | null;
}

/** Inserts rows whose job id is new; returns how many were inserted. */
export async function insertOutboxIn(sql: SqlExecutor, rows: readonly NewOutboxRow[], now: number): Promise<number> {
  if (rows.length === 0) return 0;
  const result = await sql.query(
    `INSERT INTO vigil_alert_outbox (job_id, kind, incident_id, review_id, model, step, round, target, payload, deliver_at, created_at, group_id)
     SELECT u.j, u.k, u.i, u.r, u.m, u.s::integer, u.rd::integer, u.t, u.p::jsonb, u.d::timestamptz, $11::timestamptz, u.g
     FROM UNNEST($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[], $12::text[])
       AS u(j, k, i, r, m, s, rd, t, p, d, g)
     ON CONFLICT (job_id) DO NOTHING`,
    [
      rows.map((r) => r.jobId),
      rows.map((r) => r.kind),
      rows.map((r) => r.incidentId),
      rows.map((r) => r.reviewId),
      rows.map((r) => r.model),
      rows.map((r) => String(r.step)),
      rows.map((r) => String(r.round)),
      rows.map((r) => r.target),
      rows.map((r) => (r.payload === undefined || r.payload === null ? null : JSON.stringify(r.payload))),
      rows.map((r) => toIso(r.deliverAt, 'deliverAt')),
      toIso(now, 'now'),
      rows.map((r) => r.groupId ?? null),
    ],
  );
  return result.rowCount;
}

const SELECT = `SELECT id::text AS id, job_id, kind, incident_id, group_id, review_id, model, step, round, target, payload, deliver_at, state, attempts,
  last_error, enqueued_at, created_at, settled_at FROM vigil_alert_outbox`;

export interface PendingOutboxQuery {
  /** Rows due before this time (epoch ms). */
  dueBefore: number;
  /** Only rows never enqueued (a full pass also re-enqueues rows Redis may have lost). */
  notEnqueuedOnly: boolean;
  /** @defaultValue 500 */
  limit?: number;
}

/** Pending rows due before `dueBefore`, earliest first. */
export async function pendingOutbox(sql: SqlExecutor, query: PendingOutboxQuery): Promise<OutboxRow[]> {
  const result = await sql.query<Record<string, unknown>>(
    `${SELECT} WHERE state = 'pending' AND deliver_at < $1::timestamptz AND (NOT $2::boolean OR enqueued_at IS NULL)
     ORDER BY deliver_at, vigil_alert_outbox.id LIMIT $3`,
    [toIso(query.dueBefore, 'dueBefore'), query.notEnqueuedOnly, query.limit ?? 500],
  );
  return result.rows.map(toOutboxRow);
}

export async function markEnqueued(sql: SqlExecutor, ids: readonly string[], at: number): Promise<void> {
  if (ids.length === 0) return;
  await sql.query(`UPDATE vigil_alert_outbox SET enqueued_at = $2::timestamptz WHERE id = ANY($1::bigint[])`, [
    ids,
    toIso(at, 'at'),
  ]);
}

export async function getOutboxRow(sql: SqlExecutor, id: string, forUpdate = false): Promise<OutboxRow | null> {
  const result = await sql.query<Record<string, unknown>>(
    `${SELECT} WHERE id = $1::bigint${forUpdate ? ' FOR UPDATE' : ''}`,
    [id],
  );
  const row = result.rows[0];
  return row === undefined ? null : toOutboxRow(row);
}

/** Moves a pending row to its final state; returns false when it was not pending (settled before). */
export async function settleOutboxIn(
  sql: SqlExecutor,
  id: string,
  settle: { state: Exclude<OutboxState, 'pending'>; at: number; attempts: number; error?: string },
): Promise<boolean> {
  const result = await sql.query(
    `UPDATE vigil_alert_outbox SET state = $2, settled_at = $3::timestamptz, attempts = $4, last_error = $5
     WHERE id = $1::bigint AND state = 'pending'`,
    [id, settle.state, toIso(settle.at, 'at'), settle.attempts, settle.error ?? null],
  );
  return result.rowCount === 1;
}

/** Cancels the pending rows of an incident (of the given kinds); returns how many. */
export async function cancelOutboxIn(
  sql: SqlExecutor,
  incidentId: string,
  kinds: readonly OutboxKind[],
  at: number,
): Promise<number> {
  const result = await sql.query(
    `UPDATE vigil_alert_outbox SET state = 'cancelled', settled_at = $3::timestamptz
     WHERE incident_id = $1 AND state = 'pending' AND kind = ANY($2::text[])`,
    [incidentId, [...kinds], toIso(at, 'at')],
  );
  return result.rowCount;
}

/**
 * Every outbox row about an incident, in order of creation: its own, and its notification group's (which told
 * of it with its group's other subjects).
 */
export async function outboxOfIncident(sql: SqlExecutor, incidentId: string): Promise<OutboxRow[]> {
  const result = await sql.query<Record<string, unknown>>(
    `${SELECT} WHERE incident_id = $1 OR group_id = (SELECT notification_group FROM vigil_incidents WHERE id = $1) ORDER BY vigil_alert_outbox.id`,
    [incidentId],
  );
  return result.rows.map(toOutboxRow);
}

/** Every outbox row of a notification group, in order of creation. */
export async function outboxOfGroup(sql: SqlExecutor, groupId: string): Promise<OutboxRow[]> {
  const result = await sql.query<Record<string, unknown>>(
    `${SELECT} WHERE group_id = $1 ORDER BY vigil_alert_outbox.id`,
    [groupId],
  );
  return result.rows.map(toOutboxRow);
}

/** Cancels the pending rows of a notification group (of the given kinds); returns how many. */
export async function cancelGroupOutboxIn(
  sql: SqlExecutor,
  groupId: string,
  kinds: readonly OutboxKind[],
  at: number,
): Promise<number> {
  const result = await sql.query(
    `UPDATE vigil_alert_outbox SET state = 'cancelled', settled_at = $3::timestamptz
     WHERE group_id = $1 AND state = 'pending' AND kind = ANY($2::text[])`,
    [groupId, [...kinds], toIso(at, 'at')],
  );
  return result.rowCount;
}

/**
 * The unresolved incidents that were notified at the given targets (a `notify` row delivered, or given up on: the
 * target may have taken it all the same), as (incident, target) pairs: what Alertmanager must keep being told.
 */
export async function openIncidentsNotifiedAt(
  sql: SqlExecutor,
  targets: readonly string[],
): Promise<Array<{ incidentId: string; target: string }>> {
  if (targets.length === 0) return [];
  const result = await sql.query<{ incident_id: string; target: string }>(
    `SELECT DISTINCT i.id AS incident_id, o.target FROM vigil_incidents i
       JOIN vigil_alert_outbox o ON o.incident_id = i.id OR (i.notification_group IS NOT NULL AND o.group_id = i.notification_group)
     WHERE i.status <> 'resolved' AND o.kind = 'notify' AND o.state IN ('delivered', 'failed') AND o.target = ANY($1::text[])
     ORDER BY i.id, o.target`,
    [[...targets]],
  );
  return result.rows.map((r) => ({ incidentId: String(r.incident_id), target: String(r.target) }));
}

const optionalMs = (v: unknown): number | null => (v === null || v === undefined ? null : toMs(v));

function toOutboxRow(r: Record<string, unknown>): OutboxRow {
  return {
    id: String(r.id),
    jobId: String(r.job_id),
    kind: r.kind as OutboxKind,
    incidentId: r.incident_id === null ? null : String(r.incident_id),
    groupId: r.group_id === null || r.group_id === undefined ? null : String(r.group_id),
    reviewId: r.review_id === null ? null : String(r.review_id),
    model: String(r.model),
    step: toNumber(r.step),
    round: toNumber(r.round),
    target: String(r.target),
    payload: typeof r.payload === 'string' ? JSON.parse(r.payload) : (r.payload ?? null),
    deliverAt: toMs(r.deliver_at),
    state: r.state as OutboxState,
    attempts: toNumber(r.attempts),
    lastError: r.last_error === null ? null : String(r.last_error),
    enqueuedAt: optionalMs(r.enqueued_at),
    createdAt: toMs(r.created_at),
    settledAt: optionalMs(r.settled_at),
  };
}
