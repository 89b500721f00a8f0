/**
 * Notification groups on the timeline harness (issue 12): twenty drifting features of one model version page
 * once. A fake clock, a real HTTP receiver, the embedded store with the real migrations, on both queues.
 */
import { randomBytes } from 'node:crypto';
import { silentLogger } from '@vigil/core';
import { createStore, type Store } from '@vigil/store';
import { createAlerting, type Alerting } from '../../src/alerting';
import type { AnalysedWindow } from '../../src/engine/evaluate-window';
import { createBullmqQueue } from '../../src/queue/bullmq-queue';
import type { JobQueue } from '../../src/queue/job-queue';
import { createMemoryQueue } from '../../src/queue/memory-queue';
import { alertConfig, FakeClock, MIN, T0 } from '../helpers/config';
import { reachableRedisUrl, WebhookSink } from '@vigil/test-kit';
import { analysis, psi } from '../helpers/windows';

// Each test runs incidents through PGlite and a queue on a fake clock: 20-31 s of the default 60 s at load 18
// (measured). The bound only stops a hung test.
jest.setTimeout(150_000);

const QUEUES: Array<[string, () => Promise<JobQueue>]> = [
  ['in-process queue', async () => createMemoryQueue({ maxAttempts: 3, backoffMs: 5 })],
  [
    'BullMQ on Redis',
    async () =>
      createBullmqQueue({
        url: await reachableRedisUrl(),
        prefix: `vigil-grouping-${randomBytes(4).toString('hex')}`,
        maxAttempts: 3,
        backoffMs: 5,
        logger: silentLogger,
      }),
  ],
];

const FEATURES = Array.from({ length: 20 }, (_, i) => `f${String(i + 1).padStart(2, '0')}`);

