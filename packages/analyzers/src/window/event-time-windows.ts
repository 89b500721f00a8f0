/**
 * Event-time window arithmetic (the model's `window` in docs/configuration.md; docs/streaming.md, "Event time"). Events are summed
 * into buckets one slide long, aligned to the epoch; a window of `sizeMs` is the sum of its `sizeMs / slideMs`
 * consecutive buckets, so sliding windows share buckets and cost nothing extra to keep. A model's watermark is
 * the event time its events are complete up to (`completeEventTime`: the minimum over the partitions carrying it)
 * minus the allowed lateness; a window closes — is analysed — when the watermark reaches its end. An event for a closed window still lands in its bucket, and the windows it touches are re-analysed
 * (their metric rows revised, never duplicated).
 */
import { VigilError, type WindowConfig } from '@vigil/core';

export interface WindowBounds {
  /** Inclusive start, epoch ms. */
  readonly start: number;
  /** Exclusive end, epoch ms. */
  readonly end: number;
}

export class EventTimeWindows {
  readonly sizeMs: number;
  readonly slideMs: number;
  readonly allowedLatenessMs: number;

  constructor(window: Pick<WindowConfig, 'sizeMs' | 'slideMs' | 'allowedLatenessMs'>) {
    const { sizeMs, slideMs, allowedLatenessMs } = window;
    const problems: string[] = [];
    if (!(Number.isSafeInteger(slideMs) && slideMs > 0))
      problems.push(`slide ${slideMs} ms must be a positive whole number of milliseconds`);
    if (!(Number.isSafeInteger(sizeMs) && sizeMs > 0 && sizeMs % slideMs === 0))
      problems.push(`size ${sizeMs} ms must be a positive multiple of the slide (${slideMs} ms)`);
    if (!(Number.isFinite(allowedLatenessMs) && allowedLatenessMs >= 0))
      problems.push(`allowed lateness ${allowedLatenessMs} ms must be zero or more`);
    if (problems.length > 0)
      throw new VigilError('VIGIL_CONFIG_INVALID', `window: ${problems.join('; ')}`, { details: { problems } });
    this.sizeMs = sizeMs;
    this.slideMs = slideMs;
    this.allowedLatenessMs = allowedLatenessMs;
  }

  /** Start of the bucket holding an event at `ts`. */
  bucketOf(ts: number): number {
    return Math.floor(ts / this.slideMs) * this.slideMs;
  }

  /** Every window that contains the bucket starting at `bucketStart`, oldest first. */
  windowsOfBucket(bucketStart: number): WindowBounds[] {
    const out: WindowBounds[] = [];
    for (let start = bucketStart - this.sizeMs + this.slideMs; start <= bucketStart; start += this.slideMs) {
      out.push({ start, end: start + this.sizeMs });
    }
    return out;
  }

  /** The bucket starts a window sums. */
  bucketsOfWindow(window: WindowBounds): number[] {
    const out: number[] = [];
    for (let b = window.start; b < window.end; b += this.slideMs) out.push(b);
    return out;
  }

  /** The watermark once the model's events are complete up to `maxEventTs`. */
  watermark(maxEventTs: number): number {
    return maxEventTs - this.allowedLatenessMs;
  }

  isClosed(window: WindowBounds, watermark: number): boolean {
    return window.end <= watermark;
  }

  /**
   * Windows that close as the watermark moves from `previous` to `next`: those whose end is in (previous, next],
   * oldest first. Successive calls close every window exactly once, however the watermark advances.
   */
  closedBetween(previous: number, next: number): WindowBounds[] {
    if (!Number.isFinite(previous) || !Number.isFinite(next)) {
      throw new VigilError(
        'VIGIL_INTERNAL',
        `watermarks must be finite (got ${previous} → ${next}): start from the first event's watermark`,
      );
    }
    const out: WindowBounds[] = [];
    if (!(next > previous)) return out;
    // Window ends are multiples of the slide, like starts (size is a multiple of the slide).
    const first = Math.floor(previous / this.slideMs) * this.slideMs + this.slideMs;
    for (let end = first; end <= next; end += this.slideMs) out.push({ start: end - this.sizeMs, end });
    return out;
  }
}
