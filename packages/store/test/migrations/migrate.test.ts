import { isVigilError } from '@vigil/core';
import { migrate, splitStatements } from '../../src/migrations/migrate';
import { MIGRATIONS } from '../../src/migrations/migrations';
import { ensureMetricPartitionsIn } from '../../src/metrics/metric-partitions';
import { upsertMetricRows } from '../../src/metrics/metric-rows';
import { claimOrphansIn, joinLabelsIn } from '../../src/stream/labels';
import { BACKENDS, openBackend, type TestBackend } from '@vigil/test-kit';

/** Every table and view some migration creates (0012 replaced the table vigil_metric_rows by a view), and the migrations' own bookkeeping table. */
const TABLES = [
  ...new Set([
    ...MIGRATIONS.flatMap((m) => [...m.sql.matchAll(/CREATE (?:TABLE|VIEW) (\w+)/g)].map((t) => t[1] as string)),
    'vigil_migrations',
  ]),
].sort();

describe.each(BACKENDS)('migrate on %s', (kind) => {
  let backend: TestBackend;
  beforeAll(async () => {
    backend = await openBackend(kind, 'migrate');
  });
  afterAll(async () => {
    await backend?.teardown();
  });

  it('applies every migration once when two clients migrate at the same moment', async () => {
    const [a, b] = [await backend.newClient(), await backend.newClient()];
    const results = await Promise.all([
      migrate(a, { schema: await schemaOf(a) }),
      migrate(b, { schema: await schemaOf(b) }),
    ]);
    const applied = results.map((r) => r.applied).sort((x, y) => y.length - x.length);
    expect(applied).toEqual([MIGRATIONS.map((m) => m.id), []]);

    const tables = await a.query<{ table_name: string }>(
      `SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() ORDER BY table_name`,
    );
    expect(tables.rows.map((r) => r.table_name)).toEqual(TABLES);
    const recorded = await a.query<{ id: number }>('SELECT id FROM vigil_migrations ORDER BY id');
    expect(recorded.rows.map((r) => r.id)).toEqual(MIGRATIONS.map((m) => m.id));
  });

  it('is a no-op the second time', async () => {
    const client = await backend.newClient();
    expect(await migrate(client, { schema: await schemaOf(client) })).toEqual({ applied: [] });
  });

  it('applies a new migration appended after the released ones, and only that one', async () => {
    const client = await backend.newClient();
    const next = [
      ...MIGRATIONS,
      {
        id: 9999,
        name: 'extra',
        sql: 'CREATE TABLE vigil_test_extra (x integer);\nINSERT INTO vigil_test_extra VALUES (1);',
      },
    ];
    expect(await migrate(client, { schema: await schemaOf(client), migrations: next })).toEqual({ applied: [9999] });
    expect((await client.query('SELECT x FROM vigil_test_extra')).rows).toEqual([{ x: 1 }]);
    // A build that does not know migration 9999 refuses the newer schema rather than guess.
    const refused = await migrate(client, { schema: await schemaOf(client) }).catch((e: unknown) => e);
    expect(isVigilError(refused, 'VIGIL_STORE_MIGRATION')).toBe(true);
    await client.query('DROP TABLE vigil_test_extra');
    await client.query('DELETE FROM vigil_migrations WHERE id = 9999');
  });

  it('refuses a released migration whose text changed', async () => {
    const client = await backend.newClient();
    const edited = MIGRATIONS.map((m) => (m.id === 1 ? { ...m, sql: `${m.sql}\n-- edited` } : m));
    const refused = await migrate(client, { schema: await schemaOf(client), migrations: edited }).catch(
      (e: unknown) => e,
    );
    expect(isVigilError(refused, 'VIGIL_STORE_MIGRATION')).toBe(true);
    expect((refused as Error).message).toMatch(/append-only/);
  });
});

