import { insertOutboxIn, outboxOfIncident, pendingOutbox, settleOutboxIn } from '../../src/alerts/outbox';
import { countDeadLetters, listDeadLetters } from '../../src/dead-letters/dead-letters';
import type { SqlClient } from '../../src/sql/sql-client';
import { BACKENDS, openBackend, type TestBackend } from '@vigil/test-kit';

const T0 = Date.parse('2026-11-22T10:00:00Z');

describe.each(BACKENDS)('the outbox on %s', (kind) => {
  let backend: TestBackend;
  let sql: SqlClient;

  beforeAll(async () => {
    backend = await openBackend(kind, 'outbox');
    await backend.newStore();
    sql = await backend.newClient();
  }, 60_000);
  afterAll(async () => {
    await backend.teardown();
  });

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
});
