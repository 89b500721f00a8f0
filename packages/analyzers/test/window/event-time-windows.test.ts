import fc from 'fast-check';
import { EventTimeWindows } from '@vigil/analyzers';

const MIN = 60_000;

describe('EventTimeWindows', () => {
  const hourly = new EventTimeWindows({ sizeMs: 60 * MIN, slideMs: 5 * MIN, allowedLatenessMs: 10 * MIN });

  it('puts events in slide-long buckets and a bucket in size/slide windows', () => {
    const t = Date.parse('2026-11-22T10:07:30Z');
    expect(new Date(hourly.bucketOf(t)).toISOString()).toBe('2026-11-22T10:05:00.000Z');
    const windows = hourly.windowsOfBucket(hourly.bucketOf(t));
    expect(windows).toHaveLength(12);
    expect(new Date(windows[0]!.start).toISOString()).toBe('2026-11-22T09:10:00.000Z');
    expect(new Date(windows[11]!.end).toISOString()).toBe('2026-11-22T11:05:00.000Z');
    expect(hourly.bucketsOfWindow(windows[0]!)).toHaveLength(12);
  });

  it('closes a window when the watermark (latest event minus allowed lateness) reaches its end', () => {
    const end = Date.parse('2026-11-22T11:00:00Z');
    const w = { start: end - 60 * MIN, end };
    expect(hourly.isClosed(w, hourly.watermark(end + 9 * MIN))).toBe(false);
    expect(hourly.isClosed(w, hourly.watermark(end + 10 * MIN))).toBe(true);
  });

  it('every bucket is in exactly the windows that list it', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 12 }),
        fc.integer({ min: 1, max: 6 }),
        fc.integer({ min: 0, max: 2 ** 40 }),
        (slides, slideMin, ts) => {
          const w = new EventTimeWindows({
            sizeMs: slides * slideMin * MIN,
            slideMs: slideMin * MIN,
            allowedLatenessMs: 0,
          });
          const bucket = w.bucketOf(ts);
          expect(bucket <= ts && ts < bucket + w.slideMs).toBe(true);
          const windows = w.windowsOfBucket(bucket);
          expect(windows).toHaveLength(slides);
          for (const win of windows) expect(w.bucketsOfWindow(win)).toContain(bucket);
        },
      ),
    );
  });

  it('closes every window exactly once, however the watermark advances', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 6 }),
        fc.array(fc.integer({ min: 0, max: 40 * MIN }), { minLength: 1, maxLength: 30 }),
        (slides, steps) => {
          const w = new EventTimeWindows({ sizeMs: slides * 5 * MIN, slideMs: 5 * MIN, allowedLatenessMs: 2 * MIN });
          const start = Date.parse('2026-11-22T00:00:00Z') + 123;
          let watermark = start;
          const closed: number[] = [];
          for (const step of steps) {
            const next = watermark + step;
            closed.push(...w.closedBetween(watermark, next).map((x) => x.end));
            watermark = next;
          }
          const expected: number[] = [];
          for (let end = Math.floor(start / w.slideMs) * w.slideMs + w.slideMs; end <= watermark; end += w.slideMs)
            expected.push(end);
          expect(closed).toEqual(expected);
          expect(w.closedBetween(watermark, watermark - 1)).toEqual([]);
        },
      ),
    );
  });

  it('refuses windows whose size is not a multiple of the slide, listing every problem', () => {
    expect(() => new EventTimeWindows({ sizeMs: 7 * MIN, slideMs: 5 * MIN, allowedLatenessMs: -1 })).toThrow(
      /window: size 420000 ms must be a positive multiple of the slide \(300000 ms\); allowed lateness -1 ms must be zero or more/,
    );
    expect(() => hourly.closedBetween(Number.NEGATIVE_INFINITY, 0)).toThrow(/watermarks must be finite/);
  });
});