describe.each(BACKENDS)('migration 0004 on %s', (kind) => {
  let backend: TestBackend;
  beforeAll(async () => {
    backend = await openBackend(kind, 'migrate0004');
  });
  afterAll(async () => {
    await backend?.teardown();
  });

  it('turns the prediction index times into epoch milliseconds and its groups into JSON text, keeping the rows', async () => {
    const client = await backend.newClient();
    const schema = await schemaOf(client);
    const upTo3 = MIGRATIONS.filter((m) => m.id <= 3);
    expect(await migrate(client, { schema, migrations: upTo3 })).toEqual({ applied: [1, 2, 3] });
    await client.query(
      `INSERT INTO vigil_prediction_index (model, id, version, ts, bucket_start, expires_at, score, groups)
       VALUES ('m', 'p1', '1', '2026-11-22T10:00:05.123Z', '2026-11-22T10:00:00Z', '2026-12-22T10:00:05.123Z', 0.25, '{"sex": "f", "race": null}'),
              ('m', 'p2', '1', '1969-12-31T23:59:59.999Z', '1969-12-31T23:55:00Z', '1970-01-01T00:00:00Z', NULL, DEFAULT)`,
    );
    expect(await migrate(client, { schema, migrations: MIGRATIONS.filter((m) => m.id <= 4) })).toEqual({
      applied: [4],
    });
    const rows = await client.query<{
      id: string;
      ts: unknown;
      bucket_start: unknown;
      expires_at: unknown;
      groups: unknown;
    }>(
      'SELECT id, ts::text AS ts, bucket_start::text AS bucket_start, expires_at::text AS expires_at, groups FROM vigil_prediction_index ORDER BY id',
    );
    expect(rows.rows).toEqual([
      {
        id: 'p1',
        ts: String(Date.UTC(2026, 10, 22, 10, 0, 5, 123)),
        bucket_start: String(Date.UTC(2026, 10, 22, 10)),
        expires_at: String(Date.UTC(2026, 11, 22, 10, 0, 5, 123)),
        groups: '{"sex": "f", "race": null}',
      },
      { id: 'p2', ts: '-1', bucket_start: '-300000', expires_at: '0', groups: '{}' },
    ]);
    // New rows get the same default for their groups.
    await client.query(
      "INSERT INTO vigil_prediction_index (model, id, version, ts, bucket_start, expires_at) VALUES ('m', 'p3', '1', 1, 0, 2)",
    );
    expect(
      (await client.query<{ groups: unknown }>("SELECT groups FROM vigil_prediction_index WHERE id = 'p3'")).rows,
    ).toEqual([{ groups: '{}' }]);
  });
});

describe.each(BACKENDS)('migration 0005 on %s', (kind) => {
  let backend: TestBackend;
  beforeAll(async () => {
    backend = await openBackend(kind, 'migrate0005');
  });
  afterAll(async () => {
    await backend?.teardown();
  });

  it('keeps every stored accumulator, now as json text', async () => {
    const client = await backend.newClient();
    const schema = await schemaOf(client);
    expect(await migrate(client, { schema, migrations: MIGRATIONS.filter((m) => m.id <= 4) })).toEqual({
      applied: [1, 2, 3, 4],
    });
    const accumulator = {
      version: 1,
      rows: 3,
      counts: [1, 0, 2],
      sum: 0.1 + 0.2,
      min: -1e-7,
      unseen: { 'a"b': 2 },
      score: null,
    };
    await client.query(
      "INSERT INTO vigil_buckets (model, version, bucket_start, accumulator, rows) VALUES ('m', '1', '2026-11-22T10:00:00Z', $1::jsonb, 3)",
      [JSON.stringify(accumulator)],
    );
    expect(await migrate(client, { schema, migrations: MIGRATIONS.filter((m) => m.id <= 5) })).toEqual({
      applied: [5],
    });
    const rows = await client.query<{ type: string; accumulator: unknown }>(
      "SELECT pg_typeof(accumulator)::text AS type, accumulator FROM vigil_buckets WHERE model = 'm'",
    );
    expect(rows.rows).toEqual([{ type: 'json', accumulator }]);
  });
});

