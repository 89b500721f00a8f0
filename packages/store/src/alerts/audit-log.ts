/**
 * The append-only audit log (migration 0003): who did what, when and why. A trigger refuses UPDATE and DELETE,
 * so nothing written here can be rewritten by Vigil or by a mistaken query.
 */
import type { SqlExecutor } from '../sql/sql-client';
import { toIso, toMs } from '../values';

export interface AuditEntryInput {
  at: number;
  /** A token name, `cli:<user>`, or `vigil` for the daemon's own decisions. */
  actor: string;
  /** `incident.opened`, `incident.acknowledged`, `notification.delivered`, `model.paused`, ... */
  action: string;
  reason?: string | null;
  model?: string | null;
  incidentId?: string | null;
  details?: unknown;
}

export interface AuditEntry extends Required<Omit<AuditEntryInput, 'details'>> {
  id: string;
  details: unknown;
}

export async function appendAuditIn(sql: SqlExecutor, entries: readonly AuditEntryInput[]): Promise<void> {
  if (entries.length === 0) return;
  await sql.query(
    `INSERT INTO vigil_audit_log (at, actor, action, reason, model, incident_id, details)
     SELECT u.at::timestamptz, u.actor, u.action, u.reason, u.model, u.incident, u.details::jsonb
     FROM UNNEST($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[]) AS u(at, actor, action, reason, model, incident, details)`,
    [
      entries.map((e) => toIso(e.at, 'at')),
      entries.map((e) => e.actor),
      entries.map((e) => e.action),
      entries.map((e) => e.reason ?? null),
      entries.map((e) => e.model ?? null),
      entries.map((e) => e.incidentId ?? null),
      entries.map((e) => (e.details === undefined ? null : JSON.stringify(e.details))),
    ],
  );
}

export interface AuditQuery {
  incidentId?: string;
  model?: string;
  /** Entries at or after this time (epoch ms)… */
  from?: number;
  /** …and before this one. */
  to?: number;
  /** Entries of these incidents whatever their time (a review keeps the whole history of its incidents). */
  alsoIncidents?: readonly string[];
  /** @defaultValue 1000 */
  limit?: number;
  /** Only entries with a larger id (the `id` of the last entry of the previous page). */
  afterId?: string;
}

/**
 * Oldest first: by the numeric id, which is the order of appending. (The id is returned as text, and sorting by
 * that text once gave 1, 10, 11, 2, ….) Every filter is in SQL, so a limit cuts the matching entries, never the
 * log before it was filtered.
 */
export async function auditLog(sql: SqlExecutor, query: AuditQuery = {}): Promise<AuditEntry[]> {
  const result = await sql.query<Record<string, unknown>>(
    `SELECT a.id::text AS id, a.at, a.actor, a.action, a.reason, a.model, a.incident_id, a.details FROM vigil_audit_log a
     WHERE ($1::text IS NULL OR a.incident_id = $1) AND ($2::text IS NULL OR a.model = $2)
       AND ((($3::timestamptz IS NULL OR a.at >= $3::timestamptz) AND ($4::timestamptz IS NULL OR a.at < $4::timestamptz))
            OR a.incident_id = ANY($5::text[]))
       AND ($7::bigint IS NULL OR a.id > $7::bigint)
     ORDER BY a.id LIMIT $6`,
    [
      query.incidentId ?? null,
      query.model ?? null,
      query.from === undefined ? null : toIso(query.from, 'from'),
      query.to === undefined ? null : toIso(query.to, 'to'),
      [...(query.alsoIncidents ?? [])],
      query.limit ?? 1000,
      query.afterId ?? null,
    ],
  );
  return result.rows.map((r) => ({
    id: String(r.id),
    at: toMs(r.at),
    actor: String(r.actor),
    action: String(r.action),
    reason: r.reason === null ? null : String(r.reason),
    model: r.model === null ? null : String(r.model),
    incidentId: r.incident_id === null ? null : String(r.incident_id),
    details: typeof r.details === 'string' ? JSON.parse(r.details) : r.details,
  }));
}
