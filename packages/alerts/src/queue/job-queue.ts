/**
 * The queue the alerts run on, behind our own interface (STYLE.md: the alerts see a `JobQueue`, not BullMQ).
 * Two implementations: BullMQ on Redis (`createBullmqQueue`) and an in-process queue for the embedded mode
 * (`createMemoryQueue`). Both are at-least-once: a job can run again after a crash, so handlers are idempotent
 * (the outbox row they settle is the guard).
 */

export interface JobData {
  /** The outbox row this job delivers. */
  outboxId: string;
}

export interface QueuedJob {
  /** Deterministic: adding a job whose id is waiting, delayed or running does nothing. */
  id: string;
  data: JobData;
  /** Run no earlier than this many milliseconds from now. */
  delayMs: number;
}

export interface RunningJob {
  id: string;
  data: JobData;
  /** 1 for the first run. */
  attempt: number;
  maxAttempts: number;
  /** Aborted when the queue closes with jobs in flight. */
  signal: AbortSignal;
}

/**
 * Handles one job. Throwing schedules another attempt after a backoff, up to `maxAttempts`; on its last attempt a
 * handler should settle the job itself (record the failure) instead of throwing.
 */
export type JobHandler = (job: RunningJob) => Promise<void>;

export interface JobQueueOptions {
  /** @defaultValue 5 */
  maxAttempts?: number;
  /** First retry after this long, doubling each time. @defaultValue 1000 */
  backoffMs?: number;
  /** Jobs run at the same time. @defaultValue 8 */
  concurrency?: number;
}

export interface JobQueue {
  readonly kind: 'bullmq' | 'memory';
  add(jobs: readonly QueuedJob[]): Promise<void>;
  /** Starts running jobs with `handler`; once. */
  process(handler: JobHandler): void;
  /** Jobs waiting, delayed or running. */
  counts(): Promise<{ waiting: number; delayed: number; active: number }>;
  /** Stops taking jobs and waits for running ones up to `timeoutMs`, then aborts them. Idempotent. */
  close(timeoutMs?: number): Promise<void>;
}
