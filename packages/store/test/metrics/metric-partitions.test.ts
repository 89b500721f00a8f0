import { auditLog } from '../../src/alerts/audit-log';
import { metricRows, upsertMetricRows, type MetricRow } from '../../src/metrics/metric-rows';
import { metricPartitions, partitionStart } from '../../src/metrics/metric-partitions';
import type { SqlClient } from '../../src/sql/sql-client';
import type { Store } from '../../src/create-store';
import { BACKENDS, openBackend, type TestBackend } from '@vigil/test-kit';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
/** Mondays, 00:00 UTC: the weeks the partitions hold. */
const W1 = Date.parse('2026-11-16T00:00:00Z');
const W2 = W1 + 7 * DAY;
const W3 = W2 + 7 * DAY;
const NOW = W3 + DAY + 12 * HOUR;

/** The two rows of a 1-hour window ending at `windowEnd`. */
function windowRows(model: string, windowEnd: number, value: number): MetricRow[] {
  const base = {
    model,
    version: '1',
    windowStart: windowEnd - HOUR,
    windowEnd,
    feature: '',
    group: '',
    rows: 10,
    labelledRows: 5,
  };
  return [
    { ...base, metric: 'psi', feature: 'age', value, details: { bins: [value] } },
    { ...base, metric: 'auc', value: value / 100 },
  ];
}

/** Window ends: six in week 1, six in week 2 (three on each side of Wednesday 00:00), three in week 3. */
const ENDS = [
  ...[0, 1, 2, 3, 4, 5].map((i) => W1 + DAY + i * HOUR),
  ...[0, 1, 2].map((i) => W2 + i * HOUR),
  ...[0, 1, 2].map((i) => W2 + 2 * DAY + i * HOUR),
  ...[0, 1, 2].map((i) => W3 + i * HOUR),
];

async function placement(sql: SqlClient): Promise<Record<string, number>> {
  const r = await sql.query<{ p: string; n: number }>(
    `SELECT tableoid::regclass::text AS p, count(*)::integer AS n FROM vigil_metric_windows GROUP BY 1 ORDER BY 1`,
  );
  return Object.fromEntries(r.rows.map((x) => [x.p.replace(/^.*\./, '').replace(/"/g, ''), x.n]));
}

describe.each(BACKENDS)('metric window partitions on %s', (kind) => {
  let backend: TestBackend;
  let sql: SqlClient;
  let store: Store;
  beforeAll(async () => {
    backend = await openBackend(kind, 'partitions');
    store = await backend.newStore();
    sql = await backend.newClient();
  }, 60_000);
  afterAll(async () => {
    await backend?.teardown();
  });

  it('keeps windows without a partition in the default one, then moves them into weekly partitions created around now', async () => {
    const model = 'm-part';
    for (const [i, end] of ENDS.entries()) await upsertMetricRows(sql, windowRows(model, end, i));
    const before = await metricRows(sql, model, { from: W1 - DAY, to: W3 + 7 * DAY });
    expect(before).toHaveLength(2 * ENDS.length);
    expect(await placement(sql)).toEqual({ vigil_metric_windows_default: ENDS.length });

    const result = await store.metrics.maintainPartitions(NOW);
    expect(partitionStart(NOW)).toBe(W3);
    // Weeks 1 and 2 for the windows in the default partition; week 3 (now's) and the two after it, ahead.
    expect(result.created.map((p) => p.name)).toEqual([
      'vigil_metric_windows_p20261116',
      'vigil_metric_windows_p20261123',
      'vigil_metric_windows_p20261130',
      'vigil_metric_windows_p20261207',
      'vigil_metric_windows_p20261214',
    ]);
    expect(result.moved).toBe(ENDS.length);
    expect(await placement(sql)).toEqual({
      vigil_metric_windows_p20261116: 6,
      vigil_metric_windows_p20261123: 6,
      vigil_metric_windows_p20261130: 3,
    });
    // The same rows through the store and the view, details included.
    expect(await metricRows(sql, model, { from: W1 - DAY, to: W3 + 7 * DAY })).toEqual(before);
    const view = await sql.query<{ n: number; d: number }>(
      `SELECT count(*)::integer AS n, count(details)::integer AS d FROM vigil_metric_rows WHERE model = $1 AND metric = 'psi'`,
      [model],
    );
    expect(view.rows).toEqual([{ n: ENDS.length, d: ENDS.length }]);

    // A second pass has nothing to do; a window of a week ahead goes straight to its partition, and one revised keeps its place.
    expect(await store.metrics.maintainPartitions(NOW)).toEqual({ created: [], moved: 0 });
    await upsertMetricRows(sql, windowRows(model, W3 + 8 * DAY, 99));
    await upsertMetricRows(sql, windowRows(model, ENDS[0] as number, 1000));
    expect(await placement(sql)).toEqual({
      vigil_metric_windows_p20261116: 6,
      vigil_metric_windows_p20261123: 6,
      vigil_metric_windows_p20261130: 3,
      vigil_metric_windows_p20261207: 1,
    });
    expect((await metricRows(sql, model, { from: W1, to: W2, metric: 'psi' }))[0]?.value).toBe(1000);
  });

  it('drops the weeks wholly past retention, deletes the windows past it in the week that holds the limit, and audits the drop', async () => {
    const model = 'm-part';
    // Windows kept 6 days at NOW: the limit is Wednesday of week 2, 12:00.
    const limit = NOW - 6 * DAY;
    expect(limit).toBe(W2 + 2 * DAY + 12 * HOUR);
    const result = await store.retention.apply(NOW, { metricRowsMs: 6 * DAY });
    // Week 1 (6 windows) dropped; in week 2 the six windows ending before the limit are deleted.
    expect(result?.metrics?.windowsDeleted).toBe(6 + 6);
    expect(result?.metrics?.partitionsDropped).toEqual([
      { name: 'vigil_metric_windows_p20261116', from: W1, to: W2, windows: 6 },
    ]);
    expect((await metricPartitions(sql)).map((p) => p.name)).toEqual([
      'vigil_metric_windows_p20261123',
      'vigil_metric_windows_p20261130',
      'vigil_metric_windows_p20261207',
      'vigil_metric_windows_p20261214',
    ]);
    const left = await metricRows(sql, model, { from: W1 - DAY, to: W3 + 14 * DAY, metric: 'auc' });
    expect(left.map((r) => r.windowEnd)).toEqual([...ENDS.filter((e) => e >= limit), W3 + 8 * DAY]);
    const audit = (await auditLog(sql, { limit: 5 })).find((e) => e.action === 'retention.applied');
    expect(audit?.details).toMatchObject({
      metricRows: {
        windowEndBefore: new Date(limit).toISOString(),
        windowsDeleted: 12,
        partitionsDropped: [
          {
            partition: 'vigil_metric_windows_p20261116',
            from: new Date(W1).toISOString(),
            to: new Date(W2).toISOString(),
            windows: 6,
          },
        ],
      },
    });
    // The roll-ups kept what the dropped week held.
    const days = await sql.query<{ n: number }>(
      `SELECT count(*)::integer AS n FROM vigil_metric_rollups WHERE model = $1 AND grain = 'day' AND bucket_start < $2::timestamptz`,
      [model, new Date(W2).toISOString()],
    );
    expect(days.rows[0]?.n).toBe(2);
  });
});
