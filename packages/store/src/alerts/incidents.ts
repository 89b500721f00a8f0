/**
 * Incidents (migration 0003): at most one unresolved incident per (model, version, metric, feature, group), which
 * a partial unique index enforces, so two evaluations racing to open the same incident cannot both succeed.
 */
import type { SqlExecutor } from '../sql/sql-client';
import { toIso, toMs, toNumber } from '../values';

export type IncidentStatus = 'firing' | 'acknowledged' | 'resolved' | 'silenced';
export type IncidentKind = 'rule' | 'condition';
export type IncidentSeverity = 'warning' | 'critical';

/** What an incident is about. `feature`/`group` are '' for none. */
export interface IncidentKey {
  model: string;
  version: string;
  metric: string;
  feature: string;
  group: string;
}

/** An incident row. Times in epoch milliseconds; null when not (yet) set. */
export interface Incident extends IncidentKey {
  id: string;
  kind: IncidentKind;
  severity: IncidentSeverity;
  status: IncidentStatus;
  value: number | null;
  threshold: number | null;
  comparison: string | null;
  windowStart: number | null;
  windowEnd: number | null;
  windowRows: number | null;
  openedAt: number;
  updatedAt: number;
  acknowledgedAt: number | null;
  acknowledgedBy: string | null;
  resolvedAt: number | null;
  resolvedBy: string | null;
  silencedUntil: number | null;
  escalationPolicy: string;
  /** The last escalation step notified; -1 before the first notification. */
  escalationStep: number;
  lastNotifiedAt: number | null;
  /** Targets that failed for good: `{ target, step, error, at }`. */
  deliveryFailures: Array<{ target: string; step: number; error: string; at: number }>;
  detail: string | null;
  /** What cleared it (migration 0011): null while open, and when resolved by hand or by a condition ending. */
  resolution: IncidentResolution | null;
  /** The notification group that notifies about it (migration 0011); null for model conditions. */
  notificationGroup: string | null;
}

/** The window that cleared an incident, its value and the clear threshold it was judged against. */
export interface IncidentResolution {
  windowStart: number;
  windowEnd: number;
  rows: number | null;
  value: number | null;
  clearThreshold: number;
  comparison: string;
}

export type NewIncident = Omit<
  Incident,
  | 'acknowledgedAt'
  | 'acknowledgedBy'
  | 'resolvedAt'
  | 'resolvedBy'
  | 'escalationStep'
  | 'lastNotifiedAt'
  | 'deliveryFailures'
  | 'updatedAt'
  | 'silencedUntil'
  | 'resolution'
  | 'notificationGroup'
> & { silencedUntil?: number | null };

/** Columns an update may set, by field name. */
const COLUMNS = {
  severity: 'severity',
  status: 'status',
  value: 'value',
  threshold: 'threshold',
  comparison: 'comparison',
  windowStart: 'window_start',
  windowEnd: 'window_end',
  windowRows: 'window_rows',
  updatedAt: 'updated_at',
  acknowledgedAt: 'acknowledged_at',
  acknowledgedBy: 'acknowledged_by',
  resolvedAt: 'resolved_at',
  resolvedBy: 'resolved_by',
  silencedUntil: 'silenced_until',
  escalationStep: 'escalation_step',
  lastNotifiedAt: 'last_notified_at',
  detail: 'detail',
  resolution: 'resolution',
  notificationGroup: 'notification_group',
} as const;
const TIME_FIELDS = new Set([
  'windowStart',
  'windowEnd',
  'updatedAt',
  'acknowledgedAt',
  'resolvedAt',
  'silencedUntil',
  'lastNotifiedAt',
]);

export type IncidentPatch = Partial<Pick<Incident, keyof typeof COLUMNS>>;

const SELECT = `SELECT id, model, version, metric, feature, group_key, kind, severity, status, value, threshold, comparison,
  window_start, window_end, window_rows::text AS window_rows, opened_at, updated_at, acknowledged_at, acknowledged_by,
  resolved_at, resolved_by, silenced_until, escalation_policy, escalation_step, last_notified_at, delivery_failures, detail, resolution, notification_group
  FROM vigil_incidents`;

/**
 * Inserts an incident unless an unresolved one of the same key exists; returns whether it was inserted.
 * The caller reads the existing one then (`openIncidentsIn`).
 */
