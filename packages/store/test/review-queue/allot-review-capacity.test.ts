import fc from 'fast-check';
import { allotReviewCapacity } from '../../src/review-queue/allot-review-capacity';

const none = { queued: 0, reserved: {} };

describe('allotReviewCapacity', () => {
  it('keeps each reserve for its sample, even from items that come earlier in the hour', () => {
    const reserves = { audit: 3, 'group:sex=F': 2 };
    // An earlier batch of unreserved items takes only the shared part (10 − 3 − 2 = 5).
    const first = allotReviewCapacity(
      10,
      reserves,
      none,
      Array.from({ length: 8 }, () => ({})),
    );
    expect(first.queued).toEqual([true, true, true, true, true, false, false, false]);
    expect(first.used).toEqual({ queued: 5, reserved: {} });
    // The audit sample arriving later finds its reserve; past it, the shared part is spent: the fourth is not queued.
    const audit = allotReviewCapacity(10, reserves, first.used, [
      { reserves: ['audit'] },
      { reserves: ['audit'] },
      { reserves: ['audit', 'group:sex=F'] },
      { reserves: ['audit'] },
    ]);
    expect(audit.queued).toEqual([true, true, true, false]);
    expect(audit.used).toEqual({ queued: 8, reserved: { audit: 3 } });
    // An audit item of the group, once the audit reserve is spent, is charged to the group's.
    const group = allotReviewCapacity(10, reserves, audit.used, [
      { reserves: ['audit', 'group:sex=F'] },
      { reserves: ['group:sex=F'] },
      { reserves: ['group:sex=F'] },
    ]);
    expect(group.queued).toEqual([true, true, false]);
    expect(group.used).toEqual({ queued: 10, reserved: { audit: 3, 'group:sex=F': 2 } });
  });

  it('lets a reserved item past its reserve use the shared part, and cuts reserves to the capacity', () => {
    expect(
      allotReviewCapacity(4, { audit: 1 }, none, [{ reserves: ['audit'] }, { reserves: ['audit'] }, {}, {}, {}]).queued,
    ).toEqual([true, true, true, true, false]);
    expect(
      allotReviewCapacity(2, { audit: 5 }, none, [
        {},
        { reserves: ['audit'] },
        { reserves: ['audit'] },
        { reserves: ['audit'] },
      ]).queued,
    ).toEqual([false, true, true, false]);
    expect(allotReviewCapacity(0, { audit: 1 }, none, [{ reserves: ['audit'] }]).queued).toEqual([false]);
  });

  it('never queues more than the capacity in an hour, gives each reserve its minimum, and unreserved items only the shared part (property)', () => {
    const key = fc.constantFrom('audit', 'group:a=1', 'group:a=2');
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 30 }),
        fc.dictionary(key, fc.integer({ min: 0, max: 12 })),
        fc.array(fc.array(fc.array(key, { maxLength: 2 }), { maxLength: 25 }), { minLength: 1, maxLength: 4 }),
        (capacity, reserves, batches) => {
          let used = { queued: 0, reserved: {} as Record<string, number> };
          const all: Array<{ keys: string[]; queued: boolean }> = [];
          for (const batch of batches) {
            const result = allotReviewCapacity(
              capacity,
              reserves,
              used,
              batch.map((keys) => ({ reserves: keys })),
            );
            batch.forEach((keys, i) => all.push({ keys, queued: result.queued[i]! }));
            used = result.used;
          }
          const queued = all.filter((x) => x.queued).length;
          expect(used.queued).toBe(queued);
          expect(queued).toBeLessThanOrEqual(capacity);
          // Reserves as kept (in key order, each within what is left of the capacity).
          let left = capacity;
          const kept: Record<string, number> = {};
          for (const [k, v] of Object.entries(reserves)) left -= kept[k] = Math.min(v, left);
          const unreservedQueued = all.filter((x) => x.queued && x.keys.every((k) => !kept[k])).length;
          expect(unreservedQueued).toBeLessThanOrEqual(left);
          for (const [k, size] of Object.entries(kept)) {
            // Whatever came before, a reserve's own items are queued up to its size (sharing one item between two
            // reserves, an item counts toward the first with room).
            const own = all.filter((x) => x.keys.length === 1 && x.keys[0] === k);
            const others = all.filter((x) => x.keys.includes(k) && !(x.keys.length === 1 && x.keys[0] === k));
            if (others.length === 0)
              expect(own.filter((x) => x.queued).length).toBeGreaterThanOrEqual(Math.min(size, own.length));
            expect(used.reserved[k] ?? 0).toBeLessThanOrEqual(size);
          }
        },
      ),
    );
  });
});
