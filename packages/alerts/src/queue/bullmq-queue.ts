/**
 * The JobQueue on BullMQ and Redis; the only file that imports bullmq. Jobs carry their deterministic id as
 * BullMQ's `jobId`, so adding one that is waiting, delayed or running is a no-op; finished jobs are removed, and
 * the outbox row (settled by the handler) is what stops a re-added job from delivering twice.
 */
import type { ConnectionOptions, Worker } from 'bullmq';
import { VigilError, type Logger } from '@vigil/core';
import type { JobData, JobHandler, JobQueue, JobQueueOptions } from './job-queue';

export interface BullmqQueueOptions extends JobQueueOptions {
  /** `redis://` or `rediss://` URL. */
  url: string;
  /** @defaultValue `vigil-alerts` */
  name?: string;
  /** Redis key prefix (tests use a unique one). @defaultValue `bull` */
  prefix?: string;
  /** How long a worker may hold a job before another worker takes it over as stalled. @defaultValue 30000 */
  lockDurationMs?: number;
  /** How often workers look for stalled jobs. @defaultValue 30000 */
  stalledIntervalMs?: number;
  /** How long to wait for Redis at start before giving up (ioredis would otherwise retry forever). @defaultValue 10000 */
  connectTimeoutMs?: number;
  logger: Logger;
}

/** ioredis options from a Redis URL (user, password, database number, TLS for `rediss:`). */
export function redisConnection(url: string): ConnectionOptions & Record<string, unknown> {
  let u: URL;
  try {
    u = new URL(url);
  } catch (error) {
    throw new VigilError('VIGIL_QUEUE_UNAVAILABLE', 'the Redis URL is not a URL', { cause: error });
  }
  const db = u.pathname.length > 1 ? Number(u.pathname.slice(1)) : 0;
  return {
    host: u.hostname || '127.0.0.1',
    port: u.port === '' ? 6379 : Number(u.port),
    ...(u.username ? { username: decodeURIComponent(u.username) } : {}),
    ...(u.password ? { password: decodeURIComponent(u.password) } : {}),
    ...(Number.isInteger(db) ? { db } : {}),
    ...(u.protocol === 'rediss:' ? { tls: {} } : {}),
    // Workers block on Redis; BullMQ requires unlimited retries per request for them.
    maxRetriesPerRequest: null,
  };
}

