/**
 * Rule evaluations per window and rule states (migration 0003). N-of-M reads the last M evaluated windows of a
 * rule key; since a window's evaluation is keyed by the window, analysing a window again revises its outcome
 * instead of adding one.
 */
import type { SqlExecutor } from '../sql/sql-client';
import { toIso, toMs, toNumber } from '../values';
import { compositeKey } from '@vigil/core';

export type RuleWindowOutcome = 'breach' | 'elevated' | 'ok' | 'insufficient_data';

/** A rule key: what an incident is about, plus the severity of the rule. */
export interface RuleKey {
  metric: string;
  feature: string;
  group: string;
  severity: string;
}

export interface RuleWindow extends RuleKey {
  windowStart: number;
  windowEnd: number;
  outcome: RuleWindowOutcome;
  value: number | null;
  samples: number;
}

export async function upsertRuleWindowsIn(
  sql: SqlExecutor,
  model: string,
  version: string,
  rows: readonly RuleWindow[],
  at: number,
): Promise<void> {
  if (rows.length === 0) return;
  await sql.query(
    `INSERT INTO vigil_rule_windows (model, version, metric, feature, group_key, severity, window_start, window_end, outcome, value, samples, evaluated_at)
     SELECT $1, $2, u.metric, u.f, u.g, u.s, u.ws::timestamptz, u.we::timestamptz, u.o, u.v, u.n::bigint, $11::timestamptz
     FROM UNNEST($3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::float8[], $12::text[])
       AS u(metric, f, g, s, ws, we, o, v, n)
     ON CONFLICT (model, version, metric, feature, group_key, severity, window_start, window_end) DO UPDATE SET
       outcome = EXCLUDED.outcome, value = EXCLUDED.value, samples = EXCLUDED.samples, evaluated_at = EXCLUDED.evaluated_at`,
    [
      model,
      version,
      rows.map((r) => r.metric),
      rows.map((r) => r.feature),
      rows.map((r) => r.group),
      rows.map((r) => r.severity),
      rows.map((r) => toIso(r.windowStart, 'windowStart')),
      rows.map((r) => toIso(r.windowEnd, 'windowEnd')),
      rows.map((r) => r.outcome),
      rows.map((r) => (r.value === null || !Number.isFinite(r.value) ? null : r.value)),
      toIso(at, 'at'),
      rows.map((r) => String(r.samples)),
    ],
  );
}

/**
 * The latest `m` windows of each key that had enough data (insufficient windows neither breach nor heal), newest
 * first, plus each key's very latest window whatever its outcome. Returned grouped by key (`ruleKeyId`).
 */
export async function recentRuleWindowsIn(
  sql: SqlExecutor,
  model: string,
  version: string,
  keys: ReadonlyArray<RuleKey & { m: number }>,
): Promise<Map<string, { recent: RuleWindow[]; latest: RuleWindow | undefined }>> {
  const out = new Map<string, { recent: RuleWindow[]; latest: RuleWindow | undefined }>();
  if (keys.length === 0) return out;
  for (const k of keys) out.set(ruleKeyId(k), { recent: [], latest: undefined });
  const result = await sql.query<Record<string, unknown>>(
    `WITH k AS (SELECT * FROM UNNEST($3::text[], $4::text[], $5::text[], $6::text[], $7::int[]) AS u(metric, f, g, s, m)),
     ranked AS (
       SELECT w.metric, w.feature, w.group_key, w.severity, w.window_start, w.window_end, w.outcome, w.value, w.samples::text AS samples, k.m,
         row_number() OVER (PARTITION BY w.metric, w.feature, w.group_key, w.severity ORDER BY w.window_start DESC, w.window_end DESC) AS any_rank,
         row_number() OVER (PARTITION BY w.metric, w.feature, w.group_key, w.severity, (w.outcome = 'insufficient_data')
                            ORDER BY w.window_start DESC, w.window_end DESC) AS kind_rank
       FROM vigil_rule_windows AS w JOIN k ON w.metric = k.metric AND w.feature = k.f AND w.group_key = k.g AND w.severity = k.s
       WHERE w.model = $1 AND w.version = $2)
     SELECT * FROM ranked WHERE any_rank = 1 OR (outcome <> 'insufficient_data' AND kind_rank <= m)
     ORDER BY metric, feature, group_key, severity, window_start DESC, window_end DESC`,
    [
      model,
      version,
      keys.map((k) => k.metric),
      keys.map((k) => k.feature),
      keys.map((k) => k.group),
      keys.map((k) => k.severity),
      keys.map((k) => k.m),
    ],
  );
  for (const r of result.rows) {
    const w: RuleWindow = {
      metric: String(r.metric),
      feature: String(r.feature),
      group: String(r.group_key),
      severity: String(r.severity),
      windowStart: toMs(r.window_start),
      windowEnd: toMs(r.window_end),
      outcome: r.outcome as RuleWindowOutcome,
      value: r.value === null ? null : toNumber(r.value),
      samples: toNumber(r.samples),
    };
    const entry = out.get(ruleKeyId(w));
    if (!entry) continue;
    if (toNumber(r.any_rank) === 1) entry.latest = w;
    if (w.outcome !== 'insufficient_data' && toNumber(r.kind_rank) <= toNumber(r.m)) entry.recent.push(w);
  }
  return out;
}

