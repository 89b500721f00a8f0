/**
 * An analysis pass in slices between batches (docs/streaming.md, "Analysis beside ingest"). The daemon is one
 * thread: a pass's CPU (binning, metrics, the rows' serialisation, about 4.5 ms a window) runs between the batch
 * handler's round-trips to Postgres, and a pass over a backlog of windows has little I/O of its own to give way at
 * (its buckets are read a few windows ahead). So each round-trip of a batch waited behind windows of the pass, and a
 * batch made of a dozen round-trips waited behind most of it: with thousands of windows closing, ingest fell from
 * 50,000 to a few thousand events/s.
 *
 * Here a pass runs for at most `sliceMs` (wall time, its own I/O included) and then, between two windows, gives way:
 * while a batch is being handled it waits until a batch's handling ends (so each batch gets at least one slice's
 * gap), otherwise it lets the event loop take what it has (a fetched batch's callback) before going on. Nothing a
 * pass holds between two windows is in a transaction (its writes wait in an {@link AnalysisWrites} group), so a
 * batch never waits for a pass that waits for it. The pass's windows and their write-together transactions are the
 * same; only when its windows are analysed changes.
 */

export interface AnalysisSlicesOptions {
  /** The longest a pass runs before it gives way to batches. @defaultValue 20 ms */
  sliceMs?: number;
  /** The longest it waits for a batch to end (a batch stuck on a database retrying, for one). @defaultValue 1 s */
  maxWaitMs?: number;
  now?: () => number;
}

export class AnalysisSlices {
  private handling = 0;
  private waiters: Array<() => void> = [];
  private sliceStarted: number;
  private readonly sliceMs: number;
  private readonly maxWaitMs: number;
  private readonly now: () => number;
  /** Times a pass gave way (to a batch being handled, or to the event loop). */
  yields = 0;
  /** Of those, times it waited for a batch to end. */
  waits = 0;

  constructor(options: AnalysisSlicesOptions = {}) {
    this.sliceMs = options.sliceMs ?? 20;
    this.maxWaitMs = options.maxWaitMs ?? 1_000;
    this.now = options.now ?? (() => performance.now());
    this.sliceStarted = this.now();
  }

  /** Batches being handled now. */
  get batches(): number {
    return this.handling;
  }

  /** A batch's handling began. */
  batchStarted(): void {
    this.handling++;
  }

  /** A batch's handling ended (committed or failed): a pass waiting for it goes on. */
  batchEnded(): void {
    this.handling = Math.max(0, this.handling - 1);
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }

  /** A pass begins: its first slice starts now. */
  passStarted(): void {
    this.sliceStarted = this.now();
  }

  /**
   * Between two windows of a pass: returns at once within the slice; past it, gives way (waits for a batch being
   * handled to end, or lets the event loop run what is waiting) and starts the next slice.
   */
  async between(): Promise<void> {
    if (this.now() - this.sliceStarted < this.sliceMs) return;
    this.yields++;
    if (this.handling > 0) {
      this.waits++;
      let timer: NodeJS.Timeout | undefined;
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        timer = setTimeout(resolve, this.maxWaitMs);
        timer.unref();
      });
      clearTimeout(timer);
    } else await new Promise((resolve) => setImmediate(resolve));
    this.sliceStarted = this.now();
  }
}