export async function insertIncidentIn(sql: SqlExecutor, incident: NewIncident): Promise<boolean> {
  const result = await sql.query(
    `INSERT INTO vigil_incidents (id, model, version, metric, feature, group_key, kind, severity, status, value, threshold, comparison,
       window_start, window_end, window_rows, opened_at, updated_at, silenced_until, escalation_policy, detail)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13::timestamptz, $14::timestamptz, $15::bigint, $16::timestamptz, $16::timestamptz,
       $17::timestamptz, $18, $19)
     ON CONFLICT (model, version, metric, feature, group_key) WHERE status <> 'resolved' DO NOTHING`,
    [
      incident.id,
      incident.model,
      incident.version,
      incident.metric,
      incident.feature,
      incident.group,
      incident.kind,
      incident.severity,
      incident.status,
      incident.value,
      incident.threshold,
      incident.comparison,
      optionalIso(incident.windowStart),
      optionalIso(incident.windowEnd),
      incident.windowRows === null ? null : String(incident.windowRows),
      toIso(incident.openedAt, 'openedAt'),
      optionalIso(incident.silencedUntil ?? null),
      incident.escalationPolicy,
      incident.detail,
    ],
  );
  return result.rowCount === 1;
}

/** Sets the given fields; returns the updated incident, or null when there is no incident `id`. */
export async function updateIncidentIn(sql: SqlExecutor, id: string, patch: IncidentPatch): Promise<Incident | null> {
  const sets: string[] = [];
  const params: unknown[] = [id];
  for (const [field, column] of Object.entries(COLUMNS)) {
    if (!(field in patch)) continue;
    const value = (patch as Record<string, unknown>)[field];
    if (field === 'resolution') {
      params.push(value === null || value === undefined ? null : JSON.stringify(value));
      sets.push(`${column} = $${params.length}::jsonb`);
      continue;
    }
    params.push(
      TIME_FIELDS.has(field)
        ? optionalIso(value as number | null)
        : field === 'windowRows' && value !== null
          ? String(value)
          : value,
    );
    sets.push(
      `${column} = $${params.length}${TIME_FIELDS.has(field) ? '::timestamptz' : field === 'windowRows' ? '::bigint' : ''}`,
    );
  }
  if (sets.length === 0) return getIncident(sql, id);
  const result = await sql.query<Record<string, unknown>>(
    `UPDATE vigil_incidents SET ${sets.join(', ')} WHERE id = $1 RETURNING id`,
    params,
  );
  return result.rowCount === 0 ? null : getIncident(sql, id);
}

/** Appends a permanent delivery failure to the incident's record. */
export async function recordDeliveryFailureIn(
  sql: SqlExecutor,
  id: string,
  failure: { target: string; step: number; error: string; at: number },
): Promise<void> {
  await sql.query(
    `UPDATE vigil_incidents SET delivery_failures = delivery_failures || $2::jsonb, updated_at = $3::timestamptz WHERE id = $1`,
    [id, JSON.stringify([failure]), toIso(failure.at, 'at')],
  );
}

/** One incident; `forUpdate` locks its row until the transaction ends (serialises work on one incident). */
export async function getIncident(sql: SqlExecutor, id: string, forUpdate = false): Promise<Incident | null> {
  const result = await sql.query<Record<string, unknown>>(`${SELECT} WHERE id = $1${forUpdate ? ' FOR UPDATE' : ''}`, [
    id,
  ]);
  const row = result.rows[0];
  return row === undefined ? null : toIncident(row);
}

/** The unresolved incidents of a model version (every version when `version` is undefined). */
export async function openIncidentsIn(sql: SqlExecutor, model: string, version?: string): Promise<Incident[]> {
  const result = await sql.query<Record<string, unknown>>(
    `${SELECT} WHERE model = $1 AND ($2::text IS NULL OR version = $2) AND status <> 'resolved' ORDER BY opened_at, id`,
    [model, version ?? null],
  );
  return result.rows.map(toIncident);
}

