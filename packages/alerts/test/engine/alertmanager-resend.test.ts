/**
 * Alertmanager re-sending against the real Prometheus Alertmanager and the real PostgreSQL, on the real clock
 * (Alertmanager compares `endsAt` with its own). Its one receiver is a webhook of this test, so what Alertmanager
 * notifies (its own webhook format) is checked as well as its API v2. Two alerting services share the database,
 * as two daemons would.
 */
import { silentLogger } from '@vigil/core';
import type { Store } from '@vigil/store';
import { createAlerting, type Alerting } from '../../src/alerting';
import { openAlertsOf, resendAlerts, resendTargets } from '../../src/engine/alertmanager-resend';
import type { AlertingContext } from '../../src/engine/alerting-context';
import { alertConfig } from '../helpers/config';
import { realStore } from '../helpers/database';
import { OwnAlertmanager, type AlertmanagerAlert } from '../helpers/own-alertmanager';
import { WebhookSink } from '@vigil/test-kit';
import { analysis, psi } from '../helpers/windows';

interface AmNotification {
  status: 'firing' | 'resolved';
  alerts: Array<{ status: string; labels: Record<string, string>; startsAt: string; endsAt: string }>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('re-sending open incidents to the real Alertmanager', () => {
  const sink = new WebhookSink();
  let am: OwnAlertmanager;
  let db: Awaited<ReturnType<typeof realStore>>;
  let store: Store;
  const daemons: Alerting[] = [];
  const config = () =>
    alertConfig({
      ownerUrl: `${sink.base}/owner`,
      oncallUrl: `${sink.base}/oncall`,
      extra: `  am: { type: alertmanager, url: "${am.url}", resend: 1s }`,
      policy: '    steps:\n      - { after: 0m, notify: [am] }',
    });

  beforeAll(async () => {
    await sink.start();
    am = await new OwnAlertmanager({ webhookUrl: `${sink.base}/am` }).start();
    db = await realStore('am_resend');
    store = db.store;
    // Two daemons on one database, each with its own relay, queue and re-sender.
    for (let i = 0; i < 2; i += 1) {
      const alerting = await createAlerting({
        config: config(),
        store,
        relay: { pollMs: 100 },
        delivery: { backoffMs: 5, timeoutMs: 5000 },
      });
      await alerting.start();
      daemons.push(alerting);
    }
  }, 60_000);

  afterAll(async () => {
    for (const d of daemons) await d.close();
    await db?.teardown();
    await am?.close();
    await sink.close();
  });

  const amNotifications = (): AmNotification[] => sink.at('/am').map((r) => r.body as AmNotification);
  const alertsOf = async (dedupKey: string): Promise<AlertmanagerAlert[]> =>
    (await am.alerts()).filter((a) => a.labels.dedupKey === dedupKey);
  const contextOf = (): AlertingContext => {
    const c = config();
    return {
      config: c,
      models: new Map(c.models.map((m) => [m.id, m])),
      store,
      now: Date.now,
      logger: silentLogger,
      kick: () => undefined,
    };
  };
  async function until<T>(probe: () => Promise<T | undefined>): Promise<T> {
    for (;;) {
      const value = await probe();
      if (value !== undefined) return value;
      await sleep(100);
    }
  }

  it('shows the true start, comes back after an Alertmanager restart, and resolves with the true start', async () => {
    const [a, b] = daemons as [Alerting, Alerting];
    const { opened } = await store.transaction((tx) => a.evaluateIn(tx, analysis(Date.now(), [psi(0.31)])));
    expect(await a.flush()).toBe(true);
    const incident = await a.getIncident(opened[0]!);
    const key = 'credit-risk/7/psi/age/-';

    const [shown] = await alertsOf(key);
    expect(Date.parse(shown!.startsAt)).toBe(incident.openedAt);
    // A short hold, renewed by re-sending (4 intervals of 1 s), not a day.
    expect(Date.parse(shown!.endsAt) - Date.now()).toBeLessThanOrEqual(4000);
    const firing = await until(async () => amNotifications().find((n) => n.status === 'firing'));
    expect(Date.parse(firing.alerts[0]!.startsAt)).toBe(incident.openedAt);

    // Acknowledged incidents stay in Alertmanager (it has no acknowledgement).
    await b.acknowledge(incident.id, { actor: 'alice', reason: 'on it' });
    const notifyRows = (await a.getIncident(incident.id)).notifications.filter((n) => n.target === 'am').length;

    await am.restart();
    expect(await alertsOf(key)).toEqual([]);
    const back = await until(async () => (await alertsOf(key))[0]);
    expect(Date.parse(back.startsAt)).toBe(incident.openedAt);
    // Both daemons re-send it; Alertmanager holds one alert.
    expect(await alertsOf(key)).toHaveLength(1);
    expect(back.status.state).toBe('active');
    expect(back.annotations.summary).toMatch(/^\[ACKNOWLEDGED by alice\]/);
    // The re-sender brought it back, not a notification of the escalation.
    expect((await a.getIncident(incident.id)).notifications.filter((n) => n.target === 'am')).toHaveLength(notifyRows);

    const resolved = await b.resolve(incident.id, { actor: 'bob', reason: 'fixed' });
    expect(await b.flush()).toBe(true);
    const notice = await until(async () => amNotifications().find((n) => n.status === 'resolved'));
    expect(notice.alerts).toHaveLength(1);
    expect(Date.parse(notice.alerts[0]!.startsAt)).toBe(incident.openedAt);
    expect(Date.parse(notice.alerts[0]!.endsAt)).toBe(resolved.resolvedAt);
    // API v2 lists active, silenced and inhibited alerts, not resolved ones.
    expect(await alertsOf(key)).toEqual([]);
    // Nothing re-sends a resolved incident.
    expect(
      (await openAlertsOf(contextOf(), {}, 'am')).some(
        (n) => n.kind === 'incident' && n.payload.incidentId === incident.id,
      ),
    ).toBe(false);
  }, 60_000);

  it('a re-send that crosses a resolve does not leave the alert firing', async () => {
    const [a] = daemons as [Alerting];
    const { opened } = await store.transaction((tx) => a.evaluateIn(tx, analysis(Date.now(), [psi(0.4, 'region')])));
    expect(await a.flush()).toBe(true);
    const key = 'credit-risk/7/psi/region/-';
    await until(async () => (await alertsOf(key))[0]);
    // Posted as a subject of its notification group; the re-send carries the same labels (else it would be another alert).
    expect((await alertsOf(key)).map((x) => x.labels.notificationGroup)).toEqual(['credit-risk/7']);
    const ctx = contextOf();
    const target = resendTargets(ctx.config.notifiers)[0]!;
    // Read while open...
    const stale = await openAlertsOf(ctx, {}, 'am');
    expect(stale.map((n) => n.kind === 'incident' && n.payload.incidentId)).toContain(opened[0]);
    expect(
      stale
        .filter((n) => n.kind === 'incident' && n.payload.incidentId === opened[0])
        .map((n) => n.kind === 'incident' && n.payload.groupKey),
    ).toEqual(['credit-risk/7']);
    // ...resolved and its resolve notice delivered...
    const resolved = await a.resolve(opened[0]!, { actor: 'bob', reason: 'fixed' });
    expect(await a.flush()).toBe(true);
    // ...then the stale re-send lands.
    await resendAlerts(
      ctx,
      {},
      target,
      stale.filter((n) => n.kind === 'incident' && n.payload.incidentId === opened[0]),
      new AbortController().signal,
      5000,
    );
    // Resolved (not listed), as the resolve notice left it.
    expect(await alertsOf(key)).toEqual([]);
    expect(resolved.status).toBe('resolved');
  }, 60_000);

  it('silenced incidents are re-sent too; resolved ones and other targets are not', async () => {
    const [a] = daemons as [Alerting];
    const { opened } = await store.transaction((tx) => a.evaluateIn(tx, analysis(Date.now(), [psi(0.45, 'income')])));
    expect(await a.flush()).toBe(true);
    await a.silence({
      incidentId: opened[0]!,
      model: 'credit-risk',
      durationMs: 3_600_000,
      actor: 'carol',
      reason: 'known',
    });
    const ctx = contextOf();
    const open = await openAlertsOf(ctx, {}, 'am');
    expect(open.map((n) => n.kind === 'incident' && [n.payload.feature, n.payload.status])).toEqual([
      ['income', 'silenced'],
    ]);
    expect(await openAlertsOf(ctx, {}, 'oncall')).toEqual([]);
  }, 60_000);
});
