/**
 * Reviews (migration 0003) and the evidence they freeze: the metric rows and windows of the period under review,
 * the reference profiles in force (ids and fit times, not the profiles themselves), and the incident history with
 * its audit trail. Frozen means copied into the review row: later re-analyses cannot change what was reviewed.
 */
import type { SqlExecutor } from '../sql/sql-client';
import { toIso, toMs, toNumber } from '../values';
import { metricRows, type MetricRow } from '../metrics/metric-rows';
import { auditLog, type AuditEntry } from './audit-log';
import { incidentsOfModel, type Incident } from './incidents';

export interface ReviewEvidence {
  model: string;
  /** '' = every version. */
  version: string;
  from: number;
  to: number;
  metricRows: MetricRow[];
  /** The window rows (vigil_windows) of the period, and any window that only has metric rows. */
  windows: Array<{ version: string; windowStart: number; windowEnd: number; rows: number; labelledRows: number; analyses?: number; analysedAt?: number | null }>;
  referenceProfiles: Array<{ id: string; version: string; createdAt: number }>;
  incidents: Incident[];
  audit: AuditEntry[];
}

export interface Review {
  id: string;
  model: string;
  version: string;
  reason: string;
  openedBy: string;
  openedAt: number;
  status: string;
  evidence: ReviewEvidence;
}

/** Collects the evidence of a model (version) over [from, to). */
export async function collectEvidenceIn(sql: SqlExecutor, model: string, version: string, from: number, to: number): Promise<ReviewEvidence> {
  const rows = await metricRows(sql, model, { from, to, ...(version === '' ? {} : { version }) });
  const windows = new Map<string, ReviewEvidence['windows'][number]>();
  for (const r of rows) {
    const key = `${r.version}\u0000${r.windowStart}\u0000${r.windowEnd}`;
    const w = windows.get(key) ?? { version: r.version, windowStart: r.windowStart, windowEnd: r.windowEnd, rows: 0, labelledRows: 0 };
    w.rows = Math.max(w.rows, r.rows);
    w.labelledRows = Math.max(w.labelledRows, r.labelledRows);
    windows.set(key, w);
  }
  const stored = await sql.query<Record<string, unknown>>(
    `SELECT version, window_start, window_end, rows::text AS rows, labelled_rows::text AS labelled_rows, analyses, analysed_at FROM vigil_windows
     WHERE model = $1 AND ($2 = '' OR version = $2) AND window_start >= $3::timestamptz AND window_start < $4::timestamptz`,
    [model, version, toIso(from, 'from'), toIso(to, 'to')],
  );
  for (const r of stored.rows) {
    const w = { version: String(r.version), windowStart: toMs(r.window_start), windowEnd: toMs(r.window_end) };
    windows.set(`${w.version}\u0000${w.windowStart}\u0000${w.windowEnd}`, {
      ...w,
      rows: toNumber(r.rows),
      labelledRows: toNumber(r.labelled_rows),
      analyses: toNumber(r.analyses),
      analysedAt: r.analysed_at === null ? null : toMs(r.analysed_at),
    });
  }
  const profiles = await sql.query<Record<string, unknown>>(
    `SELECT DISTINCT ON (version) id::text AS id, version, created_at FROM vigil_reference_profiles
     WHERE model = $1 AND ($2 = '' OR version = $2) ORDER BY version, created_at DESC, vigil_reference_profiles.id DESC`,
    [model, version],
  );
  const incidents = (await incidentsOfModel(sql, model, from)).filter((i) => version === '' || i.version === version);
  const audit = await auditLog(sql, { model, from, to, alsoIncidents: incidents.map((i) => i.id), limit: 10_000 });
  return {
    model,
    version,
    from,
    to,
    metricRows: rows,
    windows: [...windows.values()].sort((a, b) => a.windowStart - b.windowStart || a.windowEnd - b.windowEnd || (a.version < b.version ? -1 : 1)),
    referenceProfiles: profiles.rows.map((p) => ({ id: String(p.id), version: String(p.version), createdAt: toMs(p.created_at) })),
    incidents,
    audit,
  };
}

export async function insertReviewIn(sql: SqlExecutor, review: Review): Promise<void> {
  await sql.query(
    `INSERT INTO vigil_reviews (id, model, version, reason, opened_by, opened_at, status, evidence) VALUES ($1, $2, $3, $4, $5, $6::timestamptz, $7, $8::jsonb)`,
    [review.id, review.model, review.version, review.reason, review.openedBy, toIso(review.openedAt, 'openedAt'), review.status, JSON.stringify(review.evidence)],
  );
}

export async function getReview(sql: SqlExecutor, id: string): Promise<Review | null> {
  const result = await sql.query<Record<string, unknown>>(`SELECT * FROM vigil_reviews WHERE id = $1`, [id]);
  const r = result.rows[0];
  if (r === undefined) return null;
  return {
    id: String(r.id),
    model: String(r.model),
    version: String(r.version),
    reason: String(r.reason),
    openedBy: String(r.opened_by),
    openedAt: toMs(r.opened_at),
    status: String(r.status),
    evidence: (typeof r.evidence === 'string' ? JSON.parse(r.evidence) : r.evidence) as ReviewEvidence,
  };
}

export async function countReviews(sql: SqlExecutor, model: string): Promise<number> {
  const result = await sql.query<{ n: unknown }>(`SELECT count(*)::int AS n FROM vigil_reviews WHERE model = $1`, [model]);
  return toNumber(result.rows[0]?.n ?? 0);
}