export interface IncidentQuery {
  model?: string;
  /** Only these statuses; absent: every status. */
  statuses?: readonly IncidentStatus[];
  /** Incidents opened at or after this time (epoch ms). */
  since?: number;
  /** @defaultValue 100 */
  limit?: number;
  /**
   * What needs someone first (`vigil incidents list`): firing, then acknowledged, then silenced incidents, critical
   * before warning within each, then the resolved ones; newest first within each. @defaultValue false: newest first
   */
  openFirst?: boolean;
}

/** The incidents of a notification group, oldest first. */
export async function incidentsOfGroup(sql: SqlExecutor, groupId: string): Promise<Incident[]> {
  const result = await sql.query<Record<string, unknown>>(
    `${SELECT} WHERE notification_group = $1 ORDER BY opened_at, id`,
    [groupId],
  );
  return result.rows.map(toIncident);
}

/** Newest first, or with `openFirst` what needs someone first. */
export async function listIncidents(sql: SqlExecutor, query: IncidentQuery = {}): Promise<Incident[]> {
  const result = await sql.query<Record<string, unknown>>(
    `${SELECT} WHERE ($1::text IS NULL OR model = $1) AND ($2::text[] IS NULL OR status = ANY($2::text[]))
       AND ($3::timestamptz IS NULL OR opened_at >= $3::timestamptz)
     ORDER BY
       CASE WHEN $5::boolean THEN array_position(ARRAY['firing', 'acknowledged', 'silenced', 'resolved'], status) ELSE 0 END,
       CASE WHEN $5::boolean AND status <> 'resolved' AND severity = 'critical' THEN 0 ELSE 1 END,
       opened_at DESC, id DESC
     LIMIT $4`,
    [
      query.model ?? null,
      query.statuses ? [...query.statuses] : null,
      query.since === undefined ? null : toIso(query.since, 'since'),
      query.limit ?? 100,
      query.openFirst ?? false,
    ],
  );
  return result.rows.map(toIncident);
}

/** Every incident of a model (for review evidence), oldest first. */
export async function incidentsOfModel(sql: SqlExecutor, model: string, since: number): Promise<Incident[]> {
  const result = await sql.query<Record<string, unknown>>(
    `${SELECT} WHERE model = $1 AND (status <> 'resolved' OR resolved_at >= $2::timestamptz) ORDER BY opened_at, id`,
    [model, toIso(since, 'since')],
  );
  return result.rows.map(toIncident);
}

function optionalIso(ms: number | null | undefined): string | null {
  return ms === null || ms === undefined ? null : toIso(ms, 'time');
}

const optionalMs = (v: unknown): number | null => (v === null || v === undefined ? null : toMs(v));
const optionalText = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));

function toIncident(r: Record<string, unknown>): Incident {
  return {
    id: String(r.id),
    model: String(r.model),
    version: String(r.version),
    metric: String(r.metric),
    feature: String(r.feature),
    group: String(r.group_key),
    kind: r.kind as IncidentKind,
    severity: r.severity as IncidentSeverity,
    status: r.status as IncidentStatus,
    value: r.value === null ? null : toNumber(r.value),
    threshold: r.threshold === null ? null : toNumber(r.threshold),
    comparison: optionalText(r.comparison),
    windowStart: optionalMs(r.window_start),
    windowEnd: optionalMs(r.window_end),
    windowRows: r.window_rows === null ? null : toNumber(r.window_rows),
    openedAt: toMs(r.opened_at),
    updatedAt: toMs(r.updated_at),
    acknowledgedAt: optionalMs(r.acknowledged_at),
    acknowledgedBy: optionalText(r.acknowledged_by),
    resolvedAt: optionalMs(r.resolved_at),
    resolvedBy: optionalText(r.resolved_by),
    silencedUntil: optionalMs(r.silenced_until),
    escalationPolicy: String(r.escalation_policy),
    escalationStep: toNumber(r.escalation_step),
    lastNotifiedAt: optionalMs(r.last_notified_at),
    deliveryFailures: (typeof r.delivery_failures === 'string'
      ? JSON.parse(r.delivery_failures)
      : r.delivery_failures) as Incident['deliveryFailures'],
    detail: optionalText(r.detail),
    notificationGroup: optionalText(r.notification_group),
    resolution: (typeof r.resolution === 'string'
      ? JSON.parse(r.resolution)
      : (r.resolution ?? null)) as IncidentResolution | null,
  };
}
