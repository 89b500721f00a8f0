/**
 * The failures alert delivery must survive, on BullMQ with a Redis of the test's own (so flushing or restarting
 * it disturbs no one) and the real PostgreSQL: a worker stopped in the middle of a delivery, Redis losing every
 * job, a webhook answering 500 before 200, a webhook that never answers. No timed assertions: each test waits for
 * the outcome it expects (jest's timeout bounds it).
 */
import { fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { silentLogger } from '@vigil/core';
import { createAlerting, type Alerting, type AlertingOptions } from '../../src/alerting';
import { createBullmqQueue } from '../../src/queue/bullmq-queue';
import type { JobQueue } from '../../src/queue/job-queue';
import { alertConfig, alertConfigText } from '../helpers/config';
import { realStore } from '../helpers/database';
import { OwnRedis } from '../helpers/own-redis';
import { WebhookSink } from '@vigil/test-kit';
import { analysis, psi } from '../helpers/windows';

describe('delivery faults (BullMQ on its own Redis, real PostgreSQL)', () => {
  const redis = new OwnRedis();
  let sink: WebhookSink;
  let db: Awaited<ReturnType<typeof realStore>>;
  let prefix: string;
  const opened: Array<{ close(timeoutMs?: number): Promise<void> }> = [];

  beforeAll(async () => {
    await redis.start();
  });
  afterAll(async () => {
    await redis.close();
  });
  beforeEach(async () => {
    sink = await new WebhookSink().start();
    db = await realStore('alert_faults');
    prefix = `vigil-fault-${randomBytes(4).toString('hex')}`;
  });
  afterEach(async () => {
    for (const c of opened.splice(0).reverse()) await c.close(1000);
    await sink.close();
    await db.teardown();
  });

  const queue = async (): Promise<JobQueue> => {
    const q = await createBullmqQueue({
      url: redis.url,
      prefix,
      maxAttempts: 3,
      backoffMs: 20,
      concurrency: 4,
      lockDurationMs: 1000,
      stalledIntervalMs: 300,
      logger: silentLogger,
    });
    opened.push(q);
    return q;
  };
  const alerting = async (policy: string, o: Partial<AlertingOptions> = {}): Promise<Alerting> => {
    const a = await createAlerting({
      config: alertConfig({ ownerUrl: `${sink.base}/owner`, oncallUrl: `${sink.base}/oncall`, policy }),
      store: db.store,
      queue: await queue(),
      relay: { pollMs: 50, recheckMs: 200, aheadMs: 60_000 },
      delivery: { timeoutMs: 300, maxAttempts: 3, backoffMs: 20 },
      ...o,
    });
    opened.push(a);
    await a.start();
    return a;
  };
  const breach = async (a: Alerting) => {
    const w = analysis(Date.now(), [psi(0.31)]);
    const summary = await db.store.transaction((tx) => a.evaluateIn(tx, w));
    a.kick();
    return summary.opened[0]!;
  };
  const twoSteps = (after: string) =>
    `    steps:\n      - { after: 0m, notify: [owner] }\n      - { after: ${after}, notify: [oncall] }`;

  it('a worker stopped mid-delivery: another worker delivers it, and downstream sees one notification (same ids)', async () => {
    sink.respond = (_r, i) => (i === 0 ? 'hang' : 200);
    const first = await alerting(twoSteps('1h'));
    const id = await breach(first);
    await sink.until((r) => r.length === 1);
    await first.close(0); // aborts the request in flight; nothing is recorded as delivered
    expect((await first.getIncident(id)).notifications.filter((n) => n.kind === 'notify').map((n) => n.state)).toEqual([
      'pending',
    ]);

    const second = await alerting(twoSteps('1h'));
    await sink.until((r) => r.length === 2);
    await waitFor(async () => (await second.getIncident(id)).notifications[0]?.state === 'delivered');
    const owner = sink.at('/owner');
    expect(owner.map((r) => r.body.notificationId)).toEqual([
      owner[0]!.body.notificationId,
      owner[0]!.body.notificationId,
    ]);
    // The notice is the model version's notification group's (grouping by default): its key is the group's.
    expect(new Set(owner.map((r) => r.body.dedupKey))).toEqual(new Set(['credit-risk/7']));
    const detail = await second.getIncident(id);
    expect(detail.history.filter((h) => h.action === 'notification.delivered')).toHaveLength(1);
  }, 60_000);

  it('a worker process killed (SIGKILL) while a webhook holds its request: delivered by another worker, once by id', async () => {
    const dist = join(__dirname, '../../dist/index.js');
    if (!existsSync(dist))
      throw new Error(
        `${dist} is missing: this test runs a worker from the built package; run \`pnpm run build\` first`,
      );
    sink.respond = (_r, i) => (i === 0 ? 'hang' : 200);
    const policy = twoSteps('1h');
    const config = alertConfigText({ ownerUrl: `${sink.base}/owner`, oncallUrl: `${sink.base}/oncall`, policy });
    const child = fork(join(__dirname, 'fixtures/delivery-worker.js'), [], {
      cwd: join(__dirname, '../..'),
      env: {
        ...process.env,
        VIGIL_TEST_CONFIG: config,
        VIGIL_TEST_DATABASE_URL: db.url,
        VIGIL_TEST_SCHEMA: db.schema,
        VIGIL_TEST_REDIS_URL: redis.url,
        VIGIL_TEST_PREFIX: prefix,
      },
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    });
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    try {
      await new Promise<void>((resolve, reject) => {
        child.once('message', () => resolve());
        child.once('exit', (code) => reject(new Error(`the worker process exited with ${code} before starting`)));
      });
      // State is written here; only the child's relay and worker run, so the child takes the job.
      const writer = await createAlerting({
        config: alertConfig({ ownerUrl: `${sink.base}/owner`, oncallUrl: `${sink.base}/oncall`, policy }),
        store: db.store,
      });
      const w = analysis(Date.now(), [psi(0.31)]);
      const id = (await db.store.transaction((tx) => writer.evaluateIn(tx, w))).opened[0]!;
      await sink.until((r) => r.length === 1);
      child.kill('SIGKILL');
      await exited;
      expect((await writer.getIncident(id)).notifications.map((n) => n.state)).toEqual(['pending']);
      const survivor = await alerting(policy);
      await sink.until((r) => r.length === 2);
      await waitFor(async () => (await survivor.getIncident(id)).notifications[0]?.state === 'delivered');
      const owner = sink.at('/owner');
      expect(owner[1]!.body.notificationId).toBe(owner[0]!.body.notificationId);
      expect(owner[1]!.body.dedupKey).toBe('credit-risk/7');
      expect(
        (await survivor.getIncident(id)).history.filter((h) => h.action === 'notification.delivered'),
      ).toHaveLength(1);
    } finally {
      child.kill('SIGKILL');
      await exited;
    }
  }, 60_000);

  it('Redis flushed: the relay re-creates the lost delayed job from the outbox and the step is delivered', async () => {
    const q = await queue();
    const a = await alerting(twoSteps('2s'), { queue: q });
    const id = await breach(a);
    await sink.until((r) => r.length === 1);
    await waitFor(async () => (await q.counts()).delayed === 1); // step 1, due in 2 s, waits in Redis
    // The only copy of the step's job was in Redis: whatever delivers it now was re-created from the outbox.
    expect(redis.cli('FLUSHALL')).toBe('OK');
    await sink.until((r) => r.some((x) => x.path === '/oncall'));
    expect(sink.at('/oncall')).toHaveLength(1);
    expect(sink.at('/oncall')[0]!.body).toMatchObject({ incidentId: id, escalationStep: 1 });
  }, 60_000);

  it('Redis restarted without its data: nothing is lost', async () => {
    const q = await queue();
    const a = await alerting(twoSteps('2s'), { queue: q });
    await breach(a);
    await sink.until((r) => r.length === 1);
    await waitFor(async () => (await q.counts()).delayed === 1);
    await redis.restart();
    await sink.until((r) => r.some((x) => x.path === '/oncall'));
    expect(sink.received.map((r) => r.path)).toEqual(['/owner', '/oncall']);
  }, 60_000);

  it('a webhook answering 500 and then 200 is retried: delivered on the second attempt, same notification id', async () => {
    sink.respond = (_r, i) => (i === 0 ? 500 : 200);
    const a = await alerting(twoSteps('1h'));
    const id = await breach(a);
    await waitFor(async () => (await a.getIncident(id)).notifications[0]?.state === 'delivered');
    const owner = sink.at('/owner');
    expect(owner).toHaveLength(2);
    expect(owner[1]!.body.notificationId).toBe(owner[0]!.body.notificationId);
    expect((await a.getIncident(id)).notifications[0]).toMatchObject({ state: 'delivered', attempts: 2 });
  }, 60_000);

  it('a webhook that never answers: timed out on every attempt, recorded on the incident, escalated at once', async () => {
    sink.respond = (r) => (r.path === '/owner' ? 'hang' : 200);
    const a = await alerting(twoSteps('1h'));
    const id = await breach(a);
    await sink.until((r) => r.some((x) => x.path === '/oncall'));
    expect(sink.at('/owner')).toHaveLength(3); // maxAttempts
    const detail = await a.getIncident(id);
    expect(detail.deliveryFailures).toEqual([
      expect.objectContaining({
        target: 'owner:webhook',
        step: 0,
        error: expect.stringContaining('no answer within 300 ms'),
      }),
    ]);
    expect(detail.notifications.map((n) => [n.target, n.state])).toEqual(
      expect.arrayContaining([['owner:webhook', 'failed']]),
    );
    expect(detail.history.map((h) => h.action)).toContain('notification.failed');
    expect(sink.at('/oncall')[0]!.body).toMatchObject({ escalationStep: 1, status: 'firing' });
  }, 60_000);
});

async function waitFor(check: () => Promise<boolean>): Promise<void> {
  while (!(await check())) await new Promise((resolve) => setTimeout(resolve, 20));
}