describe.each(BACKENDS)('migration 0012 on %s', (kind) => {
  let backend: TestBackend;
  beforeAll(async () => {
    backend = await openBackend(kind, 'migrate0012');
  });
  afterAll(async () => {
    await backend?.teardown();
  });

  it('moves stored metric rows into per-window records; the vigil_metric_rows view and the queries on it answer as the table did', async () => {
    const client = await backend.newClient();
    const schema = await schemaOf(client);
    expect(await migrate(client, { schema, migrations: MIGRATIONS.filter((m) => m.id <= 11) })).toEqual({
      applied: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11],
    });
    // Two models, two versions, two windows, every kind of value, rows with and without details, in one statement
    // per window (so a window's rows share computed_at, as the daemon writes them).
    for (const [start, shift] of [
      ['2026-11-22T10:00:00Z', 0],
      ['2026-11-22T10:05:00Z', 1],
    ] as const) {
      await client.query(
        `INSERT INTO vigil_metric_rows (model, version, window_start, window_end, metric, feature, group_key, value, rows, labelled_rows, details) VALUES
           ('m', '7', $1::timestamptz, $1::timestamptz + interval '1 hour', 'rows', '', '', 900 + $2, 900 + $2, 700, NULL),
           ('m', '7', $1::timestamptz, $1::timestamptz + interval '1 hour', 'psi', 'age', '', 0.1 + $2 / 3.0, 900 + $2, 700, '{"histogram": {"counts": [1, 2]}}'),
           ('m', '7', $1::timestamptz, $1::timestamptz + interval '1 hour', 'drifted', 'age', '', 1, 900 + $2, 700, '{"method": "ks", "pValue": 0.001}'),
           ('m', '7', $1::timestamptz, $1::timestamptz + interval '1 hour', 'psi', 'income', '', 'NaN', 900 + $2, 700, NULL),
           ('m', '7', $1::timestamptz, $1::timestamptz + interval '1 hour', 'auc', '', '', NULL, 900 + $2, 700, 'null'),
           ('m', '7', $1::timestamptz, $1::timestamptz + interval '1 hour', 'selectionRate', '', 'sex=f', 0.25, 900 + $2, 700, '{"n": 40, "labelled": 30, "ci": [0.1, 0.4], "sufficient": true}'),
           ('m', '8', $1::timestamptz, $1::timestamptz + interval '1 hour', 'psi', 'age', '', 'Infinity', 10, 0, NULL),
           ('other', '', $1::timestamptz, $1::timestamptz + interval '1 hour', 'ece', '', '', 0.03, 50, 50, '{"bins": [{"lower": 0, "upper": 0.1, "count": 5}]}')`,
        [start, shift],
      );
    }
    const queries = [
      `SELECT model, version, window_start, window_end, metric, feature, group_key, value::text AS value, rows, labelled_rows, details, computed_at
       FROM vigil_metric_rows ORDER BY model, version, window_start, metric, feature, group_key`,
      // Panel-shaped queries (dashboards/): a series, a latest-window lookup, details drilled into, a distinct list.
      `SELECT window_end AS "time", feature AS metric, value FROM vigil_metric_rows WHERE model = 'm' AND metric = 'psi' AND version = '7' ORDER BY 1, 2`,
      `SELECT (details ->> 'n')::bigint AS n, (details -> 'ci' ->> 0)::float8 AS ci_lower FROM vigil_metric_rows
       WHERE model = 'm' AND metric = 'selectionRate' AND window_end = (SELECT max(window_end) FROM vigil_metric_rows WHERE model = 'm' AND metric = 'selectionRate')`,
      `SELECT b ->> 'count' AS count FROM vigil_metric_rows, jsonb_array_elements(details -> 'bins') AS b WHERE model = 'other' ORDER BY window_start`,
      `SELECT DISTINCT feature FROM vigil_metric_rows WHERE model = 'm' AND feature <> '' ORDER BY 1`,
      `SELECT window_end, sum(value) AS drifted FROM vigil_metric_rows WHERE metric = 'drifted' GROUP BY 1 ORDER BY 1`,
    ];
    const before = [];
    for (const q of queries) before.push((await client.query(q)).rows);
    expect(before[0]).toHaveLength(16);
    expect(await migrate(client, { schema })).toEqual({
      applied: MIGRATIONS.filter((m) => m.id > 11).map((m) => m.id),
    });
    for (const [i, q] of queries.entries()) expect([i, (await client.query(q)).rows]).toEqual([i, before[i]]);
    const stored = await client.query<{ windows: number; series: number }>(
      'SELECT (SELECT count(*)::int FROM vigil_metric_windows) AS windows, (SELECT count(*)::int FROM vigil_metric_series) AS series',
    );
    expect(stored.rows).toEqual([{ windows: 6, series: 8 }]);
  });
});

