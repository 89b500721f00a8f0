/**
 * Every notifier end to end, from a breaching window to what each receiver got: the generic webhook, a
 * Slack-compatible webhook and PagerDuty Events v2 on a real HTTP server, e-mail through a real SMTP server
 * (smtp-server) on loopback, and the real Prometheus Alertmanager, whose API must list the alert and then show it
 * resolved.
 */
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { createStore, type Store } from '@vigil/store';
import { createAlerting, type Alerting } from '../../src/alerting';
import { alertConfig, FakeClock, MIN, T0 } from '../helpers/config';
import { OwnAlertmanager } from '../helpers/own-alertmanager';
import { WebhookSink } from '../helpers/webhook-sink';
import { analysis, psi } from '../helpers/windows';

interface Mail {
  from: string;
  to: string[];
  raw: string;
}

describe('notifiers against real receivers', () => {
  const sink = new WebhookSink();
  const am = new OwnAlertmanager();
  const mails: Mail[] = [];
  let smtp: SMTPServer;
  let smtpPort = 0;
  let store: Store;
  let alerting: Alerting;
  // Alertmanager compares endsAt with its own clock: the fake clock starts now.
  const clock = new FakeClock(Math.floor(Date.now() / MIN) * MIN);

  beforeAll(async () => {
    await sink.start();
    await am.start();
    smtp = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS', 'AUTH'],
      logger: false,
      onData(stream, session, callback) {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => {
          mails.push({ from: String(session.envelope.mailFrom && session.envelope.mailFrom.address), to: session.envelope.rcptTo.map((r) => r.address), raw: Buffer.concat(chunks).toString('utf8') });
          callback();
        });
      },
    });
    await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
    smtpPort = (smtp.server.address() as AddressInfo).port;
    store = await createStore({});
    const config = alertConfig({
      ownerUrl: `${sink.base}/owner`,
      oncallUrl: `${sink.base}/oncall`,
      ownerEmail: 'risk-ml@example.com',
      top: `smtp: { url: "smtp://127.0.0.1:${smtpPort}", from: "vigil@example.com" }`,
      extra: [
        `  chat: { type: slack, url: "${sink.base}/slack" }`,
        `  pd: { type: pagerduty, routingKey: "r0uting-key-0123456789abcdef", url: "${sink.base}/pd" }`,
        `  mail: { type: email, to: [oncall@example.com] }`,
        `  am: { type: alertmanager, url: "${am.url}" }`,
      ].join('\n'),
      policy: '    steps:\n      - { after: 0m, notify: [owner, chat, pd, mail, am] }',
    });
    alerting = await createAlerting({ config, store, now: clock.now, relay: { aheadMs: 0, pollMs: 60_000 }, delivery: { backoffMs: 5, timeoutMs: 5000 }, links: { publicUrl: 'http://vigil.example' } });
    await alerting.start();
  }, 60_000);

  afterAll(async () => {
    await alerting?.close();
    await store?.close();
    await new Promise<void>((resolve) => smtp.close(() => resolve()));
    await am.close();
    await sink.close();
  });

  it('delivers the firing notification to each receiver in its own format, then the resolve notice', async () => {
    const w = analysis(clock.t, [psi(0.31)]);
    const { opened } = await store.transaction((tx) => alerting.evaluateIn(tx, w));
    expect(await alerting.flush()).toBe(true);
    const id = opened[0]!;

    expect(sink.at('/owner')[0]!.body).toMatchObject({ dedupKey: 'credit-risk/7/psi/age/-', incidentId: id, status: 'firing', value: 0.31 });
    expect(sink.at('/slack')[0]!.body.text).toMatch(/^:warning: \[FIRING\] \[warning\] credit-risk\/7 psi\(age\) = 0\.31 > 0\.2 <http:\/\/vigil\.example\/api\/incidents\/inc_[^|]+\|details>$/);
    expect(sink.at('/pd')[0]!.body).toMatchObject({
      routing_key: 'r0uting-key-0123456789abcdef',
      event_action: 'trigger',
      dedup_key: 'credit-risk/7/psi/age/-',
      payload: { source: 'vigil', severity: 'warning', component: 'credit-risk', group: 'psi', custom_details: { incidentId: id } },
    });
    expect(mails.map((m) => m.to.join(',')).sort()).toEqual(['oncall@example.com', 'risk-ml@example.com']);
    expect(mails[0]!.from).toBe('vigil@example.com');
    expect(mails[0]!.raw).toMatch(/^Subject: Vigil: \[FIRING\] \[warning\] credit-risk\/7 psi\(age\)/m);
    expect(mails[0]!.raw).toMatch(/^X-Vigil-Dedup-Key: credit-risk\/7\/psi\/age\/-/m);

    const active = (await am.alerts()).filter((a) => a.labels.dedupKey === 'credit-risk/7/psi/age/-');
    expect(active).toHaveLength(1);
    expect(active[0]).toMatchObject({ labels: { alertname: 'VigilIncident', model: 'credit-risk', version: '7', metric: 'psi', feature: 'age', severity: 'warning' }, annotations: { incidentId: id }, status: { state: 'active' } });

    clock.advance(5 * MIN);
    await store.transaction((tx) => alerting.evaluateIn(tx, analysis(clock.t, [psi(0.01)])));
    expect(await alerting.flush()).toBe(true);
    expect(sink.at('/owner')[1]!.body.status).toBe('resolved');
    expect(sink.at('/slack')[1]!.body.text).toMatch(/^:white_check_mark: \[RESOLVED\]/);
    expect(sink.at('/pd')[1]!.body).toMatchObject({ event_action: 'resolve', dedup_key: 'credit-risk/7/psi/age/-' });
    expect(mails).toHaveLength(4);
    // Alertmanager keeps a resolved alert until it is garbage-collected; its endsAt is the resolve time.
    const after = (await am.alerts()).filter((a) => a.labels.dedupKey === 'credit-risk/7/psi/age/-');
    expect(after.every((a) => Date.parse(a.endsAt) <= clock.t + 1000)).toBe(true);
  }, 60_000);

  it('an acknowledgement acknowledges at PagerDuty, tells the webhooks who took it, and leaves Alertmanager firing', async () => {
    clock.advance(5 * MIN);
    const { opened } = await store.transaction((tx) => alerting.evaluateIn(tx, analysis(clock.t, [psi(0.4, 'region')])));
    expect(await alerting.flush()).toBe(true);
    const pdBefore = sink.at('/pd').length;
    const amBefore = (await am.alerts()).length;
    await alerting.acknowledge(opened[0]!, { actor: 'alice', reason: 'on it' });
    expect(await alerting.flush()).toBe(true);
    expect(sink.at('/pd').slice(pdBefore)).toEqual([expect.objectContaining({ body: expect.objectContaining({ event_action: 'acknowledge', dedup_key: 'credit-risk/7/psi/region/-' }) })]);
    expect(sink.at('/owner').at(-1)!.body).toMatchObject({ status: 'acknowledged', acknowledgedBy: 'alice', feature: 'region' });
    expect(sink.at('/slack').at(-1)!.body.text).toMatch(/^:eyes: \[ACKNOWLEDGED by alice\]/);
    const region = (await am.alerts()).filter((a) => a.labels.feature === 'region');
    expect(region).toHaveLength(1);
    expect(region[0]!.status.state).toBe('active');
    expect((await am.alerts()).length).toBe(amBefore);
  });

  it('opens a review with frozen evidence and tells the first step\'s targets', async () => {
    const review = await alerting.openReview({ model: 'credit-risk', actor: 'carol', reason: 'fairness complaint', from: T0 - 30 * 86_400_000, to: clock.t + 1 });
    expect(review.evidence.incidents.length).toBeGreaterThanOrEqual(1);
    expect(review.evidence.audit.map((a) => a.action)).toContain('incident.resolved');
    expect(await alerting.flush()).toBe(true);
    expect(sink.at('/owner').at(-1)!.body).toMatchObject({ type: 'review', reviewId: review.id, reason: 'fairness complaint', openedBy: 'carol' });
    expect((await alerting.getReview(review.id)).evidence.incidents.map((i) => i.status)).toEqual(review.evidence.incidents.map((i) => i.status));
  });
});
