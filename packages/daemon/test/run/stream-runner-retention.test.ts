/**
 * `retention` in the runner's maintenance pass, on PostgreSQL and PGlite: old dead letters lose their bytes, old
 * prediction-index rows go, metric rows are rolled up and expire, buckets past `retention.buckets` go while late
 * labels still re-analyse the windows within it exactly, each run is audited, and runs are at most hourly.
 */
import { fitReferenceProfile } from '@vigil/analyzers';
import { LABEL_TTL_MS, parseConfig } from '@vigil/core';
import { type MetricRow, type SqlClient, type Store } from '@vigil/store';
import {
  BACKENDS,
  makeEvents,
  openBackend,
  readerTable,
  roughly,
  toLabelBatch,
  toPredictionBatch,
  type TestBackend,
  type TestEvent,
} from '@vigil/test-kit';
import { batchSpec } from '../../src/pipeline/batch-buckets';
import { RETENTION_EVERY_MS, StreamRunner } from '../../src/run/stream-runner';

// Its slowest test took 53 s of the default 60 s on PGlite at load 20 (measured): the bound only stops a hung test.
jest.setTimeout(180_000);

const DAY = 86_400_000;
const NOW = Date.parse('2026-12-01T00:00:00Z');
const config = parseConfig(
  `
retention: { deadLetterRaw: 7d, predictionIndex: 30d }
models:
  - id: credit-risk
    task: binary
    owner: { name: Risk team, webhook: 'http://127.0.0.1:9/hook' }
    features: { age: numeric }
`,
  'test.yaml',
  {},
);

describe.each(BACKENDS)('StreamRunner retention on %s', (kind) => {
  let backend: TestBackend;
  let store: Store;
  let sql: SqlClient;

  beforeAll(async () => {
    backend = await openBackend(kind, 'runner_retention');
    store = await backend.newStore();
    sql = await backend.newClient();
  }, 60_000);
  afterAll(async () => {
    await backend.teardown();
  });

  it('applies the configured limits in maintain(), audited, at most once an hour', async () => {
    for (const [offset, age] of [
      [1, 8],
      [2, 6],
    ] as const) {
      await sql.query(
        `INSERT INTO vigil_dead_letters (topic, partition, "offset", received_at, code, reason, raw, raw_bytes) VALUES ('t', 0, $1, $2::timestamptz, 'VIGIL_EVENT_INVALID', 'bad', $3, 5)`,
        [offset, new Date(NOW - age * DAY).toISOString(), Buffer.from('hello')],
      );
    }
    for (const [id, age] of [
      ['old', 31],
      ['new', 29],
    ] as const) {
      await sql.query(
        `INSERT INTO vigil_prediction_index (model, id, version, ts, bucket_start, expires_at) VALUES ('credit-risk', $1, '1', $2, $2, $3)`,
        [id, NOW - age * DAY, NOW + 30 * DAY],
      );
    }
    let now = NOW;
    const runner = new StreamRunner({
      config,
      store,
      groupId: 'test',
      topics: { predictions: 'p', labels: 'l' },
      now: () => now,
      ...(config.retention ? { retention: config.retention } : {}),
    });
    await runner.maintain();
    const runs = async () => (await store.audit.log({})).filter((e) => e.action === 'retention.applied');
    expect((await runs()).map((e) => e.details)).toEqual([
      {
        deadLetterRaw: { receivedBefore: new Date(NOW - 7 * DAY).toISOString(), erased: 1 },
        predictionIndex: { eventTimeBefore: new Date(NOW - 30 * DAY).toISOString(), deleted: 1 },
      },
    ]);
    expect((await store.deadLetters.list()).map((l) => [l.offset, l.raw.toString(), l.reason])).toEqual([
      ['2', 'hello', 'bad'],
      ['1', '', 'bad'],
    ]);
    expect((await sql.query<{ id: string }>('SELECT id FROM vigil_prediction_index')).rows.map((r) => r.id)).toEqual([
      'new',
    ]);
    now += RETENTION_EVERY_MS - 1;
    await runner.maintain();
    expect(await runs()).toHaveLength(1);
    now += 1;
    await runner.maintain();
    expect(
      (await runs()).map((e) => (e.details as { predictionIndex: { deleted: number } }).predictionIndex.deleted),
    ).toEqual([1, 0]);
  }, 60_000);

  it('rolls metric rows up hourly and daily, then deletes the windows past retention.metricRows', async () => {
    const metricConfig = parseConfig(
      `
retention: { metricRows: 2h, metricHourly: 2d }
models:
  - id: credit-risk
    task: binary
    owner: { name: Risk team, webhook: 'http://127.0.0.1:9/hook' }
    features: { age: numeric }
`,
      'test.yaml',
      {},
    );
    expect(metricConfig.retention).toEqual({ metricRowsMs: 2 * 3_600_000, metricHourlyMs: 2 * DAY });
    const HOUR = 3_600_000;
    // Windows ending 3 h and 1 h before now: the first is past the limit.
    const row = (end: number, value: number) => ({
      model: 'credit-risk',
      version: '1',
      windowStart: end - HOUR,
      windowEnd: end,
      metric: 'psi' as const,
      feature: 'age',
      group: '',
      value,
      rows: 10,
      labelledRows: 0,
    });
    await store.metrics.upsertRows([row(NOW - 3 * HOUR, 0.1), row(NOW - HOUR, 0.3)]);
    const runner = new StreamRunner({
      config: metricConfig,
      store,
      groupId: 'test',
      topics: { predictions: 'p', labels: 'l' },
      now: () => NOW,
      retention: metricConfig.retention!,
    });
    await runner.maintain();
    expect((await store.metrics.rows('credit-risk', { from: NOW - DAY, to: NOW })).map((r) => r.value)).toEqual([0.3]);
    const rollups = await sql.query<{ grain: string; value_mean: number; windows: number }>(
      "SELECT grain, value_mean, windows FROM vigil_metric_rollups WHERE model = 'credit-risk' AND metric = 'psi' ORDER BY grain, bucket_start",
    );
    expect(rollups.rows).toEqual([
      { grain: 'day', value_mean: 0.2, windows: 2 },
      { grain: 'hour', value_mean: 0.1, windows: 1 },
      { grain: 'hour', value_mean: 0.3, windows: 1 },
    ]);
    const run = (await store.audit.log({})).filter((e) => e.action === 'retention.applied').at(-1);
    expect(run?.details).toMatchObject({
      metricRollups: { hours: 2, days: 1 },
      metricRows: { windowsDeleted: 1 },
      metricHourly: { deleted: 0 },
    });
  }, 60_000);

  it('does nothing without a retention section', async () => {
    const before = (await store.audit.log({})).length;
    // A year old by event time, within its label TTL: only a retention limit would delete it.
    await sql.query(
      `INSERT INTO vigil_prediction_index (model, id, version, ts, bucket_start, expires_at) VALUES ('credit-risk', 'ancient', '1', $1, $1, $2)`,
      [NOW - 365 * DAY, NOW + DAY],
    );
    await new StreamRunner({
      config: { models: config.models },
      store,
      groupId: 'test',
      topics: { predictions: 'p', labels: 'l' },
      now: () => NOW,
    }).maintain();
    expect((await store.audit.log({})).length).toBe(before);
    expect(
      (await sql.query<{ id: string }>('SELECT id FROM vigil_prediction_index ORDER BY id')).rows.map((r) => r.id),
    ).toEqual(['ancient', 'new']);
  }, 60_000);

  it('creates the weekly partitions of metric windows ahead in maintain(), with or without retention', async () => {
    const runner = new StreamRunner({
      config: { models: config.models },
      store,
      groupId: 'test',
      topics: { predictions: 'p', labels: 'l' },
      now: () => NOW + 30 * DAY,
    });
    await runner.maintain();
    // NOW + 30 days is Thursday 2026-12-31: its week (from Monday 12-28) and the two after it.
    const names = (await store.metrics.partitions()).map((p) => p.name);
    expect(names).toEqual(
      expect.arrayContaining([
        'vigil_metric_windows_p20261228',
        'vigil_metric_windows_p20270104',
        'vigil_metric_windows_p20270111',
      ]),
    );
    expect(names).not.toContain('vigil_metric_windows_p20270118');
  }, 60_000);
});

