/**
 * The reads of `vigil model list` and `vigil model show`: each model's latest window with the fleet summary its row
 * carries (migration 0027, docs/storage.md "The fleet's summary of a window"), the model's versions and its open
 * incidents. One backward index probe per model for its latest window, as the fleet dashboard's Models table does:
 * never every window of a range.
 */
import type { SqlExecutor } from '../sql/sql-client';
import { toMs, toNumber } from '../values';

/** A model's latest window holding its `rows` series, with the window's fleet summary. Times in epoch ms. */
export interface LatestWindow {
  /** '' when events carry no version. */
  version: string;
  windowStart: number;
  windowEnd: number;
  rows: number;
  labelledRows: number;
  /** How many input-feature PSI series the window holds (not `$score`, not of a group). */
  psiFeatures: number;
  /** The largest of their values, and its feature; null when the window has none. */
  psiMax: number | null;
  psiWorstFeature: string | null;
  /** The sum of the input features' `drifted` values (how many drifted); null when the window has none. */
  driftedFeatures: number | null;
}

/** One model the database knows, as `vigil model list` shows it. */
export interface FleetModel {
  model: string;
  /** Every version seen, the most recently first seen first. */
  versions: string[];
  /** Its latest window holding its `rows` series (of any version); null before its first analysed window. */
  latest: LatestWindow | null;
  /** Its incidents not resolved: firing, acknowledged or silenced. */
  openIncidents: number;
  /**
   * The alert rules of its latest window's version by state (`vigil_rule_states`: each rule's feature, group and
   * severity once); null before any rule judged a window of that version.
   */
  rules: RuleStateCounts | null;
}

/** Rule keys by state: a model whose rules are all `insufficientData` never alerts (its windows are below minSamples). */
export interface RuleStateCounts {
  ok: number;
  firing: number;
  insufficientData: number;
}

const LATEST_COLUMNS = `w.version, w.window_start, w.window_end, w.rows::text AS rows, w.labelled_rows::text AS labelled_rows,
  w.psi_features, w.psi_max, w.psi_worst_feature, w.drifted_features`;

/** Every model of `vigil_models`, by id, with its versions, latest window, open incidents and rule states: one statement. */
export async function fleetModels(sql: SqlExecutor): Promise<FleetModel[]> {
  const result = await sql.query<Record<string, unknown>>(
    `SELECT m.model,
            (SELECT array_agg(v.version ORDER BY v.first_seen_at DESC, v.version DESC) FROM vigil_model_versions AS v
             WHERE v.model = m.model) AS versions,
            (SELECT count(*) FROM vigil_incidents AS i WHERE i.model = m.model AND i.status <> 'resolved')::int AS open_incidents,
            x.*, r.*
     FROM vigil_models AS m
     LEFT JOIN LATERAL (
       SELECT ${LATEST_COLUMNS} FROM vigil_metric_windows AS w
       WHERE w.model = m.model AND w.model_rows
       ORDER BY w.window_end DESC, w.version DESC
       LIMIT 1
     ) AS x ON true
     LEFT JOIN LATERAL (
       SELECT count(*) FILTER (WHERE s.state = 'ok')::int AS rules_ok,
              count(*) FILTER (WHERE s.state = 'firing')::int AS rules_firing,
              count(*) FILTER (WHERE s.state = 'insufficient_data')::int AS rules_insufficient
       FROM vigil_rule_states AS s WHERE s.model = m.model AND s.version = x.version
     ) AS r ON true
     ORDER BY m.model`,
  );
  return result.rows.map((r) => ({
    model: String(r.model),
    versions: Array.isArray(r.versions) ? r.versions.map(String) : [],
    latest: r.window_end === null || r.window_end === undefined ? null : latestWindowOf(r),
    openIncidents: toNumber(r.open_incidents),
    rules:
      toNumber(r.rules_ok ?? 0) + toNumber(r.rules_firing ?? 0) + toNumber(r.rules_insufficient ?? 0) === 0
        ? null
        : {
            ok: toNumber(r.rules_ok),
            firing: toNumber(r.rules_firing),
            insufficientData: toNumber(r.rules_insufficient),
          },
  }));
}

/** The latest window of `model` (of `version` when given) holding its `rows` series, or null when it has none. */
export async function latestWindow(sql: SqlExecutor, model: string, version?: string): Promise<LatestWindow | null> {
  const result = await sql.query<Record<string, unknown>>(
    `SELECT ${LATEST_COLUMNS} FROM vigil_metric_windows AS w
     WHERE w.model = $1 AND ($2::text IS NULL OR w.version = $2) AND w.model_rows
     ORDER BY w.window_end DESC, w.version DESC
     LIMIT 1`,
    [model, version ?? null],
  );
  const r = result.rows[0];
  return r === undefined ? null : latestWindowOf(r);
}

function latestWindowOf(r: Record<string, unknown>): LatestWindow {
  const orNull = (v: unknown): number | null => (v === null || v === undefined ? null : toNumber(v));
  return {
    version: String(r.version),
    windowStart: toMs(r.window_start),
    windowEnd: toMs(r.window_end),
    rows: toNumber(r.rows),
    labelledRows: toNumber(r.labelled_rows),
    psiFeatures: orNull(r.psi_features) ?? 0,
    psiMax: orNull(r.psi_max),
    psiWorstFeature:
      r.psi_worst_feature === null || r.psi_worst_feature === undefined ? null : String(r.psi_worst_feature),
    driftedFeatures: orNull(r.drifted_features),
  };
}
