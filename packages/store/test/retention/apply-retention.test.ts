import { auditLog } from '../../src/alerts/audit-log';
import { listDeadLetters } from '../../src/dead-letters/dead-letters';
import { upsertMetricRows } from '../../src/metrics/metric-rows';
import { applyRetention, applyRetentionIn } from '../../src/retention/apply-retention';
import {
  claimReviewItemIn,
  decideReviewItemIn,
  expireReviewItemsIn,
  listReviewItems,
  queueFlaggedIn,
  type FlaggedPrediction,
} from '../../src/review-queue/review-queue';
import type { SqlClient, SqlExecutor } from '../../src/sql/sql-client';
import type { Store } from '../../src/create-store';
import { BACKENDS, openBackend, type TestBackend } from '@vigil/test-kit';

const DAY = 86_400_000;
const NOW = Date.parse('2026-12-01T00:00:00Z');

describe.each(BACKENDS)('retention on %s', (kind) => {
  let backend: TestBackend;
  let sql: SqlClient;
  let store: Store;

  beforeAll(async () => {
    backend = await openBackend(kind, 'retention');
    store = await backend.newStore();
    sql = await backend.newClient();
  }, 60_000);
  afterAll(async () => {
    await backend.teardown();
  });

  const deadLetter = (offset: number, ageDays: number) =>
    sql.query(
      `INSERT INTO vigil_dead_letters (topic, partition, "offset", received_at, code, reason, raw, raw_bytes) VALUES ('t', 0, $1, $2::timestamptz, 'VIGIL_EVENT_INVALID', $3, $4, $5)`,
      [
        offset,
        new Date(NOW - ageDays * DAY).toISOString(),
        `bad event ${offset}`,
        Buffer.from(`{"id":"p${offset}","ssn":"123-45-6789"}`),
        Buffer.byteLength(`{"id":"p${offset}","ssn":"123-45-6789"}`),
      ],
    );
  const prediction = (id: string, ageDays: number) =>
    sql.query(
      `INSERT INTO vigil_prediction_index (model, id, version, ts, bucket_start, expires_at) VALUES ('m', $1, '1', $2, $2, $3)`,
      [id, NOW - ageDays * DAY, NOW + 30 * DAY],
    );

  it('does nothing, and audits nothing, without limits', async () => {
    expect(await applyRetentionIn(sql, NOW, {})).toBeNull();
    expect(await auditLog(sql, { limit: 10 })).toEqual([]);
  });

  it('erases old dead letters\u2019 bytes (keeping row and reason) and deletes old index rows, once, auditing each run with counts', async () => {
    await deadLetter(1, 40);
    await deadLetter(2, 31);
    await deadLetter(3, 29);
    for (const [id, age] of [
      ['old1', 100],
      ['old2', 91],
      ['new', 89],
      ['today', 0],
    ] as const)
      await prediction(id, age);
    const result = await store.retention.apply(NOW, { deadLetterRawMs: 30 * DAY, predictionIndexMs: 90 * DAY });
    expect(result).toEqual({ deadLettersErased: 2, predictionsDeleted: 2 });
    const letters = await listDeadLetters(sql);
    expect(letters.map((l) => [l.offset, l.reason, l.raw.length, l.rawBytes > 0, l.rawErasedAt])).toEqual([
      ['3', 'bad event 3', letters[0]!.rawBytes, true, null],
      ['2', 'bad event 2', 0, true, NOW],
      ['1', 'bad event 1', 0, true, NOW],
    ]);
    expect(
      (await sql.query<{ id: string }>(`SELECT id FROM vigil_prediction_index ORDER BY id`)).rows.map((r) => r.id),
    ).toEqual(['new', 'today']);
    // A second run finds nothing new, and says so in the log too.
    expect(await store.retention.apply(NOW + 1, { deadLetterRawMs: 30 * DAY, predictionIndexMs: 90 * DAY })).toEqual({
      deadLettersErased: 0,
      predictionsDeleted: 0,
    });
    const runs = (await auditLog(sql, { limit: 10 })).filter((e) => e.action === 'retention.applied');
    expect(runs.map((e) => [e.actor, e.details])).toEqual([
      [
        'vigil',
        {
          deadLetterRaw: { receivedBefore: new Date(NOW - 30 * DAY).toISOString(), erased: 2 },
          predictionIndex: { eventTimeBefore: new Date(NOW - 90 * DAY).toISOString(), deleted: 2 },
        },
      ],
      [
        'vigil',
        {
          deadLetterRaw: { receivedBefore: new Date(NOW + 1 - 30 * DAY).toISOString(), erased: 0 },
          predictionIndex: { eventTimeBefore: new Date(NOW + 1 - 90 * DAY).toISOString(), deleted: 0 },
        },
      ],
    ]);
  });

  it('applies only the limit that is configured', async () => {
    await deadLetter(4, 365);
    await prediction('ancient', 365);
    expect(await store.retention.apply(NOW, { predictionIndexMs: 90 * DAY })).toEqual({
      deadLettersErased: null,
      predictionsDeleted: 1,
    });
    expect((await listDeadLetters(sql)).find((l) => l.offset === '4')?.rawErasedAt).toBeNull();
  });

  it('erases the feature values of review items settled before the limit, keeping their verdicts, once, audited', async () => {
    const flagged = (id: string, priority: number): FlaggedPrediction => ({
      id,
      version: 'v1',
      ts: NOW - 101 * DAY,
      score: 0.51,
      prediction: 1,
      features: { income: 51_234, region: 'west' },
      groups: { sex: 'female' },
      attributions: { income: 0.25 },
      reasons: [{ policy: 'unusual', kind: 'new_category', feature: 'region', value: 'west' } as { policy: string }],
      priority,
    });
    const context = { metrics: [{ metric: 'psi', feature: 'income', value: 0.3 }] };
    // Capacity 3: `notQueued` is recorded as not queued; `open` stays pending (its TTL is far away).
    await store.transaction((tx) =>
      queueFlaggedIn(
        tx,
        [
          {
            model: 'rq',
            capacityPerHour: 3,
            ttlMs: 200 * DAY,
            context,
            items: [flagged('old', 4), flagged('recent', 3), flagged('open', 2), flagged('notQueued', 1)],
          },
        ],
        NOW - 100 * DAY,
      ),
    );
    await store.transaction((tx) =>
      queueFlaggedIn(
        tx,
        [{ model: 'rq', capacityPerHour: 3, ttlMs: DAY, context, items: [flagged('expired', 1)] }],
        NOW - 50 * DAY,
      ),
    );
    const byPrediction = async () =>
      new Map((await listReviewItems(sql, { model: 'rq' })).map((i) => [i.predictionId, i]));
    const items = await byPrediction();
    const decide = (id: string, at: number) =>
      store.transaction(async (tx) => {
        await claimReviewItemIn(tx, items.get(id)!.id, 'ana', at, 60_000);
        await decideReviewItemIn(tx, items.get(id)!.id, 'ana', at + 1, {
          verdict: 'override',
          label: 0,
          reason: 'checked the file',
          labelTtlMs: DAY,
        });
      });
    await decide('old', NOW - 40 * DAY);
    await decide('recent', NOW - 10 * DAY);
    await store.transaction((tx) => expireReviewItemsIn(tx, NOW));

    expect(await store.retention.apply(NOW, { reviewQueueMs: 30 * DAY })).toEqual({
      deadLettersErased: null,
      predictionsDeleted: null,
      reviewItemsErased: 3,
    });
    const after = await byPrediction();
    for (const id of ['old', 'expired', 'notQueued']) {
      expect(after.get(id)).toMatchObject({
        features: {},
        attributions: {},
        reasons: [],
        context: {},
        groups: { sex: 'female' },
        policies: ['unusual'],
      });
    }
    expect(after.get('old')).toMatchObject({
      status: 'decided',
      verdict: 'override',
      label: 0,
      verdictReason: 'checked the file',
      decidedBy: 'ana',
    });
    expect(after.get('expired')?.status).toBe('expired');
    expect(after.get('notQueued')?.status).toBe('not_queued');
    for (const id of ['recent', 'open']) {
      expect(after.get(id)).toMatchObject({
        features: { income: 51_234, region: 'west' },
        attributions: { income: 0.25 },
        reasons: [{ policy: 'unusual', value: 'west' }],
        context: { metrics: [{ metric: 'psi' }] },
      });
    }
    expect(after.get('open')?.status).toBe('pending');
    // Nothing left to erase the next time; each run audited with its cut-off and count.
    expect(await store.retention.apply(NOW + 1, { reviewQueueMs: 30 * DAY })).toMatchObject({ reviewItemsErased: 0 });
    const runs = (await auditLog(sql, { limit: 50 })).filter(
      (e) =>
        e.action === 'retention.applied' && (e.details as Record<string, unknown> | null)?.reviewQueue !== undefined,
    );
    expect(runs.map((e) => e.details)).toEqual([
      { reviewQueue: { settledBefore: new Date(NOW - 30 * DAY).toISOString(), erased: 3 } },
      { reviewQueue: { settledBefore: new Date(NOW + 1 - 30 * DAY).toISOString(), erased: 0 } },
    ]);
  });

  it('deletes exactly the index rows before the limit, around its hour and before 1970 too, through the index on the hour', async () => {
    const HOUR = 3_600_000;
    const limit = Date.parse('2026-11-30T10:20:00Z');
    const times = [
      -HOUR - 1,
      -1,
      0,
      limit - HOUR,
      limit - 20 * 60_000 - 1,
      limit - 20 * 60_000,
      limit - 1,
      limit,
      limit + 1,
      limit + 40 * 60_000,
    ];
    await sql.query(
      `INSERT INTO vigil_prediction_index (model, id, version, ts, bucket_start, expires_at)
       SELECT 'm-hour', 'p' || n, '1', t, t, $2::bigint FROM UNNEST($1::int8[]) WITH ORDINALITY AS u(t, n)`,
      [`{${times.join(',')}}`, NOW + 30 * DAY],
    );
    // Served by the hour index when a scan of the table is not an option.
    await sql.query('BEGIN');
    await sql.query('SET LOCAL enable_seqscan = off');
    const plan = await sql.query<Record<string, string>>(
      `EXPLAIN DELETE FROM vigil_prediction_index WHERE ts / 3600000 <= $1::bigint / 3600000 AND ts < $1::bigint`,
      [limit],
    );
    await sql.query('ROLLBACK');
    expect(plan.rows.map((r) => Object.values(r)[0]).join('\n')).toContain('vigil_prediction_index_ts_hour');
    await store.retention.apply(NOW, { predictionIndexMs: NOW - limit });
    const left = await sql.query<{ ts: string }>(
      `SELECT ts::text AS ts FROM vigil_prediction_index WHERE model = 'm-hour' ORDER BY ts`,
    );
    expect(left.rows.map((r) => Number(r.ts))).toEqual(times.filter((t) => t >= limit));
  });

  it('keeps the hour index at a few bytes a row: the rows of an hour share its key', async () => {
    await sql.query(
      `INSERT INTO vigil_prediction_index (model, id, version, ts, bucket_start, expires_at)
       SELECT 'm-size', 'p' || n, '1', $1::bigint + n * 360, $1::bigint, $2::bigint FROM generate_series(1, 20000) AS n`,
      [NOW - 10 * DAY, NOW + 30 * DAY],
    );
    const size = await sql.query<{ bytes: string }>(
      `SELECT pg_relation_size('vigil_prediction_index_ts_hour')::text AS bytes`,
    );
    // 20,000 rows over 2 hours: an 8-byte key with its header and line pointer would be ~20 bytes a row.
    expect(Number(size.rows[0]!.bytes) / 20_000).toBeLessThan(10);
  });

  it('deletes the buckets that start before the limit, in bounded batches, keeps a window at the limit whole, audited with the count', async () => {
    const MINUTE = 60_000;
    const limit = NOW - 31 * DAY;
    const bucket = (model: string, version: string, start: number) =>
      sql.query(
        `INSERT INTO vigil_buckets (model, version, bucket_start, accumulator, rows) VALUES ($1, $2, $3::timestamptz, '{"rows":1}'::jsonb, 1)`,
        [model, version, new Date(start).toISOString()],
      );
    // Five before the limit (over two models and versions, the last 1 ms before it), and the twelve 5-minute buckets
    // of the 1 h window that starts at the limit: a window still within re-analysis reach keeps all of them.
    const old = [limit - 40 * DAY, limit - 5 * MINUTE, limit - 1];
    for (const start of old) await bucket('b1', '1', start);
    await bucket('b1', '2', limit - 9 * DAY);
    await bucket('b2', '1', limit - 300 * DAY);
    const window = Array.from({ length: 12 }, (_, i) => limit + i * 5 * MINUTE);
    for (const start of window) await bucket('b1', '1', start);
    await bucket('b2', '1', NOW - DAY);
    const audits = async () =>
      (await auditLog(sql, { limit: 50 })).filter(
        (e) => e.action === 'retention.applied' && 'buckets' in (e.details as object),
      );

    // Batches of two: 2 + 2 + 1, one statement each, all in the run's transaction.
    expect(await applyRetentionIn(sql, NOW, { bucketsMs: 31 * DAY }, 2)).toEqual({
      deadLettersErased: null,
      predictionsDeleted: null,
      bucketsDeleted: 5,
    });
    const left = await sql.query<{ model: string; version: string; bucket_start: unknown }>(
      `SELECT model, version, bucket_start FROM vigil_buckets WHERE model IN ('b1', 'b2') ORDER BY model, version, bucket_start`,
    );
    expect(left.rows.map((r) => [r.model, r.version, new Date(r.bucket_start as string | Date).getTime()])).toEqual([
      ...window.map((start) => ['b1', '1', start]),
      ['b2', '1', NOW - DAY],
    ]);
    // The default batch, through the store's group, a millisecond later: the limit passes the window's first bucket.
    expect(await store.retention.apply(NOW + 1, { bucketsMs: 31 * DAY })).toEqual({
      deadLettersErased: null,
      predictionsDeleted: null,
      bucketsDeleted: 1,
    });
    expect(
      (
        await sql.query(`SELECT 1 FROM vigil_buckets WHERE model = 'b1' AND bucket_start = $1::timestamptz`, [
          new Date(limit).toISOString(),
        ])
      ).rowCount,
    ).toBe(0);
    expect((await audits()).map((e) => [e.actor, e.details])).toEqual([
      ['vigil', { buckets: { bucketStartBefore: new Date(limit).toISOString(), deleted: 5 } }],
      ['vigil', { buckets: { bucketStartBefore: new Date(NOW + 1 - 31 * DAY).toISOString(), deleted: 1 } }],
    ]);
  });

  it('deletes a backlog of buckets one committed, audited transaction per batch; stopped half-way, the next pass deletes the rest', async () => {
    const limit = NOW - 31 * DAY;
    // Seven buckets of model c1 before the limit (one per hour), one after it.
    for (let i = 0; i < 7; i++)
      await sql.query(
        `INSERT INTO vigil_buckets (model, version, bucket_start, accumulator, rows) VALUES ('c1', '1', $1::timestamptz, '{"rows":1}'::jsonb, 1)`,
        [new Date(limit - (i + 1) * 3_600_000).toISOString()],
      );
    await sql.query(
      `INSERT INTO vigil_buckets (model, version, bucket_start, accumulator, rows) VALUES ('c1', '1', $1::timestamptz, '{"rows":1}'::jsonb, 1)`,
      [new Date(NOW - DAY).toISOString()],
    );
    const oldLeft = async () =>
      Number(
        (
          await sql.query<{ n: string }>(
            `SELECT count(*) AS n FROM vigil_buckets WHERE model = 'c1' AND bucket_start < $1::timestamptz`,
            [new Date(limit).toISOString()],
          )
        ).rows[0]!.n,
      );
    const audited = async () =>
      (await auditLog(sql, { limit: 100 }))
        .filter((e) => e.action === 'retention.applied' && 'buckets' in (e.details as object))
        .map((e) => (e.details as { buckets: { deleted: number; batch?: number } }).buckets);
    const auditedBefore = (await audited()).length;

    // The pass dies in its third transaction, after that transaction's DELETE ran: a crash mid-backlog.
    let transactions = 0;
    const crashing: SqlClient = {
      kind: sql.kind,
      query: (text, params) => sql.query(text, params),
      close: async () => {},
      transaction: (fn) =>
        sql.transaction(async (tx) => {
          const n = ++transactions;
          const wrapped: SqlExecutor = {
            query: async (text, params) => {
              const result = await tx.query(text, params);
              if (n === 3 && text.includes('DELETE FROM vigil_buckets')) throw new Error('killed mid-pass');
              return result as never;
            },
          };
          return fn(wrapped);
        }),
    };
    await expect(applyRetention(crashing, NOW, { bucketsMs: 31 * DAY }, 2)).rejects.toThrow('killed mid-pass');
    // Two batches committed and audited (the pass's own transaction, then batch 2); the third rolled back whole.
    expect(await oldLeft()).toBe(3);
    const afterCrash = (await audited()).slice(auditedBefore);
    expect(afterCrash.map((b) => [b.deleted, b.batch])).toEqual([
      [2, undefined],
      [2, 2],
    ]);

    // The next pass continues where it stopped: 2 + 1, and every bucket before the limit is accounted for.
    expect(await applyRetention(sql, NOW + 1, { bucketsMs: 31 * DAY }, 2)).toEqual({
      deadLettersErased: null,
      predictionsDeleted: null,
      bucketsDeleted: 3,
    });
    expect(await oldLeft()).toBe(0);
    const all = (await audited()).slice(auditedBefore);
    expect(all.map((b) => [b.deleted, b.batch])).toEqual([
      [2, undefined],
      [2, 2],
      [2, undefined],
      [1, 2],
    ]);
    expect(all.reduce((n, b) => n + b.deleted, 0)).toBe(7);
    expect(
      (
        await sql.query(`SELECT 1 FROM vigil_buckets WHERE model = 'c1' AND bucket_start = $1::timestamptz`, [
          new Date(NOW - DAY).toISOString(),
        ])
      ).rowCount,
    ).toBe(1);
  });

  it('finds the buckets to delete through the index on their start (migration 0022), not a scan of every model', async () => {
    // A test table is small enough for a sequential scan to win; without one, the plan shows which index serves.
    await sql.query('SET enable_seqscan = off');
    try {
      const forced = await sql.query<Record<string, string>>(
        `EXPLAIN SELECT model, version, bucket_start FROM vigil_buckets WHERE bucket_start < $1::timestamptz LIMIT 10`,
        [new Date(NOW).toISOString()],
      );
      expect(forced.rows.map((r) => Object.values(r)[0]).join('\n')).toContain('vigil_buckets_start');
    } finally {
      await sql.query('RESET enable_seqscan');
    }
  });

  it('rolls up a replay of events older than metricRows before deleting its windows (metricRows 7d, metricHourly 9d)', async () => {
    const limits = { metricRowsMs: 7 * DAY, metricHourlyMs: 9 * DAY };
    // A pass of a daemon already running: the seams are at 7 and 9 days.
    await store.retention.apply(NOW, limits);
    // Then `vigil replay` of a new model's events dated 10 days ago: 30 five-minute windows analysed.
    const MINUTE = 60_000;
    const first = NOW - 10 * DAY;
    for (let k = 0; k < 30; k++) {
      const windowEnd = first + (k + 1) * 5 * MINUTE;
      await upsertMetricRows(sql, [
        {
          model: 'fleet-5',
          version: '1',
          windowStart: windowEnd - 60 * MINUTE,
          windowEnd,
          metric: 'psi',
          feature: 'x',
          group: '',
          value: k / 10,
          rows: 40,
          labelledRows: 0,
        },
      ]);
    }
    const result = await store.retention.apply(NOW, limits);
    expect(result?.metrics).toMatchObject({ windowsDeleted: 30, days: 1 });
    // The audit log lists oldest first: this pass's entry is the last.
    const audit = (await auditLog(sql, { limit: 100 })).filter((e) => e.action === 'retention.applied').at(-1);
    expect(audit?.details).toMatchObject({ metricRows: { windowsDeleted: 30 }, metricRollups: { days: 1 } });
    expect((await sql.query('SELECT 1 FROM vigil_metric_windows WHERE model = $1', ['fleet-5'])).rowCount).toBe(0);
    // Kept in the daily roll-up (its hours are past metricHourly), and shown: the windows add up.
    const points = await sql.query<{ grain: string; windows: number; rows: string; value_max: number }>(
      `SELECT grain, windows, rows::text AS rows, value_max FROM vigil_metric_points WHERE model = 'fleet-5'`,
    );
    expect(points.rows).toEqual([{ grain: 'day', windows: 30, rows: String(30 * 40), value_max: 2.9 }]);
  });
});