describe.each(BACKENDS)('StreamRunner retention.buckets on %s', (kind) => {
  const MIN = 60_000;
  const bucketConfig = parseConfig(
    `
retention: { buckets: auto }
models:
  - id: credit-risk
    task: binary
    threshold: 0.5
    owner: { name: Risk team, webhook: 'http://127.0.0.1:9/hook' }
    features: { age: numeric, income: numeric, region: categorical }
    groups: [sex]
    window: { size: 30m, slide: 10m, allowedLateness: 5m }
`,
    'test.yaml',
    {},
  );
  const model = bucketConfig.models[0]!;
  const bucketsMs = LABEL_TTL_MS + 35 * MIN;
  // The limit as of LATER, on the 10-minute bucket grid: buckets starting before it go.
  const LIMIT = Date.parse('2026-11-01T00:00:00Z');
  const LATER = LIMIT + bucketsMs;
  const INGEST = LIMIT + 3 * 60 * MIN;
  const profile = fitReferenceProfile(
    readerTable(makeEvents({ n: 2000, start: LIMIT - DAY, seed: 1 }), model),
    batchSpec(model),
  );
  // An hour of traffic ending an hour before the limit, an hour of it from 20 minutes after, and an event that closes
  // every window. Only the recent hour's labels come late.
  const old = makeEvents({ n: 600, start: LIMIT - 120 * MIN, stepMs: 6000, seed: 2, idPrefix: 'old' }).map((e) => ({
    ...e,
    label: null,
  }));
  const recent = makeEvents({ n: 600, start: LIMIT + 20 * MIN, stepMs: 6000, seed: 3, idPrefix: 'recent', shift: 0.1 });
  const closer = makeEvents({ n: 1, start: LIMIT + 150 * MIN, seed: 4, idPrefix: 'closer' });
  const unlabelled = (events: TestEvent[]) => events.map((e) => ({ ...e, label: null }));

  const backends: TestBackend[] = [];
  afterAll(async () => {
    await Promise.all(backends.map((b) => b.teardown()));
  });
  const open = async (name: string) => {
    const b = await openBackend(kind, name);
    backends.push(b);
    return { store: await b.newStore(), sql: await b.newClient() };
  };
  const runnerOf = (store: Store, now: () => number) =>
    new StreamRunner({
      config: bucketConfig,
      store,
      groupId: 'test',
      topics: { predictions: 'vigil.predictions', labels: 'vigil.labels' },
      defaultProfiles: new Map([[model.id, profile]]),
      now,
      retention: bucketConfig.retention!,
    });
  const rowsOf = async (store: Store) =>
    (await store.metrics.rows(model.id, { from: 0, to: Date.parse('2100-01-01') })).map((r: MetricRow) => ({
      ...r,
      computedAt: undefined,
      details: JSON.parse(JSON.stringify(r.details ?? null)) as unknown,
    }));
  const bucketStarts = async (sql: SqlClient) =>
    (
      await sql.query<{ bucket_start: unknown }>(
        `SELECT bucket_start FROM vigil_buckets WHERE model = 'credit-risk' ORDER BY bucket_start`,
      )
    ).rows.map((r) => new Date(r.bucket_start as string | Date).getTime());

  it('deletes the buckets past the limit, keeps those late labels still re-analyse, audits the count', async () => {
    expect(bucketConfig.retention).toEqual({ bucketsMs });
    // What the windows would hold had the labels come with the events.
    const reference = await open('runner_buckets_ref');
    await runnerOf(reference.store, () => INGEST).handle(toPredictionBatch([...old, ...recent, ...closer], 0, 0));

    const { store, sql } = await open('runner_buckets');
    let now = INGEST;
    const runner = runnerOf(store, () => now);
    await runner.handle(toPredictionBatch([...old, ...unlabelled(recent), ...closer], 0, 0));
    // At ingest the limit is a month away: the first pass deletes nothing.
    await runner.maintain();
    const all = await bucketStarts(sql);
    const past = all.filter((start) => start < LIMIT);
    expect(past).toEqual([0, 1, 2, 3, 4, 5].map((i) => LIMIT - 120 * MIN + i * 10 * MIN));
    const analysedOld = (await rowsOf(store)).filter((r) => r.windowStart < LIMIT);
    expect(analysedOld.length).toBeGreaterThan(0);

    // A month later (the recent predictions' labels are still within their TTL): the old hour's buckets go.
    now = LATER;
    await runner.maintain();
    expect(await bucketStarts(sql)).toEqual(all.filter((start) => start >= LIMIT));
    const runs = (await store.audit.log({})).filter((e) => e.action === 'retention.applied');
    expect(runs.map((e) => e.details)).toEqual([
      { buckets: { bucketStartBefore: new Date(INGEST - bucketsMs).toISOString(), deleted: 0 } },
      { buckets: { bucketStartBefore: new Date(LIMIT).toISOString(), deleted: past.length } },
    ]);

    // The labels come now: every window holding a labelled prediction is analysed again from all of its buckets,
    // to exactly the rows of the labels carried by the events; the old windows' rows stay as analysed.
    await runner.handle(
      toLabelBatch(
        recent.filter((e) => e.label !== null),
        0,
        0,
      ),
    );
    const rows = await rowsOf(store);
    expect(rows.find((r) => r.metric === 'labelledRows' && r.windowStart === LIMIT + 20 * MIN)?.value).toBeGreaterThan(
      0,
    );
    // The reference added its floats up in another order (one batch): to a relative 1e-12.
    expect(rows).toEqual(roughly(await rowsOf(reference.store)));

    // An event older than the limit (a back-fill) is counted in a bucket again, but its windows, missing their
    // deleted buckets, are not analysed from it: their rows stay; the next pass deletes that bucket.
    const backfill = makeEvents({ n: 50, start: LIMIT - 115 * MIN, stepMs: 2000, seed: 5, idPrefix: 'backfill' });
    await runner.handle(toPredictionBatch(backfill, 0, old.length + recent.length + closer.length));
    expect((await bucketStarts(sql)).filter((start) => start < LIMIT)).toEqual([LIMIT - 120 * MIN]);
    expect(await rowsOf(store)).toEqual(rows);
    now += RETENTION_EVERY_MS;
    await runner.maintain();
    expect((await bucketStarts(sql)).filter((start) => start < LIMIT)).toEqual([]);
    const last = (await store.audit.log({})).filter((e) => e.action === 'retention.applied').at(-1);
    expect(last?.details).toEqual({
      // The back-filled bucket, and the recent hour's buckets the limit passed in this hour.
      buckets: {
        bucketStartBefore: new Date(now - bucketsMs).toISOString(),
        deleted: 1 + all.filter((start) => start >= LIMIT && start < now - bucketsMs).length,
      },
    });
  }, 120_000);
});
