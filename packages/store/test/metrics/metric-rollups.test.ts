import { auditLog } from '../../src/alerts/audit-log';
import { metricRows, upsertMetricRows, type MetricRow } from '../../src/metrics/metric-rows';
import { rollUpMetricsIn } from '../../src/metrics/metric-rollups';
import type { SqlClient } from '../../src/sql/sql-client';
import type { Store } from '../../src/create-store';
import { BACKENDS, openBackend, type TestBackend } from '@vigil/test-kit';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
/** A UTC midnight: hours 10 and 11 of this day hold the test's windows. */
const D0 = Date.parse('2026-11-22T00:00:00Z');
const H10 = D0 + 10 * HOUR;

/** Window k (0..23) of a 1-hour window sliding by 5 minutes, ending at 10:00 + 5k min: 12 end in hour 10, 12 in hour 11. */
function windowRows(model: string, k: number, shift = 0, day = 0): MetricRow[] {
  const windowEnd = H10 + day * DAY + k * 5 * MINUTE;
  const base = {
    model,
    version: '1',
    windowStart: windowEnd - HOUR,
    windowEnd,
    feature: '',
    group: '',
    rows: 100 + k,
    labelledRows: k,
  };
  return [
    { ...base, metric: 'psi', feature: 'age', value: k + shift },
    // null in odd windows: the last window of each hour has none.
    { ...base, metric: 'auc', value: k % 2 === 0 ? k / 100 : null },
  ];
}

interface Rollup {
  metric: string;
  bucket_start: string;
  windows: number;
  value_count: number;
  value_last: number | null;
  value_mean: number | null;
  value_min: number | null;
  value_max: number | null;
  rows: string;
  labelled_rows: string;
  last_window_end: string;
}

async function rollups(sql: SqlClient, model: string, grain: 'hour' | 'day'): Promise<Rollup[]> {
  const r = await sql.query<Rollup>(
    `SELECT metric, to_char(bucket_start AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI') AS bucket_start, windows, value_count, value_last,
            round(value_mean::numeric, 9)::float8 AS value_mean, value_min, value_max, rows::text AS rows, labelled_rows::text AS labelled_rows,
            to_char(last_window_end AT TIME ZONE 'UTC', 'HH24:MI') AS last_window_end
     FROM vigil_metric_rollups WHERE model = $1 AND grain = $2 ORDER BY metric, bucket_start`,
    [model, grain],
  );
  return r.rows;
}

const sum = (from: number, to: number, f: (k: number) => number) =>
  Array.from({ length: to - from + 1 }, (_, i) => f(from + i)).reduce((a, b) => a + b, 0);

