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
import { compositeKey } from '@vigil/core';

export interface ReviewEvidence {
  model: string;
  /** '' = every version. */
  version: string;
  from: number;
  to: number;
  metricRows: MetricRow[];
  /** The window rows (vigil_windows) of the period, and any window that only has metric rows. */
  windows: Array<{
    version: string;
    windowStart: number;
    windowEnd: number;
    rows: number;
    labelledRows: number;
    analyses?: number;
    analysedAt?: number | null;
  }>;
  referenceProfiles: Array<{ id: string; version: string; createdAt: number }>;
  incidents: Incident[];
  audit: AuditEntry[];
}

/** What a review concluded. */
export const REVIEW_OUTCOMES = ['no_action', 'retrain', 'rollback', 'retire', 'other'] as const;
export type ReviewOutcome = (typeof REVIEW_OUTCOMES)[number];
export type ReviewStatus = 'open' | 'closed';

export interface Review {
  id: string;
  model: string;
  version: string;
  reason: string;
  openedBy: string;
  openedAt: number;
  status: ReviewStatus;
  evidence: ReviewEvidence;
  /** Set when closed (all four together; the table's CHECK says so). */
  closedAt?: number | null;
  closedBy?: string | null;
  outcome?: ReviewOutcome | null;
  closeReason?: string | null;
}

/** A review without its evidence, as lists show it, with the sizes of what it froze. */
export interface ReviewSummary extends Omit<Review, 'evidence'> {
  evidence: { from: number; to: number; metricRows: number; windows: number; incidents: number; auditEntries: number };
  findings: number;
}

export interface ReviewFinding {
  id: string;
  reviewId: string;
  at: number;
  author: string;
  text: string;
}

export interface ReviewQuery {
  model?: string;
  status?: ReviewStatus;
  /** @defaultValue 50 */
  limit?: number;
  /** Only reviews after this one in the order of the list (newest first): a `ReviewSummary` of the previous page. */
  after?: { openedAt: number; id: string };
}

