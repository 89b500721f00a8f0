import type { MetricName } from '@vigil/core';
import { upsertMetricRows, type MetricRow } from '../../src/metrics/metric-rows';
import type { SqlClient } from '../../src/sql/sql-client';
import { BACKENDS, openBackend, type TestBackend } from '@vigil/test-kit';

const T0 = Date.parse('2026-11-22T10:00:00Z');
const HOUR = 3_600_000;

const row = (over: Partial<MetricRow> & Pick<MetricRow, 'metric'>): MetricRow => ({
  model: 'm',
  version: '1',
  windowStart: T0,
  windowEnd: T0 + HOUR,
  feature: '',
  group: '',
  value: 0,
  rows: 500,
  labelledRows: 400,
  ...over,
});

/** A row of either query below, both selecting the summary columns under the same names. */
function summaryOf(x: Record<string, unknown>) {
  return {
    version: String(x.version),
    windowEnd: new Date(x.window_end as string).getTime(),
    psiFeatures: Number(x.psi_features),
    psiMax: x.psi_max === null ? null : Number(x.psi_max),
    worst: x.psi_worst_feature,
    drifted: x.drifted_features === null ? null : Number(x.drifted_features),
    modelRows: x.model_rows,
  };
}

/** The summary columns of every window of a model, in key order. */
async function summaries(sql: SqlClient, model: string) {
  const r = await sql.query<Record<string, unknown>>(
    `SELECT version, window_end, psi_features, psi_max, psi_worst_feature, drifted_features, model_rows
     FROM vigil_metric_windows WHERE model = $1 ORDER BY version, window_start, window_end`,
    [model],
  );
  return r.rows.map(summaryOf);
}

/** The same, aggregated from the `vigil_metric_rows` view as the fleet panels did before migration 0027. */
async function fromView(sql: SqlClient, model: string) {
  const r = await sql.query<Record<string, unknown>>(
    `SELECT w.version, w.window_end,
            count(r.metric) FILTER (WHERE r.metric = 'psi' AND r.feature <> '' AND r.feature NOT LIKE '$%' AND r.group_key = '') AS psi_features,
            max(r.value) FILTER (WHERE r.metric = 'psi' AND r.feature <> '' AND r.feature NOT LIKE '$%' AND r.group_key = '') AS psi_max,
            (array_agg(r.feature ORDER BY r.value DESC NULLS LAST, r.feature) FILTER (WHERE r.metric = 'psi' AND r.feature <> '' AND r.feature NOT LIKE '$%' AND r.group_key = ''))[1] AS psi_worst_feature,
            sum(r.value) FILTER (WHERE r.metric = 'drifted' AND r.feature <> '' AND r.feature NOT LIKE '$%' AND r.group_key = '') AS drifted_features,
            count(r.metric) FILTER (WHERE r.metric = 'rows' AND r.feature = '' AND r.group_key = '') > 0 AS model_rows
     FROM vigil_metric_windows w
     LEFT JOIN vigil_metric_rows r ON r.model = w.model AND r.version = w.version AND r.window_start = w.window_start AND r.window_end = w.window_end
     WHERE w.model = $1 GROUP BY w.version, w.window_start, w.window_end ORDER BY w.version, w.window_start, w.window_end`,
    [model],
  );
  return r.rows.map(summaryOf);
}

describe.each(BACKENDS)("a window's fleet summary (migration 0027) on %s", (kind) => {
  let backend: TestBackend;
  let sql: SqlClient;
  beforeAll(async () => {
    backend = await openBackend(kind, 'fleetsummary');
    await backend.newStore();
    sql = await backend.newClient();
  }, 60_000);
  afterAll(async () => {
    await backend?.teardown();
  });

  it("holds the worst input feature's PSI, its feature, the drifted count and the rows flag: not $score, not groups", async () => {
    await upsertMetricRows(sql, [
      row({ metric: 'rows', value: 500 }),
      row({ metric: 'psi', feature: 'age', value: 0.12 }),
      row({ metric: 'psi', feature: 'income', value: 0.31 }),
      row({ metric: 'psi', feature: 'region', value: null }),
      // Larger, but not an input feature's PSI: the panel's filter leaves them out.
      row({ metric: 'psi', feature: '$score', value: 0.9 }),
      row({ metric: 'psi', feature: 'age', group: 'sex=f', value: 0.8 }),
      row({ metric: 'js', feature: 'age', value: 0.7 }),
      row({ metric: 'drifted', feature: 'age', value: 0 }),
      row({ metric: 'drifted', feature: 'income', value: 1 }),
      row({ metric: 'drifted', feature: 'region', value: 1 }),
      row({ metric: 'drifted', feature: '$score', value: 1 }),
    ]);
    expect(await summaries(sql, 'm')).toEqual([
      {
        version: '1',
        windowEnd: T0 + HOUR,
        psiFeatures: 3,
        psiMax: 0.31,
        worst: 'income',
        drifted: 2,
        modelRows: true,
      },
    ]);
    // Analysed again with late labels: only some rows written; the summary is of the merged window.
    await upsertMetricRows(sql, [
      row({ metric: 'psi', feature: 'age', value: 0.45 }),
      row({ metric: 'drifted', feature: 'age', value: 1 }),
    ]);
    expect(await summaries(sql, 'm')).toEqual([
      {
        version: '1',
        windowEnd: T0 + HOUR,
        psiFeatures: 3,
        psiMax: 0.45,
        worst: 'age',
        drifted: 3,
        modelRows: true,
      },
    ]);
    // A window with no input-feature PSI and no rows count.
    await upsertMetricRows(sql, [row({ metric: 'auc', windowStart: T0 + HOUR, windowEnd: T0 + 2 * HOUR, value: 0.8 })]);
    expect((await summaries(sql, 'm'))[1]).toEqual({
      version: '1',
      windowEnd: T0 + 2 * HOUR,
      psiFeatures: 0,
      psiMax: null,
      worst: null,
      drifted: null,
      modelRows: false,
    });
  });

  it('equals what the panels aggregated from vigil_metric_rows, over windows of random rows written and rewritten', async () => {
    // A small deterministic generator: reproducible windows with nulls, ties broken by name and partial rewrites.
    let seed = 17;
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) as number;
    const features = ['a', 'b', 'c', 'd', '$score'];
    const metrics: MetricName[] = ['psi', 'drifted', 'js'];
    for (let pass = 0; pass < 2; pass++) {
      const rows: MetricRow[] = [];
      for (let w = 0; w < 12; w++) {
        const base = {
          model: 'r',
          version: String(w % 2),
          windowStart: T0 + w * 300_000,
          windowEnd: T0 + w * 300_000 + HOUR,
        };
        if (rand() < 0.7) rows.push(row({ ...base, metric: 'rows', value: 100 }));
        for (const f of features)
          for (const metric of metrics)
            for (const group of ['', 'sex=f'])
              if (rand() < 0.6) {
                const x = rand();
                const value = x < 0.1 ? null : metric === 'drifted' ? Math.round(x) : Math.round(x * 20) / 20;
                rows.push(row({ ...base, metric, feature: f, group, value }));
              }
        if (rows.every((r) => r.windowStart !== base.windowStart))
          rows.push(row({ ...base, metric: 'auc', value: 0.5 }));
      }
      await upsertMetricRows(sql, rows);
    }
    const expected = await fromView(sql, 'r');
    expect(expected).toHaveLength(12);
    expect(expected.some((e) => e.psiFeatures === 0 || e.psiMax === null || e.modelRows === false)).toBe(true);
    expect(await summaries(sql, 'r')).toEqual(expected);
  });
});
