/**
 * Resolve notices say what cleared the incident (issue 12): the clearing window, its value and the clear threshold,
 * and the last breach apart — on the real PostgreSQL with the real migrations, through the outbox and a real HTTP
 * receiver. Before, a resolve notice carried only the incident's last firing value (0.31 > 0.2 next to "resolved").
 */
import { createAlerting, type Alerting } from '../../src/alerting';
import { createMemoryQueue } from '../../src/queue/memory-queue';
import { alertConfig, FakeClock, HOUR, MIN, T0 } from '../helpers/config';
import { realStore } from '../helpers/database';
import { WebhookSink } from '@vigil/test-kit';
import { analysis, psi } from '../helpers/windows';

describe('resolve notices on the real store', () => {
  let db: Awaited<ReturnType<typeof realStore>>;
  let sink: WebhookSink;
  let alerting: Alerting;
  let clock: FakeClock;

  beforeEach(async () => {
    db = await realStore('resolve_notice');
    sink = await new WebhookSink().start();
    clock = new FakeClock(T0);
    alerting = await createAlerting({
      config: alertConfig({ ownerUrl: `${sink.base}/owner`, oncallUrl: `${sink.base}/oncall` }),
      store: db.store,
      queue: createMemoryQueue({ maxAttempts: 3, backoffMs: 5 }),
      now: clock.now,
      relay: { aheadMs: 0, pollMs: 60_000 },
      delivery: { backoffMs: 5, maxAttempts: 3, timeoutMs: 2000 },
      links: {},
    });
    await alerting.start();
  }, 60_000);

  afterEach(async () => {
    await alerting.close();
    await sink.close();
    await db.teardown();
  });

  const analyse = async (end: number, value: number) => {
    const a = analysis(end, [psi(value)]);
    await db.store.metrics.upsertRows(a.metricRows);
    const summary = await db.store.transaction((tx) => alerting.evaluateIn(tx, a));
    expect(await alerting.flush()).toBe(true);
    return summary;
  };
  const iso = (ms: number) => new Date(ms).toISOString();

  it('a breach, an elevated window, then a clearing window: the resolve carries the clearing window and value, and the last breach apart (not the elevated window)', async () => {
    const { opened } = await analyse(T0, 0.31);
    clock.advance(HOUR);
    await analyse(T0 + HOUR, 0.15); // between the clear threshold (0.1) and the threshold (0.2): still firing
    clock.advance(HOUR);
    const cleared = await analyse(T0 + 2 * HOUR, 0.04);
    expect(cleared.resolved).toEqual(opened);

    expect(sink.at('/owner').map((r) => r.body.status)).toEqual(['firing', 'resolved']);
    const notice = sink.at('/owner')[1]!.body;
    expect(notice).toMatchObject({
      status: 'resolved',
      // The existing fields stay the last breach: the elevated window (0.15) kept it firing but breached nothing.
      value: 0.31,
      threshold: 0.2,
      window: { start: iso(T0 - HOUR), end: iso(T0), rows: 8000 },
      resolution: {
        window: { start: iso(T0 + HOUR), end: iso(T0 + 2 * HOUR), rows: 8000 },
        value: 0.04,
        clearThreshold: 0.1,
        comparison: '>',
      },
      lastBreach: {
        window: { start: iso(T0 - HOUR), end: iso(T0), rows: 8000 },
        value: 0.31,
        threshold: 0.2,
        comparison: '>',
      },
      resolvedBy: 'vigil',
    });
    // The incident keeps it too (the CLI and the demo print it from there).
    const incident = await alerting.getIncident(opened[0]!);
    expect(incident.resolution).toEqual({
      windowStart: T0 + HOUR,
      windowEnd: T0 + 2 * HOUR,
      rows: 8000,
      value: 0.04,
      clearThreshold: 0.1,
      comparison: '>',
    });
    // The firing notice had neither.
    expect(sink.at('/owner')[0]!.body).toMatchObject({ resolution: null, lastBreach: null, resolvedBy: null });
  });

  it('resolved by hand: no clearing window, who resolved it, and the last breach', async () => {
    const { opened } = await analyse(T0, 0.31);
    clock.advance(10 * MIN);
    await alerting.resolve(opened[0]!, { actor: 'bob', reason: 'pipeline fixed' });
    expect(await alerting.flush()).toBe(true);
    expect(sink.at('/owner')[1]!.body).toMatchObject({
      status: 'resolved',
      resolution: null,
      resolvedBy: 'bob',
      lastBreach: { value: 0.31, threshold: 0.2 },
    });
    expect((await alerting.getIncident(opened[0]!)).resolution).toBeNull();
  });
});
