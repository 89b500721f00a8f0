/**
 * Moves due outbox rows into the queue. Rows due within `aheadMs` become delayed jobs; later ones wait in
 * Postgres (a week-long repeat interval never sits in Redis). Rows never enqueued are picked up on every pass;
 * every `recheckMs` a full pass re-adds every pending due row, which re-creates the jobs Redis lost (a flush, a
 * restart without persistence) and is harmless otherwise (job ids are deterministic).
 */
import type { JobQueue } from '../queue/job-queue';
import type { AlertingContext } from './alerting-context';

export interface RelayOptions {
  /** @defaultValue 250 */
  pollMs?: number;
  /** @defaultValue 5000 */
  recheckMs?: number;
  /** @defaultValue 60000 */
  aheadMs?: number;
  /** Rows per pass. @defaultValue 500 */
  batch?: number;
}

export class OutboxRelay {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<number> | undefined;
  private again = false;
  private lastFull = Number.NEGATIVE_INFINITY;
  private stopped = false;
  private readonly pollMs: number;
  private readonly recheckMs: number;
  private readonly aheadMs: number;
  private readonly batch: number;

  constructor(
    private readonly ctx: AlertingContext,
    private readonly queue: JobQueue,
    options: RelayOptions = {},
    private readonly onTick?: () => Promise<void>,
  ) {
    this.pollMs = options.pollMs ?? 250;
    this.recheckMs = options.recheckMs ?? 5000;
    this.aheadMs = options.aheadMs ?? 60_000;
    this.batch = options.batch ?? 500;
  }

  start(): void {
    this.stopped = false;
    this.schedule(0);
  }

  /** A pass soon; passes never overlap (a request during a pass runs one more after it). */
  kick(): void {
    if (this.stopped) return;
    if (this.running) this.again = true;
    else this.schedule(0);
  }

  /** One pass now; `full` re-adds every pending due row. Returns how many rows were handed to the queue. */
  async pass(full = false): Promise<number> {
    while (this.running) await this.running.catch(() => undefined);
    this.running = this.doPass(full);
    try {
      return await this.running;
    } finally {
      this.running = undefined;
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running?.catch(() => undefined);
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.tick(), ms);
    this.timer.unref();
  }

  private async tick(): Promise<void> {
    try {
      const now = Date.now();
      await this.pass(now - this.lastFull >= this.recheckMs);
      await this.onTick?.();
    } catch (error) {
      this.ctx.logger.warn({ component: 'outbox-relay', err: error }, 'relay pass failed; retrying');
    }
    const again = this.again;
    this.again = false;
    this.schedule(again ? 0 : this.pollMs);
  }

  private async doPass(full: boolean): Promise<number> {
    if (full) this.lastFull = Date.now();
    const now = this.ctx.now();
    let total = 0;
    for (;;) {
      // A full pass looks at many more rows at once: it cannot page by "not enqueued yet".
      const fresh = await this.ctx.store.transaction((tx) =>
        tx.outbox.pending({
          dueBefore: now + this.aheadMs + 1,
          notEnqueuedOnly: !full,
          limit: full ? this.batch * 20 : this.batch,
        }),
      );
      if (fresh.length === 0) break;
      await this.queue.add(
        fresh.map((r) => ({ id: r.jobId, data: { outboxId: r.id }, delayMs: Math.max(0, r.deliverAt - now) })),
      );
      await this.ctx.store.transaction((tx) =>
        tx.outbox.markEnqueued(
          fresh.map((r) => r.id),
          now,
        ),
      );
      total += fresh.length;
      if (full || fresh.length < this.batch) break;
    }
    return total;
  }
}
