import { upsertMetricRows, type MetricRow } from '../../src/metrics/metric-rows';
import { rollUpMetricsIn } from '../../src/metrics/metric-rollups';
import type { SqlClient } from '../../src/sql/sql-client';
import { BACKENDS, openBackend, type TestBackend } from '@vigil/test-kit';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
/** A UTC midnight: the test's windows end every 5 minutes from 00:05 on this day to 00:00 three days later. */
const D0 = Date.parse('2026-11-22T00:00:00Z');
const ENDS = Array.from({ length: 3 * 288 }, (_, i) => D0 + (i + 1) * 5 * MINUTE);
const valueAt = (end: number) => Math.round(Math.abs(Math.sin(end / HOUR)) * 1000) / 1000;

function windowRows(model: string, windowEnd: number): MetricRow[] {
  const base = {
    model,
    version: '1',
    windowStart: windowEnd - HOUR,
    windowEnd,
    group: '',
    rows: 100,
    labelledRows: 10,
  };
  // The score's PSI, above every feature's: the model's daily summary of input features leaves it out.
  return [
    { ...base, metric: 'psi', feature: 'age', value: valueAt(windowEnd) },
    { ...base, metric: 'psi', feature: '$score', value: 5 },
  ];
}

interface Point {
  grain: string;
  end: number;
  value: number;
  max: number;
  windows: number;
}

/** What the view should read: each period once, from the finest source that still holds all of it. */
function expected(windowsFrom: number, hoursFrom: number): Point[] {
  const out: Point[] = [];
  const summary = (grain: string, ends: number[]): Point => {
    const values = ends.map(valueAt);
    return {
      grain,
      end: ends[ends.length - 1]!,
      value: values.reduce((a, b) => a + b, 0) / values.length,
      max: Math.max(...values),
      windows: ends.length,
    };
  };
  const periods = (size: number, from: number, to: number) => {
    for (let p = from; p < to; p += size) {
      const ends = ENDS.filter((e) => e >= p && e < p + size);
      if (ends.length > 0) out.push(summary(size === DAY ? 'day' : 'hour', ends));
    }
  };
  periods(DAY, D0, hoursFrom);
  periods(HOUR, hoursFrom, windowsFrom);
  for (const e of ENDS.filter((e) => e >= windowsFrom))
    out.push({ grain: 'window', end: e, value: valueAt(e), max: valueAt(e), windows: 1 });
  return out;
}

