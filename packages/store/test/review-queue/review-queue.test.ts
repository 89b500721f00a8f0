import { isVigilError } from '@vigil/core';
import {
  claimReviewItemIn,
  countDecided,
  decideReviewItemIn,
  expireReviewItemsIn,
  getReviewItem,
  listReviewItems,
  nextReviewItemIn,
  queueFlaggedIn,
  reviewCapacity,
  type FlaggedGroup,
  type FlaggedPrediction,
} from '../../src/review-queue/review-queue';
import type { SqlClient } from '../../src/sql/sql-client';
import type { Store } from '../../src/create-store';
import { BACKENDS, openBackend, type TestBackend } from '@vigil/test-kit';

const HOUR = 3_600_000;
const T0 = Date.parse('2026-11-22T10:00:00Z');
const item = (id: string, priority: number, policy = 'borderline'): FlaggedPrediction => ({
  id,
  version: 'v1',
  ts: T0 - 1000,
  score: 0.51,
  prediction: 1,
  features: { age: 40, note: '<script>alert(1)</script>' },
  groups: { sex: 'F' },
  reasons: [{ policy }],
  priority,
});
const group = (model: string, items: FlaggedPrediction[], capacityPerHour = 3): FlaggedGroup => ({
  model,
  capacityPerHour,
  ttlMs: 24 * HOUR,
  context: { metrics: [{ metric: 'psi', feature: 'age', value: 0.3 }] },
  items,
});

async function conflict(promise: Promise<unknown>): Promise<string> {
  const error = await promise.catch((e: unknown) => e);
  if (!isVigilError(error, 'VIGIL_CONFLICT')) throw new Error(`expected a conflict, got ${String(error)}`);
  return error.message;
}

