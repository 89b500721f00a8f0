import { getIncident, insertIncidentIn, updateIncidentIn, type NewIncident } from '../../src/alerts/incidents';
import type { SqlClient } from '../../src/sql/sql-client';
import { BACKENDS, openBackend, type TestBackend } from '@vigil/test-kit';

const T0 = Date.parse('2026-11-22T10:00:00Z');

describe.each(BACKENDS)('incidents on %s', (kind) => {
  let backend: TestBackend;
  let sql: SqlClient;

  beforeAll(async () => {
    backend = await openBackend(kind, 'incidents');
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
});
