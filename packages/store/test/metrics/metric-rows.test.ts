import fc from 'fast-check';
import { wilsonIntervalOfRate, type MetricName } from '@vigil/core';
import { metricRows, upsertMetricRows, type MetricRow } from '../../src/metrics/metric-rows';
import type { SqlClient } from '../../src/sql/sql-client';
import { BACKENDS, openBackend, type TestBackend } from '@vigil/test-kit';

const T0 = Date.parse('2026-11-22T10:00:00Z');
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

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

/** What the view `vigil_metric_rows` shows, in the order of the store's reader, as MetricRows. */
async function viewRows(sql: SqlClient, model: string): Promise<MetricRow[]> {
  const result = await sql.query<Record<string, unknown>>(
    `SELECT model, version, window_start, window_end, metric, feature, group_key, value, rows::text AS rows, labelled_rows::text AS labelled_rows, details, computed_at
     FROM vigil_metric_rows WHERE model = $1 ORDER BY window_start, window_end, version, metric, feature, group_key`,
    [model],
  );
  return result.rows.map((r) => ({
    model: String(r.model),
    version: String(r.version),
    windowStart: new Date(r.window_start as string).getTime(),
    windowEnd: new Date(r.window_end as string).getTime(),
    metric: String(r.metric) as MetricName,
    feature: String(r.feature),
    group: String(r.group_key),
    value: r.value === null ? null : Number(r.value),
    rows: Number(r.rows),
    labelledRows: Number(r.labelled_rows),
    ...(r.details === null ? {} : { details: r.details }),
    computedAt: new Date(r.computed_at as string).getTime(),
  }));
}