describe.each(BACKENDS)('metric points across windows and roll-ups on %s', (kind) => {
  let backend: TestBackend;
  let sql: SqlClient;
  beforeAll(async () => {
    backend = await openBackend(kind, 'points');
    await backend.newStore();
    sql = await backend.newClient();
  }, 60_000);
  afterAll(async () => {
    await backend?.teardown();
  });

  const points = async (model: string, where = 'true'): Promise<Point[]> =>
    (
      await sql.query<{ grain: string; end: unknown; value: number; max: number; windows: number }>(
        `SELECT grain, window_end AS end, value, value_max AS max, windows FROM vigil_metric_points
         WHERE model = $1 AND metric = 'psi' AND feature = 'age' AND ${where} ORDER BY window_end`,
        [model],
      )
    ).rows.map((r) => ({
      grain: r.grain,
      end: new Date(r.end as string | Date).getTime(),
      value: Number(r.value),
      max: Number(r.max),
      windows: Number(r.windows),
    }));
  const close = (actual: Point[], wanted: Point[]) => {
    expect(actual.map((p) => [p.grain, new Date(p.end).toISOString(), p.windows, p.max])).toEqual(
      wanted.map((p) => [p.grain, new Date(p.end).toISOString(), p.windows, p.max]),
    );
    actual.forEach((p, i) => expect(p.value).toBeCloseTo(wanted[i]!.value, 9));
  };

  it('reads windows where they are, hourly roll-ups before them and daily ones before those: every window once', async () => {
    const model = 'm-points';
    await upsertMetricRows(
      sql,
      ENDS.flatMap((e) => windowRows(model, e)),
    );
    // Nothing deleted yet: the windows alone, even though roll-ups of them exist.
    await rollUpMetricsIn(sql, {});
    close(await points(model), expected(-Infinity, -Infinity));

    // Hours ending by day 1 03:00 deleted (their days whole before day 2), windows ending before day 2 10:30: the
    // hour 10:00-11:00 lost half its windows and is read from its roll-up, written before any was deleted.
    await rollUpMetricsIn(sql, { windowsBefore: D0 + 2 * DAY + 10.5 * HOUR, hoursBefore: D0 + DAY + 3 * HOUR });
    const read = await points(model);
    close(read, expected(D0 + 2 * DAY + 11 * HOUR, D0 + 2 * DAY));
    expect(read.map((p) => p.grain).filter((g, i, a) => a.indexOf(g) === i)).toEqual(['day', 'hour', 'window']);
    // No gap, no double count: the points summarise every window written exactly once.
    expect(read.reduce((n, p) => n + p.windows, 0)).toBe(ENDS.length);
    // Grafana's time filter on window_end picks a range across the seams.
    const from = new Date(D0 + 2 * DAY + 9 * HOUR).toISOString();
    const to = new Date(D0 + 2 * DAY + 12 * HOUR).toISOString();
    close(
      await points(model, `window_end BETWEEN '${from}' AND '${to}'`),
      expected(D0 + 2 * DAY + 11 * HOUR, D0 + 2 * DAY).filter(
        (p) => p.end >= Date.parse(from) && p.end <= Date.parse(to),
      ),
    );
  });

  it("summarises each day's input features apart for the fleet panel, plotted at the day's last window", async () => {
    const days = await sql.query<{ day: unknown; all: number; features: number; last: unknown }>(
      `SELECT bucket_start AS day, value_max_max AS all, feature_value_max_max AS features, last_window_end AS last
       FROM vigil_metric_model_daily WHERE model = 'm-points' AND metric = 'psi' ORDER BY 1`,
    );
    const seams = await sql.query<{ windows_day: unknown }>('SELECT windows_day FROM vigil_metric_seams()');
    expect(new Date(seams.rows[0]!.windows_day as string | Date).getTime()).toBe(D0 + 2 * DAY);
    expect(
      days.rows.map((r) => [
        new Date(r.day as string | Date).toISOString(),
        Number(r.all),
        Number(r.features),
        new Date(r.last as string | Date).toISOString(),
      ]),
    ).toEqual(
      [0, 1, 2, 3].map((d) => {
        const ends = ENDS.filter((e) => e >= D0 + d * DAY && e < D0 + (d + 1) * DAY);
        return [
          new Date(D0 + d * DAY).toISOString(),
          5,
          Math.max(...ends.map(valueAt)),
          new Date(ends[ends.length - 1]!).toISOString(),
        ];
      }),
    );
  });

  it('finds a series through the indexes of the series, the windows and both roll-ups', async () => {
    await sql.query('SET enable_seqscan = off');
    try {
      const plan = await sql.query<Record<string, string>>(
        `EXPLAIN SELECT window_end AS "time", feature AS metric, value FROM vigil_metric_points
         WHERE model = 'm-points' AND version IN ('1') AND metric = 'psi' AND window_end BETWEEN '2026-11-01' AND '2026-12-01' ORDER BY 1, 2`,
      );
      const text = plan.rows.map((r) => Object.values(r)[0]).join('\n');
      for (const index of ['vigil_metric_series', 'vigil_metric_hourly_pkey', 'vigil_metric_daily_pkey'])
        expect(text).toContain(index);
      expect(text).toMatch(/Index Scan using vigil_metric_windows\S*_end/);
    } finally {
      await sql.query('RESET enable_seqscan');
    }
  });
});
