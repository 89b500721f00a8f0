/**
 * The runner against a real database (PostgreSQL and PGlite), fed source batches directly: the exactly-once,
 * late-label and re-analysis semantics of issue 3 without a broker in the way (the Kafka path is in
 * run-command.test.ts).
 */
import { createAlerting } from '@vigil/alerts';
import {
  fitReferenceProfile,
  type NumericProfile,
  type ReferenceProfile,
  type WindowAccumulator,
} from '@vigil/analyzers';
import type { SourceBatch } from '@vigil/collector';
import { createLogger, parseConfig, type Logger, type VigilConfig } from '@vigil/core';
import type { MetricRow, Store } from '@vigil/store';
import {
  BACKENDS,
  openBackend,
  type TestBackend,
  makeEvents,
  readerTable,
  roughly,
  toLabelBatch,
  toPredictionBatch,
  type TestEvent,
} from '@vigil/test-kit';
import { batchSpec } from '../../src/pipeline/batch-buckets';
import { StreamRunner } from '../../src/run/stream-runner';
import { runnerMetrics } from '../../src/run/runner-metrics';
import { PrometheusRegistry } from '../../src/http/prometheus-registry';
import { profileFingerprint } from '../../src/run/version-profiles';
import { quantileEdges } from '../../../analyzers/src/profile/binning';

// A test feeds 1,800 events through two or three stores and analyses their windows: on PGlite at load 15-21 one took
// 68 s, past the default 60 s. The bound only stops a hung test.
jest.setTimeout(240_000);

const MIN = 60_000;
const T0 = Date.parse('2026-03-01T00:00:00Z');
const NOW = T0 + 3 * 60 * MIN;

const config: VigilConfig = parseConfig(
  `
models:
  - id: credit-risk
    task: binary
    threshold: 0.5
    owner: { name: Risk team, webhook: 'http://127.0.0.1:9/hook' }
    features: { age: numeric, income: numeric, region: categorical }
    groups: [sex, region, sex*region]
    window: { size: 30m, slide: 10m, allowedLateness: 5m }
`,
  'test.yaml',
  {},
);
const model = config.models[0]!;
const TOPICS = { predictions: 'vigil.predictions', labels: 'vigil.labels' };

function profileOf(events: TestEvent[]): ReferenceProfile {
  return fitReferenceProfile(readerTable(events, model), batchSpec(model));
}

function runner(
  store: Store,
  profile: ReferenceProfile,
  now = () => NOW,
  models: VigilConfig = config,
  logger?: Logger,
): StreamRunner {
  return new StreamRunner({
    config: models,
    store,
    groupId: 'test',
    topics: TOPICS,
    defaultProfiles: new Map([[model.id, profile]]),
    now,
    ...(logger ? { logger } : {}),
  });
}

/**
 * Metric rows without the write time, in the store's order, values as stored: two stores fed other batches added
 * their floats up in other orders, so they compare through `roughly`.
 */
async function rowsOf(store: Store): Promise<unknown[]> {
  const rows = await store.metrics.rows(model.id, { from: 0, to: Date.parse('2100-01-01') });
  return rows.map((r: MetricRow) => ({
    ...r,
    computedAt: undefined,
    details: JSON.parse(JSON.stringify(r.details ?? null)),
  }));
}

