/**
 * The stored buckets of a page of due windows, read as the pass walks the page (docs/streaming.md, "Analysis beside
 * ingest"). Sliding windows share their buckets (a 1 h window sliding by 5 min shares 11 of its 12 with the next
 * one), so a version's buckets are read once for the page, not once a window. They used to be read in one call over
 * the whole page's span and held until its last window: a page of 70 windows of 30 features held its 80 decoded
 * buckets at once, the largest thing an analysis pass holds. Here they are read a few windows ahead at a time, and a
 * bucket is let go once the pass has reached a window that starts after it, so a version holds about
 * `aheadWindows` + 1 windows' buckets whatever the page's size.
 *
 * The due-window query returns a version's windows by their end (and start), so for windows of one size the walk
 * only moves forward. A window that starts before buckets already let go (which the query never gives) is read on its
 * own. Like a window's own read, every read comes after the page's change_seq: a change committed after it leaves
 * the window due again.
 */
import type { DueWindow, StoredBucket } from '@vigil/store';

export type LoadBuckets<A> = (model: string, version: string, from: number, to: number) => Promise<StoredBucket<A>[]>;

export interface AnalysisBucketsOptions {
  /** Windows' lengths of buckets read beyond the window asked for (fewer, larger reads against what is held). @defaultValue 2 */
  aheadWindows?: number;
}

interface VersionWalk<A> {
  model: string;
  /** The page's windows of this version. */
  windows: number;
  /** The largest end among them: nothing past it is read. */
  to: number;
  /** What is held covers bucket starts in [heldFrom, heldTo), oldest first. */
  held: StoredBucket<A>[];
  heldFrom: number;
  heldTo: number;
}

export class AnalysisBuckets<A> {
  private readonly versions = new Map<string, VersionWalk<A>>();
  private readonly aheadWindows: number;

  constructor(
    private readonly load: LoadBuckets<A>,
    due: readonly DueWindow[],
    options: AnalysisBucketsOptions = {},
  ) {
    this.aheadWindows = options.aheadWindows ?? 2;
    for (const w of due) {
      const walk = this.versions.get(w.version);
      if (walk) {
        walk.windows++;
        walk.to = Math.max(walk.to, w.end);
      } else
        this.versions.set(w.version, {
          model: w.model,
          windows: 1,
          to: w.end,
          held: [],
          heldFrom: -Infinity,
          heldTo: -Infinity,
        });
    }
  }

  /** Buckets currently held, over every version (what the page costs in memory now). */
  get held(): number {
    let n = 0;
    for (const walk of this.versions.values()) n += walk.held.length;
    return n;
  }

  /** The stored buckets of `window` (from ≤ bucketStart < end, oldest first), as `load` over its span returns them. */
  async of(window: DueWindow): Promise<StoredBucket<A>[]> {
    const walk = this.versions.get(window.version);
    // A window alone in its version shares nothing: read as before, nothing held.
    if (!walk || walk.windows < 2 || window.start < walk.heldFrom)
      return this.load(window.model, window.version, window.start, window.end);
    if (window.start >= walk.heldTo) {
      walk.held = [];
      walk.heldFrom = walk.heldTo = window.start;
    } else if (window.start > walk.heldFrom) {
      // Windows come by start: no later window of the page reads a bucket before this one's start.
      let drop = 0;
      while (drop < walk.held.length && walk.held[drop]!.bucketStart < window.start) drop++;
      if (drop > 0) walk.held = walk.held.slice(drop);
      walk.heldFrom = window.start;
    }
    if (window.end > walk.heldTo) {
      const ahead = this.aheadWindows * (window.end - window.start);
      const to = Math.min(walk.to, Math.max(window.end, walk.heldTo + ahead));
      const more = await this.load(walk.model, window.version, walk.heldTo, to);
      for (const b of more) walk.held.push(b);
      walk.heldTo = to;
    }
    return walk.held.filter((b) => b.bucketStart >= window.start && b.bucketStart < window.end);
  }
}
