/**
 * Multivariate drift in streaming windows: the runner projects every event at ingest into its bucket's
 * reconstruction accumulator, stored in a real database, and each closed window writes `reconstructionError`
 * with its band — which a rule can judge. The events keep every feature's own distribution; only how age and income
 * move together changes halfway, which no univariate metric sees.
 */
import { matchRules } from '@vigil/alerts';
import { samplingBand, type ReferenceProfile } from '@vigil/analyzers';
import { parseConfig, seededRandom, type VigilConfig } from '@vigil/core';
import type { MetricRow, Store } from '@vigil/store';
import { openBackend, type TestBackend, readerTable, toPredictionBatch, type TestEvent } from '@vigil/test-kit';
import { FILE_ATTRIBUTION_PREFIX, fitModelTable } from '../../src/pipeline/fit-reference';
import { StreamRunner } from '../../src/run/stream-runner';

const MIN = 60_000;
const T0 = Date.parse('2026-03-01T00:00:00Z');
const NOW = T0 + 3 * 60 * MIN;

const yaml = (threshold: number): string => `
models:
  - id: credit-risk
    task: binary
    threshold: 0.5
    owner: { name: Risk team, webhook: 'http://127.0.0.1:9/hook' }
    features: { age: numeric, income: numeric, region: categorical }
    window: { size: 30m, slide: 10m, allowedLateness: 5m }
    rules:
      - { metric: reconstructionError, threshold: ${threshold}, severity: warning, minSamples: 100 }
`;

/** Income follows age (+1) or mirrors it (−1); both keep their own uniform distributions. */
function events(n: number, start: number, seed: number, sign: 1 | -1, prefix: string): TestEvent[] {
  const random = seededRandom(seed);
  return Array.from({ length: n }, (_, i) => {
    const u = random();
    const v = 0.9 * (sign === 1 ? u : 1 - u) + 0.1 * random();
    return {
      model: 'credit-risk',
      id: `${prefix}-${i}`,
      ts: start + i * 3000,
      features: {
        age: 20 + 50 * u,
        income: 20_000 + 80_000 * v,
        region: ['north', 'south', 'east', 'west'][Math.floor(random() * 4)]!,
      },
      score: random(),
      label: null,
      groups: {},
    };
  });
}

describe('reconstruction error in streaming windows (postgres)', () => {
  let backend: TestBackend;
  let store: Store;
  afterAll(async () => backend?.teardown());

  it('windows write reconstructionError with its band; the changed correlation leaves it and a rule breaches', async () => {
    backend = await openBackend('postgres', 'reconstruction');
    store = await backend.newStore();
    const config0: VigilConfig = parseConfig(yaml(1), 'test.yaml', {});
    const reference = events(3000, T0 - 24 * 60 * MIN, 1, 1, 'ref');
    const profile: ReferenceProfile = await fitModelTable(
      config0.models[0]!,
      readerTable(reference, config0.models[0]!),
      undefined,
      FILE_ATTRIBUTION_PREFIX,
    );
    expect(profile.reconstruction?.components).toBeGreaterThan(0);
    // The stored profile is JSON: the fitted transform survives the round trip.
    expect(JSON.parse(JSON.stringify(profile)).reconstruction).toEqual(profile.reconstruction);
    // The rule's threshold: the upper edge of the band of a 600-row window.
    const upper = samplingBand(profile.reconstruction!.reference, 600).upper;
    const config = parseConfig(yaml(upper), 'test.yaml', {});
    const runner = new StreamRunner({
      config,
      store,
      groupId: 'test',
      topics: { predictions: 'vigil.predictions', labels: 'vigil.labels' },
      defaultProfiles: new Map([['credit-risk', profile]]),
      now: () => NOW,
    });
    const stream = [
      ...events(900, T0, 2, 1, 'same'),
      ...events(900, T0 + 45 * MIN, 3, -1, 'flipped'),
      ...events(1, T0 + 130 * MIN, 4, 1, 'closer'),
    ];
    await runner.handle(toPredictionBatch(stream, 0, 0));
    const rows = await store.metrics.rows('credit-risk', { from: 0, to: Date.parse('2100-01-01') });
    const errors = rows.filter((r) => r.metric === 'reconstructionError');
    const at = (start: number): MetricRow => errors.find((r) => r.windowStart === start)!;
    const before = at(T0);
    const after = at(T0 + 60 * MIN);
    const details = (r: MetricRow) =>
      r.details as { lower: number; upper: number; drifted: boolean; rows: number; method: string };
    expect(details(before)).toMatchObject({ drifted: false, rows: 600, method: 'sampling' });
    expect(before.value!).toBeLessThan(details(before).upper);
    expect(details(after)).toMatchObject({ drifted: true, rows: 600 });
    expect(after.value!).toBeGreaterThan(1.5 * details(after).upper);
    // No feature's own distribution moved: PSI stays small in the flipped window.
    for (const r of rows.filter((r) => r.metric === 'psi' && r.windowStart === T0 + 60 * MIN))
      expect(r.value!).toBeLessThan(0.1);
    const judged = matchRules(config.models[0]!, [before, after]);
    expect(judged.map((j) => [j.metric, j.outcome])).toEqual([
      ['reconstructionError', 'ok'],
      ['reconstructionError', 'breach'],
    ]);
  });
});
