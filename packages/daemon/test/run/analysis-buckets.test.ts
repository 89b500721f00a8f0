/**
 * A page's buckets read as the pass walks it (analysis-buckets.ts): every window gets exactly the buckets a read of
 * its own span returns, each bucket is read once for the page, and what is held stays a few windows' worth however
 * long the page is. The loader is an in-memory list (the store's `buckets.load` contract: from ≤ bucketStart < to,
 * oldest first); the runner's tests cover the same walk against both stores.
 */
import type { DueWindow, StoredBucket } from '@vigil/store';
import fc from 'fast-check';
import { AnalysisBuckets } from '../../src/run/analysis-buckets';

const T0 = Date.parse('2026-11-22T10:00:00Z');
const MINUTE = 60_000;

function due(version: string, start: number, size: number): DueWindow {
  return { model: 'm', version, start, end: start + size, changeSeq: 1, analyses: 0 };
}

/** A store of buckets every `step` ms, per version, and a log of what each read returned. */
function memoryStore(versions: readonly string[], buckets: number, step: number) {
  const stored = new Map<string, StoredBucket<string>[]>();
  for (const v of versions)
    stored.set(
      v,
      Array.from({ length: buckets }, (_, i) => ({
        bucketStart: T0 + i * step,
        accumulator: `${v}@${i}`,
        rows: 1,
        updatedAt: 0,
      })),
    );
  const reads: { version: string; returned: number }[] = [];
  const direct = (version: string, from: number, to: number) =>
    (stored.get(version) ?? []).filter((b) => b.bucketStart >= from && b.bucketStart < to);
  const load = async (_model: string, version: string, from: number, to: number) => {
    const out = direct(version, from, to);
    reads.push({ version, returned: out.length });
    return out;
  };
  return { load, direct, reads };
}

describe('AnalysisBuckets', () => {
  it('holds about three windows of buckets on a long page, and reads each bucket once', async () => {
    // 1 h windows sliding by 5 min over 5-min buckets: 70 windows span 81 buckets. Read in one call, all 81 were held.
    const size = 60 * MINUTE;
    const step = 5 * MINUTE;
    const store = memoryStore(['1'], 81, step);
    const page = Array.from({ length: 70 }, (_, i) => due('1', T0 + i * step, size));
    const buckets = new AnalysisBuckets(store.load, page);
    let mostHeld = 0;
    for (const w of page) {
      const got = await buckets.of(w);
      expect(got).toEqual(store.direct('1', w.start, w.end));
      expect(got).toHaveLength(12);
      mostHeld = Math.max(mostHeld, buckets.held);
    }
    // The window's own 12 and two windows read ahead: 36 at most, never the page's 81.
    expect(mostHeld).toBeLessThanOrEqual(36);
    expect(store.reads.reduce((n, r) => n + r.returned, 0)).toBe(81);
    expect(store.reads.length).toBeLessThan(10);
  });

  it('reads a window alone in its version on its own, and lets nothing stay held for it', async () => {
    const store = memoryStore(['1', '2'], 30, 5 * MINUTE);
    const page = [due('1', T0, 60 * MINUTE), due('2', T0 + 10 * MINUTE, 60 * MINUTE)];
    const buckets = new AnalysisBuckets(store.load, page);
    expect(await buckets.of(page[0]!)).toEqual(store.direct('1', T0, T0 + 60 * MINUTE));
    expect(await buckets.of(page[1]!)).toEqual(store.direct('2', T0 + 10 * MINUTE, T0 + 70 * MINUTE));
    expect(buckets.held).toBe(0);
  });

  it('gives every window of any page exactly the buckets of its span', async () => {
    // Pages as the due-window query orders them (by end, version, start), windows of one size a version, some
    // windows skipped by the pass (deferred before their read), and a window asked for out of order.
    const arbitrary = fc.record({
      step: fc.constantFrom(MINUTE, 5 * MINUTE),
      slides: fc.array(fc.tuple(fc.constantFrom('1', '2'), fc.integer({ min: 0, max: 40 })), {
        minLength: 1,
        maxLength: 40,
      }),
      sizes: fc.record({ '1': fc.integer({ min: 1, max: 12 }), '2': fc.integer({ min: 1, max: 12 }) }),
      skip: fc.array(fc.boolean(), { maxLength: 40 }),
      ahead: fc.integer({ min: 0, max: 4 }),
      backwards: fc.boolean(),
    });
    await fc.assert(
      fc.asyncProperty(arbitrary, async ({ step, slides, sizes, skip, ahead, backwards }) => {
        const store = memoryStore(['1', '2'], 60, step);
        const unique = new Map<string, DueWindow>();
        for (const [version, i] of slides) {
          const w = due(version, T0 + i * step, sizes[version as '1' | '2'] * step);
          unique.set(`${version}/${w.start}`, w);
        }
        const page = [...unique.values()].sort(
          (a, b) => a.end - b.end || a.version.localeCompare(b.version) || a.start - b.start,
        );
        const buckets = new AnalysisBuckets(store.load, page, { aheadWindows: ahead });
        for (let i = 0; i < page.length; i++) {
          if (skip[i]) continue;
          const w = page[i]!;
          expect(await buckets.of(w)).toEqual(store.direct(w.version, w.start, w.end));
        }
        if (backwards) {
          const w = page[0]!;
          expect(await buckets.of(w)).toEqual(store.direct(w.version, w.start, w.end));
        }
      }),
      { numRuns: 300 },
    );
  });
});
