import { appendAuditIn, auditLog } from '../../src/alerts/audit-log';
import { insertIncidentIn, updateIncidentIn, type NewIncident } from '../../src/alerts/incidents';
import { upsertMetricRows } from '../../src/metrics/metric-rows';
import { saveReferenceProfile } from '../../src/profiles/reference-profiles';
import {
  addFindingIn,
  closeReviewIn,
  collectEvidenceIn,
  getReview,
  insertReviewIn,
  listReviews,
  reviewFindings,
  type Review,
} from '../../src/alerts/reviews';
import type { SqlClient } from '../../src/sql/sql-client';
import { BACKENDS, openBackend, type TestBackend } from '@vigil/test-kit';

const T0 = Date.parse('2026-11-22T10:00:00Z');
const evidence = (from: number, to: number): Review['evidence'] => ({
  model: 'm',
  version: '',
  from,
  to,
  metricRows: [],
  windows: [],
  referenceProfiles: [],
  incidents: [],
  audit: [],
});
const review = (id: string, model: string, openedAt: number): Review => ({
  id,
  model,
  version: '',
  reason: 'why',
  openedBy: 'rita',
  openedAt,
  status: 'open',
  evidence: evidence(openedAt - 1000, openedAt),
});

describe.each(BACKENDS)('reviews and the audit log on %s', (kind) => {
  let backend: TestBackend;
  let sql: SqlClient;

  beforeAll(async () => {
    backend = await openBackend(kind, 'reviews');
    await backend.newStore();
    sql = await backend.newClient();
  }, 60_000);
  afterAll(async () => {
    await backend.teardown();
  });

  it('appends findings to an open review, closes it once, and then refuses every change, in SQL as well', async () => {
    await insertReviewIn(sql, review('rev_a', 'm', T0));
    expect(
      await addFindingIn(sql, 'rev_a', { at: T0 + 1, author: 'ana', text: 'PSI of age is from one branch' }),
    ).toMatchObject({ reviewId: 'rev_a', author: 'ana' });
    expect(await addFindingIn(sql, 'rev_a', { at: T0 + 2, author: 'bo', text: 'second' })).not.toBeNull();
    expect(await addFindingIn(sql, 'rev_nope', { at: T0, author: 'ana', text: 'x' })).toBeNull();
    expect(
      await closeReviewIn(sql, 'rev_a', { at: T0 + 3, by: 'rita', outcome: 'retrain', reason: 'drift is real' }),
    ).toBe(true);
    expect(await getReview(sql, 'rev_a')).toMatchObject({
      status: 'closed',
      closedAt: T0 + 3,
      closedBy: 'rita',
      outcome: 'retrain',
      closeReason: 'drift is real',
    });
    // The guarded statements write nothing on a closed review…
    expect(
      await closeReviewIn(sql, 'rev_a', { at: T0 + 4, by: 'mallory', outcome: 'no_action', reason: 'again' }),
    ).toBe(false);
    expect(await addFindingIn(sql, 'rev_a', { at: T0 + 4, author: 'mallory', text: 'late' })).toBeNull();
    // …and the triggers refuse statements without the guard.
    await expect(sql.query(`UPDATE vigil_reviews SET outcome = 'no_action' WHERE id = 'rev_a'`)).rejects.toThrow(
      /closed and cannot change/,
    );
    await expect(sql.query(`DELETE FROM vigil_reviews WHERE id = 'rev_a'`)).rejects.toThrow(/closed and cannot change/);
    await expect(
      sql.query(
        `INSERT INTO vigil_review_findings (review_id, at, author, text) VALUES ('rev_a', now(), 'mallory', 'late')`,
      ),
    ).rejects.toThrow(/is closed/);
    await expect(sql.query(`UPDATE vigil_review_findings SET text = 'rewritten'`)).rejects.toThrow(/append-only/);
    await expect(sql.query(`DELETE FROM vigil_review_findings`)).rejects.toThrow(/append-only/);
    // A close without an outcome, or with an unknown one, breaks the table's checks.
    await insertReviewIn(sql, review('rev_b', 'm', T0 + 10));
    // An open review's frozen evidence and opening never change either.
    await expect(sql.query(`UPDATE vigil_reviews SET evidence = '{}'::jsonb WHERE id = 'rev_b'`)).rejects.toThrow(
      /keeps its frozen evidence/,
    );
    await expect(sql.query(`UPDATE vigil_reviews SET opened_by = 'mallory' WHERE id = 'rev_b'`)).rejects.toThrow(
      /keeps its frozen evidence/,
    );
    await expect(sql.query(`UPDATE vigil_reviews SET status = 'closed' WHERE id = 'rev_b'`)).rejects.toThrow();
    await expect(
      closeReviewIn(sql, 'rev_b', { at: T0, by: 'x', outcome: 'shrug' as 'other', reason: 'r' }),
    ).rejects.toThrow();
    expect((await reviewFindings(sql, 'rev_a')).map((f) => [f.author, f.text, f.at])).toEqual([
      ['ana', 'PSI of age is from one branch', T0 + 1],
      ['bo', 'second', T0 + 2],
    ]);
  });

  it('lists reviews newest first, filtered by model and status, paged without gaps or repeats', async () => {
    for (let i = 0; i < 13; i++)
      await insertReviewIn(
        sql,
        review(`rev_p${String(i).padStart(2, '0')}`, i % 2 === 0 ? 'paged' : 'other', T0 + 100_000 + (i % 5) * 1000),
      );
    const seen: string[] = [];
    let after: { openedAt: number; id: string } | undefined;
    for (;;) {
      const page = await listReviews(sql, { model: 'paged', limit: 3, ...(after ? { after } : {}) });
      seen.push(...page.map((r) => r.id));
      if (page.length < 3) break;
      const last = page[page.length - 1]!;
      after = { openedAt: last.openedAt, id: last.id };
    }
    const expected = (await listReviews(sql, { model: 'paged', limit: 100 })).map((r) => r.id);
    expect(expected).toHaveLength(7);
    expect(seen).toEqual(expected);
    const all = await listReviews(sql, { model: 'paged', limit: 100 });
    for (let i = 1; i < all.length; i++)
      expect(
        all[i - 1]!.openedAt > all[i]!.openedAt ||
          (all[i - 1]!.openedAt === all[i]!.openedAt && all[i - 1]!.id > all[i]!.id),
      ).toBe(true);
    expect(await listReviews(sql, { model: 'm', status: 'closed' })).toEqual([
      expect.objectContaining({
        id: 'rev_a',
        findings: 2,
        outcome: 'retrain',
        evidence: { from: T0 - 1000, to: T0, metricRows: 0, windows: 0, incidents: 0, auditEntries: 0 },
      }),
    ]);
    expect((await listReviews(sql, { model: 'm', status: 'open' })).map((r) => r.id)).toEqual(['rev_b']);
  });

  it('pages the audit log by id in numeric order, past 10 and past 10,000 entries, with every filter applied before the limit', async () => {
    const n = 10_050;
    await appendAuditIn(
      sql,
      Array.from({ length: n }, (_, i) => ({
        at: T0 + i,
        actor: 'vigil',
        action: 'paging.test',
        model: i % 3 === 0 ? 'three' : 'bulk',
        details: { i },
      })),
    );
    const pageThrough = async (limit: number, query: Parameters<typeof auditLog>[1]) => {
      const out: Array<{ id: string; i: number }> = [];
      let afterId: string | undefined;
      for (;;) {
        const page = await auditLog(sql, { ...query, limit, ...(afterId ? { afterId } : {}) });
        out.push(...page.map((e) => ({ id: e.id, i: (e.details as { i: number }).i })));
        if (page.length < limit) return out;
        afterId = page[page.length - 1]!.id;
      }
    };
    const bulk = await pageThrough(1000, { model: 'bulk' });
    expect(bulk).toHaveLength(n - Math.ceil(n / 3));
    expect(bulk.map((e) => e.i)).toEqual(Array.from({ length: n }, (_, i) => i).filter((i) => i % 3 !== 0));
    for (let k = 1; k < bulk.length; k++) expect(BigInt(bulk[k]!.id) > BigInt(bulk[k - 1]!.id)).toBe(true);
    // Small pages across ids 9 → 10 → 11 … (text order would put "10" before "9").
    const few = await pageThrough(4, { model: 'three', from: T0, to: T0 + 36 });
    expect(few.map((e) => e.i)).toEqual([0, 3, 6, 9, 12, 15, 18, 21, 24, 27, 30, 33]);
    expect(few.length).toBeGreaterThan(10);
  }, 120_000);
});

