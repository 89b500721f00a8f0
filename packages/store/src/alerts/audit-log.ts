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
  /** @defaultValue 1000 */
  limit?: number;
}

/** Oldest first. */
export async function auditLog(sql: SqlExecutor, query: AuditQuery = {}): Promise<AuditEntry[]> {
  const result = await sql.query<Record<string, unknown>>(
    `SELECT id::text AS id, at, actor, action, reason, model, incident_id, details FROM vigil_audit_log
     WHERE ($1::text IS NULL OR incident_id = $1) AND ($2::text IS NULL OR model = $2) ORDER BY id LIMIT $3`,
    [query.incidentId ?? null, query.model ?? null, query.limit ?? 1000],
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
