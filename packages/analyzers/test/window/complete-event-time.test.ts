import fc from 'fast-check';
import { completeEventTime } from '@vigil/analyzers';

const MIN = 60_000;
const T = Date.parse('2026-03-01T00:00:00Z');

describe('completeEventTime', () => {
  it('is the minimum over the partitions that carry the model, not the maximum', () => {
    const partitions = [
      { maxEventTs: T + 40 * MIN, idleMs: 200 },
      { maxEventTs: T + 25 * MIN, idleMs: 50 },
      { maxEventTs: T + 31 * MIN, idleMs: 1_000 },
    ];
    expect(completeEventTime(partitions, MIN)).toBe(T + 25 * MIN);
  });

  it('stops waiting for a partition that has been quiet for longer than the idle timeout', () => {
    const slow = { maxEventTs: T + 5 * MIN, idleMs: MIN };
    const fast = { maxEventTs: T + 40 * MIN, idleMs: 10 };
    // At the timeout the partition still counts; past it, it no longer holds the model back.
    expect(completeEventTime([slow, fast], MIN)).toBe(T + 5 * MIN);
    expect(completeEventTime([{ ...slow, idleMs: MIN + 1 }, fast], MIN)).toBe(T + 40 * MIN);
    // A quiet partition that comes back counts again.
    expect(completeEventTime([{ ...slow, idleMs: 0 }, fast], MIN)).toBe(T + 5 * MIN);
  });

  it('ignores a partition that never carried the model once it is idle, and waits for it before', () => {
    const carrying = { maxEventTs: T + 40 * MIN, idleMs: 10 };
    // A partition of the topic that has not carried the model yet: its first batch may be on its way.
    expect(completeEventTime([carrying, { maxEventTs: null, idleMs: 5_000 }], MIN)).toBeNull();
    // After the idle timeout it is taken for a partition that does not carry the model (a keyed producer).
    expect(completeEventTime([carrying, { maxEventTs: null, idleMs: MIN + 1 }], MIN)).toBe(T + 40 * MIN);
  });

  it('takes the largest event time of all when every partition is idle (the traffic stopped)', () => {
    const partitions = [
      { maxEventTs: T + 40 * MIN, idleMs: 5 * MIN },
      { maxEventTs: T + 25 * MIN, idleMs: 2 * MIN },
      { maxEventTs: null, idleMs: 9 * MIN },
    ];
    expect(completeEventTime(partitions, MIN)).toBe(T + 40 * MIN);
  });

  it('is null without any event time', () => {
    expect(completeEventTime([], MIN)).toBeNull();
    expect(completeEventTime([{ maxEventTs: null, idleMs: 2 * MIN }], MIN)).toBeNull();
  });

  it('with a zero idle timeout, is the largest event time of any partition not carrying now (the behaviour of one watermark per model)', () => {
    expect(
      completeEventTime(
        [
          { maxEventTs: T + 40 * MIN, idleMs: 1 },
          { maxEventTs: T + 25 * MIN, idleMs: 1 },
        ],
        0,
      ),
    ).toBe(T + 40 * MIN);
  });

  it('never passes an active partition, and never exceeds the largest event time', () => {
    const partition = fc.record({
      maxEventTs: fc.option(fc.integer({ min: 0, max: 2 ** 40 }), { nil: null }),
      idleMs: fc.integer({ min: 0, max: 10 * MIN }),
    });
    fc.assert(
      fc.property(
        fc.array(partition, { maxLength: 8 }),
        fc.integer({ min: 0, max: 5 * MIN }),
        (partitions, timeout) => {
          const t = completeEventTime(partitions, timeout);
          const known = partitions.flatMap((p) => (p.maxEventTs === null ? [] : [p.maxEventTs]));
          if (t === null) {
            expect(known.length === 0 || partitions.some((p) => p.maxEventTs === null && p.idleMs <= timeout)).toBe(
              true,
            );
            return;
          }
          expect(t).toBeLessThanOrEqual(Math.max(...known));
          for (const p of partitions) if (p.idleMs <= timeout) expect(t).toBeLessThanOrEqual(p.maxEventTs as number);
        },
      ),
    );
  });
});