describe.each(BACKENDS)('migration 0015 on %s', (kind) => {
  let backend: TestBackend;
  beforeAll(async () => {
    backend = await openBackend(kind, 'migrate0015');
  });
  afterAll(async () => {
    await backend?.teardown();
  });

  it('summarises the daily roll-ups already stored per model version, metric and day, as the fleet panel summed them', async () => {
    const client = await backend.newClient();
    const schema = await schemaOf(client);
    expect(await migrate(client, { schema, migrations: MIGRATIONS.filter((m) => m.id <= 14) })).toEqual({
      applied: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14],
    });
    // Two models, three features, two days of daily roll-ups; model b's f2 has no roll-up on the second day.
    await client.query(`INSERT INTO vigil_metric_series (model, version, metric, feature, group_key)
      SELECT m, '1', x, f, '' FROM unnest(ARRAY['a', 'b']) m, unnest(ARRAY['drifted', 'psi']) x, unnest(ARRAY['f0', 'f1', 'f2']) f`);
    await client.query(`INSERT INTO vigil_metric_daily (series_id, bucket_start, windows, value_count, value_last, value_mean, value_min, value_max, rows, labelled_rows, last_window_end)
      SELECT s.series_id, d, 288, 288, 0, (s.series_id % 5) / 10.0, 0, CASE WHEN s.metric = 'drifted' THEN (s.series_id + extract(day FROM d)::int) % 2 ELSE s.series_id / 7.0 END,
             1000, 0, d + interval '1 day'
      FROM vigil_metric_series s, unnest(ARRAY[timestamptz '2026-11-22T00:00:00Z', timestamptz '2026-11-23T00:00:00Z']) d
      WHERE NOT (s.model = 'b' AND s.feature = 'f2' AND d > '2026-11-22T12:00:00Z')`);
    const panel = `SELECT bucket_end AS "time", model AS metric, sum(value_max) AS drifted, count(*)::int AS series, max(value_max) AS worst, max(value_mean) AS mean_max
      FROM vigil_metric_rollups WHERE grain = 'day' AND metric = $1 GROUP BY 1, 2 ORDER BY 1, 2`;
    const before = {
      drifted: (await client.query(panel, ['drifted'])).rows,
      psi: (await client.query(panel, ['psi'])).rows,
    };
    expect(before.drifted).toHaveLength(4);
    expect(before.drifted.map((r) => r.series)).toEqual([3, 3, 3, 2]);
    expect(await migrate(client, { schema })).toEqual({
      applied: MIGRATIONS.filter((m) => m.id > 14).map((m) => m.id),
    });
    const after = `SELECT bucket_start + interval '1 day' AS "time", model AS metric, value_max_sum AS drifted, series, value_max_max AS worst, value_mean_max AS mean_max
      FROM vigil_metric_model_daily WHERE metric = $1 ORDER BY 1, 2`;
    expect((await client.query(after, ['drifted'])).rows).toEqual(before.drifted);
    expect((await client.query(after, ['psi'])).rows).toEqual(before.psi);
  });
});

describe.each(BACKENDS)('migration 0016 on %s', (kind) => {
  let backend: TestBackend;
  beforeAll(async () => {
    backend = await openBackend(kind, 'migrate0016');
  });
  afterAll(async () => {
    await backend?.teardown();
  });

  it('moves the stored windows into the partitioned table; the vigil_metric_rows view and the queries on it answer as before, and after the windows move into weekly partitions', async () => {
    const client = await backend.newClient();
    const schema = await schemaOf(client);
    expect(await migrate(client, { schema, migrations: MIGRATIONS.filter((m) => m.id <= 15) })).toEqual({
      applied: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15],
    });
    await client.query(`INSERT INTO vigil_metric_series (series_id, model, version, metric, feature, group_key) VALUES
      (1, 'm', '7', 'psi', 'age', ''), (2, 'm', '7', 'drifted', 'age', ''), (3, 'm', '7', 'auc', '', ''), (4, 'other', '', 'ece', '', '')`);
    // Windows in two weeks, with values of every kind and details on some series.
    await client.query(`INSERT INTO vigil_metric_windows (model, version, window_start, window_end, rows, labelled_rows, vals, details, computed_at)
      SELECT 'm', '7', e - interval '1 hour', e, 900 + i, 700, jsonb_build_object('1', i / 3.0, '2', i % 2, '3', CASE WHEN i % 3 = 0 THEN 'null'::jsonb ELSE to_jsonb('NaN'::text) END),
             jsonb_build_object('1', jsonb_build_object('histogram', jsonb_build_array(i, 2))), timestamptz '2026-12-01T00:00:00Z' + i * interval '1 second'
      FROM generate_series(0, 9) i, LATERAL (SELECT timestamptz '2026-11-29T16:00:00Z' + i * interval '1 hour' AS e) x
      UNION ALL SELECT 'other', '', timestamptz '2026-11-20T00:00:00Z', timestamptz '2026-11-20T01:00:00Z', 50, 50, '{"4": 0.03}', NULL, timestamptz '2026-12-01T00:00:00Z'`);
    const queries = [
      `SELECT model, version, window_start, window_end, metric, feature, group_key, value::text AS value, rows, labelled_rows, details, computed_at
       FROM vigil_metric_rows ORDER BY model, version, window_start, metric, feature, group_key`,
      `SELECT window_end AS "time", feature AS metric, value FROM vigil_metric_rows WHERE model = 'm' AND metric = 'psi' AND version = '7'
         AND window_end BETWEEN '2026-11-28T00:00:00Z' AND '2026-11-30T03:00:00Z' ORDER BY 1, 2`,
      `SELECT window_end, sum(value) AS drifted FROM vigil_metric_rows WHERE metric = 'drifted' GROUP BY 1 ORDER BY 1`,
      `SELECT window_end FROM vigil_metric_rows WHERE model = 'm' AND metric = 'auc' ORDER BY window_end DESC LIMIT 1`,
    ];
    const before = [];
    for (const q of queries) before.push((await client.query(q)).rows);
    expect(before[0]).toHaveLength(31);
    expect(await migrate(client, { schema })).toEqual({
      applied: MIGRATIONS.filter((m) => m.id > 15).map((m) => m.id),
    });
    const kindOf = await client.query<{ relkind: string }>(
      `SELECT relkind FROM pg_class WHERE oid = 'vigil_metric_windows'::regclass`,
    );
    expect(kindOf.rows).toEqual([{ relkind: 'p' }]);
    for (const [i, q] of queries.entries()) expect([i, (await client.query(q)).rows]).toEqual([i, before[i]]);
    // In one transaction, as the store's maintainPartitions runs it (its locks are transaction-scoped).
    await client.query('BEGIN');
    await ensureMetricPartitionsIn(client, Date.parse('2026-12-01T00:00:00Z'));
    await client.query('COMMIT');
    const placed = await client.query<{ p: string; n: number }>(
      `SELECT replace(tableoid::regclass::text, '"', '') AS p, count(*)::integer AS n FROM vigil_metric_windows GROUP BY 1 ORDER BY 1`,
    );
    expect(placed.rows.map((r) => [r.p.replace(/^.*\./, ''), r.n])).toEqual([
      ['vigil_metric_windows_p20261116', 1],
      ['vigil_metric_windows_p20261123', 8],
      ['vigil_metric_windows_p20261130', 2],
    ]);
    for (const [i, q] of queries.entries()) expect([i, (await client.query(q)).rows]).toEqual([i, before[i]]);
  });
});

