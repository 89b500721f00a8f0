/**
 * The in-process queue of the embedded mode (no Redis): same interface and semantics as the BullMQ queue —
 * deterministic ids, delays, retries with exponential backoff, bounded concurrency — but lost on exit, which the
 * outbox makes harmless (the relay re-enqueues what is still pending).
 */
import type { JobHandler, JobQueue, JobQueueOptions, QueuedJob } from './job-queue';

interface Entry {
  job: QueuedJob;
  attempt: number;
  readyAt: number;
  state: 'waiting' | 'active';
}

export function createMemoryQueue(options: JobQueueOptions = {}): JobQueue {
  const maxAttempts = options.maxAttempts ?? 5;
  const backoffMs = options.backoffMs ?? 1000;
  const concurrency = options.concurrency ?? 8;
  const entries = new Map<string, Entry>();
  const running = new Map<string, Promise<void>>();
  const abort = new AbortController();
  let handler: JobHandler | undefined;
  let timer: NodeJS.Timeout | undefined;
  let closed: Promise<void> | undefined;
  let active = 0;

  const schedule = (): void => {
    if (closed || !handler) return;
    if (timer) clearTimeout(timer);
    timer = undefined;
    const now = Date.now();
    let next = Number.POSITIVE_INFINITY;
    for (const entry of [...entries.values()].sort((a, b) => a.readyAt - b.readyAt)) {
      if (entry.state !== 'waiting') continue;
      if (entry.readyAt > now) {
        next = Math.min(next, entry.readyAt);
        continue;
      }
      if (active >= concurrency) break;
      run(entry);
    }
    if (Number.isFinite(next)) {
      timer = setTimeout(schedule, Math.max(1, next - now));
      timer.unref();
    }
  };

  const run = (entry: Entry): void => {
    entry.state = 'active';
    entry.attempt += 1;
    active += 1;
    const task = (async () => {
      await Promise.resolve(); // the bookkeeping below runs after `running.set`, even if the handler throws at once
      try {
        await handler!({
          id: entry.job.id,
          data: entry.job.data,
          attempt: entry.attempt,
          maxAttempts,
          signal: abort.signal,
        });
        entries.delete(entry.job.id);
      } catch {
        if (entry.attempt >= maxAttempts || abort.signal.aborted) entries.delete(entry.job.id);
        else {
          entry.state = 'waiting';
          entry.readyAt = Date.now() + backoffMs * 2 ** (entry.attempt - 1);
        }
      } finally {
        active -= 1;
        running.delete(entry.job.id);
        schedule();
      }
    })();
    running.set(entry.job.id, task);
  };

  return {
    kind: 'memory',
    async add(jobs) {
      if (closed) return;
      const now = Date.now();
      for (const job of jobs) {
        if (entries.has(job.id)) continue;
        entries.set(job.id, { job, attempt: 0, readyAt: now + Math.max(0, job.delayMs), state: 'waiting' });
      }
      schedule();
    },
    process(h) {
      if (handler) throw new Error('process() was called twice on the same queue');
      handler = h;
      schedule();
    },
    async counts() {
      const now = Date.now();
      let waiting = 0;
      let delayed = 0;
      for (const e of entries.values()) {
        if (e.state === 'active') continue;
        if (e.readyAt > now) delayed += 1;
        else waiting += 1;
      }
      return { waiting, delayed, active };
    },
    close(timeoutMs = 10_000) {
      closed ??= (async () => {
        if (timer) clearTimeout(timer);
        const all = Promise.allSettled([...running.values()]);
        let t: NodeJS.Timeout | undefined;
        const timedOut = new Promise<'timeout'>((resolve) => {
          t = setTimeout(() => resolve('timeout'), timeoutMs);
        });
        if ((await Promise.race([all, timedOut])) === 'timeout') abort.abort();
        clearTimeout(t);
        await all;
        entries.clear();
      })();
      return closed;
    },
  };
}