describe.each(QUEUES)('notification groups (%s)', (_name, makeQueue) => {
  let sink: WebhookSink;
  let store: Store;
  let alerting: Alerting;
  let clock: FakeClock;

  const start = async (top = '') => {
    sink = await new WebhookSink().start();
    store = await createStore({});
    clock = new FakeClock(T0);
    alerting = await createAlerting({
      config: alertConfig({ ownerUrl: `${sink.base}/owner`, oncallUrl: `${sink.base}/oncall`, top }),
      store,
      queue: await makeQueue(),
      now: clock.now,
      relay: { aheadMs: 0, pollMs: 60_000 },
      delivery: { backoffMs: 5, maxAttempts: 3, timeoutMs: 2000 },
      links: {},
    });
    await alerting.start();
  };

  afterEach(async () => {
    await alerting.close();
    await store.close();
    await sink.close();
  });

  const analyse = async (a: AnalysedWindow) => {
    await store.metrics.upsertRows(a.metricRows);
    const summary = await store.transaction((tx) => alerting.evaluateIn(tx, a));
    expect(await alerting.flush()).toBe(true);
    return summary;
  };
  const step = async (ms: number) => {
    clock.advance(ms);
    expect(await alerting.flush()).toBe(true);
  };
  const seen = () =>
    sink.received.map(
      (r) => `${r.path} ${r.body.status} step=${r.body.escalationStep} subjects=${r.body.subjects?.length}`,
    );
  const features = (body: { subjects: Array<{ feature: string }> }) => body.subjects.map((s) => s.feature).sort();

  it('20 features breach in one window: one notice naming 20; a 21st joins: one update after groupInterval; all clear: one resolve per target', async () => {
    await start();
    const first = await analyse(
      analysis(
        T0,
        FEATURES.map((f) => psi(0.3, f)),
      ),
    );
    expect(first.opened).toHaveLength(20);
    expect(seen()).toEqual(['/owner firing step=0 subjects=20']);
    const notice = sink.received[0]!.body;
    expect(notice).toMatchObject({
      dedupKey: 'credit-risk/7',
      groupKey: 'credit-risk/7',
      status: 'firing',
      severity: 'warning',
    });
    expect(features(notice)).toEqual(FEATURES);
    expect(new Set(notice.subjects.map((s: { incidentId: string }) => s.incidentId))).toEqual(new Set(first.opened));
    // Each subject is still its own incident.
    expect(await alerting.listIncidents({ model: 'credit-risk' })).toHaveLength(20);

    clock.advance(2 * MIN);
    const later = await analyse(analysis(T0 + 2 * MIN, [...FEATURES.map((f) => psi(0.3, f)), psi(0.3, 'f21')]));
    expect(later.opened).toHaveLength(1);
    expect(seen()).toHaveLength(1); // groupInterval (5m) since the group's notice has not passed
    await step(2 * MIN); // T0 + 4m
    expect(seen()).toHaveLength(1);
    await step(MIN); // T0 + 5m
    expect(seen()).toEqual(['/owner firing step=0 subjects=20', '/owner firing step=0 subjects=21']);
    expect(features(sink.received[1]!.body)).toContain('f21');
    expect(sink.received[1]!.body.dedupKey).toBe('credit-risk/7');

    await step(25 * MIN); // T0 + 30m: the group escalates once, to on-call
    expect(seen().slice(2)).toEqual(['/oncall firing step=1 subjects=21']);
    // Each subject's incident shows the step its group reached.
    expect(
      await Promise.all(
        [first.opened[0]!, later.opened[0]!].map(async (id) => (await alerting.getIncident(id)).escalationStep),
      ),
    ).toEqual([1, 1]);

    // Twenty clear; the 21st still fires: the group stays, and its next notice (an update, groupInterval after
    // the last, here at once) lists the twenty as resolved beside the one still firing.
    clock.advance(5 * MIN);
    const partly = await analyse(analysis(clock.t, [...FEATURES.map((f) => psi(0.01, f)), psi(0.3, 'f21')]));
    expect(partly.resolved).toHaveLength(20);
    expect(seen().slice(3).sort()).toEqual(['/oncall firing step=1 subjects=21', '/owner firing step=1 subjects=21']);
    const update = sink.at('/owner').at(-1)!.body;
    expect(update).toMatchObject({ status: 'firing', feature: 'f21' });
    expect(update.subjects.filter((s: { status: string }) => s.status === 'resolved')).toHaveLength(20);
    clock.advance(5 * MIN);
    const all = await analyse(analysis(clock.t, [psi(0.01, 'f21')]));
    expect(all.resolved).toHaveLength(1);
    expect(seen().slice(5).sort()).toEqual([
      '/oncall resolved step=0 subjects=21',
      '/owner resolved step=0 subjects=21',
    ]);
    const resolve = sink.at('/owner').at(-1)!.body;
    expect(
      resolve.subjects.every(
        (s: { status: string; resolution: { value: number } }) =>
          s.status === 'resolved' && s.resolution.value === 0.01,
      ),
    ).toBe(true);
    await step(8 * 60 * MIN); // the 4h repeat would have fired
    expect(seen()).toHaveLength(7);
    // The audit log records the group's notices on each subject: first notice, update, on-call, the update
    // telling it resolved (owner, on-call), the group's resolve (owner, on-call).
    const detail = await alerting.getIncident(first.opened[0]!);
    expect(detail.history.filter((h) => h.action === 'notification.delivered')).toHaveLength(7);
    expect(detail.notifications.map((n) => `${n.kind} ${n.target} ${n.state}`)).toEqual(
      expect.arrayContaining([
        'notify owner:webhook delivered',
        'notify oncall delivered',
        'resolve owner:webhook delivered',
      ]),
    );
  });

  it('acknowledging one incident acknowledges the group and its firing subjects: one acknowledgement, escalation stops', async () => {
    await start();
    const { opened } = await analyse(
      analysis(
        T0,
        FEATURES.slice(0, 3).map((f) => psi(0.3, f)),
      ),
    );
    expect(seen()).toEqual(['/owner firing step=0 subjects=3']);
    clock.advance(5 * MIN);
    await alerting.acknowledge(opened[1]!, { actor: 'alice', reason: 'one pipeline broke them all' });
    await step(0);
    expect(seen().slice(1)).toEqual(['/owner acknowledged step=0 subjects=3']);
    expect(sink.received[1]!.body.acknowledgedBy).toBe('alice');
    for (const id of opened) expect((await alerting.getIncident(id)).status).toBe('acknowledged');
    await step(5 * 60 * MIN); // on-call (30m) and the repeat (4h) would have fired
    expect(seen()).toHaveLength(2);
  });

  it('alerts.groupWait: a new group waits, and subjects joining meanwhile are in its first notice', async () => {
    await start('alerts: { groupWait: 30s }');
    await analyse(
      analysis(
        T0,
        FEATURES.slice(0, 2).map((f) => psi(0.3, f)),
      ),
    );
    expect(seen()).toEqual([]);
    clock.advance(10_000);
    await analyse(
      analysis(
        T0 + 10_000,
        FEATURES.slice(0, 3).map((f) => psi(0.3, f)),
      ),
    );
    expect(seen()).toEqual([]);
    await step(19_000);
    expect(seen()).toEqual([]);
    await step(1_000); // T0 + 30s
    expect(seen()).toEqual(['/owner firing step=0 subjects=3']);
  });

  it('a breach that clears in the same analysis pass is still told: a notice naming it, then its resolve', async () => {
    await start();
    // One pass: the window that breaches and the next one, which clears, are evaluated before anything is sent
    // (the daemon analyses every window that closed since its last pass together).
    const windows = [analysis(T0, [psi(0.31)]), analysis(T0 + 60 * MIN, [psi(0.04)])];
    for (const a of windows) await store.metrics.upsertRows(a.metricRows);
    await store.transaction(async (tx) => {
      for (const a of windows) await alerting.evaluateIn(tx, a);
    });
    expect(await alerting.flush()).toBe(true);
    // Before: nothing at all (the pending notice was cancelled by the resolve, and nobody had been told).
    expect(seen()).toEqual(['/owner firing step=0 subjects=1', '/owner resolved step=0 subjects=1']);
    const [notice, resolve] = sink.at('/owner').map((r) => r.body);
    expect(notice.subjects[0]).toMatchObject({
      feature: 'age',
      status: 'resolved',
      value: 0.31,
      resolution: expect.objectContaining({ value: 0.04 }),
    });
    expect(resolve.dedupKey).toBe(notice.dedupKey);
    // It is told once: no escalation to on-call follows, however long we wait.
    await step(2 * 60 * MIN);
    expect(sink.received).toHaveLength(2);
  });

  it('a breach resolved by hand before its first notice is not told: whoever resolved it knows', async () => {
    await start('alerts: { groupWait: 30s }');
    const { opened } = await analyse(analysis(T0, [psi(0.31)]));
    await alerting.resolve(opened[0]!, { actor: 'bob', reason: 'known backfill' });
    await step(60 * MIN);
    expect(seen()).toEqual([]);
  });

  it('alerts.groupBy with metric and feature: one group per subject, as before grouping', async () => {
    await start('alerts: { groupBy: [model, version, metric, feature, group], groupInterval: 1m }');
    await analyse(
      analysis(
        T0,
        FEATURES.slice(0, 3).map((f) => psi(0.3, f)),
      ),
    );
    expect(seen()).toEqual([
      '/owner firing step=0 subjects=1',
      '/owner firing step=0 subjects=1',
      '/owner firing step=0 subjects=1',
    ]);
    expect(sink.received.map((r) => r.body.dedupKey).sort()).toEqual([
      'credit-risk/7/psi/f01/-',
      'credit-risk/7/psi/f02/-',
      'credit-risk/7/psi/f03/-',
    ]);
  });
});
