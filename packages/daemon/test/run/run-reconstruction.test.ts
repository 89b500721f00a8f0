/**
 * Multivariate drift through `vigil run`: the built daemon fits the data reconstruction from its reference file,
 * consumes events from the real Kafka broker and writes `reconstructionError` for every window. Three numeric
 * features keep their own N(0, 1) distributions throughout; only in the second hour does b turn from following a
 * to mirroring it, which no univariate metric sees. The windows of that hour rise above their reference band, the
 * others stay inside it, and a rule on `reconstructionError` with `threshold: reference` (the band's upper edge)
 * opens one incident and resolves it.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { samplingBand } from '@vigil/analyzers';
import { produceFile } from '@vigil/collector';
import { parseConfig, seededRandom } from '@vigil/core';
import { createStore, type MetricRow } from '@vigil/store';
import { createTestSchema, createTestTopic, kafkaBrokers, uniqueName } from '@vigil/test-kit';
import { exited, spawnDaemon, waitFor } from '@vigil/test-kit/daemon-harness';
import { fitModelReference } from '../../src/pipeline/fit-reference';

jest.setTimeout(240_000);

const MIN = 60_000;
const T0 = Date.parse('2026-03-01T00:00:00Z');
const STEP_MS = 3000;
/** Events per 20-minute window, one every 3 s. */
const WINDOW_ROWS = (20 * MIN) / STEP_MS;

/** a ~ N(0, 1); b = ρa + √(1 − ρ²)·e, N(0, 1) for any ρ; c independent N(0, 1); the score follows a. */
function rows(n: number, start: number, seed: number, rho: number, prefix: string) {
  const random = seededRandom(seed);
  const normal = (): number => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  return Array.from({ length: n }, (_, i) => {
    const a = normal();
    const b = rho * a + Math.sqrt(1 - rho * rho) * normal();
    const c = normal();
    return { id: `${prefix}-${i}`, ts: start + i * STEP_MS, a, b, c, score: 1 / (1 + Math.exp(-a)) };
  });
}

const modelYaml = (reference: string): string => `
  - id: mv
    task: binary
    threshold: 0.5
    owner: { name: Risk team, webhook: 'http://127.0.0.1:9/hook' }
    features: { a: numeric, b: numeric, c: numeric }
    window: { size: 20m, slide: 20m, allowedLateness: 5m, idleTimeout: 5s }
    reference: { file: '${reference}' }
    rules:
      - { metric: reconstructionError, threshold: reference, severity: warning, breachesOfWindows: { n: 1, m: 1 }, minSamples: 100 }
`;

