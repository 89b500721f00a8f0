/**
 * Estimated performance (CBPE) through `vigil run`: the built daemon, whose reference file has labels, consumes
 * unlabelled traffic from the real Kafka broker; every window gets estimated rows, which fall while the scores
 * crowd the threshold (the model unsure) and come back after; a rule on `estimatedAccuracy` opens one incident and
 * resolves it, the owner's webhook (a real HTTP server) told once of each; the labels, sent later, add the realised
 * rows beside the estimated ones, which they leave as they were.
 */
import { WebhookSink, makeEvents, type TestEvent } from '@vigil/test-kit';
import { exited, labelEvents, MIN, openHarness, T0, waitFor } from '@vigil/test-kit/daemon-harness';

jest.setTimeout(240_000);

interface Hook {
  status: string;
  model: string;
  metric: string;
  value: number | null;
  window: { start: string | null; end: string | null };
}

/** Scores squeezed into [0.45, 0.55]: the same events, but the model is unsure of every one. */
const unsure = (events: TestEvent[]): TestEvent[] => events.map((e) => ({ ...e, score: 0.45 + e.score * 0.1 }));
const withoutLabel = (events: TestEvent[]): TestEvent[] => events.map((e) => ({ ...e, label: null }));

describe('vigil run estimated performance', () => {
  const sink = new WebhookSink();
  const received = (): Hook[] => sink.received.map((r) => r.body as Hook);
  beforeAll(() => sink.start());
  afterAll(() => sink.close());

  it('estimates every window without labels, alerts on estimatedAccuracy once and resolves, and late labels add the realised rows', async () => {
    const h = await openHarness('run-estimated', ['credit-risk'], 2, {
      referenceLabels: true,
      ownerWebhook: `${sink.base}/hook`,
      modelYaml: `
    rules:
      - { metric: estimatedAccuracy, threshold: 0.6, clearThreshold: 0.65, severity: warning, breachesOfWindows: { n: 1, m: 1 }, minSamples: 100 }`,
    });
    try {
      // An hour like the reference, an hour of unsure scores, ninety minutes like the reference again; 3 s apart.
      const labelled = [
        ...makeEvents({ n: 1200, start: T0, stepMs: 3000, seed: 41 }),
        ...unsure(makeEvents({ n: 1200, start: T0 + 60 * MIN, stepMs: 3000, seed: 42, idPrefix: 'unsure' })),
        ...makeEvents({ n: 1800, start: T0 + 120 * MIN, stepMs: 3000, seed: 43, idPrefix: 'after' }),
      ];
      const closer = makeEvents({ n: 1, start: T0 + 5 * 60 * MIN, seed: 44, idPrefix: 'closer' });
      const events = [...withoutLabel(labelled), ...withoutLabel(closer)];
      await h.produce('p.ndjson', h.predictions, events);
      const daemon = h.start();
      await waitFor('the windows to be analysed', () => h.settled({ predictions: events.length, labels: 0 }), [daemon]);
      await waitFor(
        'the incident to resolve',
        async () => received().some((r) => r.status === 'resolved'),
        [daemon],
        60_000,
      );

      const rows = await h.store.metrics.rows('credit-risk', { from: 0, to: Date.parse('2100-01-01') });
      const estimated = rows.filter((r) => r.metric === 'estimatedAccuracy');
      // No label anywhere yet: every window with events has its estimate, and none has a realised accuracy.
      expect(estimated.length).toBeGreaterThan(15);
      expect(rows.filter((r) => r.metric === 'accuracy')).toEqual([]);
      for (const r of estimated) {
        const d = r.details as { samplingError: number; band: [number, number]; rows: number };
        expect(d.rows).toBe(r.rows);
        expect(d.band[0]).toBeLessThanOrEqual(r.value!);
        expect(d.band[1]).toBeGreaterThanOrEqual(r.value!);
      }
      // Windows wholly inside the unsure hour estimate far lower than windows wholly outside it.
      const inside = estimated
        .filter((r) => r.windowStart >= T0 + 60 * MIN && r.windowEnd <= T0 + 120 * MIN)
        .map((r) => r.value!);
      const outside = estimated
        .filter(
          (r) => r.windowEnd <= T0 + 60 * MIN || (r.windowStart >= T0 + 120 * MIN && r.windowEnd <= T0 + 210 * MIN),
        )
        .map((r) => r.value!);
      expect(inside.length).toBeGreaterThan(1);
      expect(outside.length).toBeGreaterThan(3);
      expect(Math.max(...inside)).toBeLessThan(0.6);
      expect(Math.min(...outside)).toBeGreaterThan(0.65);

      // Exactly one incident: fired in the unsure hour, resolved once the scores were confident again.
      const hooks = received();
      expect(hooks.map((r) => r.status)).toEqual(['firing', 'resolved']);
      const [firing, resolved] = hooks as [Hook, Hook];
      expect(firing).toMatchObject({ model: 'credit-risk', metric: 'estimatedAccuracy' });
      expect(firing.value).toBeLessThan(0.6);
      expect(Date.parse(firing.window.end!)).toBeGreaterThan(T0 + 60 * MIN);
      expect(Date.parse(resolved.window.end!)).toBeGreaterThan(T0 + 120 * MIN);

      // The labels come later: the realised rows join the estimated ones, which stay as they were.
      const labels = labelEvents(labelled);
      await h.produce('l.ndjson', h.labels, labels);
      await waitFor(
        'the labels to be joined and the windows analysed again',
        async () => {
          if (!(await h.settled({ predictions: events.length, labels: labels.length }))) return false;
          const now = await h.store.metrics.rows('credit-risk', { from: 0, to: Date.parse('2100-01-01') });
          return now.filter((r) => r.metric === 'accuracy' && r.value !== null).length === estimated.length;
        },
        [daemon],
      );
      const after = await h.store.metrics.rows('credit-risk', { from: 0, to: Date.parse('2100-01-01') });
      const key = (r: { windowStart: number; windowEnd: number }) => `${r.windowStart}/${r.windowEnd}`;
      const estimatedBefore = new Map(estimated.map((r) => [key(r), r.value]));
      for (const r of after.filter((x) => x.metric === 'estimatedAccuracy'))
        expect(r.value).toBe(estimatedBefore.get(key(r)));
      const realised = after.filter((r) => r.metric === 'accuracy' && r.value !== null);
      for (const r of realised) expect(r.labelledRows).toBeGreaterThan(0);
      // The events' labels follow their original scores, so the realised accuracy of the unsure hour is what the
      // confident model had: labels tell what the estimate could not, and no second incident fires.
      expect(received().map((r) => r.status)).toEqual(['firing', 'resolved']);

      daemon.kill('SIGTERM');
      expect(await exited(daemon)).toBe(0);
    } finally {
      await h.cleanup();
    }
  });

  it('a rule with threshold: reference judges each window against the labelled reference’s chunks: one firing, one resolved', async () => {
    sink.received.length = 0;
    const h = await openHarness('run-estimated-ref', ['credit-risk'], 2, {
      referenceLabels: true,
      ownerWebhook: `${sink.base}/hook`,
      modelYaml: `
    rules:
      - { metric: estimatedAccuracy, threshold: reference, sigmas: 3, breachesOfWindows: { n: 1, m: 1 }, minSamples: 100 }`,
    });
    try {
      const events = withoutLabel([
        ...makeEvents({ n: 1200, start: T0, stepMs: 3000, seed: 51 }),
        ...unsure(makeEvents({ n: 1200, start: T0 + 60 * MIN, stepMs: 3000, seed: 52, idPrefix: 'unsure' })),
        ...makeEvents({ n: 1800, start: T0 + 120 * MIN, stepMs: 3000, seed: 53, idPrefix: 'after' }),
        ...makeEvents({ n: 1, start: T0 + 5 * 60 * MIN, seed: 54, idPrefix: 'closer' }),
      ]);
      await h.produce('p.ndjson', h.predictions, events);
      const daemon = h.start();
      await waitFor('the windows to be analysed', () => h.settled({ predictions: events.length, labels: 0 }), [daemon]);
      await waitFor(
        'the incident to resolve',
        async () => received().some((r) => r.status === 'resolved'),
        [daemon],
        60_000,
      );

      const rows = (await h.store.metrics.rows('credit-risk', { from: 0, to: Date.parse('2100-01-01') })).filter(
        (r) => r.metric === 'estimatedAccuracy',
      );
      // Every row carries the band of the reference chunks of its size: realised accuracy over 250-row chunks.
      const bands = rows.map(
        (r) => (r.details as { reference: { mean: number; std: number; chunkRows: number } }).reference,
      );
      for (const b of bands) expect(b.chunkRows === 100 || b.chunkRows === 250).toBe(true);
      const lower = (i: number) => bands[i]!.mean - 3 * bands[i]!.std;
      const breaching = rows.filter((r, i) => r.value! < lower(i));
      expect(breaching.length).toBeGreaterThan(0);
      for (const r of breaching) expect(r.windowEnd).toBeGreaterThan(T0 + 60 * MIN);
      for (const r of breaching) expect(r.windowStart).toBeLessThan(T0 + 120 * MIN);

      const hooks = received();
      expect(hooks.map((r) => r.status)).toEqual(['firing', 'resolved']);
      expect(hooks[0]).toMatchObject({ metric: 'estimatedAccuracy' });
      // The incident's threshold is a breaching window's own: mean − 3σ of its band, not a configured number.
      const threshold = (hooks[0] as unknown as { threshold: number }).threshold;
      expect(breaching.some((r) => Math.abs(lower(rows.indexOf(r)) - threshold) < 1e-9)).toBe(true);

      daemon.kill('SIGTERM');
      expect(await exited(daemon)).toBe(0);
    } finally {
      await h.cleanup();
    }
  });
});
