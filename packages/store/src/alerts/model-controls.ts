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

/**
 * Records a pause or resume. Only a change is written: when the stored control already has `c.paused` (another
 * session's committed in between), nothing changes and the result is false.
 */
export async function setModelControlIn(sql: SqlExecutor, c: ModelControl): Promise<boolean> {
  const result = await sql.query(
    `INSERT INTO vigil_model_controls (model, paused, reason, changed_by, changed_at) VALUES ($1, $2, $3, $4, $5::timestamptz)
     ON CONFLICT (model) DO UPDATE SET paused = EXCLUDED.paused, reason = EXCLUDED.reason, changed_by = EXCLUDED.changed_by, changed_at = EXCLUDED.changed_at
     WHERE vigil_model_controls.paused <> EXCLUDED.paused
     RETURNING model`,
    [c.model, c.paused, c.reason, c.changedBy, toIso(c.changedAt, 'changedAt')],
  );
  return result.rows.length > 0;
}

/** The last pause or resume of `model`, locked for the transaction with `forUpdate`; null when it never had one. */
export async function modelControlIn(sql: SqlExecutor, model: string, forUpdate = false): Promise<ModelControl | null> {
  const result = await sql.query<Record<string, unknown>>(
    `SELECT model, paused, reason, changed_by, changed_at FROM vigil_model_controls WHERE model = $1${forUpdate ? ' FOR UPDATE' : ''}`,
    [model],
  );
  const row = result.rows[0];
  return row === undefined ? null : toControl(row);
}

/** Every model that was ever paused or resumed, by id. */
export async function modelControls(sql: SqlExecutor): Promise<ModelControl[]> {
  const result = await sql.query<Record<string, unknown>>(
    `SELECT model, paused, reason, changed_by, changed_at FROM vigil_model_controls ORDER BY model`,
  );
  return result.rows.map(toControl);
}

function toControl(r: Record<string, unknown>): ModelControl {
  return {
    model: String(r.model),
    paused: r.paused === true,
    reason: String(r.reason),
    changedBy: String(r.changed_by),
    changedAt: toMs(r.changed_at),
  };
}