describe.each(BACKENDS)('migration 0017 on %s', (kind) => {
  let backend: TestBackend;
  beforeAll(async () => {
    backend = await openBackend(kind, 'migrate0017');
  });
  afterAll(async () => {
    await backend?.teardown();
  });

  it('compresses stored and new accumulators with lz4 where the server has it, keeping every accumulator and its updated_at', async () => {
    const client = await backend.newClient();
    const schema = await schemaOf(client);
    expect(await migrate(client, { schema, migrations: MIGRATIONS.filter((m) => m.id <= 16) })).toEqual({
      applied: [...Array(16).keys()].map((i) => i + 1),
    });
    // An accumulator shaped like the daemon's: histograms of mostly zeros, well over the 2 KB at which Postgres compresses.
    const accumulator = (k: number) =>
      JSON.stringify({
        version: 1,
        rows: k,
        features: Array.from({ length: 30 }, (_, f) => ({
          kind: 'numeric',
          rows: k,
          counts: Array.from({ length: 100 }, (_, b) => (b === (f + k) % 100 ? k : 0)),
          sum: k * 0.1,
        })),
      });
    for (const k of [1, 2]) {
      await client.query(
        `INSERT INTO vigil_buckets (model, version, bucket_start, accumulator, rows, updated_at) VALUES ('m', '1', $1::timestamptz, $2::json, $3, '2026-11-22T12:00:00Z')`,
        [new Date(Date.UTC(2026, 10, 22, 10, 5 * k)).toISOString(), accumulator(k), k],
      );
    }
    const read = `SELECT accumulator::text AS a, updated_at, pg_column_compression(accumulator) AS compression, pg_column_size(accumulator) < octet_length(accumulator::text) AS smaller
      FROM vigil_buckets ORDER BY bucket_start`;
    const before = (
      await client.query<{ a: string; updated_at: unknown; compression: string | null; smaller: boolean }>(read)
    ).rows;
    expect(before.map((r) => [r.compression, r.smaller])).toEqual([
      [null, false],
      [null, false],
    ]);
    expect(await migrate(client, { schema })).toEqual({
      applied: MIGRATIONS.filter((m) => m.id > 16).map((m) => m.id),
    });
    await client.query(
      `INSERT INTO vigil_buckets (model, version, bucket_start, accumulator, rows) VALUES ('m', '1', '2026-11-22T10:15:00Z', $1::json, 3)`,
      [accumulator(3)],
    );
    const after = (
      await client.query<{ a: string; updated_at: unknown; compression: string | null; smaller: boolean }>(read)
    ).rows;
    expect(after.map((r) => r.a)).toEqual([accumulator(1), accumulator(2), accumulator(3)]);
    expect(after.slice(0, 2).map((r) => r.updated_at)).toEqual(before.map((r) => r.updated_at));
    // PGlite is built without lz4: there the accumulators stay as they were.
    const compressed = kind === 'postgres' ? ['lz4', true] : [null, false];
    expect(after.map((r) => [r.compression, r.smaller])).toEqual([compressed, compressed, compressed]);
  });
});

