/**
 * Logged attributions through `vigil run` (docs/explanations.md): SHAP values from the `shap` package on UCI Adult
 * (scripts/golden/shap_adult.py) streamed through the real Kafka broker into the built daemon. Each hour's mean
 * |attribution| per feature equals numpy's on the same rows, the NDCG equals Clarify's formula in Python, and the
 * planted change — in the second hour the model starts using `sex` — raises protectedAttributionShare, opens one
 * incident and notifies the owner once.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { produceFile } from '@vigil/collector';
import { createStore, type MetricRow } from '@vigil/store';
import { WebhookSink, createTestTopic, kafkaBrokers, uniqueName, createTestSchema } from '@vigil/test-kit';
import { exited, spawnDaemon, waitFor } from '@vigil/test-kit/daemon-harness';

jest.setTimeout(240_000);

const GOLDEN = join(__dirname, '../golden/shap-adult');

interface WindowGolden {
  start: number;
  rows: number;
  mean: Record<string, number>;
  meanAbs: Record<string, number>;
  protectedShare: number;
  sexMeanAbsByGroup: Record<string, number>;
  ranking: string[];
  ndcg: number;
}
const expected = JSON.parse(readFileSync(join(GOLDEN, 'expected.json'), 'utf8')) as { windows: WindowGolden[] };
const EVENTS = readFileSync(join(GOLDEN, 'events.ndjson'), 'utf8').trim().split('\n').length;

/** Equal to the last few bits: numpy sums pairwise, Vigil bucket by bucket. */
const close = (actual: number | null | undefined, want: number) => {
  expect(actual).not.toBeNull();
  expect(Math.abs(actual! - want)).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(want)));
};

describe('vigil run with logged attributions', () => {
  const sink = new WebhookSink();
  beforeAll(() => sink.start());
  afterAll(() => sink.close());

  it("gives numpy's per-window mean |attribution|, and a planted use of sex opens one incident with one notice", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-attr-'));
    const db = await createTestSchema('run-attr');
    const topic = await createTestTopic('run-attr-pred', 2);
    const labels = await createTestTopic('run-attr-labels', 1);
    const control = await createTestTopic('run-attr-control', 1);
    const url = `${db.url}${db.url.includes('?') ? '&' : '?'}options=${encodeURIComponent(`-c search_path=${db.schema}`)}`;
    const configPath = join(dir, 'vigil.yaml');
    writeFileSync(
      configPath,
      `kafka:
  brokers: [${kafkaBrokers().join(', ')}]
  groupId: ${uniqueName('run-attr')}
  topics: { predictions: ${topic.topic}, labels: ${labels.topic}, control: ${control.topic} }
database: { url: '${url}' }
http: { port: 0 }
models:
  - id: adult-income
    task: binary
    owner: { name: Fairness team, webhook: '${sink.base}/hook' }
    features: { age: numeric, education-num: numeric, hours-per-week: numeric, capital-gain: numeric, sex: categorical }
    groups: [sex]
    window: { size: 1h, slide: 1h, allowedLateness: 5m, idleTimeout: 5s }
    reference: { file: '${join(GOLDEN, 'reference.csv')}' }
    explain: { protected: [sex] }
    rules:
      - { metric: protectedAttributionShare, threshold: 0.05, clearThreshold: 0.03, severity: critical, minSamples: 100 }
`,
    );
    const store = await createStore({ url: db.url, schema: db.schema });
    const daemon = spawnDaemon(configPath, dir, { ...process.env, VIGIL_KAFKA_BROKERS: '', VIGIL_DATABASE_URL: '' });
    try {
      await produceFile(join(GOLDEN, 'events.ndjson'), { brokers: kafkaBrokers(), topic: topic.topic });
      const rowsOf = async (): Promise<MetricRow[]> =>
        store.metrics.rows('adult-income', { from: 0, to: Date.parse('2100-01-01') });
      const analysed = async () => {
        const rows = await rowsOf();
        return expected.windows.every((w) =>
          rows.some((r) => r.windowStart === w.start && r.metric === 'attributionNdcg'),
        );
      };
      await waitFor('both hours to be analysed', analysed, [daemon]);
      await waitFor(
        'the owner to be notified',
        async () => sink.received.some((r) => (r.body as { status?: string }).status === 'firing'),
        [daemon],
        60_000,
      );

      const rows = await rowsOf();
      const at = (start: number, metric: string, feature = '', group = '') =>
        rows.find((r) => r.windowStart === start && r.metric === metric && r.feature === feature && r.group === group);
      for (const w of expected.windows) {
        expect(at(w.start, 'attributionRows')?.value).toBe(w.rows);
        for (const [feature, meanAbs] of Object.entries(w.meanAbs)) {
          close(at(w.start, 'attributionMeanAbs', feature)?.value, meanAbs);
          close(at(w.start, 'attributionMean', feature)?.value, w.mean[feature]!);
        }
        // No attribution row for a feature the hour's events never explained.
        expect(
          rows
            .filter((r) => r.windowStart === w.start && r.metric === 'attributionMeanAbs')
            .map((r) => r.feature)
            .sort(),
        ).toEqual(Object.keys(w.meanAbs).sort());
        close(at(w.start, 'attributionNdcg')?.value, w.ndcg);
        expect((at(w.start, 'attributionNdcg')?.details as { ranking: string[] }).ranking).toEqual(w.ranking);
        close(at(w.start, 'protectedAttributionShare')?.value, w.protectedShare);
        for (const [group, meanAbs] of Object.entries(w.sexMeanAbsByGroup))
          close(at(w.start, 'protectedAttributionMeanAbs', 'sex', `sex=${group}`)?.value, meanAbs);
      }
      const [before, after] = expected.windows as [WindowGolden, WindowGolden];
      // The planted change: sex carried nothing, then a seventh of all |attribution|.
      expect(before.protectedShare).toBe(0);
      expect(after.protectedShare).toBeGreaterThan(0.1);

      const incidents = await store.incidents.list({ model: 'adult-income' });
      expect(incidents.map((i) => [i.metric, i.windowStart, i.severity])).toEqual([
        ['protectedAttributionShare', after.start, 'critical'],
      ]);
      close(incidents[0]!.value, after.protectedShare);
      // Counted once the daemon has drained and exited: whatever it was going to send has been sent.
      daemon.kill('SIGTERM');
      expect(await exited(daemon)).toBe(0);
      const firing = sink.received.filter((r) => (r.body as { status?: string }).status === 'firing');
      expect(firing).toHaveLength(1);
      expect(firing[0]!.body).toMatchObject({ model: 'adult-income', metric: 'protectedAttributionShare' });
      expect(EVENTS).toBe(expected.windows.reduce((n, w) => n + w.rows, 0) + 1);
    } finally {
      if (daemon.exitCode === null && daemon.signalCode === null) daemon.kill('SIGKILL');
      await Promise.allSettled([store.close()]);
      await Promise.allSettled([topic.drop(), labels.drop(), control.drop(), db.drop()]);
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
