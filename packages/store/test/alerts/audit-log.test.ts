import { appendAuditIn, auditLog } from '../../src/alerts/audit-log';
import type { SqlClient } from '../../src/sql/sql-client';
import { BACKENDS, openBackend, type TestBackend } from '@vigil/test-kit';

const T0 = Date.parse('2026-11-22T10:00:00Z');

describe.each(BACKENDS)('the audit log on %s', (kind) => {
  let backend: TestBackend;
  let sql: SqlClient;

  beforeAll(async () => {
    backend = await openBackend(kind, 'audit_log');
    await backend.newStore();
    sql = await backend.newClient();
  }, 60_000);
  afterAll(async () => {
    await backend.teardown();
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
});