describe.each(BACKENDS)('migration 0020 on %s', (kind) => {
  let backend: TestBackend;
  beforeAll(async () => {
    backend = await openBackend(kind, 'migrate0020');
  });
  afterAll(async () => {
    await backend?.teardown();
  });

  it('reads the drift histograms stored whole before it as they were, beside those stored with a shared part after it', async () => {
    const client = await backend.newClient();
    const schema = await schemaOf(client);
    expect(await migrate(client, { schema, migrations: MIGRATIONS.filter((m) => m.id <= 19) })).toEqual({
      applied: [...Array(19).keys()].map((i) => i + 1),
    });
    const histogram = { labels: ['(-inf, 1)', '[1, inf)'], reference: [30, 70], current: [4, 6] };
    const details = { method: 'psi', value: 0.2, threshold: 0.1, histogram };
    await client.query(`INSERT INTO vigil_metric_series (series_id, model, version, metric, feature, group_key) VALUES
      (1, 'm', '1', 'drifted', 'age', ''), (2, 'm', '1', 'psi', '$score', '')`);
    await client.query(
      `INSERT INTO vigil_metric_windows (model, version, window_start, window_end, rows, labelled_rows, vals, details, computed_at)
       VALUES ('m', '1', '2026-12-01T00:00:00Z', '2026-12-01T01:00:00Z', 10, 0, '{"1": 1, "2": 0.2}', $1::jsonb, '2026-12-01T01:00:00Z')`,
      [JSON.stringify({ 1: details, 2: { histogram } })],
    );
    const view = `SELECT window_start, metric, feature, value, details FROM vigil_metric_rows ORDER BY window_start, metric`;
    const before = (await client.query(view)).rows;
    expect(before.map((r) => r.details)).toEqual([details, { histogram }]);
    expect(await migrate(client, { schema })).toEqual({
      applied: MIGRATIONS.filter((m) => m.id > 19).map((m) => m.id),
    });
    expect((await client.query(view)).rows).toEqual(before);
    // A window written after it, with the same histograms: stored with the shared part's id, read back whole.
    const later = Date.parse('2026-12-01T00:05:00Z');
    const base = {
      model: 'm',
      version: '1',
      windowStart: later,
      windowEnd: later + 3_600_000,
      rows: 10,
      labelledRows: 0,
    };
    await upsertMetricRows(client, [
      { ...base, metric: 'drifted', feature: 'age', group: '', value: 1, details },
      { ...base, metric: 'psi', feature: '$score', group: '', value: 0.2, details: { histogram } },
    ]);
    const after = (await client.query(view)).rows;
    expect(after.slice(0, 2)).toEqual(before);
    expect(after.slice(2).map((r) => r.details)).toEqual([details, { histogram }]);
    const stored = await client.query<{ details: string }>(
      `SELECT details::text AS details FROM vigil_metric_windows WHERE window_start = $1::timestamptz`,
      [new Date(later).toISOString()],
    );
    expect(stored.rows[0]?.details).not.toContain('inf');
  });
});

