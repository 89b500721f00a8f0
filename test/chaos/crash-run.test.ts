/**
 * Issue 6's randomized crash run: a stream of 1,000,000 events through `vigil run`, the daemon killed with
 * SIGKILL at 20 random moments and restarted each time. At the end the metric rows and the incidents equal those
 * of an uninterrupted run of the same events, and each incident told its owner exactly what the escalation policy
 * says (one notice when it fired, one when it resolved), recognised by notification id however often a crash made
 * the daemon send one again.
 */
import { exited, MIN, openHarness, T0, type Daemon } from '@vigil/test-kit/daemon-harness';
import { seededRandom } from '@vigil/core';
import { differences, makeEvents, type TestEvent } from '@vigil/test-kit';
import { WebhookSink } from '@vigil/test-kit';

jest.setTimeout(1_200_000);

const MODELS = ['m-crash-a', 'm-crash-b', 'm-crash-c'];
const PER_MODEL = 333_334;
const HOURS = 20;
const KILLS = 20;
const SEED = Number(process.env.VIGIL_CRASH_SEED ?? 20261130);

/**
 * Numbers equal within 1e-9 relative, 1e-12 absolute near zero: sums over a million events added in other batches
 * differ in their last digits, and a small ECE (a difference of sums) shows it.
 */
const CLOSE = { tolerance: 1e-9, absoluteBelow: 1e-3 };

interface Hook {
  incidentId: string;
  notificationId: string;
  status: string;
}

/** Twenty hours a model: ages as in the reference, then six hours about 20 years older, then as before. */
function modelEvents(model: string, seed: number): TestEvent[] {
  const step = (HOURS * 60 * MIN) / PER_MODEL;
  const third = Math.floor(PER_MODEL * 0.35);
  const shifted = Math.floor(PER_MODEL * 0.3);
  return [
    ...makeEvents({ n: third, start: T0, stepMs: step, seed, model, idPrefix: `${model}-a` }),
    ...makeEvents({
      n: shifted,
      start: T0 + third * step,
      stepMs: step,
      seed: seed + 1,
      shift: 2,
      model,
      idPrefix: `${model}-b`,
    }),
    ...makeEvents({
      n: PER_MODEL - third - shifted,
      start: T0 + (third + shifted) * step,
      stepMs: step,
      seed: seed + 2,
      model,
      idPrefix: `${model}-c`,
    }),
    // Closes every window of the twenty hours.
    ...makeEvents({ n: 1, start: T0 + (HOURS + 2) * 60 * MIN, seed: seed + 3, model, idPrefix: `${model}-closer` }),
  ];
}

describe('vigil run killed at random moments', () => {
  const sink = new WebhookSink();
  const received = (): Hook[] => sink.received.map((r) => r.body as Hook);
  beforeAll(() => sink.start());
  afterAll(() => sink.close());

  it(`ends 1,000,000 events and ${KILLS} kill -9s with the rows, incidents and notifications of an uninterrupted run`, async () => {
    const h = await openHarness('crash-run', MODELS, 3, {
      ownerWebhook: `${sink.base}/hook`,
      sessionTimeout: '6s',
      modelYaml: `
    rules:
      - { metric: psi, feature: age, threshold: 0.2, clearThreshold: 0.1, severity: critical, breachesOfWindows: { n: 1, m: 1 }, minSamples: 100 }`,
    });
    const daemons: Daemon[] = [];
    try {
      const events = MODELS.flatMap((m, i) => modelEvents(m, 100 + 10 * i)).sort((a, b) => a.ts - b.ts);
      const started = Date.now();
      await h.produce('p.ndjson', h.predictions, events);
      console.log(`produced ${events.length} events in ${((Date.now() - started) / 1000).toFixed(1)} s`);

      const rand = seededRandom(SEED);
      const moments = Array.from({ length: KILLS }, () => Math.floor(rand() * events.length)).sort((a, b) => a - b);
      console.log(`seed ${SEED}: kills after ${moments.join(', ')} committed events`);
      const deadline = Date.now() + 900_000;
      const poll = async (until: () => Promise<boolean>, what: string, daemon: Daemon) => {
        while (!(await until().catch(() => false))) {
          if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}:\n${daemon.output().slice(-4000)}`);
          if (daemon.exitCode !== null)
            throw new Error(
              `the daemon exited (${daemon.exitCode}) waiting for ${what}:\n${daemon.output().slice(-4000)}`,
            );
          await new Promise((r) => setTimeout(r, 25));
        }
      };
      for (const [i, moment] of moments.entries()) {
        const daemon = h.start();
        daemons.push(daemon);
        await poll(async () => (await h.committed(h.predictions)) >= moment, `kill ${i + 1}`, daemon);
        // Somewhere in the next batch, its window analyses or its deliveries.
        await new Promise((r) => setTimeout(r, Math.floor(rand() * 400)));
        daemon.kill('SIGKILL');
        await exited(daemon);
      }
      const last = h.start();
      daemons.push(last);
      await poll(
        () => h.settled({ predictions: events.length, labels: 0 }),
        'the last daemon to finish the stream',
        last,
      );
      // Every notification settled (delivered, or cancelled by an incident's end).
      await poll(
        async () =>
          (
            await h.sql.query<{ n: string }>(
              "SELECT count(*)::text AS n FROM vigil_alert_outbox WHERE state = 'pending'",
            )
          ).rows[0]!.n === '0',
        'the outbox to drain',
        last,
      );
      last.kill('SIGTERM');
      expect(await exited(last)).toBe(0);
      console.log(`consumed with ${KILLS} kills in ${((Date.now() - started) / 1000).toFixed(1)} s`);

      const expected = await h.expectedRun(events, 20_000);
      const rows = await h.rows();
      expect(rows.length).toBeGreaterThan(10_000);
      expect(differences(rows, expected.rows, CLOSE)).toEqual([]);
      const incidents = await h.incidents();
      expect(differences(incidents, expected.incidents, CLOSE)).toEqual([]);
      // The drift of the middle hours is found in every model, and ends with them.
      expect(
        incidents.filter((i) => i.metric === 'psi' && i.feature === 'age').map((i) => [i.model, i.status]),
      ).toEqual(MODELS.map((m) => [m, 'resolved']));

      // One notice per incident and state the policy sends (firing, then resolved), however often it was re-sent.
      const ids = await h.sql.query<{ id: string; status: string }>(
        'SELECT id::text AS id, status FROM vigil_incidents',
      );
      const told = (id: string, status: string) =>
        new Set(
          received()
            .filter((r) => r.incidentId === id && r.status === status)
            .map((r) => r.notificationId),
        ).size;
      for (const { id, status } of ids.rows)
        expect({ id, firing: told(id, 'firing'), resolved: told(id, 'resolved') }).toEqual({
          id,
          firing: 1,
          resolved: status === 'resolved' ? 1 : 0,
        });
      console.log(
        `${ids.rows.length} incidents, ${received().length} notifications received, ${new Set(received().map((r) => r.notificationId)).size} distinct`,
      );
    } finally {
      for (const d of daemons) if (d.exitCode === null && d.signalCode === null) d.kill('SIGKILL');
      await h.cleanup();
    }
  });
});