export async function createBullmqQueue(options: BullmqQueueOptions): Promise<JobQueue> {
  const name = options.name ?? 'vigil-alerts';
  const maxAttempts = options.maxAttempts ?? 5;
  const backoffMs = options.backoffMs ?? 1000;
  const connection = redisConnection(options.url);
  const log = options.logger.child({ component: 'alert-queue', queue: name });
  // Loaded here, when Redis alerting is configured, not with the package: bullmq and ioredis took ~0.23 s of every
  // `vigil run`'s start-up, Redis or not (docs/benchmarks.md, "The start-up's modules and configuration").
  const { Queue, Worker } = await import('bullmq');
  const queue = new Queue<JobData>(name, { connection, ...(options.prefix ? { prefix: options.prefix } : {}) });
  // ioredis retries a refused password or an untrusted certificate as it retries a refused connection, reporting each
  // attempt here: the last one says why Redis was not ready. (Not ended at once on a refusal: closing the queue
  // while BullMQ still connects makes it emit an 'error' nobody listens to, which ends the process.)
  let lastError: Error | undefined;
  queue.on('error', (error) => {
    lastError = error;
    log.warn({ err: error }, 'queue connection error');
  });
  const connectTimeoutMs = options.connectTimeoutMs ?? 10_000;
  try {
    await bounded(queue.waitUntilReady(), connectTimeoutMs);
  } catch (error) {
    await bounded(queue.close(), 2000).catch(() => undefined);
    const where = `${connection.host}:${connection.port}`;
    const why = `${(error as Error).message}${lastError ? `; last error: ${describe(lastError)}` : ''}`;
    if (lastError && isRefusal(lastError)) {
      throw new VigilError('VIGIL_QUEUE_UNAVAILABLE', `Redis at ${where} refused the connection (${why})`, {
        cause: lastError,
        retriable: false,
      });
    }
    throw new VigilError('VIGIL_QUEUE_UNAVAILABLE', `Redis does not answer at ${where} (${why})`, {
      cause: error,
      retriable: true,
    });
  }
  let worker: Worker<JobData> | undefined;
  const controllers = new Set<AbortController>();
  let closed: Promise<void> | undefined;

  return {
    kind: 'bullmq',
    async add(jobs) {
      if (jobs.length === 0) return;
      await queue.addBulk(
        jobs.map((j) => ({
          name: 'deliver',
          data: j.data,
          opts: {
            jobId: j.id,
            delay: Math.max(0, Math.round(j.delayMs)),
            attempts: maxAttempts,
            backoff: { type: 'exponential', delay: backoffMs },
            removeOnComplete: true,
            removeOnFail: true,
          },
        })),
      );
    },
    process(handler: JobHandler) {
      if (worker) throw new Error('process() was called twice on the same queue');
      worker = new Worker<JobData>(
        name,
        async (job) => {
          const controller = new AbortController();
          controllers.add(controller);
          try {
            await handler({
              id: job.id ?? '',
              data: job.data,
              attempt: job.attemptsMade + 1,
              maxAttempts: job.opts.attempts ?? maxAttempts,
              signal: controller.signal,
            });
          } finally {
            controllers.delete(controller);
          }
        },
        {
          connection,
          concurrency: options.concurrency ?? 8,
          ...(options.prefix ? { prefix: options.prefix } : {}),
          ...(options.lockDurationMs ? { lockDuration: options.lockDurationMs } : {}),
          ...(options.stalledIntervalMs ? { stalledInterval: options.stalledIntervalMs } : {}),
        },
      );
      worker.on('error', (error) => log.warn({ err: error }, 'worker error'));
    },
    async counts() {
      const c = await queue.getJobCounts('waiting', 'delayed', 'active', 'prioritized', 'paused');
      return {
        waiting: (c.waiting ?? 0) + (c.prioritized ?? 0) + (c.paused ?? 0),
        delayed: c.delayed ?? 0,
        active: c.active ?? 0,
      };
    },
    close(timeoutMs = 10_000) {
      closed ??= (async () => {
        const steps: Array<() => Promise<unknown>> = [];
        if (worker) {
          const w = worker;
          steps.push(async () => {
            let t: NodeJS.Timeout | undefined;
            const timedOut = new Promise<'timeout'>((resolve) => {
              t = setTimeout(() => resolve('timeout'), timeoutMs);
            });
            const graceful = w.close();
            if ((await Promise.race([graceful, timedOut])) === 'timeout') {
              for (const c of controllers) c.abort();
              await w.close(true);
            }
            clearTimeout(t);
          });
        }
        steps.push(() => queue.close());
        // Every step runs even if one fails, and none may hang (Redis gone): STYLE.md's bounded close().
        for (const step of steps)
          await bounded(step(), timeoutMs + 5000).catch((error: unknown) =>
            log.warn({ err: error }, 'closing the queue'),
          );
      })();
      return closed;
    },
  };
}

/** AUTH refused (wrong user or password, or none given) or a TLS certificate not trusted: retrying cannot help. */
function isRefusal(error: Error): boolean {
  const code = (error as { code?: unknown }).code;
  if (
    typeof code === 'string' &&
    /^(ERR_TLS_CERT_ALTNAME_INVALID|UNABLE_TO_|CERT_|DEPTH_ZERO_SELF_SIGNED_CERT$|SELF_SIGNED_CERT_IN_CHAIN$|HOSTNAME_MISMATCH$)/.test(
      code,
    )
  )
    return true;
  return /^(WRONGPASS|NOAUTH|NOPERM)\b/.test(error.message);
}

/** An error's message, with Node's code when it has one (`ECONNREFUSED`, `SELF_SIGNED_CERT_IN_CHAIN`). */
function describe(error: Error): string {
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' && !error.message.includes(code) ? `${error.message} (${code})` : error.message;
}

/** Rejects when `promise` has not settled within `ms`. */
function bounded<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`did not finish within ${ms} ms`)), ms);
    timer.unref();
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