describe.each(BACKENDS)('metric roll-ups on %s', (kind) => {
  let backend: TestBackend;
  let sql: SqlClient;
  let store: Store;
  beforeAll(async () => {
    backend = await openBackend(kind, 'rollups');
    store = await backend.newStore();
    sql = await backend.newClient();
  }, 60_000);
  afterAll(async () => {
    await backend?.teardown();
  });

  it('rolls windows up per hour and day (count, last, mean, min, max, summed rows), then deletes the expired windows', async () => {
    const model = 'm-roll';
    for (let k = 0; k < 24; k++) await upsertMetricRows(sql, windowRows(model, k));
    // Now 12:30 with metric rows kept 2 hours: windows ending before 10:30 (k = 0..5) go, after being rolled up.
    const now = H10 + 150 * MINUTE;
    const result = await store.retention.apply(now, { metricRowsMs: 2 * HOUR });
    expect(result).toEqual({
      deadLettersErased: null,
      predictionsDeleted: null,
      metrics: { hours: 4, days: 2, windowsDeleted: 6, hoursDeleted: null },
    });
    const hour = (
      metric: string,
      h: number,
      first: number,
      last: number,
      values: (k: number) => number | null,
    ): Rollup => {
      const vs = Array.from({ length: last - first + 1 }, (_, i) => values(first + i)).filter(
        (v): v is number => v !== null,
      );
      return {
        metric,
        bucket_start: `2026-11-22T${h}:00`,
        windows: last - first + 1,
        value_count: vs.length,
        value_last: values(last),
        value_mean: Math.round((vs.reduce((a, b) => a + b, 0) / vs.length) * 1e9) / 1e9,
        value_min: Math.min(...vs),
        value_max: Math.max(...vs),
        rows: String(sum(first, last, (k) => 100 + k)),
        labelled_rows: String(sum(first, last, (k) => k)),
        last_window_end: `${h}:55`,
      };
    };
    const auc = (k: number) => (k % 2 === 0 ? k / 100 : null);
    const psi = (k: number) => k;
    expect(await rollups(sql, model, 'hour')).toEqual([
      hour('auc', 10, 0, 11, auc),
      hour('auc', 11, 12, 23, auc),
      hour('psi', 10, 0, 11, psi),
      hour('psi', 11, 12, 23, psi),
    ]);
    expect(await rollups(sql, model, 'day')).toEqual([
      { ...hour('auc', 0, 0, 23, auc), bucket_start: '2026-11-22T00:00', last_window_end: '11:55' },
      { ...hour('psi', 0, 0, 23, psi), bucket_start: '2026-11-22T00:00', last_window_end: '11:55' },
    ]);
    expect((await metricRows(sql, model, { from: D0, to: D0 + DAY })).map((r) => r.windowEnd)).toEqual(
      Array.from({ length: 18 }, (_, i) => H10 + (i + 6) * 5 * MINUTE).flatMap((t) => [t, t]),
    );
    const audit = (await auditLog(sql, { limit: 5 })).find((e) => e.action === 'retention.applied');
    expect(audit?.details).toEqual({
      metricRollups: { hours: 4, days: 2 },
      metricRows: { windowEndBefore: new Date(now - 2 * HOUR).toISOString(), windowsDeleted: 6 },
    });

    // A re-analysis of hour 11's windows (late labels) revises hour 11 and the day on the next pass; a window of hour
    // 10 analysed again after some of hour 10's windows expired leaves hour 10 as it was.
    for (let k = 6; k < 24; k++) await upsertMetricRows(sql, windowRows(model, k, 1000));
    const again = await store.retention.apply(now, { metricRowsMs: 2 * HOUR });
    expect(again?.metrics).toEqual({ hours: 2, days: 2, windowsDeleted: 0, hoursDeleted: null });
    const psiHours = (await rollups(sql, model, 'hour')).filter((r) => r.metric === 'psi');
    expect(psiHours).toEqual([hour('psi', 10, 0, 11, psi), hour('psi', 11, 12, 23, (k) => k + 1000)]);
    const psiDay = (await rollups(sql, model, 'day')).find((r) => r.metric === 'psi');
    expect(psiDay).toMatchObject({
      windows: 24,
      value_last: 1023,
      value_min: 0,
      value_max: 1023,
      value_mean: Math.round(((66 + sum(12, 23, (k) => k + 1000)) / 24) * 1e9) / 1e9,
    });
  });

  it('deletes hourly roll-ups past their limit and keeps the days they were rolled into', async () => {
    const model = 'm-hours';
    // The next day (the test before deleted windows of the first one).
    for (let k = 0; k < 24; k++) await upsertMetricRows(sql, windowRows(model, k, 0, 1));
    // Hours that ended by 11:30 go: this model's hour 10 (ended 11:00) and the other model's two hours the day before.
    const result = await rollUpMetricsIn(sql, { hoursBefore: H10 + DAY + 90 * MINUTE });
    expect(result.hoursDeleted).toBe(2 + 4);
    expect((await rollups(sql, model, 'hour')).map((r) => [r.metric, r.bucket_start])).toEqual([
      ['auc', '2026-11-23T11:00'],
      ['psi', '2026-11-23T11:00'],
    ]);
    expect((await rollups(sql, model, 'day')).map((r) => [r.metric, r.windows])).toEqual([
      ['auc', 24],
      ['psi', 24],
    ]);
    // Another window of the day, analysed late: the day is not recomputed from the hours that are left.
    await upsertMetricRows(sql, windowRows(model, 23, 5000, 1));
    await rollUpMetricsIn(sql);
    expect((await rollups(sql, model, 'hour')).find((r) => r.metric === 'psi')).toMatchObject({
      windows: 12,
      value_max: 5023,
    });
    expect((await rollups(sql, model, 'day')).find((r) => r.metric === 'psi')).toMatchObject({
      bucket_start: '2026-11-23T00:00',
      windows: 24,
      value_max: 23,
    });
    expect((await rollups(sql, 'm-roll', 'day')).map((r) => r.windows)).toEqual([24, 24]);
  });
  it('summarises each day per model version and metric across features: series, sum and max of the daily maxima, max of the daily means', async () => {
    const model = 'm-fleet';
    const day = 2;
    // drifted: f0 in windows 20..23, f1 in window 3, f2 never; psi of f0..f2 is k + feature index.
    const drifted = (f: number, k: number) => (f === 0 ? (k >= 20 ? 1 : 0) : f === 1 ? (k === 3 ? 1 : 0) : 0);
    const write = (k: number, f2: number) => {
      const windowEnd = H10 + day * DAY + k * 5 * MINUTE;
      const base = {
        model,
        version: '1',
        windowStart: windowEnd - HOUR,
        windowEnd,
        group: '',
        rows: 10,
        labelledRows: 0,
      };
      return upsertMetricRows(sql, [
        ...[0, 1, 2].map((f) => ({
          ...base,
          metric: 'drifted' as const,
          feature: `f${f}`,
          value: f === 2 ? f2 : drifted(f, k),
        })),
        ...[0, 1, 2].map((f) => ({ ...base, metric: 'psi' as const, feature: `f${f}`, value: k + f })),
      ]);
    };
    for (let k = 0; k < 24; k++) await write(k, 0);
    await rollUpMetricsIn(sql);
    const summary = async () =>
      (
        await sql.query<{
          metric: string;
          day: string;
          series: number;
          value_max_sum: number;
          value_max_max: number;
          value_mean_max: number;
        }>(
          `SELECT metric, to_char(bucket_start AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS day, series, value_max_sum, value_max_max,
                  round(value_mean_max::numeric, 9)::float8 AS value_mean_max
           FROM vigil_metric_model_daily WHERE model = $1 ORDER BY metric`,
          [model],
        )
      ).rows;
    expect(await summary()).toEqual([
      {
        metric: 'drifted',
        day: '2026-11-24',
        series: 3,
        value_max_sum: 2,
        value_max_max: 1,
        value_mean_max: Math.round((4 / 24) * 1e9) / 1e9,
      },
      {
        metric: 'psi',
        day: '2026-11-24',
        series: 3,
        value_max_sum: 23 + 24 + 25,
        value_max_max: 25,
        value_mean_max: Math.round((sum(0, 23, (k) => k + 2) / 24) * 1e9) / 1e9,
      },
    ]);
    // The same answer as summing the per-series daily roll-ups, which is what the panel read before.
    const fromRollups = await sql.query<{ n: number; s: number; m: number }>(
      `SELECT count(*)::int AS n, sum(value_max) AS s, max(value_max) AS m FROM vigil_metric_rollups WHERE grain = 'day' AND model = $1 AND metric = 'drifted'`,
      [model],
    );
    expect(fromRollups.rows[0]).toEqual({ n: 3, s: 2, m: 1 });
    // f2 drifts in the last window, analysed again: the next pass revises the day's summary.
    await write(23, 1);
    await rollUpMetricsIn(sql);
    expect((await summary())[0]).toMatchObject({ metric: 'drifted', series: 3, value_max_sum: 3, value_max_max: 1 });
  });

  it('rolls up windows back-filled before the seams (a replay of old events) before deleting them, and the points show them', async () => {
    // A first pass moves the seams: windows before day 3 and hourly roll-ups before day 1 are gone.
    const now = D0 + 5 * DAY;
    const limits = { metricRowsMs: 2 * DAY, metricHourlyMs: 4 * DAY };
    await store.retention.apply(now, limits);
    // Then a replay analyses a new model's windows of day -3 (before both seams) and another's of day 2 (between them).
    for (let k = 0; k < 24; k++) {
      await upsertMetricRows(sql, windowRows('m-back-day', k, 0, -3));
      await upsertMetricRows(sql, windowRows('m-back-hour', k, 0, 2));
    }
    const result = await store.retention.apply(now, limits);
    expect(result?.metrics?.windowsDeleted).toBe(48);
    const psiDay = {
      metric: 'psi',
      windows: 24,
      value_count: 24,
      value_last: 23,
      value_mean: 11.5,
      value_min: 0,
      value_max: 23,
      rows: String(sum(0, 23, (k) => 100 + k)),
      labelled_rows: String(sum(0, 23, (k) => k)),
    };
    // Day -3: its hours are past metricHourly (rolled into the day, then deleted); the day is kept.
    expect(await rollups(sql, 'm-back-day', 'hour')).toEqual([]);
    expect((await rollups(sql, 'm-back-day', 'day')).find((r) => r.metric === 'psi')).toMatchObject({
      ...psiDay,
      bucket_start: '2026-11-19T00:00',
    });
    // Day 2: both hours kept, and the day.
    expect(
      (await rollups(sql, 'm-back-hour', 'hour'))
        .filter((r) => r.metric === 'psi')
        .map((r) => [r.bucket_start, r.windows]),
    ).toEqual([
      ['2026-11-24T10:00', 12],
      ['2026-11-24T11:00', 12],
    ]);
    expect((await rollups(sql, 'm-back-hour', 'day')).find((r) => r.metric === 'psi')).toMatchObject(psiDay);
    // The points read each from its roll-up: the windows analysed add up.
    const points = await sql.query<{ model: string; grain: string; n: number; windows: number }>(
      `SELECT model, grain, count(*)::int AS n, sum(windows)::int AS windows FROM vigil_metric_points
       WHERE model LIKE 'm-back-%' AND metric = 'psi' GROUP BY model, grain ORDER BY model`,
    );
    expect(points.rows).toEqual([
      { model: 'm-back-day', grain: 'day', n: 1, windows: 24 },
      { model: 'm-back-hour', grain: 'hour', n: 2, windows: 24 },
    ]);
    const fleet = await sql.query<{ series: number; value_max_max: number }>(
      `SELECT series, value_max_max FROM vigil_metric_model_daily WHERE model = 'm-back-day' AND metric = 'psi'`,
    );
    expect(fleet.rows).toEqual([{ series: 1, value_max_max: 23 }]);

    // A late label re-analyses window 23 of day 2 after its hour was rolled up and its windows deleted: the hour and
    // the day keep its first analysis (counted once, not twice), and the next pass deletes the re-analysed row.
    await upsertMetricRows(sql, windowRows('m-back-hour', 23, 5000, 2));
    const late = await store.retention.apply(now, limits);
    expect(late?.metrics?.windowsDeleted).toBe(1);
    expect(
      (await rollups(sql, 'm-back-hour', 'hour')).find(
        (r) => r.bucket_start === '2026-11-24T11:00' && r.metric === 'psi',
      ),
    ).toMatchObject({
      windows: 12,
      value_last: 23,
      value_max: 23,
    });
    expect((await rollups(sql, 'm-back-hour', 'day')).find((r) => r.metric === 'psi')).toMatchObject(psiDay);
  });
});