describe.each(BACKENDS)('migration 0024 on %s', (kind) => {
  let backend: TestBackend;
  beforeAll(async () => {
    backend = await openBackend(kind, 'migrate0024');
  });
  afterAll(async () => {
    await backend?.teardown();
  });

  it('rebuilds the prediction index with its fixed-width columns first and no labelled_at; the rows, their keys and their labelled state are kept, and labels still join', async () => {
    const client = await backend.newClient();
    const schema = await schemaOf(client);
    const upTo22 = MIGRATIONS.filter((m) => m.id <= 22);
    expect(await migrate(client, { schema, migrations: upTo22 })).toEqual({ applied: upTo22.map((m) => m.id) });
    const T = Date.UTC(2026, 11, 1, 10);
    // p1 unlabelled, p2 labelled by its event, p3 unlabelled and waited for by an orphan label, p4 of another model.
    await client.query(
      `INSERT INTO vigil_prediction_index (model, id, version, ts, bucket_start, expires_at, score, prediction, groups, label, labelled_at)
       VALUES ('m', 'p1', '1', $1, $2, $3, 0.25, NULL, '{"sex":"f","race":null}', NULL, NULL),
              ('m', 'p2', '1', $1 + 1, $2, $3, 0.75, 1, '{}', 0, now()),
              ('m', 'p3', '2', $1 + 2, $2, $3, NULL, 0, '{"sex":"m"}', NULL, NULL),
              ('n', 'p1', '1', $1 + 3, $2, $3, 0.5, NULL, '{}', NULL, NULL)`,
      [T, T - (T % 300000), T + 86_400_000],
    );
    await client.query(
      `INSERT INTO vigil_orphan_labels (model, id, label, ts, expires_at) VALUES ('m', 'p3', 1, now(), now() + interval '1 day')`,
    );
    const columns = `SELECT model, id, version, ts::text AS ts, bucket_start::text AS bucket_start, expires_at::text AS expires_at,
       score, prediction, groups, label FROM vigil_prediction_index ORDER BY model, id`;
    const before = (await client.query(columns)).rows;
    expect(before).toHaveLength(4);

    // 0023 (the metric windows' values) comes between and leaves the prediction index alone.
    expect(await migrate(client, { schema, migrations: MIGRATIONS.filter((m) => m.id <= 24) })).toEqual({
      applied: [23, 24],
    });
    expect((await client.query(columns)).rows).toEqual(before);
    const layout = await client.query<{ attname: string }>(
      `SELECT a.attname FROM pg_attribute AS a WHERE a.attrelid = 'vigil_prediction_index'::regclass AND a.attnum > 0
       AND NOT a.attisdropped ORDER BY a.attnum`,
    );
    expect(layout.rows.map((r) => r.attname)).toEqual([
      'ts',
      'bucket_start',
      'expires_at',
      'score',
      'prediction',
      'label',
      'model',
      'id',
      'version',
      'groups',
    ]);
    const indexes = await client.query<{ indexname: string; indexdef: string }>(
      `SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'vigil_prediction_index' AND schemaname = $1 ORDER BY indexname`,
      [schema],
    );
    expect(indexes.rows.map((r) => [r.indexname, r.indexdef.replace(/^.* USING btree /, '')])).toEqual([
      ['vigil_prediction_index_expiry', '(expires_at)'],
      ['vigil_prediction_index_pkey', '(id, model)'],
      ['vigil_prediction_index_ts_hour', '(((ts / 3600000)))'],
    ]);
    // The key still makes an id count once, under "C".
    const again = await client
      .query(
        `INSERT INTO vigil_prediction_index (model, id, version, ts, bucket_start, expires_at) VALUES ('m', 'p1', '9', 0, 0, 0)`,
      )
      .catch((e: unknown) => e);
    expect(String(again)).toContain('SQLSTATE 23505');

    // Labels join the migrated rows: p1 joins with its score and groups, p2 was labelled by its event (a
    // duplicate), p9 is unknown (an orphan); the waiting orphan of p3 is claimed.
    const outcome = await client.transaction((tx) =>
      joinLabelsIn(tx, [
        { model: 'm', id: 'p1', label: 1, ts: T, expiresAt: T + 86_400_000 },
        { model: 'm', id: 'p2', label: 1, ts: T, expiresAt: T + 86_400_000 },
        { model: 'm', id: 'p9', label: 0, ts: T, expiresAt: T + 86_400_000 },
      ]),
    );
    expect(outcome).toEqual({
      matches: [
        {
          model: 'm',
          id: 'p1',
          version: '1',
          bucketStart: T - (T % 300000),
          ts: T,
          score: 0.25,
          prediction: null,
          groups: { sex: 'f', race: null },
          label: 1,
        },
      ],
      duplicates: 1,
      orphaned: 1,
    });
    const claimed = await client.transaction((tx) => claimOrphansIn(tx, 100));
    expect(claimed.map((m) => [m.id, m.version, m.ts, m.prediction, m.groups, m.label])).toEqual([
      ['p3', '2', T + 2, 0, { sex: 'm' }, 1],
    ]);
    // Each is labelled once: the same labels again are duplicates.
    const replay = await client.transaction((tx) =>
      joinLabelsIn(tx, [
        { model: 'm', id: 'p1', label: 1, ts: T, expiresAt: T + 86_400_000 },
        { model: 'm', id: 'p3', label: 1, ts: T, expiresAt: T + 86_400_000 },
      ]),
    );
    expect(replay).toEqual({ matches: [], duplicates: 2, orphaned: 0 });
    expect(
      (
        await client.query<{ id: string; label: unknown }>(
          `SELECT model || '/' || id AS id, label FROM vigil_prediction_index ORDER BY 1`,
        )
      ).rows,
    ).toEqual([
      { id: 'm/p1', label: 1 },
      { id: 'm/p2', label: 0 },
      { id: 'm/p3', label: 1 },
      { id: 'n/p1', label: null },
    ]);
  });
});

