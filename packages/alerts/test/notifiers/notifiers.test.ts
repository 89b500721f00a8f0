/**
 * Every notifier end to end, from a breaching window to what each receiver got: the generic webhook, a
 * Slack-compatible webhook and PagerDuty Events v2 on a real HTTP server, e-mail through a real SMTP server
 * (smtp-server) on loopback, and the real Prometheus Alertmanager, whose API must list the alert and then show it
 * resolved. Every Slack body is checked by Slack's documented Block Kit rules (helpers/slack-block-kit.ts) and
 * every PagerDuty body against PagerDuty's published Events v2 schema (helpers/pagerduty-events.ts).
 */
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { createStore, type Store } from '@vigil/store';
import { createAlerting, type Alerting } from '../../src/alerting';
import { alertConfig, FakeClock, MIN, T0 } from '../helpers/config';
import { OwnAlertmanager } from '../helpers/own-alertmanager';
import { pagerdutyProblems } from '../helpers/pagerduty-events';
import { blockKitProblems } from '../helpers/slack-block-kit';
import { WebhookSink } from '@vigil/test-kit';
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
  const outcomes: Array<{ kind: string; target: string; ok: boolean; final: boolean }> = [];
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
          mails.push({
            from: String(session.envelope.mailFrom && session.envelope.mailFrom.address),
            to: session.envelope.rcptTo.map((r) => r.address),
            raw: Buffer.concat(chunks).toString('utf8'),
          });
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
      // One notification group per subject: these tests check each receiver's format and limits for one subject
      // (the key PagerDuty de-duplicates on is then the subject's); group-notifiers.test.ts checks groups.
      top: `smtp: { url: "smtp://127.0.0.1:${smtpPort}", from: "vigil@example.com" }\nalerts: { groupBy: [model, version, metric, feature, group] }`,
      extra: [
        `  chat: { type: slack, url: "${sink.base}/slack" }`,
        `  pd: { type: pagerduty, routingKey: "r0uting-key-0123456789abcdef", url: "${sink.base}/pd/v2/enqueue" }`,
        `  pdbad: { type: pagerduty, routingKey: "r0uting-key-0123456789abcdef", url: "${sink.base}/pdbad/v2/enqueue" }`,
        `  mail: { type: email, to: [oncall@example.com] }`,
        `  am: { type: alertmanager, url: "${am.url}" }`,
      ].join('\n'),
      policy:
        '    steps:\n      - { after: 0m, notify: [owner, chat, pd, mail, am] }\n  refused:\n    steps:\n      - { after: 0m, notify: [pdbad] }',
      models: [
        '  - id: fraud',
        '    task: binary',
        '    owner: { name: Fraud team }',
        '    features: { amount: numeric }',
        '    escalation: refused',
        '    rules: [ { metric: psi, threshold: 0.2 } ]',
      ].join('\n'),
    });
    // PagerDuty's answer to an event it refuses (its documented error body).
    sink.respond = (r) => (r.path.startsWith('/pdbad/') ? 400 : 200);
    sink.answer = (r) =>
      r.path.startsWith('/pdbad/')
        ? '{"status":"invalid event","message":"Event object is invalid","errors":["Length of \'dedup_key\' is too long"]}'
        : undefined;
    alerting = await createAlerting({
      config,
      store,
      now: clock.now,
      relay: { aheadMs: 0, pollMs: 60_000 },
      delivery: { backoffMs: 5, timeoutMs: 5000 },
      links: { publicUrl: 'http://vigil.example', grafanaUrl: 'http://grafana.example/g&x' },
      onDelivery: (o) => outcomes.push(o),
    });
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

    expect(sink.at('/owner')[0]!.body).toMatchObject({
      dedupKey: 'credit-risk/7/psi/age/-',
      incidentId: id,
      status: 'firing',
      value: 0.31,
    });
    expect(sink.at('/slack')[0]!.body.text).toMatch(
      /^:warning: \[FIRING\] \[warning\] credit-risk\/7 psi\(age\) = 0\.31 &gt; 0\.2 <http:\/\/vigil\.example\/api\/incidents\/inc_[^|]+\|details>$/,
    );
    const incident = await alerting.getIncident(id);
    expect(sink.at('/pd/v2/enqueue')[0]!.body).toEqual({
      routing_key: 'r0uting-key-0123456789abcdef',
      event_action: 'trigger',
      dedup_key: 'credit-risk/7/psi/age/-',
      payload: {
        summary: '[FIRING] [warning] credit-risk/7 psi(age) = 0.31 > 0.2',
        timestamp: new Date(incident.openedAt).toISOString(),
        source: 'credit-risk/7',
        severity: 'warning',
        component: 'age',
        group: 'psi',
        class: 'model-monitoring',
        custom_details: expect.objectContaining({ incidentId: id }),
      },
      client: 'Vigil',
      links: [
        { href: `http://vigil.example/api/incidents/${id}`, text: 'Incident in Vigil' },
        { href: 'http://grafana.example/g&x/d/vigil-model?var-model=credit-risk', text: 'Grafana dashboard' },
      ],
    });
    // Slack: the line, then both links (Vigil's own control sequences, the URL's "&" escaped).
    expect(sink.at('/slack')[0]!.body.blocks[1]).toEqual({
      type: 'context',
      elements: [
        {
          type: 'mrkdwn',
          text: `<http://vigil.example/api/incidents/${id}|details> · <http://grafana.example/g&amp;x/d/vigil-model?var-model=credit-risk|dashboard>`,
          verbatim: true,
        },
      ],
    });
    expect(mails.map((m) => m.to.join(',')).sort()).toEqual(['oncall@example.com', 'risk-ml@example.com']);
    expect(mails[0]!.from).toBe('vigil@example.com');
    expect(mails[0]!.raw).toMatch(/^Subject: Vigil: \[FIRING\] \[warning\] credit-risk\/7 psi\(age\)/m);
    expect(mails[0]!.raw).toMatch(/^X-Vigil-Dedup-Key: credit-risk\/7\/psi\/age\/-/m);

    const active = (await am.alerts()).filter((a) => a.labels.dedupKey === 'credit-risk/7/psi/age/-');
    expect(active).toHaveLength(1);
    // The incident's true start, not the end of a hold (Alertmanager sets startsAt = endsAt when it is missing).
    expect(Date.parse(active[0]!.startsAt)).toBe(incident.openedAt);
    expect(Date.parse(active[0]!.endsAt)).toBeGreaterThan(Date.now());
    expect(active[0]).toMatchObject({
      labels: {
        alertname: 'VigilIncident',
        model: 'credit-risk',
        version: '7',
        metric: 'psi',
        feature: 'age',
        severity: 'warning',
      },
      annotations: { incidentId: id },
      status: { state: 'active' },
    });

    clock.advance(5 * MIN);
    await store.transaction((tx) => alerting.evaluateIn(tx, analysis(clock.t, [psi(0.01)])));
    expect(await alerting.flush()).toBe(true);
    // The resolve notice says what cleared it (0.01 in the new window, clear threshold 0.1) and the last breach apart.
    const clearing = {
      start: new Date(clock.t - 60 * MIN).toISOString(),
      end: new Date(clock.t).toISOString(),
      rows: 8000,
    };
    const breach = {
      start: new Date(w.windowStart).toISOString(),
      end: new Date(w.windowEnd).toISOString(),
      rows: 8000,
    };
    const resolvedBody = sink.at('/owner')[1]!.body;
    expect(resolvedBody).toMatchObject({
      status: 'resolved',
      value: 0.31,
      resolution: { window: clearing, value: 0.01, clearThreshold: 0.1, comparison: '>' },
      lastBreach: { window: breach, value: 0.31, threshold: 0.2, comparison: '>' },
      resolvedBy: 'vigil',
    });
    // A window that ends on the day it starts shows only the end's time; one that crosses midnight (UTC) shows its date.
    const range = (w: { start: string; end: string }) =>
      `${w.start.slice(0, 16).replace('T', ' ')} – ${w.end.slice(0, 10) === w.start.slice(0, 10) ? w.end.slice(11, 16) : w.end.slice(0, 16).replace('T', ' ')}`;
    const line = `[RESOLVED] [warning] credit-risk/7 psi(age) = 0.01, within the clear threshold 0.1 in window ${range(clearing)} UTC (last breach 0.31 > 0.2 in window ${range(breach)} UTC)`;
    expect(sink.at('/slack')[1]!.body.text).toBe(
      `:white_check_mark: ${line.replace(/>/g, '&gt;')} <http://vigil.example/api/incidents/${id}|details>`,
    );
    expect(blockKitProblems(sink.at('/slack')[1]!.body)).toEqual([]);
    expect(sink.at('/pd/v2/enqueue')[1]!.body).toMatchObject({
      routing_key: 'r0uting-key-0123456789abcdef',
      event_action: 'resolve',
      dedup_key: 'credit-risk/7/psi/age/-',
      payload: {
        summary: line,
        custom_details: { resolution: { value: 0.01, clearThreshold: 0.1 }, lastBreach: { value: 0.31 } },
      },
    });
    expect(pagerdutyProblems('alert', sink.at('/pd/v2/enqueue')[1]!.body)).toEqual([]);
    expect(mails).toHaveLength(4);
    expect(mails[2]!.raw).toContain('"clearThreshold": 0.1');
    expect(mails[2]!.raw).toContain('"lastBreach": {');
    // Ended at the resolve time (the test's clock runs ahead of Alertmanager's, so it is still listed), from the
    // true start.
    const after = (await am.alerts()).filter((a) => a.labels.dedupKey === 'credit-risk/7/psi/age/-');
    expect(after.map((a) => [Date.parse(a.startsAt), Date.parse(a.endsAt)])).toEqual([[incident.openedAt, clock.t]]);
    expect(after[0]!.annotations).toMatchObject({
      value: '0.31',
      threshold: '0.2',
      resolvedValue: '0.01',
      clearThreshold: '0.1',
      resolvedWindow: `${clearing.start}/${clearing.end}`,
      lastBreachValue: '0.31',
      resolvedBy: 'vigil',
    });
  }, 60_000);

  it('an acknowledgement acknowledges at PagerDuty, tells the webhooks who took it, and leaves Alertmanager firing', async () => {
    clock.advance(5 * MIN);
    const { opened } = await store.transaction((tx) =>
      alerting.evaluateIn(tx, analysis(clock.t, [psi(0.4, 'region')])),
    );
    expect(await alerting.flush()).toBe(true);
    const pdBefore = sink.at('/pd/v2/enqueue').length;
    const amBefore = (await am.alerts()).length;
    await alerting.acknowledge(opened[0]!, { actor: 'alice', reason: 'on it' });
    expect(await alerting.flush()).toBe(true);
    expect(sink.at('/pd/v2/enqueue').slice(pdBefore)).toEqual([
      expect.objectContaining({
        body: expect.objectContaining({ event_action: 'acknowledge', dedup_key: 'credit-risk/7/psi/region/-' }),
      }),
    ]);
    expect(sink.at('/owner').at(-1)!.body).toMatchObject({
      status: 'acknowledged',
      acknowledgedBy: 'alice',
      feature: 'region',
    });
    expect(sink.at('/slack').at(-1)!.body.text).toMatch(/^:eyes: \[ACKNOWLEDGED by alice\]/);
    const region = (await am.alerts()).filter((a) => a.labels.feature === 'region');
    expect(region).toHaveLength(1);
    expect(region[0]!.status.state).toBe('active');
    expect((await am.alerts()).length).toBe(amBefore);
  });

  it("opens a review with frozen evidence and tells the first step's targets", async () => {
    const review = await alerting.openReview({
      model: 'credit-risk',
      actor: 'carol',
      reason: 'fairness complaint',
      from: T0 - 30 * 86_400_000,
      to: clock.t + 1,
    });
    expect(review.evidence.incidents.length).toBeGreaterThanOrEqual(1);
    expect(review.evidence.audit.map((a) => a.action)).toContain('incident.resolved');
    expect(await alerting.flush()).toBe(true);
    expect(sink.at('/owner').at(-1)!.body).toMatchObject({
      type: 'review',
      reviewId: review.id,
      reason: 'fairness complaint',
      openedBy: 'carol',
    });
    expect((await alerting.getReview(review.id)).evidence.incidents.map((i) => i.status)).toEqual(
      review.evidence.incidents.map((i) => i.status),
    );
    // PagerDuty hears of a review as a change event: it informs and pages nobody, and nothing has to resolve it.
    expect(sink.at('/pd/v2/change/enqueue').map((r) => r.body)).toEqual([
      {
        routing_key: 'r0uting-key-0123456789abcdef',
        payload: {
          summary: `[REVIEW] credit-risk: review ${review.id} opened by carol: fairness complaint`,
          timestamp: new Date(review.openedAt).toISOString(),
          source: 'credit-risk',
          custom_details: expect.objectContaining({ reviewId: review.id }),
        },
        links: [{ href: `http://vigil.example/api/reviews/${review.id}`, text: 'Review in Vigil' }],
      },
    ]);
    expect(sink.at('/pd/v2/enqueue').filter((r) => r.body.dedup_key === `review/${review.id}`)).toEqual([]);
  });

  it('escapes Slack control characters in data and keeps PagerDuty bodies within its limits', async () => {
    clock.advance(5 * MIN);
    const nasty = 'x<y>&z<!channel><@U1>';
    // 300 characters: the subject's key is 314 (PagerDuty takes at most 255).
    const long = `f${'e'.repeat(299)}`;
    // Emoji (two UTF-16 units each) across the 1024th unit of the summary: a UTF-16 cut would split one.
    const emoji = '😀'.repeat(600);
    const w = analysis(clock.t, [psi(0.31, nasty), psi(0.32, long), psi(0.33, emoji)], { version: '7<@U1>&' });
    const { opened } = await store.transaction((tx) => alerting.evaluateIn(tx, w));
    expect(opened).toHaveLength(3);
    expect(await alerting.flush()).toBe(true);
    for (const id of opened) await alerting.acknowledge(id, { actor: 'dave <!here>', reason: 'ack' });
    expect(await alerting.flush()).toBe(true);
    await alerting.openReview({ model: 'credit-risk', actor: 'erin', reason: 'complaint <!channel> & <@U1> said > 3' });
    expect(await alerting.flush()).toBe(true);

    // A reason longer than a section may hold is cut before the link, which stays whole.
    await alerting.openReview({ model: 'credit-risk', actor: 'erin', reason: `long & ${'<r>'.repeat(2000)}` });
    expect(await alerting.flush()).toBe(true);

    const slack = sink.at('/slack').map((r) => r.body);
    expect(slack.at(-1)!.text.length).toBeLessThanOrEqual(3000);
    expect(slack.at(-1)!.text).toMatch(/(&lt;|r|&gt;)… <http:\/\/vigil\.example\/api\/reviews\/rev_[^|]+\|details>$/);
    const firing = slack.find((b) => b.text.includes('x&lt;y&gt;'))!;
    expect(firing.text).toContain('credit-risk/7&lt;@U1&gt;&amp; psi(x&lt;y&gt;&amp;z&lt;!channel&gt;&lt;@U1&gt;)');
    expect(slack.some((b) => b.text.includes('[ACKNOWLEDGED by dave &lt;!here&gt;]'))).toBe(true);
    expect(slack.at(-2)!.text).toContain('complaint &lt;!channel&gt; &amp; &lt;@U1&gt; said &gt; 3');
    for (const body of slack) expect(blockKitProblems(body)).toEqual([]);

    const triggers = sink
      .at('/pd/v2/enqueue')
      .map((r) => r.body)
      .filter((b) => b.event_action === 'trigger');
    const longKey = triggers.find((b) => b.payload.component === long)!.dedup_key as string;
    expect(longKey.length).toBeLessThanOrEqual(255);
    expect(longKey.startsWith(`credit-risk/7<@U1>&/psi/${long.slice(0, 100)}`)).toBe(true);
    // The acknowledgement (like a resolve) reaches the same PagerDuty alert.
    expect(
      sink
        .at('/pd/v2/enqueue')
        .filter((r) => r.body.dedup_key === longKey)
        .map((r) => r.body.event_action),
    ).toEqual(['trigger', 'acknowledge']);
    const emojiSummary = triggers.find((b) => b.payload.component === emoji)!.payload.summary as string;
    // At most 1024 however counted (UTF-16 units, hence code points), cut between two emoji.
    expect(emojiSummary.length).toBeLessThanOrEqual(1024);
    expect(emojiSummary.length).toBeGreaterThan(1020);
    expect(emojiSummary.endsWith('😀…')).toBe(true);
  });

  it("a refused PagerDuty event fails at once with PagerDuty's reason, recorded and counted, not retried", async () => {
    clock.advance(5 * MIN);
    const { opened } = await store.transaction((tx) =>
      alerting.evaluateIn(
        tx,
        analysis(clock.t, [{ metric: 'psi', feature: 'amount', value: 0.5 }], { model: 'fraud', version: '1' }),
      ),
    );
    expect(await alerting.flush()).toBe(true);
    expect(sink.at('/pdbad/v2/enqueue')).toHaveLength(1);
    const incident = await alerting.getIncident(opened[0]!);
    expect(incident.deliveryFailures).toEqual([
      expect.objectContaining({
        target: 'pdbad',
        error: expect.stringContaining("answered 400: Event object is invalid; Length of 'dedup_key' is too long"),
      }),
    ]);
    expect(incident.notifications.find((n) => n.target === 'pdbad')).toMatchObject({ state: 'failed', attempts: 1 });
    expect(outcomes.filter((o) => o.target === 'pdbad')).toEqual([
      { kind: 'notify', target: 'pdbad', ok: false, final: true },
    ]);
  });

  it("sent only bodies that PagerDuty's published schema and Slack's Block Kit rules accept", () => {
    const pd = sink.received.filter((r) => r.path.startsWith('/pd/'));
    expect(pd.length).toBeGreaterThan(10);
    for (const r of pd)
      expect({
        path: r.path,
        problems: pagerdutyProblems(r.path.includes('/change/') ? 'change' : 'alert', r.body),
      }).toEqual({ path: r.path, problems: [] });
    const slack = sink.at('/slack');
    expect(slack.length).toBeGreaterThan(5);
    for (const r of slack) expect(blockKitProblems(r.body)).toEqual([]);
  });
});
