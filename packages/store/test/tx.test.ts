import type { NewIncident } from '../src/alerts/incidents';
import { BACKENDS, storeOnBackend } from '@vigil/test-kit';

const T0 = Date.parse('2026-11-22T10:00:00Z');

const incident = (id: string, feature: string): NewIncident => ({
  id,
  model: 'm',
  version: '1',
  metric: 'psi',
  feature,
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
});

describe.each(BACKENDS)('the transaction groups on %s', (kind) => {
  const store = storeOnBackend(kind, 'tx_groups');

  it("writes through every group in the caller's transaction: a throw leaves none of them written", async () => {
    await expect(
      store.transaction(async (tx) => {
        expect(await tx.incidents.insert(incident('rolled-back', 'age'))).toBe(true);
        await tx.audit.append([{ at: T0, actor: 'alice', action: 'x.rolled-back', model: 'm' }]);
        await tx.outbox.insert(
          [
            {
              jobId: 'job.rolled-back',
              kind: 'notify',
              incidentId: 'rolled-back',
              reviewId: null,
              model: 'm',
              step: 0,
              round: 0,
              target: 'owner',
              payload: {},
              deliverAt: T0,
            },
          ],
          T0,
        );
        // Read back inside: the groups see the transaction's own writes.
        expect((await tx.incidents.get('rolled-back'))?.feature).toBe('age');
        throw new Error('abort');
      }),
    ).rejects.toThrow('abort');
    expect(await store.incidents.get('rolled-back')).toBeNull();
    expect(await store.outbox.ofIncident('rolled-back')).toEqual([]);
    expect((await store.audit.log({ model: 'm' })).map((e) => e.action)).not.toContain('x.rolled-back');
  });

  it('commits what the groups wrote, and the store reads it back through the same group names', async () => {
    await store.transaction(async (tx) => {
      await tx.incidents.insert(incident('kept', 'income'));
      await tx.incidents.update('kept', { status: 'acknowledged', acknowledgedAt: T0 + 1, acknowledgedBy: 'alice' });
      await tx.audit.append([{ at: T0 + 1, actor: 'alice', action: 'x.kept', model: 'm', incidentId: 'kept' }]);
    });
    expect(await store.incidents.get('kept')).toMatchObject({ status: 'acknowledged', acknowledgedBy: 'alice' });
    expect((await store.incidents.list({ model: 'm' })).map((i) => i.id)).toEqual(['kept']);
    expect((await store.audit.log({ incidentId: 'kept' })).map((e) => e.action)).toEqual(['x.kept']);
    // Optional parameters pass through the binding: forUpdate locks the row inside a transaction.
    expect(await store.transaction(async (tx) => (await tx.incidents.get('kept', true))?.id)).toBe('kept');
  });
});
