/**
 * Human review through `vigil run` as users run it (the built CLI against the real Kafka broker and PostgreSQL):
 * each policy flags exactly the events it should, across a `kill -9` mid-stream and a restart nothing is flagged
 * twice, and reviewers' verdicts over the HTTP API open an override-rate incident and resolve it, the owner told
 * once of each.
 */
import { WebhookSink, makeEvents, type TestEvent } from '@vigil/test-kit';
import { exited, httpPort, MIN, openHarness, T0, waitFor } from '@vigil/test-kit/daemon-harness';
import { eventUniform } from '../../src/review/flag-policies';

jest.setTimeout(300_000);

const TOKEN = 'reviewer-token-0123456789abcdef';

function expectedFlags(events: readonly TestEvent[]): Map<string, Set<string>> {
  const flags = new Map<string, Set<string>>();
  const add = (id: string, policy: string) => flags.set(id, (flags.get(id) ?? new Set()).add(policy));
  for (const e of events) {
    if (eventUniform('credit-risk', e.id, 'audit') < 0.01) add(e.id, 'audit');
    if (Math.abs(e.score - 0.5) < 0.02) add(e.id, 'borderline');
    if (
      e.features.age === null ||
      e.features.age < 22 ||
      e.features.age > 70 ||
      e.features.income < 22000 ||
      e.features.income > 98000
    )
      add(e.id, 'unusual');
    if (e.groups.sex === 'female' && eventUniform('credit-risk', e.id, 'group:sex=female') < 0.05) add(e.id, 'group');
  }
  return flags;
}

describe('vigil run: human review', () => {
  const sink = new WebhookSink();
  beforeAll(() => sink.start());
  afterAll(() => sink.close());

  it('flags each event once across a kill -9, and verdicts open and resolve an override-rate incident', async () => {
    const h = await openHarness('run-review', ['credit-risk'], 2, {
      ownerWebhook: `${sink.base}/hook`,
      httpYaml: `{ port: 0, tokens: [{ name: ana, role: reviewer, token: ${TOKEN} }] }`,
      modelYaml: `
    rules: [{ metric: overrideRate, threshold: 0.1, clearThreshold: 0.1, minSamples: 2 }]
    review:
      capacityPerHour: 100000
      borderline: { margin: 0.02 }
      unusual: { ranges: { income: [22000, 98000], age: [22, 70] }, required: [age] }
      groups: [{ attribute: sex, value: female, probability: 0.05 }]
      audit: { rate: 0.01 }`,
    });
    try {
      const events = [
        ...makeEvents({ n: 1800, start: T0, stepMs: 3000, seed: 2, shift: 0.15 }).map((e) => ({ ...e, label: null })),
        ...makeEvents({ n: 1, start: T0 + 130 * MIN, seed: 3, idPrefix: 'closer' }),
      ];
      const half = 900;
      await h.produce('p1.ndjson', h.predictions, events.slice(0, half));
      const first = h.start();
      await waitFor('the first half', async () => (await h.committed(h.predictions)) >= half, [first]);
      // Killed once it has committed part of the second half, while the rest is still being produced (at 1,000 a
      // second the producer needs about 0.9 s; a fixed pause raced the daemon, which could read everything first).
      const producing = h.produce('p2.ndjson', h.predictions, events.slice(half), 1000);
      await waitFor('part of the second half', async () => (await h.committed(h.predictions)) > half, [first]);
      first.kill('SIGKILL');
      await exited(first);
      expect(await h.committed(h.predictions)).toBeLessThan(events.length);
      await producing;
      const daemon = h.start();
      const port = await httpPort(daemon);
      await waitFor('the restarted daemon to catch up', () => h.settled({ predictions: events.length, labels: 0 }), [
        daemon,
      ]);

      const queue = await h.sql.query<{ prediction_id: string; policies: string[]; status: string; event_ts: Date }>(
        'SELECT prediction_id, policies, status, event_ts FROM vigil_review_queue WHERE model = $1',
        ['credit-risk'],
      );
      const expected = expectedFlags(events);
      expect(new Map(queue.rows.map((r) => [r.prediction_id, new Set(r.policies)]))).toEqual(expected);
      // Nothing counted twice: the hour counters add up to the rows.
      const counted = await h.sql.query<{ queued: string; not_queued: string }>(
        'SELECT sum(queued)::text AS queued, sum(not_queued)::text AS not_queued FROM vigil_review_capacity',
      );
      expect(counted.rows[0]).toEqual({ queued: String(queue.rows.length), not_queued: '0' });

      const api = `http://127.0.0.1:${port}`;
      const post = (path: string, body: unknown) =>
        fetch(`${api}${path}`, {
          method: 'POST',
          headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
          body: JSON.stringify(body),
        });
      const listed = (await (
        await fetch(`${api}/api/review-queue?model=credit-risk&status=pending&limit=1000`, {
          headers: { authorization: `Bearer ${TOKEN}` },
        })
      ).json()) as { items: Array<{ id: string; eventTs: string }> };
      // Items of [T0+80m, T0+90m): in the latest analysed window, which the alert engine judges.
      const slot = listed.items
        .filter((i) => Date.parse(i.eventTs) >= T0 + 80 * MIN && Date.parse(i.eventTs) < T0 + 90 * MIN)
        .slice(0, 20);
      expect(slot).toHaveLength(20);
      const decide = async (items: typeof slot, verdict: 'agree' | 'override') => {
        for (const item of items) {
          expect((await post(`/api/review-queue/${item.id}/claim`, {})).status).toBe(200);
          expect(
            (await post(`/api/review-queue/${item.id}/verdict`, { verdict, reason: 'checked the application' })).status,
          ).toBe(200);
        }
      };
      const hooks = () =>
        sink.received.map(
          (r) => r.body as { status: string; metric?: string; subjects?: Array<{ metric: string; status: string }> },
        );
      const about = (status: string) =>
        hooks().filter((b) => JSON.stringify(b).includes('overrideRate') && b.status === status);
      await decide(slot.slice(0, 2), 'override');
      await waitFor(
        'the override-rate incident to be notified',
        async () => about('firing').length > 0,
        [daemon],
        60_000,
      );
      await decide(slot.slice(2), 'agree');
      await waitFor('the resolve notice', async () => about('resolved').length > 0, [daemon], 60_000);
      daemon.kill('SIGTERM');
      expect(await exited(daemon)).toBe(0);
      // Once each, after the daemon has stopped (nothing left to send).
      expect([about('firing').length, about('resolved').length]).toEqual([1, 1]);
      const audit = await h.sql.query<{ n: string }>(
        `SELECT count(*)::text AS n FROM vigil_audit_log WHERE actor = 'ana' AND action LIKE 'review_item.%'`,
      );
      expect(audit.rows[0]!.n).toBe('40');
    } finally {
      await h.cleanup();
    }
  });
});