/** Collects the evidence of a model (version) over [from, to). */
export async function collectEvidenceIn(
  sql: SqlExecutor,
  model: string,
  version: string,
  from: number,
  to: number,
): Promise<ReviewEvidence> {
  const rows = await metricRows(sql, model, { from, to, ...(version === '' ? {} : { version }) });
  const windows = new Map<string, ReviewEvidence['windows'][number]>();
  for (const r of rows) {
    const key = compositeKey(r.version, r.windowStart, r.windowEnd);
    const w = windows.get(key) ?? {
      version: r.version,
      windowStart: r.windowStart,
      windowEnd: r.windowEnd,
      rows: 0,
      labelledRows: 0,
    };
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
    windows.set(compositeKey(w.version, w.windowStart, w.windowEnd), {
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
    windows: [...windows.values()].sort(
      (a, b) => a.windowStart - b.windowStart || a.windowEnd - b.windowEnd || (a.version < b.version ? -1 : 1),
    ),
    referenceProfiles: profiles.rows.map((p) => ({
      id: String(p.id),
      version: String(p.version),
      createdAt: toMs(p.created_at),
    })),
    incidents,
    audit,
  };
}

export async function insertReviewIn(sql: SqlExecutor, review: Review): Promise<void> {
  await sql.query(
    `INSERT INTO vigil_reviews (id, model, version, reason, opened_by, opened_at, status, evidence) VALUES ($1, $2, $3, $4, $5, $6::timestamptz, $7, $8::jsonb)`,
    [
      review.id,
      review.model,
      review.version,
      review.reason,
      review.openedBy,
      toIso(review.openedAt, 'openedAt'),
      review.status,
      JSON.stringify(review.evidence),
    ],
  );
}

/** @param forUpdate - lock the row until the transaction ends (before a change that depends on its status). */
export async function getReview(sql: SqlExecutor, id: string, forUpdate = false): Promise<Review | null> {
  const result = await sql.query<Record<string, unknown>>(
    `SELECT * FROM vigil_reviews WHERE id = $1${forUpdate ? ' FOR UPDATE' : ''}`,
    [id],
  );
  const r = result.rows[0];
  if (r === undefined) return null;
  return {
    ...reviewHead(r),
    evidence: (typeof r.evidence === 'string' ? JSON.parse(r.evidence) : r.evidence) as ReviewEvidence,
  };
}

function reviewHead(r: Record<string, unknown>): Omit<Review, 'evidence'> {
  return {
    id: String(r.id),
    model: String(r.model),
    version: String(r.version),
    reason: String(r.reason),
    openedBy: String(r.opened_by),
    openedAt: toMs(r.opened_at),
    status: String(r.status) as ReviewStatus,
    closedAt: r.closed_at === null || r.closed_at === undefined ? null : toMs(r.closed_at),
    closedBy: r.closed_by === null || r.closed_by === undefined ? null : String(r.closed_by),
    outcome: r.outcome === null || r.outcome === undefined ? null : (String(r.outcome) as ReviewOutcome),
    closeReason: r.close_reason === null || r.close_reason === undefined ? null : String(r.close_reason),
  };
}

/** Newest first (opening time, then id), filtered and paged in SQL; the evidence is counted, not loaded. */
export async function listReviews(sql: SqlExecutor, query: ReviewQuery = {}): Promise<ReviewSummary[]> {
  const result = await sql.query<Record<string, unknown>>(
    `SELECT r.id, r.model, r.version, r.reason, r.opened_by, r.opened_at, r.status, r.closed_at, r.closed_by, r.outcome, r.close_reason,
       (r.evidence->>'from')::text AS ev_from, (r.evidence->>'to')::text AS ev_to,
       jsonb_array_length(COALESCE(r.evidence->'metricRows', '[]'::jsonb)) AS ev_metric_rows,
       jsonb_array_length(COALESCE(r.evidence->'windows', '[]'::jsonb)) AS ev_windows,
       jsonb_array_length(COALESCE(r.evidence->'incidents', '[]'::jsonb)) AS ev_incidents,
       jsonb_array_length(COALESCE(r.evidence->'audit', '[]'::jsonb)) AS ev_audit,
       (SELECT count(*)::int FROM vigil_review_findings f WHERE f.review_id = r.id) AS findings
     FROM vigil_reviews r
     WHERE ($1::text IS NULL OR r.model = $1) AND ($2::text IS NULL OR r.status = $2)
       AND ($3::timestamptz IS NULL OR r.opened_at < $3::timestamptz OR (r.opened_at = $3::timestamptz AND r.id < $4::text))
     ORDER BY r.opened_at DESC, r.id DESC LIMIT $5`,
    [
      query.model ?? null,
      query.status ?? null,
      query.after ? toIso(query.after.openedAt, 'after') : null,
      query.after?.id ?? '',
      query.limit ?? 50,
    ],
  );
  return result.rows.map((r) => ({
    ...reviewHead(r),
    evidence: {
      from: toNumber(r.ev_from),
      to: toNumber(r.ev_to),
      metricRows: toNumber(r.ev_metric_rows),
      windows: toNumber(r.ev_windows),
      incidents: toNumber(r.ev_incidents),
      auditEntries: toNumber(r.ev_audit),
    },
    findings: toNumber(r.findings),
  }));
}

/**
 * Appends a finding to an open review; null when there is no open review by that id (nothing written). The
 * `status = 'open'` guard is in the statement itself, and a trigger refuses findings of closed reviews whatever
 * the statement.
 */
export async function addFindingIn(
  sql: SqlExecutor,
  reviewId: string,
  finding: { at: number; author: string; text: string },
): Promise<ReviewFinding | null> {
  const result = await sql.query<Record<string, unknown>>(
    `INSERT INTO vigil_review_findings (review_id, at, author, text)
     SELECT r.id, $2::timestamptz, $3, $4 FROM vigil_reviews r WHERE r.id = $1 AND r.status = 'open'
     RETURNING id::text AS id, at`,
    [reviewId, toIso(finding.at, 'at'), finding.author, finding.text],
  );
  const r = result.rows[0];
  return r === undefined
    ? null
    : { id: String(r.id), reviewId, at: toMs(r.at), author: finding.author, text: finding.text };
}

export async function reviewFindings(sql: SqlExecutor, reviewId: string): Promise<ReviewFinding[]> {
  const result = await sql.query<Record<string, unknown>>(
    `SELECT id::text AS id, review_id, at, author, text FROM vigil_review_findings WHERE review_id = $1 ORDER BY vigil_review_findings.id`,
    [reviewId],
  );
  return result.rows.map((r) => ({
    id: String(r.id),
    reviewId: String(r.review_id),
    at: toMs(r.at),
    author: String(r.author),
    text: String(r.text),
  }));
}

/** Closes an open review; false when there is no open review by that id (nothing written). */
export async function closeReviewIn(
  sql: SqlExecutor,
  reviewId: string,
  close: { at: number; by: string; outcome: ReviewOutcome; reason: string },
): Promise<boolean> {
  const result = await sql.query(
    `UPDATE vigil_reviews SET status = 'closed', closed_at = $2::timestamptz, closed_by = $3, outcome = $4, close_reason = $5
     WHERE id = $1 AND status = 'open'`,
    [reviewId, toIso(close.at, 'at'), close.by, close.outcome, close.reason],
  );
  return result.rowCount === 1;
}

export async function countReviews(sql: SqlExecutor, model: string): Promise<number> {
  const result = await sql.query<{ n: unknown }>(`SELECT count(*)::int AS n FROM vigil_reviews WHERE model = $1`, [
    model,
  ]);
  return toNumber(result.rows[0]?.n ?? 0);
}
