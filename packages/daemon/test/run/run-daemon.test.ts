/**
 * `vigil run` as users run it: the built CLI in a child process, consuming a real Kafka broker into a real
 * PostgreSQL. The metric rows it ends with must equal those of the in-process runner fed the same events
 * directly — uninterrupted, and across a `kill -9` in the middle of the stream.
 */
import { exited, httpPort, labelEvents, MIN, openHarness, T0, waitFor } from '@vigil/test-kit/daemon-harness';
import { makeEvents, roughly } from '@vigil/test-kit';

jest.setTimeout(180_000);

describe('vigil run against Kafka and PostgreSQL', () => {
  // Three hours of traffic; labels for three in four events, produced to their own topic.
  const events = [
    ...makeEvents({ n: 12_000, start: T0, stepMs: 900, seed: 5, shift: 0.1 }),
    ...makeEvents({ n: 1, start: T0 + 4 * 60 * MIN, seed: 6, idPrefix: 'closer' }),
  ];
  const labels = labelEvents(events);
  const totals = { predictions: events.length, labels: labels.length };

  it('turns Kafka messages into the metric rows of the same events analysed directly, and stops on SIGTERM', async () => {
    const h = await openHarness('run-e2e');
    try {
      // Ready as soon as it has joined its group, before any message exists.
      const daemon = h.start();
      const port = await httpPort(daemon);
      await waitFor(
        '/readyz to answer 200 on empty topics',
        async () => (await fetch(`http://127.0.0.1:${port}/readyz`)).status === 200,
        [daemon],
        60_000,
      );
      await h.produce('p.ndjson', h.predictions, events);
      await h.produce('l.ndjson', h.labels, labels);
      await waitFor('the daemon to consume and analyse everything', () => h.settled(totals), [daemon]);
      daemon.kill('SIGTERM');
      expect(await exited(daemon)).toBe(0);
      expect(daemon.output()).toMatch(/"msg":"stopped"/);

      const actual = await h.rows();
      expect(actual.length).toBeGreaterThan(500);
      expect(actual).toEqual(roughly(await h.expectedRows(events)));
    } finally {
      await h.cleanup();
    }
  });

  it('ends with the same rows after a kill -9 in the middle of the stream and a restart', async () => {
    const h = await openHarness('run-kill');
    try {
      const half = 6000;
      await h.produce('p1.ndjson', h.predictions, events.slice(0, half));
      const first = h.start();
      await waitFor('the first half', async () => (await h.committed(h.predictions)) >= half, [first]);

      // The rest arrives while the daemon runs; it is killed mid-stream, with no chance to finish anything.
      const producing = Promise.all([
        h.produce('p2.ndjson', h.predictions, events.slice(half), 8000),
        h.produce('l.ndjson', h.labels, labels, 8000),
      ]);
      await new Promise((r) => setTimeout(r, 400));
      first.kill('SIGKILL');
      await exited(first);
      expect(await h.committed(h.predictions)).toBeLessThan(events.length);
      await producing;

      const second = h.start();
      await waitFor('the restarted daemon to catch up', () => h.settled(totals), [second]);
      second.kill('SIGTERM');
      expect(await exited(second)).toBe(0);
      expect(await h.rows()).toEqual(roughly(await h.expectedRows(events)));
    } finally {
      await h.cleanup();
    }
  });
});
