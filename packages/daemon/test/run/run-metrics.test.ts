/**
 * GET /metrics of the built `vigil run` against the real Kafka and PostgreSQL, as Prometheus reads it: the text passes
 * Prometheus' own linter (`promtool check metrics`, from Debian's prometheus package, which
 * scripts/services/install.sh installs) before any event and after some; the counters exist at 0 before any event
 * (so Prometheus has series from the first scrape); the process and Node.js metrics and `vigil_build_info` are there.
 */
import { spawnSync } from 'node:child_process';
import { vigilVersion } from '../../src/version';
import { createTestTopic, makeEvents } from '@vigil/test-kit';
import { exited, httpPort, labelEvents, MIN, openHarness, T0, waitFor } from '@vigil/test-kit/daemon-harness';

jest.setTimeout(180_000);

/** The harness models' `window.allowedLateness`. */
const LATENESS_MS = 5 * MIN;

/** What `promtool check metrics` says of `text` (nothing when it has no problem) and its exit status. */
function promtool(text: string): { status: number | null; problems: string } {
  const out = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
  if (out.error)
    throw new Error(
      `promtool cannot run (scripts/services/install.sh installs it with Debian's prometheus package): ${out.error.message}`,
    );
  return { status: out.status, problems: `${out.stdout}${out.stderr}` };
}

/** Each sample of the text by its series (`name{labels}` as printed), with its value. */
function samples(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const space = line.lastIndexOf(' ');
    out.set(line.slice(0, space), Number(line.slice(space + 1)));
  }
  return out;
}

const UNLABELLED_COUNTERS = [
  'vigil_labels_joined_total',
  'vigil_labels_waiting_total',
  'vigil_labels_duplicate_total',
  'vigil_labels_orphaned_total',
  'vigil_analysis_seconds_total',
];

