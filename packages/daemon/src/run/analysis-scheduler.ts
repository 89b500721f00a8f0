/**
 * Window analysis beside ingest (docs/streaming.md, "Analysis beside ingest"). A committed batch only tells the
 * scheduler which windows it changed; the scheduler keeps them in a queue keyed by window, so a window that a
 * thousand batches change while it is open is one entry, and runs passes one after another beside the consumer.
 * A pass looks up the watermarks of the models with new changes (one query) and asks the store for the due windows
 * only of the models where a queued window has closed; the analysis itself still reads the store's buckets.
 *
 * Nothing here is needed for correctness: the queue is a shortcut to what `vigil_windows` says (change_seq >
 * analysed_seq). A crash between a batch's commit and its windows' analysis loses the queue, and the next start
 * (or the maintenance pass, which asks for a sweep of every model) finds those windows through the due-window
 * query. Ingest never waits for a pass: `mark` returns at once.
 */
import { compositeKey, silentLogger, type Logger } from '@vigil/core';
import type { WindowKey } from '@vigil/store';

/** What one pass is asked to do for one model. */
export interface ModelWork {
  model: string;
  /** The earliest end among the model's queued windows (Infinity: none queued, a sweep). */
  earliestEnd: number;
  /** Ask the store for the model's due windows whatever the queue says (maintenance, recovery, drain). */
  sweep: boolean;
  /** Analyse revisions the materiality rule would defer (end of input, `drain`). */
  force: boolean;
}

/** What a pass found: each model's watermark (windows ending at or before it were looked at), and the analyses. */
export interface PassOutcome {
  watermarks: ReadonlyMap<string, number>;
  analysed: number;
}

export interface AnalysisSchedulerOptions {
  /** Runs one pass over `work` (the runner's due-window analysis). */
  pass(work: readonly ModelWork[]): Promise<PassOutcome>;
  now?: () => number;
  logger?: Logger;
}

interface Pending {
  /** When the oldest change not yet looked at by a pass was committed (the analysis lag counts from it). */
  since: number;
  sweep: boolean;
  force: boolean;
}

interface Queued {
  end: number;
  /** The mark that queued (or re-queued) it: a pass only removes what was queued before it started. */
  generation: number;
}

export class AnalysisScheduler {
  /** model → window key → the window's end: the coalescing queue. */
  private readonly queued = new Map<string, Map<string, Queued>>();
  /** Models with changes (or a sweep) waiting for a pass. */
  private readonly pending = new Map<string, Pending>();
  /** Models in the pass now running, with when their oldest change came. */
  private inFlight = new Map<string, Pending>();
  private generation = 0;
  private running: Promise<void> | undefined;
  private stopped = false;
  private readonly now: () => number;
  private readonly logger: Logger;
  /** Windows analysed by passes so far. */
  analysed = 0;
  /** Passes that failed (each is retried with the next mark or sweep). */
  failures = 0;

  constructor(private readonly options: AnalysisSchedulerOptions) {
    this.now = options.now ?? Date.now;
    this.logger = options.logger ?? silentLogger;
  }

  /** After a commit: these windows changed. Queued (once per window), and a pass is started if none runs. */
  mark(models: readonly string[], windows: readonly WindowKey[]): void {
    if (this.stopped) return;
    const generation = ++this.generation;
    for (const w of windows) {
      let byKey = this.queued.get(w.model);
      if (!byKey) this.queued.set(w.model, (byKey = new Map()));
      byKey.set(compositeKey(w.version, w.start, w.end), { end: w.end, generation });
    }
    const now = this.now();
    for (const model of models) this.request(model, now, false, false);
    this.kick();
  }

  /** Asks for each model's due windows from the store (maintenance: windows left by a crash, another daemon, idle partitions). */
  sweep(models: readonly string[], force = false): void {
    if (this.stopped) return;
    const now = this.now();
    for (const model of models) this.request(model, now, true, force);
    this.kick();
  }

  /** Resolves once no pass runs and nothing waits for one (revisions deferred by the materiality rule aside). */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  /**
   * Everything committed so far analysed, deferred revisions included: a sweep of `models` that analyses every due
   * window, then `idle`. For the end of an input (`vigil run --source FILE`) and for tests.
   */
  async drain(models: readonly string[]): Promise<void> {
    this.sweep(models, true);
    await this.idle();
  }

  /** No new passes; the running one finishes (what it leaves is found by the due-window query at the next start). */
  async stop(): Promise<void> {
    this.stopped = true;
    this.pending.clear();
    await this.idle();
  }

  /**
   * Seconds since the oldest committed change that no pass has looked at yet (0 when none waits): how far window
   * analysis is behind ingest.
   */
  lagSeconds(): number {
    let oldest = Infinity;
    for (const p of this.pending.values()) oldest = Math.min(oldest, p.since);
    for (const p of this.inFlight.values()) oldest = Math.min(oldest, p.since);
    return oldest === Infinity ? 0 : Math.max(0, this.now() - oldest) / 1000;
  }

  /** Windows in the queue (open ones included). */
  queuedWindows(): number {
    let n = 0;
    for (const byKey of this.queued.values()) n += byKey.size;
    return n;
  }

  private request(model: string, now: number, sweep: boolean, force: boolean): void {
    const p = this.pending.get(model);
    if (p) {
      p.sweep ||= sweep;
      p.force ||= force;
    } else this.pending.set(model, { since: now, sweep, force });
  }

  private kick(): void {
    if (this.running || this.pending.size === 0) return;
    this.running = this.loop().finally(() => {
      this.running = undefined;
    });
  }

  private async loop(): Promise<void> {
    // Let the batch that marked return first: the pass runs beside the consumer, never inside its handler.
    await new Promise((resolve) => setImmediate(resolve));
    while (this.pending.size > 0 && !this.stopped) {
      this.inFlight = new Map(this.pending);
      this.pending.clear();
      const startedAt = this.generation;
      const work: ModelWork[] = [...this.inFlight].map(([model, p]) => ({
        model,
        earliestEnd: this.earliestEnd(model),
        sweep: p.sweep,
        force: p.force,
      }));
      try {
        const outcome = await this.options.pass(work);
        this.analysed += outcome.analysed;
        for (const [model, watermark] of outcome.watermarks) this.forget(model, watermark, startedAt);
        this.inFlight.clear();
      } catch (error) {
        // Retried with the next mark or sweep (the maintenance pass asks for one every few seconds): not at once,
        // so a database that is down is not hammered. The lag keeps growing meanwhile, and /readyz says so.
        this.failures++;
        for (const [model, p] of this.inFlight) {
          const later = this.pending.get(model);
          this.pending.set(model, {
            since: Math.min(p.since, later?.since ?? Infinity),
            sweep: p.sweep || (later?.sweep ?? false),
            force: p.force || (later?.force ?? false),
          });
        }
        this.inFlight.clear();
        this.logger.warn(
          { err: error },
          'window analysis pass failed; retried with the next batch or maintenance pass',
        );
        return;
      }
    }
  }

  private earliestEnd(model: string): number {
    let earliest = Infinity;
    for (const q of this.queued.get(model)?.values() ?? []) earliest = Math.min(earliest, q.end);
    return earliest;
  }

  /** Drops the model's queued windows that the pass looked at: closed by its watermark and queued before it began. */
  private forget(model: string, watermark: number, generation: number): void {
    const byKey = this.queued.get(model);
    if (!byKey) return;
    for (const [key, q] of byKey) if (q.end <= watermark && q.generation <= generation) byKey.delete(key);
    if (byKey.size === 0) this.queued.delete(model);
  }
}