describe.each(BACKENDS)('compact metric rows on %s', (kind) => {
  let backend: TestBackend;
  let sql: SqlClient;
  beforeAll(async () => {
    backend = await openBackend(kind, 'metricrows');
    await backend.newStore();
    sql = await backend.newClient();
  }, 60_000);
  afterAll(async () => {
    await backend?.teardown();
  });

  it('reads back every value, count and details as written, through the store and the vigil_metric_rows view alike', async () => {
    const hostile = `sex='f"; DROP TABLE vigil_metric_windows; --`;
    const written = [
      row({ metric: 'rows', value: 500 }),
      row({
        metric: 'psi',
        feature: 'age',
        value: 0.1 + 0.2,
        details: { histogram: { edges: [0, 1, 2], counts: [3, 4] } },
      }),
      row({ metric: 'psi', feature: 'income', value: Number.NaN }),
      row({ metric: 'wasserstein', feature: 'income', value: Number.POSITIVE_INFINITY }),
      row({ metric: 'ks', feature: 'income', value: Number.NEGATIVE_INFINITY }),
      row({ metric: 'auc', value: null }),
      row({
        metric: 'selectionRate',
        group: hostile,
        value: 5e-324,
        details: { n: 12, ci: [0.1, 0.9], sufficient: false },
      }),
      row({ metric: 'ece', value: -1.7976931348623157e308, details: null }),
      row({ metric: 'psi', feature: 'age', version: '2', value: 0.3 }),
      row({
        metric: 'psi',
        feature: 'age',
        windowStart: T0 + 5 * MINUTE,
        windowEnd: T0 + 65 * MINUTE,
        value: 0.4,
        rows: 7,
        labelledRows: 0,
      }),
    ];
    expect(await upsertMetricRows(sql, written)).toBe(written.length);
    const read = await metricRows(sql, 'm', { from: T0, to: T0 + HOUR });
    expect(read.map(({ computedAt, ...r }) => (expect(computedAt).toBeGreaterThan(0), r))).toEqual(
      [...written]
        .map(({ details, ...r }) => (details === null || details === undefined ? r : { ...r, details }))
        .sort(
          (a, b) =>
            a.windowStart - b.windowStart ||
            a.version.localeCompare(b.version) ||
            cmp(a.metric, b.metric) ||
            cmp(a.feature, b.feature) ||
            cmp(a.group, b.group),
        ),
    );
    expect(await viewRows(sql, 'm')).toEqual(read);
    // The filters of the reader.
    expect(
      (await metricRows(sql, 'm', { from: T0, to: T0 + HOUR, metric: 'psi' })).map((r) => [
        r.version,
        r.feature,
        r.windowStart,
      ]),
    ).toEqual([
      ['1', 'age', T0],
      ['1', 'income', T0],
      ['2', 'age', T0],
      ['1', 'age', T0 + 5 * MINUTE],
    ]);
    expect((await metricRows(sql, 'm', { from: T0, to: T0 + HOUR, version: '2' })).map((r) => r.metric)).toEqual([
      'psi',
    ]);
    expect(await metricRows(sql, 'm', { from: T0 + HOUR, to: T0 + 2 * HOUR })).toEqual([]);
  });

  it('revises rows written again (dropping details they no longer have) and keeps the window’s other rows', async () => {
    const model = 'm-revise';
    await upsertMetricRows(sql, [
      row({ model, metric: 'psi', feature: 'a', value: 1, details: { p: 1 } }),
      row({ model, metric: 'psi', feature: 'b', value: 2, details: { p: 2 } }),
      row({ model, metric: 'auc', value: 0.5 }),
    ]);
    await upsertMetricRows(sql, [
      row({ model, metric: 'psi', feature: 'a', value: 3 }),
      row({ model, metric: 'auc', value: 0.7, details: { bins: [] } }),
    ]);
    const read = await metricRows(sql, model, { from: T0, to: T0 + 1 });
    expect(read.map((r) => [r.metric, r.feature, r.value, r.details])).toEqual([
      ['auc', '', 0.7, { bins: [] }],
      ['psi', 'a', 3, undefined],
      ['psi', 'b', 2, { p: 2 }],
    ]);
    expect(await viewRows(sql, model)).toEqual(read);
  });

  it('stores one row per window and each series key once, drawing no series id for keys already known', async () => {
    const model = 'm-series';
    const window = (start: number) =>
      Array.from({ length: 50 }, (_, i) =>
        row({
          model,
          windowStart: start,
          windowEnd: start + HOUR,
          metric: 'psi',
          feature: `f${i}`,
          value: i / 100,
          details: { i },
        }),
      );
    for (let w = 0; w < 6; w++) await upsertMetricRows(sql, window(T0 + w * 5 * MINUTE));
    await upsertMetricRows(sql, window(T0)); // a re-analysis
    const counts = await sql.query<{ windows: number; series: number; ids: number }>(
      `SELECT (SELECT count(*)::int FROM vigil_metric_windows WHERE model = $1) AS windows,
              (SELECT count(*)::int FROM vigil_metric_series WHERE model = $1) AS series,
              (SELECT (max(series_id) - min(series_id) + 1)::int FROM vigil_metric_series WHERE model = $1) AS ids`,
      [model],
    );
    expect(counts.rows[0]).toEqual({ windows: 6, series: 50, ids: 50 });
    expect((await metricRows(sql, model, { from: T0, to: T0 + HOUR })).length).toBe(300);
    // A new series of the model gets the next id: nothing was drawn in vain by the writes above.
    await upsertMetricRows(sql, [row({ model, metric: 'js', feature: 'f0', value: 0 })]);
    const ids = await sql.query<{ ids: number }>(
      'SELECT (max(series_id) - min(series_id) + 1)::int AS ids FROM vigil_metric_series WHERE model = $1',
      [model],
    );
    expect(ids.rows[0]?.ids).toBe(51);
  });

  it('stores a window’s values as a float8[] in the order of its series ids, the ids once per distinct set, and merges a revision that adds a series', async () => {
    const model = 'm-layout';
    const values = [0.1 + 0.2, null, Number.NaN, Number.NEGATIVE_INFINITY, 5e-324, 1e21, 7e-7];
    const window = (start: number, features: number) =>
      Array.from({ length: features }, (_, i) =>
        row({
          model,
          windowStart: start,
          windowEnd: start + HOUR,
          metric: 'psi',
          feature: `f${i}`,
          value: i < values.length ? (values[i] as number | null) : i,
        }),
      );
    for (let w = 0; w < 4; w++) await upsertMetricRows(sql, window(T0 + w * 5 * MINUTE, 7));
    const stored = async () =>
      (
        await sql.query<{ start: string; layout: number; series: number[]; vals: string }>(
          `SELECT w.window_start AS start, w.layout, l.series, w.vals::text AS vals FROM vigil_metric_windows w
           JOIN vigil_metric_layouts l ON l.layout_id = w.layout WHERE w.model = $1 ORDER BY w.window_start`,
          [model],
        )
      ).rows;
    const before = await stored();
    expect(new Set(before.map((w) => w.layout)).size).toBe(1);
    const ids = before[0]?.series ?? [];
    expect(ids).toHaveLength(7);
    expect([...ids].sort((a, b) => a - b)).toEqual(ids);
    // Each value as float8 reads it back (in the order of the series ids, which need not be the features').
    expect(before[0]?.vals.slice(1, -1).split(',').sort()).toEqual(
      ['0.30000000000000004', 'NULL', 'NaN', '-Infinity', '5e-324', '1e+21', '7e-07'].sort(),
    );
    // A revision of the first window with one more series: a second layout, the other windows keep theirs.
    await upsertMetricRows(sql, window(T0, 8));
    const after = await stored();
    expect(after.slice(1).map((w) => w.layout)).toEqual(before.slice(1).map((w) => w.layout));
    expect(after[0]?.layout).not.toBe(before[0]?.layout);
    expect(after[0]?.series.slice(0, 7)).toEqual(ids);
    expect((await metricRows(sql, model, { from: T0, to: T0 + 1 })).map((r) => r.value)).toEqual([...values, 7]);
    // Written again without the new series: it is kept (a row not written stays), the layout is found again.
    await upsertMetricRows(sql, window(T0, 7));
    expect((await stored())[0]?.layout).toBe(after[0]?.layout);
    const layouts = await sql.query<{ n: number }>(
      `SELECT count(DISTINCT layout)::int AS n FROM vigil_metric_windows WHERE model = $1`,
      [model],
    );
    expect(layouts.rows[0]?.n).toBe(2);
  });

  it('stores no copy of a sibling row’s value in a drift row’s details nor the keys of per-group rates, and reads them back as written whatever extra_float_digits a session sets', async () => {
    const model = 'm-copies';
    // Doubles whose shortest text is awkward: a long fraction, exponents both ways, the extremes.
    const awkward = [0.1 + 0.2, 1e-7, 5e-324, 1.7976931348623157e308, 1.2345678901234568e20, -2.5e-10, 1 / 3];
    const window = (w: number, stat: (f: number) => number) => {
      const at = { model, windowStart: T0 + w * 5 * MINUTE, windowEnd: T0 + w * 5 * MINUTE + HOUR };
      return awkward.flatMap((p, f) => [
        row({ ...at, metric: 'ks', feature: `f${f}`, value: stat(f) }),
        row({ ...at, metric: 'ksPValue', feature: `f${f}`, value: p, details: { pValueAdjusted: Math.min(1, p * 7) } }),
        row({
          ...at,
          metric: 'drifted',
          feature: `f${f}`,
          value: p < 0.05 ? 1 : 0,
          // value and pValue are the ks and ksPValue rows' values; ksErrorBound equals no sibling's value.
          details: { method: 'ks', value: stat(f), pValue: p, threshold: 0.05, ksErrorBound: 0.0123 + f },
        }),
        // A zero is never replaced (0 and -0 are one JSON number but two float8s).
        row({ ...at, metric: 'missingRate', feature: `f${f}`, value: 0, details: { zero: 0, p } }),
        row({
          ...at,
          metric: 'tpr',
          group: `g=${f}`,
          value: 0.5,
          details: { n: 10 + f, labelled: 9, ci: [p, 0.9], sufficient: f % 2 === 0 },
        }),
        row({
          ...at,
          metric: 'ece',
          group: `g=${f}`,
          value: 0.25,
          details: { n: 10 + f, labelled: 9, sufficient: false },
        }),
        // Not a group rate's key set (an extra key), nor numbers of its own feature's rows (another group): as written.
        row({
          ...at,
          metric: 'fpr',
          group: `g=${f}`,
          value: stat(f),
          details: { n: 1, labelled: 1, sufficient: true, x: 2 },
        }),
      ]);
    };
    const stat = (f: number) => 0.01 * (f + 1) + 1e-17 * f;
    const written = [...window(0, stat), ...window(1, stat)];
    await upsertMetricRows(sql, written);
    // The ks rows of window 1 written again alone, with other values: the drift rows kept there keep the values
    // they were written with.
    await upsertMetricRows(
      sql,
      window(1, (f) => 0.5 + f).filter((r) => r.metric === 'ks'),
    );
    const expected = [
      ...written.filter((r) => !(r.windowStart > T0 && r.metric === 'ks')),
      ...window(1, (f) => 0.5 + f).filter((r) => r.metric === 'ks'),
    ];
    const byKey = (a: MetricRow, b: MetricRow) =>
      a.windowStart - b.windowStart || cmp(a.metric, b.metric) || cmp(a.feature, b.feature) || cmp(a.group, b.group);
    const read = await metricRows(sql, model, { from: T0, to: T0 + HOUR });
    expect(read.map(({ computedAt, ...r }) => r)).toEqual([...expected].sort(byKey));
    expect(await viewRows(sql, model)).toEqual(read);
    // The rebuilt details print as the jsonb of what was written, with Grafana's extra_float_digits (3) too.
    const texts = async () =>
      (
        await sql.query<{ t: string }>(
          `SELECT details::text AS t FROM vigil_metric_rows WHERE model = $1 AND details IS NOT NULL
           ORDER BY window_start, metric, feature, group_key`,
          [model],
        )
      ).rows.map((r) => r.t);
    const asJsonb = await sql.query<{ t: string }>(
      'SELECT x::jsonb::text AS t FROM unnest($1::text[]) WITH ORDINALITY AS u(x, i) ORDER BY i',
      [
        [...expected]
          .filter((r) => r.details !== undefined)
          .sort(byKey)
          .map((r) => JSON.stringify(r.details)),
      ],
    );
    expect(await texts()).toEqual(asJsonb.rows.map((r) => r.t));
    await sql.query('SET extra_float_digits = 3');
    try {
      expect(await texts()).toEqual(asJsonb.rows.map((r) => r.t));
    } finally {
      await sql.query('RESET extra_float_digits');
    }
    // Stored: the drift rows point at their siblings and the group rates hold arrays.
    const stored = (
      await sql.query<{ details: string }>(
        'SELECT details::text AS details FROM vigil_metric_windows WHERE model = $1 ORDER BY window_start',
        [model],
      )
    ).rows.map((r) => r.details);
    expect(stored).toHaveLength(2);
    const first = stored[0] as string;
    expect(first.match(/"\$v": \{"value": \d+, "pValue": \d+\}/g)).toHaveLength(awkward.length);
    expect(first.match(/"\$g": \[/g)).toHaveLength(2 * awkward.length);
    expect(first.match(/"sufficient"/g)).toHaveLength(awkward.length); // the fpr rows' only
    expect(first.match(/"ksErrorBound"/g)).toHaveLength(awkward.length);
    expect(first.match(/"zero": 0/g)).toHaveLength(awkward.length);
    expect(first.match(/"x": 2/g)).toHaveLength(awkward.length);
  });

  it('stores a per-group rate’s interval as its trials where they rebuild it to the last bit, and reads it back as written', async () => {
    const model = 'm-intervals';
    const at = { model, windowStart: T0, windowEnd: T0 + HOUR };
    // Rates at 0 and 1 (clipped bounds), one half, awkward fractions, large windows; then two that are not rebuilt.
    const rates: [number, number][] = [
      [0, 1],
      [1, 1],
      [0, 37],
      [37, 37],
      [5, 10],
      [1, 3],
      [2, 7],
      [123, 457],
      [99_999, 100_000],
      [3_141_592, 9_999_991],
    ];
    const rebuilt = rates.map(([s, t], i) =>
      row({
        ...at,
        metric: 'tpr',
        group: `g=${i}`,
        value: s / t,
        details: { n: t + 3, labelled: t + 1, sufficient: t >= 30, ci: wilsonIntervalOfRate(s / t, t) },
      }),
    );
    const asWritten = [
      // Another z (a 90% interval), and an interval that is no rate's: kept as written.
      row({
        ...at,
        metric: 'fpr',
        group: 'g=a',
        value: 0.3,
        details: { n: 10, labelled: 10, sufficient: false, ci: wilsonIntervalOfRate(0.3, 10, 1.6448536269514722) },
      }),
      row({
        ...at,
        metric: 'fpr',
        group: 'g=b',
        value: 0.3,
        details: { n: 10, labelled: 10, sufficient: false, ci: [0.1, 0.6] },
      }),
      // No value, or more trials than the group has rows: as written.
      row({
        ...at,
        metric: 'fpr',
        group: 'g=c',
        value: null,
        details: { n: 10, labelled: 10, sufficient: false, ci: wilsonIntervalOfRate(0.3, 10) },
      }),
      row({
        ...at,
        metric: 'fpr',
        group: 'g=d',
        value: 0.3,
        details: { n: 5, labelled: 5, sufficient: false, ci: wilsonIntervalOfRate(0.3, 10) },
      }),
    ];
    const written = [...rebuilt, ...asWritten];
    await upsertMetricRows(sql, written);
    const byKey = (a: MetricRow, b: MetricRow) => cmp(a.metric, b.metric) || cmp(a.group, b.group);
    const read = await metricRows(sql, model, { from: T0, to: T0 + HOUR });
    expect(read.map(({ computedAt, ...r }) => r)).toEqual([...written].sort(byKey));
    expect(await viewRows(sql, model)).toEqual(read);
    const stored = (
      await sql.query<{ details: Record<string, { $g: unknown[] }> }>(
        'SELECT details FROM vigil_metric_windows WHERE model = $1',
        [model],
      )
    ).rows[0]?.details as Record<string, { $g: unknown[] }>;
    const fourth = Object.values(stored).map((d) => d.$g[3]);
    expect(fourth.filter((x) => typeof x === 'number').sort((a, b) => (a as number) - (b as number))).toEqual(
      rates.map(([, t]) => t).sort((a, b) => a - b),
    );
    expect(fourth.filter((x) => Array.isArray(x))).toHaveLength(asWritten.length);
    // The rebuilt intervals print as the jsonb of what was written, with Grafana's extra_float_digits (3) too.
    await sql.query('SET extra_float_digits = 3');
    try {
      const texts = await sql.query<{ t: string; w: string }>(
        `SELECT r.details::text AS t, u.x::jsonb::text AS w FROM vigil_metric_rows r
         JOIN unnest($2::text[], $3::text[]) AS u(g, x) ON u.g = r.group_key WHERE r.model = $1`,
        [model, written.map((r) => r.group), written.map((r) => JSON.stringify(r.details))],
      );
      expect(texts.rows).toHaveLength(written.length);
      for (const r of texts.rows) expect(r.t).toBe(r.w);
    } finally {
      await sql.query('RESET extra_float_digits');
    }
  });

  it('stores the bin labels and reference counts of drift histograms once, keeps only the current counts per window, and reads the histograms back whole', async () => {
    const model = 'm-histograms';
    const labels = (f: number) => ['(-inf, 0.1)', '[0.1, 0.5)', `[0.5, ${f})`, `[${f}, inf)`];
    const reference = (f: number) => [100 + f, 200, 300, 400 - f];
    const hist = (f: number, w: number) => ({ labels: labels(f), reference: reference(f), current: [w, f, 0, 1] });
    const window = (w: number) => [
      ...Array.from({ length: 5 }, (_, f) =>
        row({
          model,
          windowStart: T0 + w * 5 * MINUTE,
          windowEnd: T0 + w * 5 * MINUTE + HOUR,
          metric: 'drifted',
          feature: `f${f}`,
          value: f % 2,
          details: { method: 'ks', value: 0.1 * f, threshold: 0.05, pValue: 0.5, histogram: hist(f, w) },
        }),
      ),
      // The score's psi row carries only the histogram.
      row({
        model,
        windowStart: T0 + w * 5 * MINUTE,
        windowEnd: T0 + w * 5 * MINUTE + HOUR,
        metric: 'psi',
        feature: '$score',
        value: 0.01,
        details: { histogram: hist(0, w) },
      }),
      // Not a drift histogram (other fields): kept as written.
      row({
        model,
        windowStart: T0 + w * 5 * MINUTE,
        windowEnd: T0 + w * 5 * MINUTE + HOUR,
        metric: 'ece',
        value: 0.2,
        details: { histogram: { labels: ['a'], reference: [1], current: [2], extra: true } },
      }),
    ];
    const written = [0, 1, 2].flatMap(window);
    await upsertMetricRows(sql, written);
    await upsertMetricRows(sql, window(1)); // a re-analysis
    const read = await metricRows(sql, model, { from: T0, to: T0 + HOUR });
    expect(read.map(({ computedAt, ...r }) => r)).toEqual(
      [...written].sort(
        (a, b) => a.windowStart - b.windowStart || cmp(a.metric, b.metric) || cmp(a.feature, b.feature),
      ),
    );
    expect(await viewRows(sql, model)).toEqual(read);
    // Five features' histograms (the score's shares the first's labels and counts): stored once each.
    const shared = await sql.query<{ labels: unknown; reference: unknown }>(
      'SELECT labels, reference FROM vigil_metric_histograms ORDER BY (reference ->> 0)::int',
    );
    expect(shared.rows).toEqual([0, 1, 2, 3, 4].map((f) => ({ labels: labels(f), reference: reference(f) })));
    // A window's record holds the current counts and the shared part's id, not the labels nor the reference counts.
    const stored = await sql.query<{ details: string }>(
      'SELECT details::text AS details FROM vigil_metric_windows WHERE model = $1',
      [model],
    );
    expect(stored.rows).toHaveLength(3);
    for (const r of stored.rows) {
      expect(r.details).not.toContain('[0.1, 0.5)');
      expect(r.details).not.toContain('400');
      expect(r.details).toContain('"$h"');
      expect(r.details).toContain('"extra": true');
    }
    // Another model with the same reference shares the stored part; the whole table is still five rows.
    await upsertMetricRows(
      sql,
      window(0).map((r) => ({ ...r, model: `${model}-2` })),
    );
    expect((await metricRows(sql, `${model}-2`, { from: T0, to: T0 + 1 })).map((r) => r.details)).toEqual(
      window(0)
        .sort((a, b) => cmp(a.metric, b.metric) || cmp(a.feature, b.feature))
        .map((r) => r.details),
    );
    expect((await sql.query('SELECT 1 FROM vigil_metric_histograms')).rows).toHaveLength(5);
  });

  it('lets two writers add the same new histogram at once: one stored row, both windows read it whole', async () => {
    const other = await backend.newClient();
    const model = 'm-histogram-race';
    const histogram = { labels: ['x', 'y', '(new)'], reference: [7, 3, 0], current: [1, 1, 1] };
    const rows = (w: number) => [
      row({
        model,
        windowStart: T0 + w * MINUTE,
        windowEnd: T0 + w * MINUTE + HOUR,
        metric: 'drifted',
        feature: 'colour',
        value: w,
        details: { method: 'chi2', histogram: { ...histogram, current: [w, 1, 1] } },
      }),
    ];
    await Promise.all([upsertMetricRows(sql, rows(0)), upsertMetricRows(other, rows(1))]);
    const read = await metricRows(sql, model, { from: T0, to: T0 + HOUR });
    expect(read.map((r) => r.details)).toEqual([0, 1].map((w) => rows(w)[0]!.details));
    const stored = await sql.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM vigil_metric_histograms WHERE labels = '["x", "y", "(new)"]'::jsonb`,
    );
    expect(stored.rows[0]?.n).toBe(1);
  });

  it('lets two writers add the same new series and layout at once', async () => {
    const other = await backend.newClient();
    const model = 'm-race';
    const rows = (w: number) =>
      Array.from({ length: 20 }, (_, i) =>
        row({
          model,
          windowStart: T0 + w * MINUTE,
          windowEnd: T0 + w * MINUTE + HOUR,
          metric: 'psi',
          feature: `f${i}`,
          value: w,
        }),
      );
    await Promise.all([upsertMetricRows(sql, rows(0)), upsertMetricRows(other, rows(1))]);
    const read = await metricRows(sql, model, { from: T0, to: T0 + HOUR });
    expect(read.map((r) => r.value)).toEqual([...Array(20).fill(0), ...Array(20).fill(1)]);
    const series = await sql.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM vigil_metric_series WHERE model = $1',
      [model],
    );
    expect(series.rows[0]?.n).toBe(20);
    // And the same new layout: stored once, both windows point at it.
    const layouts = await sql.query<{ windows: number; layouts: number }>(
      'SELECT count(*)::int AS windows, count(DISTINCT layout)::int AS layouts FROM vigil_metric_windows WHERE model = $1',
      [model],
    );
    expect(layouts.rows[0]).toEqual({ windows: 2, layouts: 1 });
  });

  it('stores the windows of one call as one call per window would, details pointing at sibling values included (property)', async () => {
    let run = 0;
    const metrics: MetricName[] = ['psi', 'js', 'drifted', 'ksPValue'];
    const value = fc.oneof(
      fc.constant(null),
      fc.constant(0),
      fc.constantFrom(0.25, 0.5, 1),
      fc.double({ noNaN: true }),
    );
    const rowOf = fc.record({
      w: fc.nat(3),
      metric: fc.constantFrom(...metrics),
      feature: fc.constantFrom('', 'f1', 'f2'),
      group: fc.constantFrom('', 'sex=f'),
      value,
      // Details that may hold a sibling's value (stored as a pointer to it) or be absent.
      details: fc.option(fc.record({ threshold: fc.constantFrom(0.25, 0.5, 2), note: fc.string({ maxLength: 3 }) }), {
        nil: undefined,
      }),
    });
    await fc.assert(
      fc.asyncProperty(fc.array(rowOf, { minLength: 1, maxLength: 40 }), async (specs) => {
        run++;
        const rowsOf = (model: string) =>
          specs.map((x) =>
            row({
              model,
              windowStart: T0 + x.w * 5 * MINUTE,
              windowEnd: T0 + x.w * 5 * MINUTE + HOUR,
              metric: x.metric,
              feature: x.feature,
              group: x.group,
              value: x.value,
              rows: 100 + x.w,
              labelledRows: x.w,
              ...(x.details === undefined ? {} : { details: x.details }),
            }),
          );
        const together = `together-${run}`;
        const alone = `alone-${run}`;
        await upsertMetricRows(sql, rowsOf(together));
        const byWindow = new Map<number, MetricRow[]>();
        for (const r of rowsOf(alone)) byWindow.set(r.windowStart, [...(byWindow.get(r.windowStart) ?? []), r]);
        for (const rows of byWindow.values()) await upsertMetricRows(sql, rows);
        const read = async (model: string) =>
          (await metricRows(sql, model, { from: T0 - HOUR, to: T0 + 2 * HOUR })).map(
            ({ model: _m, computedAt: _c, ...rest }) => rest,
          );
        expect(await read(together)).toEqual(await read(alone));
      }),
      { numRuns: kind === 'postgres' ? 40 : 15 },
    );
  }, 120_000);
});

/** Byte order, as the C collation of the test databases' key columns would sort ASCII keys. */
function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
