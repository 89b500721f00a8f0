import {
  getIncident,
  insertIncidentIn,
  listIncidents,
  updateIncidentIn,
  type NewIncident,
} from '../../src/alerts/incidents';
import { modelControlIn, setModelControlIn } from '../../src/alerts/model-controls';
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

  it('lists what needs someone first with openFirst: firing (critical first), acknowledged, silenced, then resolved; newest first within each', async () => {
    const at = (h: number) => T0 + h * 3_600_000;
    const add = async (id: string, feature: string, h: number, over: Partial<NewIncident> = {}) =>
      expect(await insertIncidentIn(sql, incident(id, { model: 'order', feature, openedAt: at(h), ...over }))).toBe(
        true,
      );
    await add('old-firing', 'f1', 1);
    await add('new-firing', 'f2', 5);
    await add('critical-firing', 'f3', 2, { severity: 'critical' });
    await add('acked', 'f4', 6);
    await updateIncidentIn(sql, 'acked', { status: 'acknowledged', acknowledgedAt: at(7), acknowledgedBy: 'ann' });
    await add('silenced', 'f5', 8, { status: 'silenced' });
    for (const [id, h] of [
      ['old-resolved', 3],
      ['new-resolved', 9],
    ] as const) {
      await add(id, `r${h}`, h, { severity: 'critical' });
      await updateIncidentIn(sql, id, { status: 'resolved', resolvedAt: at(10), resolvedBy: 'vigil' });
    }
    const ids = async (openFirst: boolean, limit = 100) =>
      (await listIncidents(sql, { model: 'order', openFirst, limit })).map((i) => i.id);
    expect(await ids(true)).toEqual([
      'critical-firing',
      'new-firing',
      'old-firing',
      'acked',
      'silenced',
      'new-resolved',
      'old-resolved',
    ]);
    // The limit keeps the open ones; without openFirst the order stays newest first.
    expect(await ids(true, 2)).toEqual(['critical-firing', 'new-firing']);
    expect(await ids(false)).toEqual([
      'new-resolved',
      'silenced',
      'acked',
      'new-firing',
      'old-resolved',
      'critical-firing',
      'old-firing',
    ]);
  });

  it('writes a pause or resume only when it changes the model control', async () => {
    const control = (paused: boolean, changedBy: string, changedAt: number) => ({
      model: 'switch',
      paused,
      reason: `${changedBy} says`,
      changedBy,
      changedAt,
    });
    expect(await modelControlIn(sql, 'switch')).toBeNull();
    expect(await setModelControlIn(sql, control(true, 'ann', T0))).toBe(true);
    expect(await setModelControlIn(sql, control(true, 'bob', T0 + 1))).toBe(false);
    expect(await modelControlIn(sql, 'switch', true)).toEqual(control(true, 'ann', T0));
    expect(await setModelControlIn(sql, control(false, 'bob', T0 + 2))).toBe(true);
    expect(await modelControlIn(sql, 'switch')).toEqual(control(false, 'bob', T0 + 2));
  });
});
