/**
 * `kafka.consumers`: one daemon as several members of its consumer group (docs/streaming.md, "Consumers"). With
 * more members than partitions some get none: the daemon must still become ready, and the partitions the others get
 * must be consumed exactly once, as with one member.
 */
import { exited, httpPort, labelEvents, MIN, openHarness, T0, waitFor } from '@vigil/test-kit/daemon-harness';
import { makeEvents, roughly } from '@vigil/test-kit';

jest.setTimeout(240_000);

describe('vigil run with several consumers', () => {
  it('six members for five partitions: ready, every event counted once, the same rows as one direct run', async () => {
    // 3 partitions of predictions and 2 of labels: one of the six members gets no partition.
    const h = await openHarness('run-consumers', ['credit-risk'], 3, { consumers: 6 });
    try {
      const events = [
        ...makeEvents({ n: 1500, start: T0, stepMs: 6000, seed: 61 }),
        ...makeEvents({ n: 1, start: T0 + 4 * 60 * MIN, seed: 62, idPrefix: 'closer' }),
      ];
      const labels = labelEvents(events);
      const daemon = h.start();
      const port = await httpPort(daemon);
      const readyz = async (): Promise<{ status: number; body: unknown }> => {
        const res = await fetch(`http://127.0.0.1:${port}/readyz`);
        return { status: res.status, body: await res.json() };
      };
      await waitFor(
        '/readyz to answer 200 with six members',
        async () => (await readyz()).status === 200,
        [daemon],
        90_000,
      );
      await h.produce('p.ndjson', h.predictions, events);
      await h.produce('l.ndjson', h.labels, labels);
      await waitFor(
        'the daemon to consume and analyse everything',
        () => h.settled({ predictions: events.length, labels: labels.length }),
        [daemon],
      );
      expect(await readyz()).toEqual({ status: 200, body: { ready: true, reasons: [] } });
      expect(daemon.output()).toMatch(/"consumers":6/);
      daemon.kill('SIGTERM');
      expect(await exited(daemon)).toBe(0);
      const actual = await h.rows();
      expect(actual.length).toBeGreaterThan(100);
      expect(actual).toEqual(roughly(await h.expectedRows(events)));
      expect(await h.store.deadLetters.list()).toEqual([]);
    } finally {
      await h.cleanup();
    }
  });
});