describe.each(BACKENDS)('the review queue on %s', (kind) => {
  let backend: TestBackend;
  let store: Store;
  let sql: SqlClient;

  beforeAll(async () => {
    backend = await openBackend(kind, 'review_queue');
    store = await backend.newStore();
    sql = await backend.newClient();
  }, 60_000);
  afterAll(async () => {
    await backend.teardown();
  });

  it("queues at most the hour's capacity, first items first, records the rest as not queued, and never a prediction twice", async () => {
    const first = await store.transaction((tx) =>
      queueFlaggedIn(tx, [group('cap', [item('a', 2, 'audit'), item('b', 0.9), item('c', 0.5)])], T0),
    );
    expect(first).toEqual({ queued: 3, notQueued: 0 });
    // Later in the same hour: the capacity is spent.
    const second = await store.transaction((tx) =>
      queueFlaggedIn(tx, [group('cap', [item('d', 1), item('a', 2, 'audit')])], T0 + 10 * 60_000),
    );
    expect(second).toEqual({ queued: 0, notQueued: 1 });
    // The next hour has its own capacity.
    const third = await store.transaction((tx) =>
      queueFlaggedIn(tx, [group('cap', [item('e', 1), item('f', 0.2), item('g', 0.1), item('h', 0)])], T0 + HOUR),
    );
    expect(third).toEqual({ queued: 3, notQueued: 1 });
    expect(await reviewCapacity(sql, 'cap')).toEqual([
      { hourStart: T0, queued: 3, notQueued: 1 },
      { hourStart: T0 + HOUR, queued: 3, notQueued: 1 },
    ]);
    const all = await listReviewItems(sql, { model: 'cap', limit: 100 });
    expect(all.map((i) => [i.predictionId, i.status])).toEqual([
      ['a', 'pending'],
      ['e', 'pending'],
      ['b', 'pending'],
      ['c', 'pending'],
      ['f', 'pending'],
      ['g', 'pending'],
      ['d', 'not_queued'],
      ['h', 'not_queued'],
    ]);
    expect(all[0]).toMatchObject({
      policies: ['audit'],
      features: { note: '<script>alert(1)</script>' },
      groups: { sex: 'F' },
      context: { metrics: [{ metric: 'psi' }], openIncidents: [] },
    });
    expect((await listReviewItems(sql, { model: 'cap', reason: 'audit' })).map((i) => i.predictionId)).toEqual(['a']);
    expect((await listReviewItems(sql, { model: 'cap', status: 'not_queued' })).map((i) => i.predictionId)).toEqual([
      'd',
      'h',
    ]);
  });

  it('lists and hands out items of equal priority in the order they were flagged: by numeric id, 2 before 10', async () => {
    const ids = Array.from({ length: 100 }, (_, i) => `order-${i}`);
    await store.transaction((tx) =>
      queueFlaggedIn(
        tx,
        [
          group(
            'order',
            ids.map((id) => item(id, 1)),
            100,
          ),
        ],
        T0,
      ),
    );
    const listed = await listReviewItems(sql, { model: 'order' });
    expect(listed.map((i) => i.predictionId)).toEqual(ids);
    const numeric = listed.map((i) => Number(i.id));
    expect(numeric).toEqual([...numeric].sort((a, b) => a - b));
    // A hundred consecutive ids cross a power of ten, so a text order would differ (the bug this guards against).
    expect(String(numeric[0]).length).toBeLessThan(String(numeric[99]).length);
    const next = await store.transaction((tx) => nextReviewItemIn(tx, 'ana', T0, ['order']));
    expect(next?.predictionId).toBe('order-0');
  });

  it('keeps the attributions an event carried, and {} for one without them', async () => {
    const withAttributions = { ...item('attr-1', 1), attributions: { age: -0.125, income: 0.03125 } };
    await store.transaction((tx) => queueFlaggedIn(tx, [group('attr', [withAttributions, item('attr-2', 0.5)])], T0));
    const items = await listReviewItems(sql, { model: 'attr' });
    expect(items.map((i) => [i.predictionId, i.attributions])).toEqual([
      ['attr-1', { age: -0.125, income: 0.03125 }],
      ['attr-2', {}],
    ]);
    expect((await getReviewItem(sql, items[0]!.id))?.attributions).toEqual({ age: -0.125, income: 0.03125 });
  });

  it("claims, times claims out, decides only by the claimant, and hands a verdict's label to the label join", async () => {
    await store.transaction((tx) => queueFlaggedIn(tx, [group('flow', [item('p1', 1), item('p2', 0.5)])], T0));
    const next = await store.transaction((tx) => nextReviewItemIn(tx, 'ana', T0 + 1, ['flow']));
    expect(next?.predictionId).toBe('p1');
    const claimed = await store.transaction((tx) => claimReviewItemIn(tx, next!.id, 'ana', T0 + 1, 60_000));
    expect(claimed).toMatchObject({ status: 'claimed', claimedBy: 'ana', claimExpiresAt: T0 + 60_001 });
    expect(await conflict(store.transaction((tx) => claimReviewItemIn(tx, next!.id, 'bo', T0 + 2, 60_000)))).toContain(
      'claimed by ana',
    );
    expect(
      await conflict(
        store.transaction((tx) =>
          decideReviewItemIn(tx, next!.id, 'bo', T0 + 3, { verdict: 'agree', reason: 'x', labelTtlMs: HOUR }),
        ),
      ),
    ).toContain('claimed by ana');
    // Ana's own claim comes first for her; Bo gets the next item.
    expect((await store.transaction((tx) => nextReviewItemIn(tx, 'ana', T0 + 4, ['flow'])))?.predictionId).toBe('p1');
    expect((await store.transaction((tx) => nextReviewItemIn(tx, 'bo', T0 + 4, ['flow'])))?.predictionId).toBe('p2');
    // The claim times out: Bo may take it over, and Ana can no longer decide.
    await store.transaction((tx) => claimReviewItemIn(tx, next!.id, 'bo', T0 + 70_000, 60_000));
    expect(
      await conflict(
        store.transaction((tx) =>
          decideReviewItemIn(tx, next!.id, 'ana', T0 + 70_001, { verdict: 'agree', reason: 'x', labelTtlMs: HOUR }),
        ),
      ),
    ).toContain('claimed by bo');
    const decided = await store.transaction((tx) =>
      decideReviewItemIn(tx, next!.id, 'bo', T0 + 70_002, {
        verdict: 'override',
        label: 0,
        reason: 'the income is a typo',
        labelTtlMs: HOUR,
      }),
    );
    expect(decided).toMatchObject({ status: 'decided', verdict: 'override', label: 0, decidedBy: 'bo' });
    expect(await getReviewItem(sql, next!.id)).toMatchObject({
      status: 'decided',
      verdict: 'override',
      label: 0,
      verdictReason: 'the income is a typo',
      decidedAt: T0 + 70_002,
    });
    const orphan = await sql.query<{ label: number }>(
      `SELECT label FROM vigil_orphan_labels WHERE model = 'flow' AND id = 'p1'`,
    );
    expect(orphan.rows.map((r) => Number(r.label))).toEqual([0]);
    expect(
      await conflict(store.transaction((tx) => claimReviewItemIn(tx, next!.id, 'bo', T0 + 70_003, 60_000))),
    ).toContain('it is decided');
    expect(await countDecided(sql, 'bo', T0, T0 + HOUR)).toBe(1);
    expect(await countDecided(sql, 'ana', T0, T0 + HOUR)).toBe(0);
    // SQL's own checks: a decided row without its verdict is refused.
    await expect(
      sql.query(`UPDATE vigil_review_queue SET verdict = NULL WHERE id = $1::bigint`, [next!.id]),
    ).rejects.toThrow();
  });

  it('releases timed-out claims and expires items past their TTL', async () => {
    await store.transaction((tx) =>
      queueFlaggedIn(tx, [{ ...group('ttl', [item('x1', 1), item('x2', 1), item('x3', 1)]), ttlMs: HOUR }], T0),
    );
    const [x1, x2] = await listReviewItems(sql, { model: 'ttl' });
    await store.transaction((tx) => claimReviewItemIn(tx, x1!.id, 'ana', T0 + 1, 60_000));
    await store.transaction((tx) => claimReviewItemIn(tx, x2!.id, 'ana', T0 + HOUR - 10, 60_000));
    expect(await store.transaction((tx) => expireReviewItemsIn(tx, T0 + 120_000))).toEqual({
      released: 1,
      expired: 0,
      changed: [{ model: 'ttl', version: x1!.version, eventTs: x1!.eventTs }],
    });
    expect((await getReviewItem(sql, x1!.id))?.status).toBe('pending');
    // Past the TTL: pending items expire; a live claim is let run out first.
    expect(await store.transaction((tx) => expireReviewItemsIn(tx, T0 + HOUR + 1))).toMatchObject({
      released: 0,
      expired: 2,
      changed: [{ model: 'ttl' }, { model: 'ttl' }],
    });
    expect((await getReviewItem(sql, x2!.id))?.status).toBe('claimed');
    expect(await store.transaction((tx) => expireReviewItemsIn(tx, T0 + 2 * HOUR))).toEqual({
      released: 0,
      expired: 1,
      changed: [{ model: 'ttl', version: x2!.version, eventTs: x2!.eventTs }],
    });
    expect((await listReviewItems(sql, { model: 'ttl', status: 'expired' })).length).toBe(3);
    expect(await store.transaction((tx) => nextReviewItemIn(tx, 'ana', T0 + 2 * HOUR, ['ttl']))).toBeNull();
    expect(await getReviewItem(sql, 'not-a-number')).toBeNull();
  });
});
