/**
 * A notification group's notices at every receiver (issue 12): the generic webhook gets the group key and a
 * `subjects` list, Slack lists the subjects (escaped), PagerDuty one alert per group (`dedup_key` = the group key,
 * at most 255), e-mail one message, and the real Prometheus Alertmanager one alert per subject with a
 * `notificationGroup` label, ended subject by subject.
 */
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { createStore, type Store } from '@vigil/store';
import { createAlerting, type Alerting } from '../../src/alerting';
import { alertConfig, FakeClock, MIN } from '../helpers/config';
import { OwnAlertmanager } from '../helpers/own-alertmanager';
import { pagerdutyProblems } from '../helpers/pagerduty-events';
import { blockKitProblems } from '../helpers/slack-block-kit';
import { WebhookSink } from '@vigil/test-kit';
import { analysis, psi } from '../helpers/windows';

describe('a notification group at real receivers', () => {
  const sink = new WebhookSink();
  const am = new OwnAlertmanager();
  const mails: string[] = [];
  let smtp: SMTPServer;
  let store: Store;
  let alerting: Alerting;
  const clock = new FakeClock(Math.floor(Date.now() / MIN) * MIN);

  beforeAll(async () => {
    await sink.start();
    await am.start();
    smtp = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS', 'AUTH'],
      logger: false,
      onData(stream, _session, callback) {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => {
          mails.push(Buffer.concat(chunks).toString('utf8'));
          callback();
        });
      },
    });
    await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
    store = await createStore({});
    alerting = await createAlerting({
      config: alertConfig({
        ownerUrl: `${sink.base}/owner`,
        oncallUrl: `${sink.base}/oncall`,
        top: `smtp: { url: "smtp://127.0.0.1:${(smtp.server.address() as AddressInfo).port}", from: "vigil@example.com" }`,
        extra: [
          `  chat: { type: slack, url: "${sink.base}/slack" }`,
          `  pd: { type: pagerduty, routingKey: "r0uting-key-0123456789abcdef", url: "${sink.base}/pd/v2/enqueue" }`,
          `  mail: { type: email, to: [oncall@example.com] }`,
          `  am: { type: alertmanager, url: "${am.url}" }`,
        ].join('\n'),
        policy: '    steps:\n      - { after: 0m, notify: [owner, chat, pd, mail, am] }',
      }),
      store,
      now: clock.now,
      relay: { aheadMs: 0, pollMs: 60_000 },
      delivery: { backoffMs: 5, timeoutMs: 5000 },
      links: { publicUrl: 'http://vigil.example' },
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

  it('one notice per receiver names every subject; Alertmanager keeps one alert per subject; an update tells of subjects resolved meanwhile; the group resolves with its last subject', async () => {
    const nasty = 'x<y>&z<!channel>';
    const { opened } = await store.transaction((tx) =>
      alerting.evaluateIn(tx, analysis(clock.t, [psi(0.31, 'age'), psi(0.35, nasty), psi(0.6, 'region')])),
    );
    expect(opened).toHaveLength(3);
    expect(await alerting.flush()).toBe(true);

    const hook = sink.at('/owner');
    expect(hook).toHaveLength(1);
    // The lead subject is the most severe (region, critical at 0.6 > 0.5).
    expect(hook[0]!.body).toMatchObject({
      dedupKey: 'credit-risk/7',
      groupKey: 'credit-risk/7',
      severity: 'critical',
      feature: 'region',
      status: 'firing',
    });
    expect(hook[0]!.body.subjects.map((s: { feature: string; dedupKey: string }) => s.dedupKey)).toEqual([
      'credit-risk/7/psi/region/-',
      'credit-risk/7/psi/age/-',
      `credit-risk/7/psi/${nasty}/-`,
    ]);

    const slack = sink.at('/slack');
    expect(slack).toHaveLength(1);
    const text = slack[0]!.body.text as string;
    expect(text.split('\n').slice(0, 4)).toEqual([
      ':rotating_light: [FIRING] [critical] credit-risk/7: 3 subjects',
      '• psi(region) = 0.6 &gt; 0.5',
      '• psi(age) = 0.31 &gt; 0.2',
      expect.stringMatching(
        /^• psi\(x&lt;y&gt;&amp;z&lt;!channel&gt;\) = 0\.35 &gt; 0\.2 <http:\/\/vigil\.example\/api\/incidents\/inc_[^|]+\|details>$/,
      ),
    ]);
    expect(blockKitProblems(slack[0]!.body)).toEqual([]);

    const pd = sink.at('/pd/v2/enqueue');
    expect(pd).toHaveLength(1);
    expect(pd[0]!.body).toMatchObject({
      event_action: 'trigger',
      dedup_key: 'credit-risk/7',
      payload: {
        severity: 'critical',
        summary: `[FIRING] [critical] credit-risk/7: 3 subjects: psi(region) = 0.6 > 0.5; psi(age) = 0.31 > 0.2; psi(${nasty}) = 0.35 > 0.2`,
      },
    });
    expect(pd[0]!.body.payload.component).toBeUndefined();
    expect(pd[0]!.body.payload.custom_details.subjects).toHaveLength(3);
    expect(pagerdutyProblems('alert', pd[0]!.body)).toEqual([]);

    expect(mails).toHaveLength(1); // one message for the group
    expect(mails.every((m) => /^X-Vigil-Dedup-Key: credit-risk\/7$/m.test(m))).toBe(true);

    const alerts = (await am.alerts()).filter((a) => a.labels.notificationGroup === 'credit-risk/7');
    expect(alerts.map((a) => a.labels.dedupKey).sort()).toEqual(
      ['credit-risk/7/psi/age/-', 'credit-risk/7/psi/region/-', `credit-risk/7/psi/${nasty}/-`].sort(),
    );

    // Two subjects clear: Alertmanager ends their alerts; the group's next notice (an update groupInterval after
    // the first, here at once) lists them as resolved beside the one still firing.
    clock.advance(5 * MIN);
    const partly = await store.transaction((tx) =>
      alerting.evaluateIn(tx, analysis(clock.t, [psi(0.01, 'age'), psi(0.01, nasty), psi(0.6, 'region')])),
    );
    expect(partly.resolved).toHaveLength(2);
    expect(await alerting.flush()).toBe(true);
    expect([
      sink.at('/owner').length,
      sink.at('/slack').length,
      sink.at('/pd/v2/enqueue').length,
      mails.length,
    ]).toEqual([2, 2, 2, 2]);
    expect(sink.at('/owner')[1]!.body.subjects.map((s: { status: string }) => s.status)).toEqual([
      'firing',
      'resolved',
      'resolved',
    ]);
    expect((sink.at('/slack')[1]!.body.text as string).split('\n').slice(0, 3)).toEqual([
      ':rotating_light: [FIRING] [critical] credit-risk/7: 3 subjects',
      '• psi(region) = 0.6 &gt; 0.5',
      '• psi(age) cleared at 0.01 (clear threshold 0.1)',
    ]);
    expect(sink.at('/pd/v2/enqueue')[1]!.body).toMatchObject({ event_action: 'trigger', dedup_key: 'credit-risk/7' });
    const ended = (await am.alerts()).filter(
      (a) => a.labels.notificationGroup === 'credit-risk/7' && a.labels.feature !== 'region',
    );
    expect(ended.every((a) => Date.parse(a.endsAt) === clock.t)).toBe(true);

    clock.advance(5 * MIN);
    await store.transaction((tx) => alerting.evaluateIn(tx, analysis(clock.t, [psi(0.01, 'region')])));
    expect(await alerting.flush()).toBe(true);
    expect(sink.at('/owner').map((r) => r.body.status)).toEqual(['firing', 'firing', 'resolved']);
    expect(sink.at('/owner')[2]!.body.subjects).toHaveLength(3);
    expect(sink.at('/slack')[2]!.body.text).toMatch(
      /^:white_check_mark: \[RESOLVED\] \[critical\] credit-risk\/7: 3 subjects\n• psi\(region\) cleared at 0\.01 \(clear threshold 0\.4\)/,
    );
    expect(sink.at('/pd/v2/enqueue')[2]!.body).toMatchObject({ event_action: 'resolve', dedup_key: 'credit-risk/7' });
    for (const r of sink.at('/pd/v2/enqueue')) expect(pagerdutyProblems('alert', r.body)).toEqual([]);
    for (const r of sink.at('/slack')) expect(blockKitProblems(r.body)).toEqual([]);
    expect(mails).toHaveLength(3);
    const region = (await am.alerts()).filter(
      (a) => a.labels.notificationGroup === 'credit-risk/7' && a.labels.feature === 'region',
    );
    expect(region.map((a) => Date.parse(a.endsAt))).toEqual([clock.t]);
  }, 60_000);
});