describe.each(BACKENDS)('StreamRunner on %s', (kind) => {
  // Each store is a database of its own: a fresh schema (or PGlite instance) per store.
  const backends: TestBackend[] = [];
  const backend = {
    async newStore(): Promise<Store> {
      const b = await openBackend(kind, 'runner');
      backends.push(b);
      return b.newStore();
    },
  };
  afterEach(async () => {
    await Promise.all(backends.splice(0).map((b) => b.teardown()));
  });

  const reference = makeEvents({ n: 2000, start: T0 - 24 * 60 * MIN, seed: 1 });
  const profile = profileOf(reference);
  // 90 minutes of traffic with labels on 3 of 4 events, then one event 40 minutes later to close every window.
  const stream = makeEvents({ n: 1800, start: T0, stepMs: 3000, seed: 2, shift: 0.15 });
  const closer = makeEvents({ n: 1, start: T0 + 130 * MIN, seed: 3, idPrefix: 'closer' });

  it('analyses each window once it closes, with labels carried by the events', async () => {
    const store = await backend.newStore();
    const r = runner(store, profile);
    await r.handle(toPredictionBatch([...stream, ...closer], 0, 0));
    const windows = (await rowsOf(store)) as MetricRow[];
    // Windows of 30 min sliding by 10 min over data in [T0, T0 + 90 min): every one holding data ends by
    // T0 + 110 min, before the watermark (T0 + 130 min − 5 min lateness); the closer's own windows stay open.
    const ends = [...new Set(windows.map((w) => w.windowEnd))].sort((a, b) => a - b);
    expect(ends).toEqual(Array.from({ length: 11 }, (_, i) => T0 + (i + 1) * 10 * MIN));
    const fullRows = windows.filter((w) => w.metric === 'rows' && w.windowStart >= T0 && w.windowEnd <= T0 + 90 * MIN);
    expect(fullRows.map((w) => w.value)).toEqual(fullRows.map(() => 600));
    const labelled = windows.find((w) => w.metric === 'labelledRows' && w.windowStart === T0)!;
    expect(labelled.value).toBe(450);
    expect(windows.some((w) => w.metric === 'psi' && w.feature === 'age')).toBe(true);
    expect(windows.some((w) => w.metric === 'statisticalParityDifference' && w.group === 'sex*region')).toBe(true);
    expect(windows.some((w) => w.metric === 'selectionRate' && w.group === 'sex=female')).toBe(true);
    // Each drift histogram comes back whole: the profile's bins and reference counts (stored once, migration 0020)
    // beside the window's own counts, whose sum is the window's rows with a value.
    const drifted = windows.filter((w) => w.metric === 'drifted' && w.feature === 'age');
    expect(drifted).toHaveLength(ends.length);
    const reference = profile.features.find((f) => f.name === 'age')!;
    for (const w of drifted) {
      const h = (w.details as { histogram: { labels: string[]; reference: number[]; current: number[] } }).histogram;
      expect(h.reference).toEqual(reference.counts);
      expect(h.labels).toHaveLength(reference.counts.length);
      const rows = windows.find((x) => x.metric === 'rows' && x.windowStart === w.windowStart)!.value!;
      const missing = windows.find(
        (x) => x.metric === 'missingRate' && x.feature === 'age' && x.windowStart === w.windowStart,
      );
      expect(h.current.reduce((a, b) => a + b, 0)).toBe(Math.round(rows * (1 - (missing?.value ?? 0))));
    }
    expect(new Set(drifted.map((w) => JSON.stringify((w.details as { histogram: unknown }).histogram))).size).toBe(
      new Set(drifted.map((w) => w.windowStart)).size,
    );
  });

  it('writes unknownFeatureRate per window through the store: events with an unconfigured feature key / rows', async () => {
    const store = await backend.newStore();
    // One event in four carries a key the model does not configure; every full window holds 600 events.
    const extra = stream.map((e, i) => (i % 4 === 0 ? { ...e, features: { ...e.features, tenure: i } } : e));
    await runner(store, profile).handle(toPredictionBatch([...(extra as TestEvent[]), ...closer], 0, 0));
    const windows = (await rowsOf(store)) as MetricRow[];
    const full = windows.filter(
      (w) => w.metric === 'unknownFeatureRate' && w.windowStart >= T0 && w.windowEnd <= T0 + 90 * MIN,
    );
    expect(full.length).toBeGreaterThan(0);
    for (const w of full) {
      expect(w.value).toBe(0.25);
      expect(w.details).toEqual({ rows: 150, names: ['tenure'] });
    }
  });

  it('late labels give exactly the rows of labels carried by the events, through re-analysis, never duplicated', async () => {
    const withLabels = await backend.newStore();
    await runner(withLabels, profile).handle(toPredictionBatch([...stream, ...closer], 0, 0));

    const late = await backend.newStore();
    const r = runner(late, profile);
    const unlabelled = stream.map((e) => ({ ...e, label: null }));
    await r.handle(toPredictionBatch([...unlabelled, ...closer], 0, 0));
    const before = (await rowsOf(late)) as MetricRow[];
    expect(before.find((w) => w.metric === 'labelledRows' && w.windowStart === T0)!.value).toBe(0);

    // The labels arrive in two batches, after every window was analysed once.
    const labels = stream.filter((e) => e.label !== null);
    await r.handle(toLabelBatch(labels.slice(0, 700), 0, 0));
    await r.handle(toLabelBatch(labels.slice(700), 0, 700));
    const after = await rowsOf(late);
    expect(after).toHaveLength(before.length + (after.length - before.length));
    expect(after).toEqual(roughly(await rowsOf(withLabels)));
  });

  it('a label before its prediction waits, and joins when the prediction comes', async () => {
    const store = await backend.newStore();
    const r = runner(store, profile);
    const labels = stream.filter((e) => e.label !== null);
    await r.handle(toLabelBatch(labels, 0, 0));
    await r.handle(toPredictionBatch([...stream.map((e) => ({ ...e, label: null })), ...closer], 0, 0));
    await r.maintain();

    const reference = await backend.newStore();
    await runner(reference, profile).handle(toPredictionBatch([...stream, ...closer], 0, 0));
    expect(await rowsOf(store)).toEqual(roughly(await rowsOf(reference)));
  });

  it('waits for every partition that carries the model, for a partition not seen yet until it idles, across daemons', async () => {
    const store = await backend.newStore();
    // Round-robin over three partitions; a closer on partitions 0 and 1 only.
    const parts = [0, 1, 2].map((p) => stream.filter((_, i) => i % 3 === p));
    const closers = makeEvents({ n: 2, start: T0 + 130 * MIN, seed: 3, idPrefix: 'closer' });
    const batch = (events: TestEvent[], partition: number, offset: number): SourceBatch => ({
      ...toPredictionBatch(events, partition, offset),
      topicPartitions: 3,
    });
    const analysedEnds = async () =>
      [...new Set(((await rowsOf(store)) as MetricRow[]).map((w) => w.windowEnd))].sort((a, b) => a - b);
    // An idle timeout far longer than the test runs, however loaded the machine: idleness is made below.
    const slowIdle = parseConfig(
      `models:\n  - id: credit-risk\n    task: binary\n    threshold: 0.5\n    owner: { name: Risk team, webhook: 'http://127.0.0.1:9/hook' }\n    features: { age: numeric, income: numeric, region: categorical }\n` +
        `    groups: [sex, region, sex*region]\n    window: { size: 30m, slide: 10m, allowedLateness: 5m, idleTimeout: 1h }\n`,
      'idle.yaml',
      {},
    );
    const lines: string[] = [];
    const daemonA = runner(
      store,
      profile,
      () => NOW,
      slowIdle,
      createLogger({ level: 'info', write: (line) => lines.push(line) }),
    );
    const daemonB = runner(store, profile, () => NOW, slowIdle);
    const waits = () =>
      lines
        .map((l) => JSON.parse(l) as { msg: string; model?: string; partitions?: string[] })
        .filter((r) => r.msg.startsWith('windows of '));

    // Partition 0 is far ahead, but partitions 1 and 2 have not been read yet: nothing closes, and the daemon says
    // why, once, however many passes find it so.
    await daemonA.handle(batch([...parts[0]!, closers[0]!], 0, 0));
    expect(await daemonA.maintain()).toBe(0);
    expect(await analysedEnds()).toEqual([]);
    expect(waits()).toHaveLength(1);
    expect(waits()[0]).toMatchObject({
      model: 'credit-risk',
      partitions: [`${TOPICS.predictions}/1`, `${TOPICS.predictions}/2`],
    });
    expect(waits()[0]!.msg).toMatch(
      /^windows of model credit-risk wait for 2 partitions that have not carried it yet: .* \(window\.idleTimeout\)/,
    );
    // Another daemon (or this one after a restart) reads partition 1; partition 2 still holds the windows back.
    await daemonB.handle(batch([...parts[1]!, closers[1]!], 1, 0));
    expect(await daemonB.maintain()).toBe(0);
    expect(await analysedEnds()).toEqual([]);

    // Partition 2 up to T0 + 45:51 (events every 9 s): the windows up to its watermark (5 min before) close, none after.
    const early = parts[2]!.filter((e) => e.ts < T0 + 46 * MIN);
    await daemonB.handle(batch(early, 2, 0));
    expect(await analysedEnds()).toEqual([T0 + 10 * MIN, T0 + 20 * MIN, T0 + 30 * MIN, T0 + 40 * MIN]);
    await daemonA.handle(batch(parts[2]!.slice(early.length), 2, early.length));
    expect((await analysedEnds()).at(-1)).toBe(T0 + 80 * MIN);

    // Partition 2 goes quiet (its traffic ended): past the idle timeout it no longer holds the rest back.
    expect(await daemonA.maintain()).toBe(0);
    await store.transaction((tx) =>
      tx.query(`UPDATE vigil_partition_watermarks SET updated_at = now() - interval '61 minutes' WHERE partition = 2`),
    );
    expect(await daemonA.maintain()).toBeGreaterThan(0);
    expect(await analysedEnds()).toEqual(Array.from({ length: 11 }, (_, i) => T0 + (i + 1) * 10 * MIN));

    // Every window was analysed once, with all its events.
    const windows = await store.transaction((tx) =>
      tx.query<{ analyses: number; rows: string }>(
        'SELECT analyses, rows::text AS rows FROM vigil_windows WHERE analyses > 0',
      ),
    );
    expect(windows.rows.map((w) => w.analyses)).toEqual(windows.rows.map(() => 1));
    const counts = async (s: Store) =>
      ((await rowsOf(s)) as MetricRow[])
        .filter((w) => w.metric === 'rows' || w.metric === 'labelledRows')
        .map((w) => [w.windowStart, w.metric, w.value]);
    const reference = await backend.newStore();
    await runner(reference, profile).handle(toPredictionBatch([...stream, ...closers], 0, 0));
    expect(await counts(store)).toEqual(await counts(reference));
  });

  it('says in one line, naming the partitions once, that the windows of many models wait for the same partitions', async () => {
    const store = await backend.newStore();
    const ids = Array.from({ length: 20 }, (_, i) => `m${String(i).padStart(2, '0')}`);
    const many = parseConfig(
      `models:\n${ids
        .map(
          (id) =>
            `  - id: ${id}\n    task: binary\n    threshold: 0.5\n    owner: { name: Risk team, webhook: 'http://127.0.0.1:9/hook' }\n` +
            `    features: { age: numeric, income: numeric, region: categorical }\n    window: { size: 30m, slide: 10m, allowedLateness: 5m, idleTimeout: 1h }\n`,
        )
        .join('')}`,
      'many.yaml',
      {},
    );
    const lines: string[] = [];
    const r = new StreamRunner({
      config: many,
      store,
      groupId: 'test',
      topics: TOPICS,
      defaultProfiles: new Map(ids.map((id) => [id, profile])),
      now: () => NOW,
      logger: createLogger({ level: 'info', write: (line) => lines.push(line) }),
    });
    const waits = () =>
      lines
        .map((l) => JSON.parse(l) as { msg: string; models?: string[]; modelCount?: number; partitions?: string[] })
        .filter((l) => l.msg.startsWith('windows of '));
    // Every model's events on partition 0 of a topic of 5: each waits for partitions 1 to 4.
    const events = stream.slice(0, 200).map((e, i) => ({ ...e, model: ids[i % ids.length]! }));
    await r.handle({ ...toPredictionBatch(events, 0, 0), topicPartitions: 5 });
    await r.maintain();
    await r.maintain();
    expect(waits()).toHaveLength(1);
    const partitions = [1, 2, 3, 4].map((p) => `${TOPICS.predictions}/${p}`);
    expect(waits()[0]).toMatchObject({ models: ids, modelCount: 20, partitions });
    expect(waits()[0]!.msg).toMatch(
      /^windows of 20 models \(m00, m01, m02, … and 17 more\) wait for 4 partitions that have not carried them yet: they close when those partitions pass them, or 3600 s from now \(window\.idleTimeout\) if nothing comes$/,
    );
    // The partitions are named once, in the fields, not once a model.
    expect(lines.join('\n').split(`${TOPICS.predictions}/1`)).toHaveLength(2);
  });

  it('a batch handled twice (a crash before Kafka heard of it) counts once', async () => {
    const store = await backend.newStore();
    const r = runner(store, profile);
    const first = toPredictionBatch(stream.slice(0, 900), 0, 0);
    await r.handle(first);
    await r.handle(first);
    await r.handle(toPredictionBatch([...stream.slice(900), ...closer], 0, 900));
    await r.handle(toLabelBatch([], 0, 0));

    const reference = await backend.newStore();
    await runner(reference, profile).handle(toPredictionBatch([...stream, ...closer], 0, 0));
    expect(await rowsOf(store)).toEqual(roughly(await rowsOf(reference)));
  });

  it('an event a producer sent twice (at other offsets, or twice in one batch) counts once', async () => {
    const store = await backend.newStore();
    const r = runner(store, profile);
    await r.handle(toPredictionBatch(stream.slice(0, 900), 0, 0));
    // A retried send: 100 events of the first batch again, and one event twice within the batch.
    const again = [
      ...stream.slice(800, 900),
      ...stream.slice(900, 1200),
      stream[1000]!,
      ...stream.slice(1200),
      ...closer,
    ];
    await r.handle(toPredictionBatch(again, 0, 900));

    const reference = await backend.newStore();
    await runner(reference, profile).handle(toPredictionBatch([...stream, ...closer], 0, 0));
    const buckets = async (s: Store) =>
      (await s.buckets.load(model.id, 'unversioned', T0 - MIN, T0 + 200 * MIN)).reduce((n, b) => n + b.rows, 0);
    expect(await buckets(store)).toBe(stream.length + closer.length);
    expect(await rowsOf(store)).toEqual(roughly(await rowsOf(reference)));
  });

  it('looks ids up only after a batch repeated one: a repeat in a batch applied unlooked goes again, counted once', async () => {
    const store = await backend.newStore();
    let lookups = 0;
    const counted: Store = {
      ...store,
      predictions: {
        ...store.predictions,
        lookupOfModels: (wanted) => {
          lookups++;
          return store.predictions.lookupOfModels(wanted);
        },
      },
    };
    const r = runner(counted, profile);
    await r.handle(toPredictionBatch(stream.slice(0, 600), 0, 0));
    await r.handle(toPredictionBatch(stream.slice(600, 900), 0, 600));
    expect(lookups).toBe(0);
    // 50 events of the batch before again: written by nobody until the batch goes again, looked up.
    await r.handle(toPredictionBatch(stream.slice(850, 1200), 0, 900));
    expect(lookups).toBe(1);
    // The batches after a repeat look their ids up.
    await r.handle(toPredictionBatch([...stream.slice(1200), ...closer], 0, 1250));
    expect(lookups).toBe(2);

    const reference = await backend.newStore();
    await runner(reference, profile).handle(toPredictionBatch([...stream, ...closer], 0, 0));
    const buckets = async (s: Store) =>
      (await s.buckets.load(model.id, 'unversioned', T0 - MIN, T0 + 200 * MIN)).reduce((n, b) => n + b.rows, 0);
    expect(await buckets(store)).toBe(stream.length + closer.length);
    expect(await store.offsets.load('test', TOPICS.predictions)).toEqual([
      { topic: TOPICS.predictions, partition: 0, nextOffset: String(1250 + stream.length - 1200 + closer.length) },
    ]);
    expect(await rowsOf(store)).toEqual(roughly(await rowsOf(reference)));
  });

  it('an event of a version without a profile (not indexed) given twice in a batch counts once, as when looked up', async () => {
    const store = await backend.newStore();
    const registry = new PrometheusRegistry();
    const metrics = runnerMetrics(registry, { models: [model.id], topics: TOPICS });
    const r = new StreamRunner({ config, store, groupId: 'test', topics: TOPICS, metrics, now: () => NOW });
    const v2 = stream.slice(0, 300).map((e) => ({ ...e, version: '2', label: null }));
    await r.handle(toPredictionBatch([...v2, v2[7]!], 0, 0));
    const series = (await registry.render()).split('\n').filter((l) => /^vigil_events_(unprofiled|duplicate)/.test(l));
    expect(series.sort()).toEqual(
      [
        `vigil_events_duplicate_total{model="${model.id}"} 1`,
        `vigil_events_unprofiled_total{model="${model.id}",version="2"} 300`,
      ].sort(),
    );
  });

  it('a version without a reference profile opens a model-level incident, not analysed; its profile resolves it', async () => {
    const store = await backend.newStore();
    const alerting = await createAlerting({ config, store, now: () => NOW });
    let clock = NOW;
    const r = new StreamRunner({ config, store, groupId: 'test', topics: TOPICS, alerts: alerting, now: () => clock });
    // Labels come later, as label events (below).
    const v2 = stream.slice(0, 600).map((e) => ({ ...e, version: '2', label: null }));
    await r.handle(toPredictionBatch(v2.slice(0, 300), 0, 0));
    await r.handle(toPredictionBatch(v2.slice(300), 0, 300));
    const open = await alerting.listIncidents({ model: model.id });
    expect(open.map((i) => [i.version, i.kind, i.metric, i.status])).toEqual([
      ['2', 'condition', 'no_reference_profile', 'firing'],
    ]);
    expect(await store.buckets.load(model.id, '2', T0 - MIN, T0 + 60 * MIN)).toEqual([]);

    await store.profiles.saveReference(model.id, '2', profile);
    clock += 60_000; // past the runner's wait before it looks for a profile again
    await r.handle(
      toPredictionBatch(
        v2.slice(0, 10).map((e) => ({ ...e, id: `${e.id}-again` })),
        0,
        600,
      ),
    );
    const after = await alerting.listIncidents({ model: model.id });
    expect(after.map((i) => [i.metric, i.status])).toEqual([['no_reference_profile', 'resolved']]);
    expect((await store.buckets.load(model.id, '2', T0 - MIN, T0 + 60 * MIN)).reduce((n, b) => n + b.rows, 0)).toBe(10);
    // Labels of the events that were not counted (no profile then) wait as orphans and add no outcome; those of the
    // ten counted since join.
    const labels = stream.slice(0, 600).filter((e) => e.label !== null);
    const counted = labels
      .filter((e) => v2.slice(0, 10).some((x) => x.id === e.id))
      .map((e) => ({ ...e, id: `${e.id}-again` }));
    await r.handle(toLabelBatch(counted, 0, 0));
    await r.handle(toLabelBatch(labels, 0, counted.length));
    await r.maintain();
    const labelled = async () =>
      (await store.buckets.load<WindowAccumulator>(model.id, '2', T0 - MIN, T0 + 60 * MIN)).reduce(
        (n, b) => n + b.accumulator.outcome.labelled,
        0,
      );
    expect(counted.length).toBeGreaterThan(0);
    expect(await labelled()).toBe(counted.length);

    // Version 3 has no profile either; a profile fitted while the daemon is down resolves it after the restart.
    const v3 = v2.slice(0, 20).map((e) => ({ ...e, id: `${e.id}-v3`, version: '3' }));
    await r.handle(toPredictionBatch(v3, 0, 610));
    expect((await alerting.listIncidents({ model: model.id, statuses: ['firing'] })).map((i) => i.version)).toEqual([
      '3',
    ]);
    await store.profiles.saveReference(model.id, '3', profile);
    const restarted = new StreamRunner({
      config,
      store,
      groupId: 'test',
      topics: TOPICS,
      alerts: alerting,
      now: () => clock,
    });
    await restarted.handle(
      toPredictionBatch(
        v3.map((e) => ({ ...e, id: `${e.id}-again` })),
        0,
        630,
      ),
    );
    expect(await alerting.listIncidents({ model: model.id, statuses: ['firing'] })).toEqual([]);
  });

  it('a version keeps the profile its traffic was first binned with, whatever is stored or configured later', async () => {
    // Another reference, with other decile edges (shifted ages and scores) but the same number of bins.
    const other = profileOf(makeEvents({ n: 2000, start: T0 - 24 * 60 * MIN, seed: 4, shift: 0.3 }));
    expect(other.features.find((f) => f.name === 'age')).not.toEqual(profile.features.find((f) => f.name === 'age'));
    const first = stream.slice(0, 900);
    const rest = [...stream.slice(900), ...closer];

    const store = await backend.newStore();
    await runner(store, profile).handle(toPredictionBatch(first, 0, 0));
    // A re-fit stored for the version after its traffic was counted, then a restart with another configured file.
    await store.profiles.saveReference(model.id, 'unversioned', other);
    const warnings: string[] = [];
    const logger = {
      debug() {},
      info() {},
      error() {},
      warn: (_f: unknown, m: string) => void warnings.push(m),
      child: () => logger,
    };
    const restarted = new StreamRunner({
      config,
      store,
      groupId: 'test',
      topics: TOPICS,
      defaultProfiles: new Map([[model.id, other]]),
      now: () => NOW,
      logger: logger as never,
    });
    await restarted.handle(toPredictionBatch(rest, 0, first.length));
    expect(
      warnings.filter((w) => w.includes('keeps the reference profile its traffic was first binned with')),
    ).toHaveLength(1);

    // The same events on the first profile alone.
    const expected = await backend.newStore();
    await runner(expected, profile).handle(toPredictionBatch([...first, ...rest], 0, 0));
    expect(await rowsOf(store)).toEqual(roughly(await rowsOf(expected)));
    expect((await store.profiles.loadPinned<ReferenceProfile>(model.id, 'unversioned'))?.profile).toEqual(profile);
  });

  it('a profile stored with plain decile edges (before point masses had bins) still bins windows; point-mass edges round-trip the store exactly', async () => {
    // income with 94% zeros in the reference and 88.7% in the stream (a deterministic spread of the zeros).
    const zeroInflated = (events: TestEvent[], zeros: number, version: string): TestEvent[] =>
      events.map((e, i) => ({
        ...e,
        id: `${e.id}-${version}`,
        version,
        features: { ...e.features, income: (i * 0.6180339887498949) % 1 < zeros ? 0 : e.features.income },
      }));
    const fitted = profileOf(zeroInflated(reference, 0.94, 'ref'));
    const incomeOf = (p: ReferenceProfile): NumericProfile =>
      p.features.find((f) => f.name === 'income') as NumericProfile;
    expect(incomeOf(fitted).edges.slice(0, 2)).toEqual([0, Number.MIN_VALUE]);
    // The same profile as the old fitting stored it: plain quantile edges, duplicates collapsed, counts over them.
    const sortedIncome = Float64Array.from(zeroInflated(reference, 0.94, 'ref'), (e) => e.features.income).sort();
    const plain = (k: number): { edges: number[]; counts: number[] } => {
      const edges = quantileEdges(sortedIncome, k);
      return {
        edges,
        counts: edges
          .concat(Infinity)
          .map((hi, i) => sortedIncome.filter((v) => v < hi && (i === 0 || v >= edges[i - 1]!)).length),
      };
    };
    const coarse = plain(10);
    const fine = plain(100);
    expect(coarse.edges).toEqual([0]);
    const old: ReferenceProfile = {
      ...fitted,
      features: fitted.features.map((f) =>
        f.name === 'income'
          ? { ...f, edges: coarse.edges, counts: coarse.counts, fineEdges: fine.edges, fineCounts: fine.counts }
          : f,
      ),
    };

    const store = await backend.newStore();
    await store.profiles.saveReference(model.id, 'new', fitted);
    await store.profiles.saveReference(model.id, 'old', old);
    const loadedNew = (await store.profiles.loadReference<ReferenceProfile>(model.id, 'new'))!.profile;
    expect(loadedNew).toEqual(fitted); // 5e-324 and every nextUp edge survive jsonb
    expect(profileFingerprint(loadedNew)).toBe(profileFingerprint(fitted));
    expect((await store.profiles.loadReference<ReferenceProfile>(model.id, 'old'))!.profile).toEqual(old);

    const r = new StreamRunner({ config, store, groupId: 'test', topics: TOPICS, now: () => NOW });
    await r.handle(
      toPredictionBatch(
        [
          ...zeroInflated(stream, 0.887, 'old'),
          ...zeroInflated(stream, 0.887, 'new'),
          ...zeroInflated(closer, 0, 'old'),
          ...zeroInflated(closer, 0, 'new'),
        ],
        0,
        0,
      ),
    );
    const rows = (await rowsOf(store)) as MetricRow[];
    const psi = (version: string): number[] =>
      rows
        .filter(
          (w) =>
            w.version === version &&
            w.metric === 'psi' &&
            w.feature === 'income' &&
            w.windowStart >= T0 &&
            w.windowEnd <= T0 + 90 * MIN,
        )
        .map((w) => w.value!);
    // Seven full windows per version; the old bins ([0, ∞) holds every income) see no shift, the new ones do.
    expect(psi('old')).toEqual([0, 0, 0, 0, 0, 0, 0]);
    expect(psi('new')).toHaveLength(7);
    for (const v of psi('new')) expect(v).toBeGreaterThan(0.02);

    // The old profile bins exactly as it does in memory (as a daemon before this change did).
    const expected = await backend.newStore();
    await runner(expected, old).handle(
      toPredictionBatch([...zeroInflated(stream, 0.887, 'old'), ...zeroInflated(closer, 0, 'old')], 0, 0),
    );
    expect(rows.filter((w) => w.version === 'old')).toEqual(roughly(await rowsOf(expected)));
  });

  it('a model silent for longer than its limit opens a no_traffic incident; its next events resolve it', async () => {
    const store = await backend.newStore();
    const alerting = await createAlerting({ config, store, now: () => NOW });
    let clock = NOW;
    const r = new StreamRunner({
      config,
      store,
      groupId: 'test',
      topics: TOPICS,
      alerts: alerting,
      defaultProfiles: new Map([[model.id, profile]]),
      noTrafficAfterMs: 60_000,
      now: () => clock,
    });
    await r.maintain();
    expect(await alerting.listIncidents({ model: model.id })).toEqual([]);

    clock += 120_000; // two minutes after start, nothing has come
    await r.maintain();
    await r.maintain();
    const silent = await alerting.listIncidents({ model: model.id });
    expect(silent.map((i) => [i.version, i.kind, i.metric, i.status, i.severity])).toEqual([
      ['unversioned', 'condition', 'no_traffic', 'firing', 'critical'],
    ]);

    await r.handle(toPredictionBatch(stream.slice(0, 50), 0, 0));
    await r.maintain();
    expect((await alerting.listIncidents({ model: model.id })).map((i) => [i.metric, i.status])).toEqual([
      ['no_traffic', 'resolved'],
    ]);
  });

  it('dead-letters bad events with the reason and keeps the good ones of the same batch, and says so at warn without flooding', async () => {
    const store = await backend.newStore();
    const lines: string[] = [];
    const r = runner(
      store,
      profile,
      () => NOW,
      config,
      createLogger({ level: 'info', write: (line) => lines.push(line) }),
    );
    const warnings = () =>
      lines
        .map(
          (l) =>
            JSON.parse(l) as {
              level: string;
              msg: string;
              topic?: string;
              deadLetters?: number;
              codes?: Record<string, number>;
            },
        )
        .filter((l) => l.msg.includes('dead-lettered'));
    const batch = toPredictionBatch(stream.slice(0, 10), 0, 0);
    const bad = (offset: number, value: string): SourceBatch['messages'][number] => ({
      topic: TOPICS.predictions,
      partition: 0,
      offset: String(offset),
      key: null,
      value: Buffer.from(value),
    });
    const tomorrow = NOW + 2 * 24 * 60 * MIN;
    await r.handle({
      ...batch,
      messages: [
        ...batch.messages,
        bad(10, '{not json'),
        bad(11, JSON.stringify({ model: 'unknown-model', id: 'x', ts: T0, features: {} })),
        bad(
          12,
          JSON.stringify({ model: model.id, id: 'y', ts: tomorrow, features: { age: 1, income: 2, region: 'n' } }),
        ),
      ],
      nextOffset: '13',
    });
    const letters = (await store.deadLetters.list()).sort((a, b) => Number(a.offset) - Number(b.offset));
    expect(letters.map((d) => [d.offset, d.code])).toEqual([
      ['10', 'VIGIL_DECODE_INVALID_JSON'],
      ['11', 'VIGIL_DECODE_UNKNOWN_MODEL'],
      ['12', 'VIGIL_DECODE_OUT_OF_RANGE'],
    ]);
    expect(letters[2]!.reason).toContain('ts');
    const buckets = await store.buckets.load(model.id, 'unversioned', T0 - MIN, T0 + 60 * MIN);
    expect(buckets.reduce((s, b) => s + b.rows, 0)).toBe(10);
    // One warn line for the batch: the count, the codes with theirs, the first reason; no message's value.
    expect(warnings()).toEqual([
      expect.objectContaining({
        level: 'warn',
        topic: TOPICS.predictions,
        deadLetters: 3,
        codes: { VIGIL_DECODE_INVALID_JSON: 1, VIGIL_DECODE_OUT_OF_RANGE: 1, VIGIL_DECODE_UNKNOWN_MODEL: 1 },
      }),
    ]);
    expect(warnings()[0]!.msg).toMatch(
      /^3 messages of vigil\.predictions dead-lettered \(VIGIL_DECODE_INVALID_JSON ×1, VIGIL_DECODE_OUT_OF_RANGE ×1, VIGIL_DECODE_UNKNOWN_MODEL ×1\); the first, partition 0 offset 10: value: not valid JSON \(.+\); vigil dlq list shows them$/,
    );
    expect(lines.join('\n')).not.toContain('not json');
    // More within 10 s (the clock stands still here): added up, said at the stop, with the closest model id.
    const typo = (offset: number): SourceBatch['messages'][number] =>
      bad(offset, JSON.stringify({ model: 'credit-rsik', id: `t${offset}`, ts: T0, features: {} }));
    await r.handle({ ...batch, messages: [typo(13)], firstOffset: '13', nextOffset: '14' });
    await r.handle({ ...batch, messages: [typo(14), typo(15)], firstOffset: '14', nextOffset: '16' });
    expect(warnings()).toHaveLength(1);
    await r.stop();
    expect(warnings()).toHaveLength(2);
    expect(warnings()[1]!.msg).toBe(
      '3 messages of vigil.predictions dead-lettered in 2 batches (VIGIL_DECODE_UNKNOWN_MODEL ×3); the first, partition 0 offset 13: field "model": unknown model "credit-rsik" (did you mean "credit-risk"?); vigil dlq list shows them',
    );
  });
});