describe.each(BACKENDS)('review evidence on %s', (kind) => {
  let backend: TestBackend;
  let sql: SqlClient;

  beforeAll(async () => {
    backend = await openBackend(kind, 'review_evidence');
    await backend.newStore();
    sql = await backend.newClient();
    // The incidents and the audit entry the evidence of model m collects: two firing incidents and an acknowledgement.
    for (const [id, feature] of [
      ['a', 'age'],
      ['c', 'income'],
      ['d', 'age'],
    ] as const) {
      if (id === 'd') await updateIncidentIn(sql, 'a', { status: 'resolved', resolvedAt: T0 + 1, resolvedBy: 'vigil' });
      await insertIncidentIn(sql, incident(id, { feature }));
    }
    await appendAuditIn(sql, [
      { at: T0, actor: 'alice', action: 'incident.acknowledged', reason: 'on it', model: 'm', incidentId: 'a' },
    ]);
  }, 60_000);
  afterAll(async () => {
    await backend.teardown();
  });

  const incident = (id: string, over: Partial<NewIncident> = {}): NewIncident => ({
    id,
    model: 'm',
    version: '1',
    metric: 'psi',
    feature: 'age',
    group: '',
    kind: 'rule',
    severity: 'warning',
    status: 'firing',
    value: 0.3,
    threshold: 0.2,
    comparison: '>',
    windowStart: T0 - 3_600_000,
    windowEnd: T0,
    windowRows: 800,
    openedAt: T0,
    escalationPolicy: 'default',
    detail: null,
    ...over,
  });

  it("a review snapshot keeps its period's entries behind 20,000 earlier ones (before: it kept 0 of 5)", async () => {
    const early = T0 - 86_400_000;
    await appendAuditIn(
      sql,
      Array.from({ length: 20_000 }, (_, i) => ({ at: early + i, actor: 'vigil', action: 'old', model: 'busy' })),
    );
    await appendAuditIn(
      sql,
      Array.from({ length: 5 }, (_, i) => ({ at: T0 + i, actor: 'alice', action: `recent.${i}`, model: 'busy' })),
    );
    await appendAuditIn(sql, [{ at: T0 + 7_200_000, actor: 'alice', action: 'after', model: 'busy' }]);
    const e = await collectEvidenceIn(sql, 'busy', '', T0 - 1, T0 + 3_600_000);
    expect(e.audit.map((a) => a.action)).toEqual(['recent.0', 'recent.1', 'recent.2', 'recent.3', 'recent.4']);
    expect((await auditLog(sql, { model: 'busy', from: T0, to: T0 + 3 })).map((a) => a.action)).toEqual([
      'recent.0',
      'recent.1',
      'recent.2',
    ]);
  }, 60_000);

  it('collects review evidence: metric rows, window rows, reference profile ids, incidents and their audit trail', async () => {
    const start = T0 - 3_600_000;
    await upsertMetricRows(sql, [
      {
        model: 'm',
        version: '1',
        windowStart: start,
        windowEnd: T0,
        metric: 'psi',
        feature: 'age',
        group: '',
        value: 0.3,
        rows: 800,
        labelledRows: 10,
      },
      {
        model: 'm',
        version: '1',
        windowStart: start + 300_000,
        windowEnd: T0 + 300_000,
        metric: 'psi',
        feature: 'age',
        group: '',
        value: 0.1,
        rows: 700,
        labelledRows: 0,
      },
    ]);
    await sql.query(
      `INSERT INTO vigil_windows (model, version, window_start, window_end, rows, labelled_rows, analyses) VALUES ('m', '1', $1::timestamptz, $2::timestamptz, 800, 12, 2)`,
      [new Date(start).toISOString(), new Date(T0).toISOString()],
    );
    await saveReferenceProfile(sql, 'm', '1', { fitted: true });
    const e = await collectEvidenceIn(sql, 'm', '', start - 1, T0 + 3_600_000);
    expect(e.metricRows).toHaveLength(2);
    expect(e.windows).toEqual([
      { version: '1', windowStart: start, windowEnd: T0, rows: 800, labelledRows: 12, analyses: 2, analysedAt: null },
      { version: '1', windowStart: start + 300_000, windowEnd: T0 + 300_000, rows: 700, labelledRows: 0 },
    ]);
    expect(e.referenceProfiles).toEqual([{ id: expect.any(String), version: '1', createdAt: expect.any(Number) }]);
    expect(e.incidents.map((i) => i.id)).toEqual(expect.arrayContaining(['c', 'd']));
    expect(e.audit.map((a) => a.action)).toContain('incident.acknowledged');
  });
});
