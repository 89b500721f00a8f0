/** Silences (migration 0003): '' in a matcher field matches anything; every silence has an expiry. */
import type { SqlExecutor } from '../sql/sql-client';
import { toIso, toMs } from '../values';

export interface Silence {
  id: string;
  model: string;
  /** '' = any. */
  version: string;
  metric: string;
  feature: string;
  group: string;
  startsAt: number;
  expiresAt: number;
  reason: string;
  createdBy: string;
  createdAt: number;
}

export async function insertSilenceIn(sql: SqlExecutor, s: Silence): Promise<void> {
  await sql.query(
    `INSERT INTO vigil_silences (id, model, version, metric, feature, group_key, starts_at, expires_at, reason, created_by, created_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7::timestamptz, $8::timestamptz, $9, $10, $11::timestamptz)`,
    [
      s.id,
      s.model,
      s.version,
      s.metric,
      s.feature,
      s.group,
      toIso(s.startsAt, 'startsAt'),
      toIso(s.expiresAt, 'expiresAt'),
      s.reason,
      s.createdBy,
      toIso(s.createdAt, 'createdAt'),
    ],
  );
}

/** Silences of a model in force at `at`. */
export async function activeSilencesIn(sql: SqlExecutor, model: string, at: number): Promise<Silence[]> {
  const result = await sql.query<Record<string, unknown>>(
    `SELECT * FROM vigil_silences WHERE model = $1 AND starts_at <= $2::timestamptz AND expires_at > $2::timestamptz ORDER BY expires_at DESC, id`,
    [model, toIso(at, 'at')],
  );
  return result.rows.map((r) => ({
    id: String(r.id),
    model: String(r.model),
    version: String(r.version),
    metric: String(r.metric),
    feature: String(r.feature),
    group: String(r.group_key),
    startsAt: toMs(r.starts_at),
    expiresAt: toMs(r.expires_at),
    reason: String(r.reason),
    createdBy: String(r.created_by),
    createdAt: toMs(r.created_at),
  }));
}

/** Whether a silence covers an incident key. */
export function silenceMatches(
  s: Pick<Silence, 'model' | 'version' | 'metric' | 'feature' | 'group'>,
  k: { model: string; version: string; metric: string; feature: string; group: string },
): boolean {
  return (
    s.model === k.model &&
    (s.version === '' || s.version === k.version) &&
    (s.metric === '' || s.metric === k.metric) &&
    (s.feature === '' || s.feature === k.feature) &&
    (s.group === '' || s.group === k.group)
  );
}
