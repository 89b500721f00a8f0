import type { SqlExecutor } from '../sql/sql-client';
import { toMs } from '../values';

export interface StoredReferenceProfile<P = unknown> {
  profile: P;
  createdAt: number;
}

/** Keeps every profile ever saved; `loadReferenceProfile` returns the newest. */
export async function saveReferenceProfile(sql: SqlExecutor, model: string, version: string, profile: unknown): Promise<void> {
  await sql.query('INSERT INTO vigil_models (model) VALUES ($1) ON CONFLICT DO NOTHING', [model]);
  await sql.query('INSERT INTO vigil_model_versions (model, version) VALUES ($1, $2) ON CONFLICT DO NOTHING', [model, version]);
  await sql.query('INSERT INTO vigil_reference_profiles (model, version, profile) VALUES ($1, $2, $3::jsonb)', [model, version, JSON.stringify(profile)]);
}

export async function loadReferenceProfile<P = unknown>(sql: SqlExecutor, model: string, version: string): Promise<StoredReferenceProfile<P> | null> {
  const result = await sql.query<{ profile: P; created_at: unknown }>(
    `SELECT profile, created_at FROM vigil_reference_profiles WHERE model = $1 AND version = $2
     ORDER BY created_at DESC, id DESC LIMIT 1`,
    [model, version],
  );
  const row = result.rows[0];
  return row === undefined ? null : { profile: row.profile, createdAt: toMs(row.created_at) };
}
