/**
 * Timeline harness, in the spirit of Alertmanager's acceptance tests: a scripted sequence of breaches, clears,
 * acknowledgements and clock steps, asserting exactly which notifications arrive. The clock is fake (no timed
 * assertions); webhooks go to a real HTTP server; the store is the embedded PGlite with the real migrations. The
 * script runs on both queues: the in-process one and BullMQ on the real Redis of scripts/services.
 */
import { randomBytes } from 'node:crypto';
import { silentLogger } from '@vigil/core';
import { createStore, type Store } from '@vigil/store';
import { createAlerting, type Alerting } from '../../src/alerting';
import { createBullmqQueue } from '../../src/queue/bullmq-queue';
import type { JobQueue } from '../../src/queue/job-queue';
import { createMemoryQueue } from '../../src/queue/memory-queue';
import { reachableRedisUrl, WebhookSink } from '@vigil/test-kit';
import type { AnalysedWindow } from '../../src/engine/evaluate-window';
import { alertConfig, FakeClock, HOUR, MIN, T0 } from '../helpers/config';
import { analysis, psi } from '../helpers/windows';
import { summary, type IncidentPayload } from '../../src/notifiers/payload';

// Each test runs an incident through PGlite and a queue on a fake clock: 17-36 s of the default 60 s at load 18
// (measured). The bound only stops a hung test.
jest.setTimeout(150_000);

const QUEUES: Array<[string, () => Promise<JobQueue>]> = [
  ['in-process queue', async () => createMemoryQueue({ maxAttempts: 3, backoffMs: 5 })],
  [
    'BullMQ on Redis',
    async () =>
      createBullmqQueue({
        url: await reachableRedisUrl(),
        prefix: `vigil-timeline-${randomBytes(4).toString('hex')}`,
        maxAttempts: 3,
        backoffMs: 5,
        logger: silentLogger,
      }),
  ],
];

