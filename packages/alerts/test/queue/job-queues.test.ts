/**
 * Both JobQueue implementations against the same expectations: deterministic ids de-duplicate, delays hold,
 * failures are retried with backoff up to maxAttempts. BullMQ runs on the real Redis of scripts/services.
 */
import { randomBytes } from 'node:crypto';
import { silentLogger } from '@vigil/core';
import { createBullmqQueue } from '../../src/queue/bullmq-queue';
import type { JobQueue, RunningJob } from '../../src/queue/job-queue';
import { createMemoryQueue } from '../../src/queue/memory-queue';
import { reachableRedisUrl } from '@vigil/test-kit';

const queues: Array<[string, () => Promise<JobQueue>]> = [
  ['memory', async () => createMemoryQueue({ maxAttempts: 3, backoffMs: 10, concurrency: 2 })],
  [
    'bullmq',
    async () =>
      createBullmqQueue({
        url: await reachableRedisUrl(),
        prefix: `vigil-test-${randomBytes(4).toString('hex')}`,
        maxAttempts: 3,
        backoffMs: 10,
        concurrency: 2,
        logger: silentLogger,
      }),
  ],
];

describe.each(queues)('%s queue', (_kind, make) => {
  let queue: JobQueue;
  beforeEach(async () => {
    queue = await make();
  });
  afterEach(async () => {
    await queue.close(2000);
  });

  it('runs a job once per id, after its delay, retrying failures until the last attempt', async () => {
    const runs: Array<Pick<RunningJob, 'id' | 'attempt' | 'maxAttempts'>> = [];
    let done!: () => void;
    const finished = new Promise<void>((resolve) => (done = resolve));
    queue.process(async (job) => {
      runs.push({ id: job.id, attempt: job.attempt, maxAttempts: job.maxAttempts });
      if (job.id === 'flaky' && job.attempt < 3) throw new Error('scripted failure');
      if (
        runs.filter((r) => r.id === 'flaky').length === 3 &&
        runs.some((r) => r.id === 'a') &&
        runs.some((r) => r.id === 'later')
      )
        done();
    });
    await queue.add([
      { id: 'a', data: { outboxId: '1' }, delayMs: 0 },
      { id: 'a', data: { outboxId: '1' }, delayMs: 0 },
      { id: 'flaky', data: { outboxId: '2' }, delayMs: 0 },
      { id: 'later', data: { outboxId: '3' }, delayMs: 150 },
    ]);
    await queue.add([{ id: 'later', data: { outboxId: '3' }, delayMs: 0 }]);
    await finished;
    expect(runs.filter((r) => r.id === 'a')).toHaveLength(1);
    expect(runs.filter((r) => r.id === 'later')).toHaveLength(1);
    expect(runs.filter((r) => r.id === 'flaky').map((r) => r.attempt)).toEqual([1, 2, 3]);
    expect(runs[0]!.maxAttempts).toBe(3);
  });
});

describe('BullMQ queue without Redis', () => {
  it('fails at start with VIGIL_QUEUE_UNAVAILABLE instead of waiting forever', async () => {
    await expect(
      createBullmqQueue({ url: 'redis://127.0.0.1:1', connectTimeoutMs: 500, logger: silentLogger }),
    ).rejects.toMatchObject({
      code: 'VIGIL_QUEUE_UNAVAILABLE',
      retriable: true,
      message: expect.stringContaining('Redis does not answer at 127.0.0.1:1'),
    });
  });
});