describe('vigil run: GET /metrics', () => {
  it('passes promtool before and after events; counters at 0 from the start; process, Node.js and build metrics', async () => {
    const dlq = await createTestTopic('run-metrics-dlq', 1);
    const h = await openHarness('run-metrics', ['credit-risk', 'fraud'], 2, { deadLettersTopic: dlq.topic });
    try {
      const daemon = h.start();
      const port = await httpPort(daemon);
      const scrape = async () => {
        const res = await fetch(`http://127.0.0.1:${port}/metrics`);
        expect(res.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
        return res.text();
      };

      // Before any event.
      const before = await scrape();
      expect(promtool(before)).toEqual({ status: 0, problems: '' });
      const start = samples(before);
      for (const name of UNLABELLED_COUNTERS) expect([name, start.get(name)]).toEqual([name, 0]);
      for (const model of ['credit-risk', 'fraud']) {
        expect(start.get(`vigil_events_consumed_total{model="${model}"}`)).toBe(0);
        expect(start.get(`vigil_events_duplicate_total{model="${model}"}`)).toBe(0);
        expect(start.get(`vigil_windows_analysed_total{kind="first",model="${model}"}`)).toBe(0);
        expect(start.get(`vigil_windows_analysed_total{kind="revision",model="${model}"}`)).toBe(0);
      }
      for (const topic of [h.predictions, h.labels]) expect(start.get(`vigil_batches_total{topic="${topic}"}`)).toBe(0);
      expect(start.get(`vigil_dead_letters_published_total{topic="${dlq.topic}"}`)).toBe(0);
      for (const outcome of ['dropped', 'retrying'])
        expect(start.get(`vigil_dead_letters_publish_failed_total{outcome="${outcome}",topic="${dlq.topic}"}`)).toBe(0);
      expect(start.get(`vigil_build_info{version="${vigilVersion()}"}`)).toBe(1);
      expect(start.get('process_cpu_seconds_total')).toBeGreaterThan(0);
      expect(start.get('nodejs_heap_size_used_bytes')).toBeGreaterThan(0);
      expect(start.get('process_resident_memory_bytes')).toBeGreaterThan(0);
      // The watermark is a timestamp (named so), unknown until the first events: listed, without a sample.
      expect(before).toContain('# TYPE vigil_watermark_timestamp_seconds gauge');
      expect([...start.keys()].filter((s) => s.startsWith('vigil_watermark'))).toEqual([]);
      expect(before).not.toMatch(/^vigil_watermark_seconds/m);

      // After events: a duplicate, a malformed message, labels.
      const events = makeEvents({ n: 600, start: T0, stepMs: 3000, seed: 71 });
      const messages: unknown[] = [...events, events[5], '{"model":"credit-risk","id":"broken",'];
      await h.produce('p.ndjson', h.predictions, messages);
      const labels = labelEvents(events);
      await h.produce('l.ndjson', h.labels, labels);
      // (h.settled waits for every model's windows: the fraud model has none.)
      const settled = async () => {
        if ((await h.committed(h.predictions)) < messages.length || (await h.committed(h.labels)) < labels.length)
          return false;
        const latest = (await h.store.windows.maxEventTimes()).get('credit-risk');
        return latest !== undefined && (await h.store.windows.due('credit-risk', latest - LATENESS_MS)).length === 0;
      };
      await waitFor('every message consumed and the windows analysed', settled, [daemon]);
      await waitFor(
        'the dead letter published',
        async () => samples(await scrape()).get(`vigil_dead_letters_published_total{topic="${dlq.topic}"}`) === 1,
        [daemon],
      );

      const after = await scrape();
      expect(promtool(after)).toEqual({ status: 0, problems: '' });
      const end = samples(after);
      // Decoded and committed, the duplicate included; the duplicate counted as such; the fraud model untouched.
      expect(end.get('vigil_events_consumed_total{model="credit-risk"}')).toBe(601);
      expect(end.get('vigil_events_duplicate_total{model="credit-risk"}')).toBe(1);
      expect(end.get('vigil_events_consumed_total{model="fraud"}')).toBe(0);
      expect(end.get(`vigil_dead_letters_total{code="VIGIL_DECODE_INVALID_JSON",topic="${h.predictions}"}`)).toBe(1);
      // Each label event is joined on arrival, waits for its prediction, or repeats a label the prediction carried.
      const label = (what: string) => end.get(`vigil_labels_${what}_total`) ?? Number.NaN;
      expect(label('joined') + label('waiting') + label('duplicate')).toBe(labels.length);
      expect(end.get('vigil_windows_analysed_total{kind="first",model="credit-risk"}')).toBeGreaterThan(0);
      expect(end.get('vigil_analysis_seconds_total')).toBeGreaterThan(0);
      // The rules by state after the last window judged: what vigil_rule_states holds, state by state (the gauge
      // shows a model whose rules never judge, every window below minSamples, as all insufficient_data).
      const stored = await h.sql.query<{ version: string; state: string; n: number }>(
        `SELECT version, state, count(*)::integer AS n FROM vigil_rule_states WHERE model = 'credit-risk' GROUP BY 1, 2`,
      );
      expect(stored.rows.length).toBeGreaterThan(0);
      const gauge = (version: string, state: string) =>
        end.get(`vigil_rule_states{model="credit-risk",state="${state}",version="${version}"}`);
      for (const r of stored.rows) expect([r.state, gauge(r.version, r.state)]).toEqual([r.state, r.n]);
      const states = [...end.keys()].filter((k) => k.startsWith('vigil_rule_states{'));
      expect(states.filter((k) => k.includes('model="fraud"'))).toEqual([]);
      expect(states.reduce((sum, k) => sum + (end.get(k) ?? 0), 0)).toBe(stored.rows.reduce((sum, r) => sum + r.n, 0));
      const watermark = end.get('vigil_watermark_timestamp_seconds{model="credit-risk"}');
      expect(watermark).toBeGreaterThan(T0 / 1000 - 3600);
      expect(watermark).toBeLessThanOrEqual(events[events.length - 1]!.ts / 1000);
      expect(
        [...end.keys()].some(
          (s) => s.startsWith('vigil_consumer_lag_messages{') && s.includes(`topic="${h.predictions}"`),
        ),
      ).toBe(true);

      daemon.kill('SIGTERM');
      expect(await exited(daemon)).toBe(0);
    } finally {
      await h.cleanup();
      await dlq.drop();
    }
  });
});