/**
 * Deletes the windows of each key that N-of-M will not read again: those older than the 2M-th latest window with
 * enough data. N-of-M reads the latest M sufficient windows; the other M are slack for re-analyses that turn a
 * newer window insufficient (late labels only add labelled rows, so in practice they never do). A re-analysis of
 * a deleted window re-inserts it behind 2M newer ones. Keys with fewer than 2M sufficient windows keep everything.
 * Returns how many rows were deleted.
 */
export async function pruneRuleWindowsIn(
  sql: SqlExecutor,
  model: string,
  version: string,
  keys: ReadonlyArray<RuleKey & { m: number }>,
): Promise<number> {
  if (keys.length === 0) return 0;
  const result = await sql.query(
    `WITH k AS (SELECT * FROM UNNEST($3::text[], $4::text[], $5::text[], $6::text[], $7::int[]) AS u(metric, f, g, s, m)),
     ranked AS (
       SELECT w.metric, w.feature, w.group_key, w.severity, w.window_start, k.m,
         row_number() OVER (PARTITION BY w.metric, w.feature, w.group_key, w.severity ORDER BY w.window_start DESC, w.window_end DESC) AS rank
       FROM vigil_rule_windows AS w JOIN k ON w.metric = k.metric AND w.feature = k.f AND w.group_key = k.g AND w.severity = k.s
       WHERE w.model = $1 AND w.version = $2 AND w.outcome <> 'insufficient_data'),
     cut AS (SELECT metric, feature, group_key, severity, window_start AS keep_from FROM ranked WHERE rank = 2 * m)
     DELETE FROM vigil_rule_windows AS d USING cut
     WHERE d.model = $1 AND d.version = $2 AND d.metric = cut.metric AND d.feature = cut.feature AND d.group_key = cut.group_key
       AND d.severity = cut.severity AND d.window_start < cut.keep_from`,
    [
      model,
      version,
      keys.map((k) => k.metric),
      keys.map((k) => k.feature),
      keys.map((k) => k.group),
      keys.map((k) => k.severity),
      keys.map((k) => k.m),
    ],
  );
  return result.rowCount;
}

export interface RuleState extends RuleKey {
  firing: boolean;
  state: 'ok' | 'firing' | 'insufficient_data';
  value: number | null;
  windowStart: number;
  windowEnd: number;
}

export async function ruleStatesIn(sql: SqlExecutor, model: string, version: string): Promise<Map<string, RuleState>> {
  const result = await sql.query<Record<string, unknown>>(
    `SELECT metric, feature, group_key, severity, firing, state, value, window_start, window_end FROM vigil_rule_states WHERE model = $1 AND version = $2`,
    [model, version],
  );
  const out = new Map<string, RuleState>();
  for (const r of result.rows) {
    const s: RuleState = {
      metric: String(r.metric),
      feature: String(r.feature),
      group: String(r.group_key),
      severity: String(r.severity),
      firing: r.firing === true,
      state: r.state as RuleState['state'],
      value: r.value === null ? null : toNumber(r.value),
      windowStart: toMs(r.window_start),
      windowEnd: toMs(r.window_end),
    };
    out.set(ruleKeyId(s), s);
  }
  return out;
}

export async function upsertRuleStatesIn(
  sql: SqlExecutor,
  model: string,
  version: string,
  states: readonly RuleState[],
  at: number,
): Promise<void> {
  if (states.length === 0) return;
  await sql.query(
    `INSERT INTO vigil_rule_states (model, version, metric, feature, group_key, severity, firing, state, value, window_start, window_end, updated_at)
     SELECT $1, $2, u.metric, u.f, u.g, u.s, u.firing, u.state, u.v, u.ws::timestamptz, u.we::timestamptz, $12::timestamptz
     FROM UNNEST($3::text[], $4::text[], $5::text[], $6::text[], $7::boolean[], $8::text[], $9::float8[], $10::text[], $11::text[])
       AS u(metric, f, g, s, firing, state, v, ws, we)
     ON CONFLICT (model, version, metric, feature, group_key, severity) DO UPDATE SET
       firing = EXCLUDED.firing, state = EXCLUDED.state, value = EXCLUDED.value, window_start = EXCLUDED.window_start,
       window_end = EXCLUDED.window_end, updated_at = EXCLUDED.updated_at`,
    [
      model,
      version,
      states.map((s) => s.metric),
      states.map((s) => s.feature),
      states.map((s) => s.group),
      states.map((s) => s.severity),
      states.map((s) => s.firing),
      states.map((s) => s.state),
      states.map((s) => (s.value === null || !Number.isFinite(s.value) ? null : s.value)),
      states.map((s) => toIso(s.windowStart, 'windowStart')),
      states.map((s) => toIso(s.windowEnd, 'windowEnd')),
      toIso(at, 'at'),
    ],
  );
}

/** A map key for a rule key. */
export function ruleKeyId(k: RuleKey): string {
  return compositeKey(k.metric, k.feature, k.group, k.severity);
}
