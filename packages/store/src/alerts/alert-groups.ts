/**
 * Notification groups (migration 0011): the incidents that share the labels of `alerts.groupBy` are told about
 * together, one escalation per group. At most one unresolved group per key (a partial unique index), so two
 * evaluations racing to open the same group meet in one row.
 */
import type { SqlExecutor } from '../sql/sql-client';
import { toIso, toMs, toNumber } from '../values';

export type AlertGroupStatus = 'firing' | 'acknowledged' | 'resolved';

export interface AlertGroup {
  id: string;
  groupKey: string;
  model: string;
  status: AlertGroupStatus;
  escalationPolicy: string;
  /** The last escalation step notified; -1 before the first notice. */
  escalationStep: number;
  openedAt: number;
  updatedAt: number;
  lastNotifiedAt: number | null;
  acknowledgedAt: number | null;
  acknowledgedBy: string | null;
  resolvedAt: number | null;
}

const COLUMNS = {
  status: 'status',
  escalationStep: 'escalation_step',
  updatedAt: 'updated_at',
  lastNotifiedAt: 'last_notified_at',
  acknowledgedAt: 'acknowledged_at',
  acknowledgedBy: 'acknowledged_by',
  resolvedAt: 'resolved_at',
} as const;
const TIME_FIELDS = new Set(['updatedAt', 'lastNotifiedAt', 'acknowledgedAt', 'resolvedAt']);

export type AlertGroupPatch = Partial<Pick<AlertGroup, keyof typeof COLUMNS>>;

const SELECT = `SELECT id, group_key, model, status, escalation_policy, escalation_step, opened_at, updated_at, last_notified_at,
  acknowledged_at, acknowledged_by, resolved_at FROM vigil_alert_groups`;

/**
 * The unresolved group of `groupKey`, opened now when there is none, locked until the transaction ends; `opened`
 * says which.
 */
export async function openAlertGroupIn(
  sql: SqlExecutor,
  g: { id: string; groupKey: string; model: string; escalationPolicy: string; now: number },
): Promise<{ group: AlertGroup; opened: boolean }> {
  const inserted = await sql.query(
    `INSERT INTO vigil_alert_groups (id, group_key, model, status, escalation_policy, opened_at, updated_at)
     VALUES ($1, $2, $3, 'firing', $4, $5::timestamptz, $5::timestamptz)
     ON CONFLICT (group_key) WHERE status <> 'resolved' DO NOTHING`,
    [g.id, g.groupKey, g.model, g.escalationPolicy, toIso(g.now, 'now')],
  );
  const result = await sql.query<Record<string, unknown>>(
    `${SELECT} WHERE group_key = $1 AND status <> 'resolved' FOR UPDATE`,
    [g.groupKey],
  );
  return { group: toGroup(result.rows[0]!), opened: inserted.rowCount === 1 };
}

/** One group; `forUpdate` locks its row until the transaction ends (serialises work on one group). */
export async function getAlertGroup(sql: SqlExecutor, id: string, forUpdate = false): Promise<AlertGroup | null> {
  const result = await sql.query<Record<string, unknown>>(`${SELECT} WHERE id = $1${forUpdate ? ' FOR UPDATE' : ''}`, [
    id,
  ]);
  const row = result.rows[0];
  return row === undefined ? null : toGroup(row);
}

export async function updateAlertGroupIn(
  sql: SqlExecutor,
  id: string,
  patch: AlertGroupPatch,
): Promise<AlertGroup | null> {
  const sets: string[] = [];
  const params: unknown[] = [id];
  for (const [field, column] of Object.entries(COLUMNS)) {
    if (!(field in patch)) continue;
    const value = (patch as Record<string, unknown>)[field];
    params.push(TIME_FIELDS.has(field) ? (value === null ? null : toIso(value as number, field)) : value);
    sets.push(`${column} = $${params.length}${TIME_FIELDS.has(field) ? '::timestamptz' : ''}`);
  }
  if (sets.length > 0) await sql.query(`UPDATE vigil_alert_groups SET ${sets.join(', ')} WHERE id = $1`, params);
  return getAlertGroup(sql, id);
}

const optionalMs = (v: unknown): number | null => (v === null || v === undefined ? null : toMs(v));

function toGroup(r: Record<string, unknown>): AlertGroup {
  return {
    id: String(r.id),
    groupKey: String(r.group_key),
    model: String(r.model),
    status: r.status as AlertGroupStatus,
    escalationPolicy: String(r.escalation_policy),
    escalationStep: toNumber(r.escalation_step),
    openedAt: toMs(r.opened_at),
    updatedAt: toMs(r.updated_at),
    lastNotifiedAt: optionalMs(r.last_notified_at),
    acknowledgedAt: optionalMs(r.acknowledged_at),
    acknowledgedBy: r.acknowledged_by === null ? null : String(r.acknowledged_by),
    resolvedAt: optionalMs(r.resolved_at),
  };
}