describe('vigil run multivariate drift', () => {
  it('writes reconstructionError for every window; the flipped hour leaves its band, and a rule opens one incident and resolves it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-mv-'));
    const reference = join(dir, 'reference.csv');
    writeFileSync(
      reference,
      ['a,b,c,score', ...rows(4000, T0 - 24 * 60 * MIN, 1, 0.9, 'ref').map((r) => `${r.a},${r.b},${r.c},${r.score}`)]
        .join('\n')
        .concat('\n'),
    );
    // The upper edge of the band of a full window, from the profile the daemon fits too: where the rule breaches.
    const draft = parseConfig(`models:${modelYaml(reference)}`, 'draft.yaml', {}).models[0]!;
    const { profile } = await fitModelReference(draft, reference);
    expect(profile.reconstruction?.components).toBe(2);
    const upper = samplingBand(profile.reconstruction!.reference, WINDOW_ROWS).upper;

    const db = await createTestSchema('run-mv');
    const topic = await createTestTopic('run-mv-pred', 1);
    const labels = await createTestTopic('run-mv-labels', 1);
    const control = await createTestTopic('run-mv-control', 1);
    const url = `${db.url}${db.url.includes('?') ? '&' : '?'}options=${encodeURIComponent(`-c search_path=${db.schema}`)}`;
    const configPath = join(dir, 'vigil.yaml');
    writeFileSync(
      configPath,
      `kafka:
  brokers: [${kafkaBrokers().join(', ')}]
  groupId: ${uniqueName('run-mv')}
  topics: { predictions: ${topic.topic}, labels: ${labels.topic}, control: ${control.topic} }
database: { url: '${url}' }
http: { port: 0 }
models:${modelYaml(reference)}`,
    );
    // An hour like the reference, an hour with the correlation flipped, an hour like the reference; then one
    // event hours later whose event time closes every window.
    const events = [
      ...rows(1200, T0, 2, 0.9, 'before'),
      ...rows(1200, T0 + 60 * MIN, 3, -0.9, 'flipped'),
      ...rows(1200, T0 + 120 * MIN, 4, 0.9, 'after'),
      ...rows(1, T0 + 5 * 60 * MIN, 5, 0.9, 'closer'),
    ].map((r) => ({ model: 'mv', id: r.id, ts: r.ts, features: { a: r.a, b: r.b, c: r.c }, score: r.score }));
    const eventsPath = join(dir, 'events.ndjson');
    writeFileSync(eventsPath, `${events.map((e) => JSON.stringify(e)).join('\n')}\n`);

    const store = await createStore({ url: db.url, schema: db.schema });
    const daemon = spawnDaemon(configPath, dir, { ...process.env, VIGIL_KAFKA_BROKERS: '', VIGIL_DATABASE_URL: '' });
    try {
      await produceFile(eventsPath, { brokers: kafkaBrokers(), topic: topic.topic });
      const starts = Array.from({ length: 9 }, (_, i) => T0 + i * 20 * MIN);
      const errors = async (): Promise<MetricRow[]> =>
        (await store.metrics.rows('mv', { from: 0, to: Date.parse('2100-01-01') })).filter(
          (r) => r.metric === 'reconstructionError',
        );
      await waitFor(
        'the nine windows to be analysed and the incident to resolve',
        async () => {
          const written = await errors();
          if (!starts.every((s) => written.some((r) => r.windowStart === s && r.rows === WINDOW_ROWS))) return false;
          return (await store.incidents.list({ model: 'mv' })).some((i) => i.status === 'resolved');
        },
        [daemon],
      );

      const written = await errors();
      // Every window of the three hours has its row, with the band of its own size in details.
      for (const start of starts) {
        const row = written.find((r) => r.windowStart === start);
        expect(row).toBeDefined();
        const d = row!.details as {
          lower: number;
          upper: number;
          referenceMean: number;
          drifted: boolean;
          rows: number;
          reference: { mean: number; std: number; chunkRows: number };
        };
        expect(d.rows).toBe(WINDOW_ROWS);
        expect(d.upper).toBeCloseTo(upper, 9);
        // What `threshold: reference` judges by: mean + 3σ is the band's upper edge.
        expect(d.reference.chunkRows).toBe(WINDOW_ROWS);
        expect(d.reference.mean).toBe(d.referenceMean);
        expect(d.reference.mean + 3 * d.reference.std).toBeCloseTo(d.upper, 12);
        const flipped = start >= T0 + 60 * MIN && start < T0 + 120 * MIN;
        if (flipped) {
          expect(row!.value!).toBeGreaterThan(d.upper);
          expect(d.drifted).toBe(true);
        } else {
          expect(row!.value!).toBeGreaterThanOrEqual(d.lower);
          expect(row!.value!).toBeLessThanOrEqual(d.upper);
          expect(d.drifted).toBe(false);
        }
      }
      // No univariate drift metric of a feature moved: psi stays small in every window.
      const psi = (await store.metrics.rows('mv', { from: 0, to: Date.parse('2100-01-01') })).filter(
        (r) => r.metric === 'psi' && ['a', 'b', 'c'].includes(r.feature) && starts.includes(r.windowStart),
      );
      expect(psi.length).toBe(27);
      for (const r of psi) expect(r.value!).toBeLessThan(0.1);

      // One incident: opened by the first flipped window, resolved by the first window after the flipped hour.
      const incidents = await store.incidents.list({ model: 'mv' });
      expect(incidents.map((i) => [i.metric, i.status])).toEqual([['reconstructionError', 'resolved']]);
      expect(incidents[0]!.windowStart).toBeGreaterThanOrEqual(T0 + 60 * MIN);
      expect(incidents[0]!.windowStart).toBeLessThan(T0 + 120 * MIN);
      // Its threshold is the reference band's upper edge, not a configured number.
      expect(incidents[0]!.threshold!).toBeCloseTo(upper, 9);

      daemon.kill('SIGTERM');
      expect(await exited(daemon)).toBe(0);
    } finally {
      if (daemon.exitCode === null && daemon.signalCode === null) daemon.kill('SIGKILL');
      await store.close();
      await Promise.allSettled([topic.drop(), labels.drop(), control.drop(), db.drop()]);
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