describe.each(BACKENDS)('migration 0031 on %s', (kind) => {
  let backend: TestBackend;
  beforeAll(async () => {
    backend = await openBackend(kind, 'migrate0031');
  });
  afterAll(async () => {
    await backend?.teardown();
  });

  it('lets slim index rows be stored (bucket_start and groups nullable), keeping the rows stored before and their joins', async () => {
    const client = await backend.newClient();
    const schema = await schemaOf(client);
    const upTo30 = MIGRATIONS.filter((m) => m.id <= 30);
    expect(await migrate(client, { schema, migrations: upTo30 })).toEqual({ applied: upTo30.map((m) => m.id) });
    const T = Date.UTC(2026, 11, 7, 10);
    // Stored before 0031: q1 labelled by its event (with its full row, as then), q2 unlabelled.
    await client.query(
      `INSERT INTO vigil_prediction_index (model, id, version, ts, bucket_start, expires_at, score, prediction, groups, label)
       VALUES ('m', 'q1', '1', $1, $2, $3, 0.75, 1, '{"sex":"f"}', 0),
              ('m', 'q2', '1', $1 + 1, $2, $3, 0.25, NULL, '{"sex":"m"}', NULL)`,
      [T, T - (T % 300000), T + 86_400_000],
    );
    const nullable = `SELECT attname, NOT attnotnull AS nullable FROM pg_attribute
       WHERE attrelid = 'vigil_prediction_index'::regclass AND attname IN ('bucket_start', 'groups') ORDER BY attname`;
    expect((await client.query(nullable)).rows).toEqual([
      { attname: 'bucket_start', nullable: false },
      { attname: 'groups', nullable: false },
    ]);
    const columns = `SELECT id, ts::text AS ts, bucket_start::text AS bucket_start, score, prediction, groups, label
       FROM vigil_prediction_index ORDER BY id`;
    const before = (await client.query(columns)).rows;

    expect(await migrate(client, { schema, migrations: MIGRATIONS.filter((m) => m.id <= 31) })).toEqual({
      applied: [31],
    });
    expect((await client.query(columns)).rows).toEqual(before);
    expect((await client.query(nullable)).rows).toEqual([
      { attname: 'bucket_start', nullable: true },
      { attname: 'groups', nullable: true },
    ]);
    // A slim row goes in beside them; labels: q1 and q3 duplicates, q2 joins with its bucket, score and groups.
    await client.query(
      `INSERT INTO vigil_prediction_index (model, id, version, ts, bucket_start, expires_at, score, prediction, groups, label)
       VALUES ('m', 'q3', '1', $1, NULL, $2, NULL, NULL, NULL, 1)`,
      [T + 2, T + 86_400_000],
    );
    const outcome = await client.transaction((tx) =>
      joinLabelsIn(
        tx,
        ['q1', 'q2', 'q3'].map((id) => ({ model: 'm', id, label: 1, ts: T, expiresAt: T + 86_400_000 })),
      ),
    );
    expect(outcome).toEqual({
      matches: [
        {
          model: 'm',
          id: 'q2',
          version: '1',
          bucketStart: T - (T % 300000),
          ts: T + 1,
          score: 0.25,
          prediction: null,
          groups: { sex: 'm' },
          label: 1,
        },
      ],
      duplicates: 2,
      orphaned: 0,
    });
  });
});

describe('splitStatements', () => {
  it('splits at line-ending semicolons and drops comment lines', () => {
    expect(
      splitStatements('-- a comment; with a semicolon\nCREATE TABLE a (x int);\n\nCREATE INDEX i ON a (x);'),
    ).toEqual(['CREATE TABLE a (x int)', 'CREATE INDEX i ON a (x)']);
  });

  it('keeps quoted and dollar-quoted semicolons inside their statement', () => {
    const fn =
      "CREATE FUNCTION f() RETURNS trigger AS $$\nBEGIN\n  RAISE EXCEPTION 'no; never';\nEND;\n$$ LANGUAGE plpgsql";
    expect(splitStatements(`${fn};\nINSERT INTO t VALUES ('a;b');\nSELECT $tag$x;y$tag$;`)).toEqual([
      fn,
      "INSERT INTO t VALUES ('a;b')",
      'SELECT $tag$x;y$tag$',
    ]);
  });
});

async function schemaOf(client: { query<R>(text: string): Promise<{ rows: R[] }> }): Promise<string> {
  const result = await client.query<{ schema: string | null }>('SELECT (current_schemas(false))[1] AS schema');
  return result.rows[0]?.schema ?? 'public';
}
