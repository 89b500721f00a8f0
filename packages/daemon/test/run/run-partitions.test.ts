/**
 * A model whose producers do not key by model (a random partitioner): its events are spread over every partition
 * of the topic, which the daemon consumes at their own pace. Each window must be analysed once, when every
 * partition carrying the model has passed it — not when the first partition does, which wrote a partial first
 * analysis (and notified its value) and revised it as the other partitions came in (issue 18, point 4).
 */
import { seededRandom } from '@vigil/core';
import { differences, produceToPartitions, WebhookSink, makeEvents } from '@vigil/test-kit';
import { exited, MIN, openHarness, T0, waitFor } from '@vigil/test-kit/daemon-harness';

jest.setTimeout(240_000);

interface Hook {
  status: string;
  metric: string;
  feature: string | null;
  value: number | null;
  window: { start: string | null; end: string | null; rows: number | null };
}

interface ExpectedRow {
  windowStart: number;
  metric: string;
  feature: string;
  group: string;
  value: number | null;
  rows: number;
}

describe('vigil run with a model spread over partitions', () => {
  const sink = new WebhookSink();
  beforeAll(() => sink.start());
  afterAll(() => sink.close());

  it('analyses every window once, with all its rows, and notifies only complete values', async () => {
    const partitions = 3;
    const h = await openHarness('run-spread', ['credit-risk'], partitions, {
      ownerWebhook: `${sink.base}/hook`,
      // Longer than a partition can fall behind while the daemon starts and reads: a quiet partition is released after it.
      idleTimeout: '30s',
      modelYaml: `
    rules:
      - { metric: psi, feature: age, threshold: 0.2, clearThreshold: 0.1, severity: critical, breachesOfWindows: { n: 1, m: 1 }, minSamples: 100 }`,
    });
    try {
      // An hour like the reference, then two hours in which the ages move up; every event to a random partition.
      const events = [
        ...makeEvents({ n: 1200, start: T0, stepMs: 3000, seed: 41 }),
        ...makeEvents({ n: 2400, start: T0 + 60 * MIN, stepMs: 3000, seed: 42, shift: 2, idPrefix: 'shifted' }),
      ];
      const random = seededRandom(43);
      const spread = events.map((e) => ({ partition: Math.floor(random() * partitions), value: e }));
      // Every partition carries the model all along: each one's first batch spans the three hours.
      for (let p = 0; p < partitions; p++)
        expect(spread.filter((m) => m.partition === p).length).toBeGreaterThan(events.length / (2 * partitions));
      await produceToPartitions(h.predictions, spread);

      const daemon = h.start();
      await waitFor(
        'the windows to be analysed',
        () => h.settled({ predictions: events.length, labels: 0 }),
        [daemon],
        200_000,
      );

      const expected = (await h.expectedRows(events)) as ExpectedRow[];
      expect(expected.length).toBeGreaterThan(100);
      // The first analysis of every window was its last: nothing was analysed before all its events were in.
      const windows = await h.sql.query<{ window_start: Date; analyses: number; rows: string }>(
        `SELECT window_start, analyses, rows::text AS rows FROM vigil_windows WHERE model = 'credit-risk' AND analyses > 0 ORDER BY window_start`,
      );
      const rowsOf = new Map(expected.map((r) => [r.windowStart, r.rows]));
      expect(windows.rows.length).toBe(new Set(expected.map((r) => r.windowStart)).size);
      expect(windows.rows.map((w) => [new Date(w.window_start).toISOString(), w.analyses, Number(w.rows)])).toEqual(
        windows.rows.map((w) => [
          new Date(w.window_start).toISOString(),
          1,
          rowsOf.get(new Date(w.window_start).getTime()),
        ]),
      );
      // The same rows as all the events analysed at once, up to the order floating-point sums were added in
      // (partitions' batches merge into the buckets in the order they commit).
      expect(differences(await h.rows(), expected)).toEqual([]);

      // Every notice carries the value its window has with all its events.
      await waitFor(
        'the owner to be notified',
        async () => sink.received.some((r) => (r.body as Hook).status === 'firing'),
        [daemon],
        60_000,
      );
      const firing = sink.received.map((r) => r.body as Hook).filter((r) => r.status === 'firing');
      expect(firing.length).toBeGreaterThan(0);
      for (const hook of firing) {
        const row = expected.find(
          (r) =>
            r.windowStart === Date.parse(hook.window.start!) &&
            r.metric === hook.metric &&
            r.feature === hook.feature &&
            r.group === '',
        );
        expect(row).toBeDefined();
        expect(hook.value).toBeCloseTo(row!.value!, 9);
        expect(hook.window.rows).toBe(row!.rows);
      }

      daemon.kill('SIGTERM');
      expect(await exited(daemon)).toBe(0);
    } finally {
      await h.cleanup();
    }
  });
});
