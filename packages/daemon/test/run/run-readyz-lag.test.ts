/**
 * `/readyz` of the built `vigil run`, in a child process on real Kafka and PostgreSQL, while window analysis runs
 * behind ingest: not ready with the reason "analysis lagging" while analyses wait longer than
 * `--max-analysis-lag-ms`, ready again once they are done (docs/streaming.md, "Analysis beside ingest").
 */
import { exited, httpPort, openHarness, T0, waitFor } from '@vigil/test-kit/daemon-harness';
import { makeEvents } from '@vigil/test-kit';

jest.setTimeout(240_000);

const MODELS = ['lag-a', 'lag-b', 'lag-c', 'lag-d'];

interface Readiness {
  status: number;
  body: { ready: boolean; reasons: string[] };
}

describe('vigil run /readyz while analysis lags', () => {
  it('answers 503 "analysis lagging" while windows wait for analysis longer than the bound, and 200 once caught up', async () => {
    const h = await openHarness('run-lag', MODELS);
    try {
      // A bound of 1 ms: any window waiting for its analysis makes the daemon not ready.
      const daemon = h.start(['--max-analysis-lag-ms', '1']);
      const port = await httpPort(daemon);
      const readyz = async (): Promise<Readiness> => {
        const r = await fetch(`http://127.0.0.1:${port}/readyz`);
        return { status: r.status, body: (await r.json()) as Readiness['body'] };
      };
      await waitFor(
        '/readyz to answer 200 before any event',
        async () => (await readyz()).status === 200,
        [daemon],
        60_000,
      );

      // Twelve hours of events for each of four models, in time order: ~70 windows a model (30 min sliding by 10),
      // analysed beside ingest as the watermarks pass them.
      const events = MODELS.flatMap((model, i) =>
        makeEvents({ n: 4000, start: T0, stepMs: 11_000, seed: 30 + i, model, idPrefix: model }),
      ).sort((a, b) => a.ts - b.ts);
      await h.produce('p.ndjson', h.predictions, events);
      let lagging: Readiness | undefined;
      await waitFor(
        '/readyz to report the analysis lagging',
        async () => {
          const r = await readyz();
          if (r.status === 503 && r.body.reasons.some((x) => x.startsWith('analysis lagging'))) lagging = r;
          return lagging !== undefined;
        },
        [daemon],
      );
      expect(lagging?.body.ready).toBe(false);
      expect(lagging?.body.reasons.filter((x) => x.startsWith('analysis lagging'))).toEqual([
        expect.stringMatching(/^analysis lagging: \d+ s behind the committed events \(more than 0\.001 s\)$/),
      ]);

      await waitFor(
        'the daemon to consume and analyse everything',
        () => h.settled({ predictions: events.length, labels: 0 }),
        [daemon],
      );
      await waitFor('/readyz to answer 200 again', async () => (await readyz()).status === 200, [daemon]);
      expect((await readyz()).body).toEqual({ ready: true, reasons: [] });
      daemon.kill('SIGTERM');
      expect(await exited(daemon)).toBe(0);
    } finally {
      await h.cleanup();
    }
  });
});
