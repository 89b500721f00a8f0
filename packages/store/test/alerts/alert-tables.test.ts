import { appendAuditIn, auditLog } from '../../src/alerts/audit-log';
import { getIncident, insertIncidentIn, updateIncidentIn, type NewIncident } from '../../src/alerts/incidents';
import { insertOutboxIn, outboxOfIncident, pendingOutbox, settleOutboxIn } from '../../src/alerts/outbox';
import { countDeadLetters, listDeadLetters } from '../../src/dead-letters/dead-letters';
import { collectEvidenceIn } from '../../src/alerts/reviews';
import { upsertMetricRows } from '../../src/metrics/metric-rows';
import { saveReferenceProfile } from '../../src/profiles/reference-profiles';
import {
  pruneRuleWindowsIn,
  recentRuleWindowsIn,
  ruleKeyId,
  upsertRuleWindowsIn,
  type RuleWindow,
} from '../../src/alerts/rule-windows';
import type { SqlClient } from '../../src/sql/sql-client';
import { BACKENDS, openBackend, type TestBackend } from '@vigil/test-kit';

const T0 = Date.parse('2026-11-22T10:00:00Z');

describe.each(BACKENDS)('alert tables on %s', (kind) => {
  let backend: TestBackend;
  let sql: SqlClient;

  beforeAll(async () => {
    backend = await openBackend(kind, 'alert_tables');
    await backend.newStore();
    sql = await backend.newClient();
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

  it('keeps one unresolved incident per subject; a resolved one makes room for the next', async () => {
    expect(await insertIncidentIn(sql, incident('a'))).toBe(true);
    expect(await insertIncidentIn(sql, incident('b'))).toBe(false);
    expect(await insertIncidentIn(sql, incident('c', { feature: 'income' }))).toBe(true);
    await updateIncidentIn(sql, 'a', { status: 'resolved', resolvedAt: T0 + 1, resolvedBy: 'vigil' });
    expect(await insertIncidentIn(sql, incident('d'))).toBe(true);
    expect(await getIncident(sql, 'a')).toMatchObject({
      status: 'resolved',
      resolvedAt: T0 + 1,
      windowRows: 800,
      deliveryFailures: [],
    });
  });

  it('the audit log is append-only: UPDATE and DELETE are refused', async () => {
    await appendAuditIn(sql, [
      {
        at: T0,
        actor: 'alice',
        action: 'incident.acknowledged',
        reason: 'on it',
        model: 'm',
        incidentId: 'a',
        details: { step: 1 },
      },
    ]);
    await expect(sql.query(`UPDATE vigil_audit_log SET actor = 'mallory'`)).rejects.toThrow(/append-only/);
    await expect(sql.query(`DELETE FROM vigil_audit_log`)).rejects.toThrow(/append-only/);
    expect(await auditLog(sql, { incidentId: 'a' })).toEqual([
      expect.objectContaining({ actor: 'alice', reason: 'on it', at: T0, details: { step: 1 } }),
    ]);
  });

  it('reads the audit log in the order it was written, past 10 entries (before: ids sorted as text, 1, 10, 11, 2, …)', async () => {
    const entries = Array.from({ length: 12 }, (_, i) => ({
      at: T0 + i,
      actor: 'vigil',
      action: `step.${i}`,
      model: 'order',
      incidentId: 'order-1',
    }));
    await appendAuditIn(sql, entries);
    const read = await auditLog(sql, { incidentId: 'order-1' });
    expect(read.map((e) => e.action)).toEqual(entries.map((e) => e.action));
    expect(read.map((e) => Number(e.id))).toEqual([...read.map((e) => Number(e.id))].sort((a, b) => a - b));
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

  it('outbox rows are inserted once per job id and settled once', async () => {
    const row = {
      jobId: 'vigil.a.notify.c0.s0.r0.owner',
      kind: 'notify' as const,
      incidentId: 'a',
      reviewId: null,
      model: 'm',
      step: 0,
      round: 0,
      target: 'owner',
      payload: { chain: 'c0' },
      deliverAt: T0,
    };
    expect(await insertOutboxIn(sql, [row, { ...row, jobId: 'vigil.later', deliverAt: T0 + 3_600_000 }], T0)).toBe(2);
    expect(await insertOutboxIn(sql, [row], T0)).toBe(0);
    const due = await pendingOutbox(sql, { dueBefore: T0 + 1, notEnqueuedOnly: true });
    expect(due.map((r) => r.jobId)).toEqual(['vigil.a.notify.c0.s0.r0.owner']);
    expect(due[0]!.payload).toEqual({ chain: 'c0' });
    expect(await settleOutboxIn(sql, due[0]!.id, { state: 'delivered', at: T0 + 5, attempts: 1 })).toBe(true);
    expect(await settleOutboxIn(sql, due[0]!.id, { state: 'failed', at: T0 + 6, attempts: 2, error: 'late' })).toBe(
      false,
    );
  });

  it("lists an incident's outbox rows and the dead letters in numeric id order past 10 rows (before: sorted as text)", async () => {
    const rows = Array.from({ length: 12 }, (_, i) => ({
      jobId: `order.${i}`,
      kind: 'notify' as const,
      incidentId: 'ordered',
      reviewId: null,
      model: 'm',
      step: i,
      round: 0,
      target: 'owner',
      payload: {},
      deliverAt: T0,
    }));
    for (const row of rows) await insertOutboxIn(sql, [row], T0);
    expect((await outboxOfIncident(sql, 'ordered')).map((r) => r.jobId)).toEqual(rows.map((r) => r.jobId));
    const due = (await pendingOutbox(sql, { dueBefore: T0 + 1, notEnqueuedOnly: true }))
      .map((r) => r.jobId)
      .filter((j) => j.startsWith('order.'));
    expect(due).toEqual(rows.map((r) => r.jobId));
    for (let i = 0; i < 12; i++) {
      await sql.query(
        `INSERT INTO vigil_dead_letters (topic, partition, "offset", received_at, code, reason, raw, raw_bytes) VALUES ('t', 0, $1, now(), 'VIGIL_DECODE_INVALID_JSON', $2, '\\x00'::bytea, 1)`,
        [i, `dl.${i}`],
      );
    }
    expect((await listDeadLetters(sql, { limit: 3 })).map((d) => d.reason)).toEqual(['dl.11', 'dl.10', 'dl.9']);
    expect([await countDeadLetters(sql, ['t']), await countDeadLetters(sql, ['other'])]).toEqual([12, 0]);
  });

  it('reads the last M sufficient windows of each rule key, and the latest window whatever its outcome', async () => {
    const w = (i: number, outcome: RuleWindow['outcome']): RuleWindow => ({
      metric: 'psi',
      feature: 'age',
      group: '',
      severity: 'warning',
      windowStart: T0 + i * 300_000,
      windowEnd: T0 + i * 300_000 + 3_600_000,
      outcome,
      value: 0.1 * i,
      samples: 500,
    });
    await upsertRuleWindowsIn(
      sql,
      'm',
      '1',
      [w(0, 'breach'), w(1, 'ok'), w(2, 'elevated'), w(3, 'breach'), w(4, 'insufficient_data')],
      T0,
    );
    await upsertRuleWindowsIn(sql, 'm', '1', [w(1, 'breach')], T0); // a re-analysis revises, never adds
    const key = { metric: 'psi', feature: 'age', group: '', severity: 'warning' };
    const got = (await recentRuleWindowsIn(sql, 'm', '1', [{ ...key, m: 3 }])).get(ruleKeyId(key))!;
    expect(got.latest?.outcome).toBe('insufficient_data');
    expect(got.recent.map((r) => r.outcome)).toEqual(['breach', 'elevated', 'breach']);
    expect(got.recent.map((r) => r.windowStart)).toEqual([T0 + 900_000, T0 + 600_000, T0 + 300_000]);
    // Pruning keeps 2M sufficient windows: with M = 2, window 0 sits behind four newer sufficient ones.
    const m2 = { ...key, m: 2 };
    const before = (await recentRuleWindowsIn(sql, 'm', '1', [m2])).get(ruleKeyId(key))!;
    expect(await pruneRuleWindowsIn(sql, 'm', '1', [{ ...key, m: 3 }])).toBe(0);
    expect(await pruneRuleWindowsIn(sql, 'm', '1', [m2])).toBe(0);
    await upsertRuleWindowsIn(sql, 'm', '1', [w(5, 'ok')], T0);
    expect(await pruneRuleWindowsIn(sql, 'm', '1', [m2])).toBe(1);
    expect(await pruneRuleWindowsIn(sql, 'm', '1', [m2])).toBe(0);
    const after = (await recentRuleWindowsIn(sql, 'm', '1', [m2])).get(ruleKeyId(key))!;
    expect(after.recent.map((r) => r.windowStart)).toEqual([T0 + 1_500_000, T0 + 900_000]);
    expect(before.recent.map((r) => r.windowStart)).toEqual([T0 + 900_000, T0 + 600_000]);
  });

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
