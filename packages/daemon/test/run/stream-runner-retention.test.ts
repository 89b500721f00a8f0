/**
 * `retention` in the runner's maintenance pass, on PostgreSQL and PGlite: old dead letters lose their bytes, old
 * prediction-index rows go, metric rows are rolled up and expire, each run is audited, and runs are at most hourly.
 */
import { parseConfig } from '@vigil/core';
import { type SqlClient, type Store } from '@vigil/store';
import { BACKENDS, openBackend, type TestBackend } from '@vigil/test-kit';
import { RETENTION_EVERY_MS, StreamRunner } from '../../src/run/stream-runner';

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
