/**
 * Alerts through `vigil run`: the built daemon consumes drifting traffic from the real Kafka broker, the window
 * analysis breaches a rule, the incident is written with the window's rows, and the owner's webhook (a real HTTP
 * server here) is told once; acknowledging it over the HTTP API with a responder's token tells the owner again,
 * and a bad token changes nothing.
 */
import { exited, httpPort, MIN, openHarness, T0, waitFor } from '@vigil/test-kit/daemon-harness';
import { WebhookSink, makeEvents } from '@vigil/test-kit';

jest.setTimeout(180_000);

const TOKEN = 'oncall-token-0123456789abcdef';

interface Hook {
  status: string;
  dedupKey: string;
  incidentId: string;
  model: string;
  metric: string;
  feature: string | null;
  value: number | null;
  acknowledgedBy: string | null;
  window: { start: string | null; end: string | null; rows: number | null };
}

describe('vigil run alerts', () => {
  const sink = new WebhookSink();
  const received = (): Hook[] => sink.received.map((r) => r.body as Hook);
  beforeAll(() => sink.start());
  afterAll(() => sink.close());

  it('notifies the owner of a drift breach once, and again when a responder acknowledges it', async () => {
    const h = await openHarness('run-alerts', ['credit-risk'], 2, {
      ownerWebhook: `${sink.base}/hook`,
      httpYaml: `{ port: 0, tokens: [{ name: oncall, role: responder, token: ${TOKEN} }] }`,
      modelYaml: `
    rules:
      - { metric: psi, feature: age, threshold: 0.2, clearThreshold: 0.1, severity: critical, breachesOfWindows: { n: 1, m: 1 }, minSamples: 100 }`,
    });
    try {
      // An hour like the reference, then two hours in which the ages move up by about 20 years.
      const events = [
        ...makeEvents({ n: 1200, start: T0, stepMs: 3000, seed: 31 }),
        ...makeEvents({ n: 2400, start: T0 + 60 * MIN, stepMs: 3000, seed: 32, shift: 2, idPrefix: 'shifted' }),
        ...makeEvents({ n: 1, start: T0 + 4 * 60 * MIN, seed: 33, idPrefix: 'closer' }),
      ];
      await h.produce('p.ndjson', h.predictions, events);
      const daemon = h.start();
      const port = await httpPort(daemon);
      await waitFor('the windows to be analysed', () => h.settled({ predictions: events.length, labels: 0 }), [daemon]);
      await waitFor(
        'the owner to be notified',
        async () => received().some((r) => r.status === 'firing'),
        [daemon],
        60_000,
      );

      const firing = received().filter((r) => r.status === 'firing');
      expect(firing).toHaveLength(1);
      const hook = firing[0]!;
      expect(hook).toMatchObject({ model: 'credit-risk', metric: 'psi', feature: 'age', acknowledgedBy: null });
      expect(hook.value).toBeGreaterThan(0.2);
      // The breach is in the shifted traffic, never in the first hour.
      expect(Date.parse(hook.window.end!)).toBeGreaterThan(T0 + 60 * MIN);

      const api = `http://127.0.0.1:${port}`;
      const open = (await (await fetch(`${api}/api/incidents?status=open`)).json()) as {
        incidents: Array<{ id: string; metric: string; feature: string | null; status: string }>;
      };
      expect(open.incidents.map((i) => [i.id, i.metric, i.feature, i.status])).toEqual([
        [hook.incidentId, 'psi', 'age', 'firing'],
      ]);

      const ack = (token: string) =>
        fetch(`${api}/api/incidents/${hook.incidentId}/ack`, {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          body: JSON.stringify({ reason: 'looking into it' }),
        });
      expect((await ack('not-the-token-0123456789')).status).toBe(401);
      const still = (await (await fetch(`${api}/api/incidents/${hook.incidentId}`)).json()) as {
        incident: { status: string };
      };
      expect(still.incident.status).toBe('firing');

      const acked = await ack(TOKEN);
      expect(acked.status).toBe(200);
      await waitFor(
        'the acknowledgement notice',
        async () => received().some((r) => r.status === 'acknowledged'),
        [daemon],
        60_000,
      );
      expect(
        received()
          .filter((r) => r.status === 'acknowledged')
          .map((r) => [r.dedupKey, r.acknowledgedBy]),
      ).toEqual([[hook.dedupKey, 'oncall']]);

      const metrics = await (await fetch(`${api}/metrics`)).text();
      expect(metrics).toMatch(/vigil_alerts_sent_total\{[^}]*kind="notify"[^}]*\} 1\b/);

      daemon.kill('SIGTERM');
      expect(await exited(daemon)).toBe(0);
      expect(received().filter((r) => r.status === 'firing')).toHaveLength(1);
    } finally {
      await h.cleanup();
    }
  });
});