describe.each(QUEUES)('timeline (%s): breaches, escalation, acknowledgement, repeat, resolve', (_name, makeQueue) => {
  let sink: WebhookSink;
  let store: Store;
  let alerting: Alerting;
  let clock: FakeClock;

  beforeEach(async () => {
    sink = await new WebhookSink().start();
    store = await createStore({});
    clock = new FakeClock(T0);
    alerting = await createAlerting({
      config: alertConfig({ ownerUrl: `${sink.base}/owner`, oncallUrl: `${sink.base}/oncall` }),
      store,
      queue: await makeQueue(),
      now: clock.now,
      relay: { aheadMs: 0, pollMs: 60_000 },
      delivery: { backoffMs: 5, maxAttempts: 3, timeoutMs: 2000 },
      links: { publicUrl: 'http://vigil.example:8080', grafanaUrl: 'http://grafana.example/' },
    });
    await alerting.start();
  }, 60_000);

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
    sink.received.map((r) => `${r.path} ${r.body.status} step=${r.body.escalationStep} ${r.body.severity}`);

  it('notifies the owner, escalates to on-call after 30m, stops on ack, and sends resolve notices to both', async () => {
    const first = await analyse(analysis(T0, [psi(0.31)]));
    expect(first.opened).toHaveLength(1);
    expect(seen()).toEqual(['/owner firing step=0 warning']);
    const payload = sink.received[0]!.body;
    // Notices are per notification group (default: the model version): the group's key is the dedupKey, the
    // subject is the lead and the only entry of `subjects`.
    expect(payload.subjects).toEqual([
      expect.objectContaining({
        dedupKey: 'credit-risk/7/psi/age/-',
        incidentId: first.opened[0],
        metric: 'psi',
        feature: 'age',
        value: 0.31,
      }),
    ]);
    expect(payload).toMatchObject({
      dedupKey: 'credit-risk/7',
      groupKey: 'credit-risk/7',
      incidentId: first.opened[0],
      status: 'firing',
      severity: 'warning',
      model: 'credit-risk',
      version: '7',
      metric: 'psi',
      feature: 'age',
      group: null,
      value: 0.31,
      threshold: 0.2,
      window: { start: '2026-11-22T09:00:00.000Z', end: '2026-11-22T10:00:00.000Z', rows: 8000 },
      owner: 'Risk ML team',
      escalationStep: 0,
      links: {
        incident: `http://vigil.example:8080/api/incidents/${first.opened[0]}`,
        dashboard: 'http://grafana.example/d/vigil-model?var-model=credit-risk',
      },
    });

    clock.advance(10 * MIN);
    const again = await analyse(analysis(T0 + 10 * MIN, [psi(0.33)]));
    expect(again.opened).toEqual([]);
    expect(again.updated).toEqual(first.opened);
    expect(seen()).toHaveLength(1);

    await step(19 * MIN); // t0 + 29m: not yet
    expect(seen()).toHaveLength(1);
    await step(2 * MIN); // t0 + 31m
    expect(seen()).toEqual(['/owner firing step=0 warning', '/oncall firing step=1 warning']);

    clock.advance(4 * MIN);
    const acked = await alerting.acknowledge(first.opened[0]!, {
      actor: 'alice',
      reason: 'looking into the age pipeline',
    });
    expect(acked).toMatchObject({ status: 'acknowledged', acknowledgedBy: 'alice' });
    await step(0);
    expect(seen().slice(2)).toEqual(['/owner acknowledged step=0 warning', '/oncall acknowledged step=0 warning']);
    expect(sink.received[2]!.body.acknowledgedBy).toBe('alice');
    await step(5 * HOUR); // the 4h repeat would have fired
    expect(seen()).toHaveLength(4);

    await analyse(analysis(T0 + 6 * HOUR, [psi(0.15)])); // above the clear threshold: still open
    expect(seen()).toHaveLength(4);
    expect((await alerting.getIncident(first.opened[0]!)).status).toBe('acknowledged');
    const cleared = await analyse(analysis(T0 + 7 * HOUR, [psi(0.05)]));
    expect(cleared.resolved).toEqual(first.opened);
    expect(seen().slice(4)).toEqual(['/owner resolved step=0 warning', '/oncall resolved step=0 warning']);
    expect(new Set(sink.received.map((r) => r.body.dedupKey))).toEqual(new Set(['credit-risk/7']));

    const detail = await alerting.getIncident(first.opened[0]!);
    expect(detail.history.map((h) => `${h.actor} ${h.action}`)).toEqual([
      'vigil incident.opened',
      'vigil notification.delivered',
      'vigil notification.delivered',
      'alice incident.acknowledged',
      'vigil notification.delivered',
      'vigil notification.delivered',
      'vigil incident.resolved',
      'vigil notification.delivered',
      'vigil notification.delivered',
    ]);
    expect(detail.history[3]!.reason).toBe('looking into the age pipeline');
    // The opening's reason names the subject, as notifications do.
    expect(detail.history[0]!.reason).toBe('psi(age) > 0.2');
  });

  it('hysteresis: windows between the clear threshold and the threshold keep it firing, and every notice shows the last breach, never them as breaches', async () => {
    const iso = (ms: number) => new Date(ms).toISOString();
    const text = (body: unknown) =>
      summary({ kind: 'incident', payload: body as IncidentPayload, openedAt: T0, resolvedAt: null });
    const { opened } = await analyse(analysis(T0, [psi(0.31)]));
    const breachWindow = { start: iso(T0 - HOUR), end: iso(T0), rows: 8000 };
    clock.advance(HOUR);
    // 0.15 and 0.12: beyond the clear threshold (0.1), not the threshold (0.2): still firing, no new breach.
    expect((await analyse(analysis(T0 + HOUR, [psi(0.15)]))).updated).toEqual(opened);
    clock.advance(HOUR);
    expect((await analyse(analysis(T0 + 2 * HOUR, [psi(0.12)]))).updated).toEqual(opened);
    expect(await alerting.getIncident(opened[0]!)).toMatchObject({
      status: 'firing',
      value: 0.31,
      windowStart: T0 - HOUR,
      windowEnd: T0,
      windowRows: 8000,
    });
    // The escalation to on-call (30m after opening, due by now) and the acknowledgement notices tell of the breach.
    await step(0);
    await alerting.acknowledge(opened[0]!, { actor: 'alice', reason: 'looking' });
    await step(0);
    expect(seen()).toEqual([
      '/owner firing step=0 warning',
      '/oncall firing step=1 warning',
      '/owner acknowledged step=0 warning',
      '/oncall acknowledged step=0 warning',
    ]);
    for (const r of sink.received) expect(r.body).toMatchObject({ value: 0.31, threshold: 0.2, window: breachWindow });
    expect(text(sink.received[3]!.body)).toBe('[ACKNOWLEDGED by alice] [warning] credit-risk/7 psi(age) = 0.31 > 0.2');
    // A new breach while it lingers moves the incident to it.
    clock.advance(HOUR);
    await analyse(analysis(T0 + 3 * HOUR, [psi(0.2345678)]));
    clock.advance(HOUR);
    await analyse(analysis(T0 + 4 * HOUR, [psi(0.18)]));
    expect(await alerting.getIncident(opened[0]!)).toMatchObject({
      value: 0.2345678,
      windowStart: T0 + 2 * HOUR,
      windowEnd: T0 + 3 * HOUR,
    });
    clock.advance(HOUR);
    expect((await analyse(analysis(T0 + 5 * HOUR, [psi(0.05)]))).resolved).toEqual(opened);
    const resolves = sink.received.slice(4);
    expect(resolves.map((r) => `${r.path} ${r.body.status}`)).toEqual(['/owner resolved', '/oncall resolved']);
    expect(resolves[0]!.body).toMatchObject({
      lastBreach: {
        value: 0.2345678,
        threshold: 0.2,
        comparison: '>',
        window: { start: iso(T0 + 2 * HOUR), end: iso(T0 + 3 * HOUR) },
      },
      resolution: { value: 0.05, clearThreshold: 0.1, window: { start: iso(T0 + 4 * HOUR), end: iso(T0 + 5 * HOUR) } },
    });
    // What Slack, e-mail and PagerDuty print: true comparisons, values rounded.
    expect(text(resolves[0]!.body)).toBe(
      '[RESOLVED] [warning] credit-risk/7 psi(age) = 0.05, within the clear threshold 0.1 in window 2026-11-22 14:00 – 15:00 UTC (last breach 0.2346 > 0.2 in window 2026-11-22 12:00 – 13:00 UTC)',
    );
    for (const r of sink.received) expect(text(r.body)).not.toMatch(/0\.1[258]\d* >/);
  });

  it('repeats the last step every 4h while unacknowledged, tells on-call once when it turns critical, and resolves', async () => {
    const { opened } = await analyse(analysis(T0, [psi(0.3)]));
    await step(30 * MIN);
    await step(4 * HOUR); // t0 + 4h30m: first repeat of the last step
    expect(seen()).toEqual([
      '/owner firing step=0 warning',
      '/oncall firing step=1 warning',
      '/oncall firing step=1 warning',
    ]);
    expect(sink.at('/oncall').map((r) => r.body.notificationId)).toHaveLength(2);
    expect(new Set(sink.at('/oncall').map((r) => r.body.notificationId)).size).toBe(2);

    clock.advance(10 * MIN);
    const worse = await analyse(analysis(clock.t, [psi(0.7)]));
    expect(worse.updated).toEqual(opened);
    expect(seen().slice(3)).toEqual(['/oncall firing step=1 critical']);
    expect((await alerting.getIncident(opened[0]!)).threshold).toBe(0.5);

    clock.advance(10 * MIN);
    await analyse(analysis(clock.t, [psi(0.01)]));
    expect(seen().slice(4)).toEqual(['/owner resolved step=0 critical', '/oncall resolved step=0 critical']);
    await step(8 * HOUR);
    expect(seen()).toHaveLength(6);
  });

  it('counts a re-analysed window once for N-of-M and never opens a second incident', async () => {
    const ece = (value: number) => ({ metric: 'ece', value });
    // 2 of 3: the same window analysed three times is still one breach.
    for (let i = 0; i < 3; i++) expect((await analyse(analysis(T0, [ece(0.2)]))).opened).toEqual([]);
    const second = await analyse(analysis(T0 + 5 * MIN, [ece(0.2)]));
    expect(second.opened).toHaveLength(1);
    const revised = await analyse(analysis(T0 + 5 * MIN, [ece(0.25)]));
    expect(revised.opened).toEqual([]);
    expect(await alerting.listIncidents({ model: 'credit-risk' })).toHaveLength(1);
    expect((await alerting.listIncidents())[0]).toMatchObject({
      metric: 'ece',
      feature: '',
      group: '',
      value: 0.25,
      status: 'firing',
    });
    expect(seen()).toEqual(['/owner firing step=0 warning']);
  });

  it('treats too few samples and null values as insufficient_data: no incident, and an open one stays open', async () => {
    expect((await analyse(analysis(T0, [psi(0.9)], { rows: 50 }))).opened).toEqual([]);
    expect((await analyse(analysis(T0 + 5 * MIN, [psi(null)]))).opened).toEqual([]);
    const { opened } = await analyse(analysis(T0 + 10 * MIN, [psi(0.3)]));
    expect(opened).toHaveLength(1);
    const thin = await analyse(analysis(T0 + 15 * MIN, [psi(0.01)], { rows: 10 }));
    expect(thin.resolved).toEqual([]);
    expect((await alerting.getIncident(opened[0]!)).status).toBe('firing');
  });

  it('a model-level condition opens one incident and inhibits feature incidents until it clears', async () => {
    await store.transaction((tx) =>
      alerting.modelConditionIn(tx, {
        model: 'credit-risk',
        version: '7',
        condition: 'no_reference_profile',
        active: true,
        detail: 'no reference profile for version 7',
      }),
    );
    await alerting.flush();
    const blocked = await analyse(analysis(T0, [psi(0.9)]));
    expect(blocked).toMatchObject({ opened: [], inhibited: 1 });
    expect(seen()).toEqual(['/owner firing step=0 warning']);
    expect(sink.received[0]!.body).toMatchObject({
      metric: 'no_reference_profile',
      dedupKey: 'credit-risk/7/no_reference_profile/-/-',
      detail: 'no reference profile for version 7',
    });
    await store.transaction((tx) =>
      alerting.modelConditionIn(tx, {
        model: 'credit-risk',
        version: '7',
        condition: 'no_reference_profile',
        active: false,
      }),
    );
    await alerting.flush();
    expect(seen()[1]).toBe('/owner resolved step=0 warning');
    const now = await analyse(analysis(T0 + 5 * MIN, [psi(0.9)]));
    expect(now.opened).toHaveLength(1);
  });

  it("a condition that starts later mutes an open incident's escalation, which restarts when it ends", async () => {
    const { opened } = await analyse(analysis(T0, [psi(0.3)]));
    expect(seen()).toEqual(['/owner firing step=0 warning']);
    clock.advance(10 * MIN);
    await store.transaction((tx) =>
      alerting.modelConditionIn(tx, {
        model: 'credit-risk',
        version: '7',
        condition: 'no_traffic',
        active: true,
        detail: 'no events for 10m',
      }),
    );
    await step(0);
    expect(seen()[1]).toBe('/owner firing step=0 critical'); // the no_traffic incident itself
    await step(30 * MIN); // on-call would have been told about psi at 30m (it is told about no_traffic)
    const psiSeen = () =>
      sink.received
        .filter((r) => r.body.metric === 'psi')
        .map((r) => `${r.path} ${r.body.status} step=${r.body.escalationStep}`);
    expect(psiSeen()).toEqual(['/owner firing step=0']);
    expect(
      (await alerting.getIncident(opened[0]!)).notifications.map((n) =>
        `${n.target} ${n.state} ${n.lastError ?? ''}`.trim(),
      ),
    ).toEqual([
      'owner:webhook delivered',
      expect.stringMatching(/^oncall cancelled inhibited by the no_traffic incident inc_/),
    ]);
    await store.transaction((tx) =>
      alerting.modelConditionIn(tx, { model: 'credit-risk', version: '7', condition: 'no_traffic', active: false }),
    );
    await step(0);
    expect(psiSeen()).toEqual(['/owner firing step=0', '/owner firing step=0']);
    expect(
      sink.received.filter((r) => r.body.metric === 'no_traffic').map((r) => `${r.path} ${r.body.status}`),
    ).toEqual(['/owner firing', '/oncall firing', '/owner resolved', '/oncall resolved']);
  });

  it('silences: no notifications while silenced, escalation restarts when the silence expires and it still fires', async () => {
    const { opened } = await analyse(analysis(T0, [psi(0.3)]));
    expect(seen()).toHaveLength(1);
    await expect(
      alerting.silence({ model: 'credit-risk', actor: 'bob', reason: 'known upstream change' }),
    ).rejects.toMatchObject({ code: 'VIGIL_USAGE' });
    const { silenced } = await alerting.silence({
      incidentId: opened[0]!,
      model: 'credit-risk',
      durationMs: 2 * HOUR,
      actor: 'bob',
      reason: 'known upstream change',
    });
    expect(silenced.map((i) => i.status)).toEqual(['silenced']);
    await step(HOUR); // on-call would have been paged at 30m
    expect(seen()).toHaveLength(1);
    await step(HOUR + MIN); // expired
    expect(seen()).toEqual(['/owner firing step=0 warning', '/owner firing step=0 warning']);
    expect((await alerting.getIncident(opened[0]!)).status).toBe('firing');
  });
});
