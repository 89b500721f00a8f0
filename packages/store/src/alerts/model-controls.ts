/** The kill switch's state (migration 0003): the last pause or resume of each model. */
import type { SqlExecutor } from '../sql/sql-client';
import { toIso, toMs } from '../values';

export interface ModelControl {
  model: string;
  paused: boolean;
  reason: string;
  changedBy: string;
  changedAt: number;
}

export async function setModelControlIn(sql: SqlExecutor, c: ModelControl): Promise<void> {
  await sql.query(
    `INSERT INTO vigil_model_controls (model, paused, reason, changed_by, changed_at) VALUES ($1, $2, $3, $4, $5::timestamptz)
     ON CONFLICT (model) DO UPDATE SET paused = EXCLUDED.paused, reason = EXCLUDED.reason, changed_by = EXCLUDED.changed_by, changed_at = EXCLUDED.changed_at`,
    [c.model, c.paused, c.reason, c.changedBy, toIso(c.changedAt, 'changedAt')],
  );
}

/** Every model that was ever paused or resumed, by id. */
export async function modelControls(sql: SqlExecutor): Promise<ModelControl[]> {
  const result = await sql.query<Record<string, unknown>>(
    `SELECT model, paused, reason, changed_by, changed_at FROM vigil_model_controls ORDER BY model`,
  );
  return result.rows.map((r) => ({
    model: String(r.model),
    paused: r.paused === true,
    reason: String(r.reason),
    changedBy: String(r.changed_by),
    changedAt: toMs(r.changed_at),
  }));
}
