#!/usr/bin/env node
/**
 * Dashboard queries over a year of metric roll-ups (docs/storage.md, docs/benchmarks.md "Metric storage").
 *
 *   node bench/rollup-queries.mjs [--models 100] [--days 365] [--hourly-models 3] [--hourly-days 30] [--metric-rows-days 14] [--window-days 0] [--only TEXT] [--runs 3] [--json FILE] [--keep] [--reuse DATABASE]
 *
 * 1. A fresh database, migrated by the store. ~300 metric series per model, named as a window of a binary model with
 *    14 numeric and 6 categorical features and two group attributes (17 groups) writes them.
 * 2. Daily roll-ups of every series for --days days; hourly roll-ups for --days days of every series of the first
 *    --hourly-models models and of the `rows` and `labelledRows` series of every model (the fleet panels), and for
 *    the last --hourly-days days of every model's `psi` series (what `retention.metricHourly` keeps for the fleet's
 *    worst-PSI panel). Inserted day by day across series, as the maintenance pass writes them. The roll-up state says
 *    windows were deleted --metric-rows-days and hours --hourly-days before the end (`retention.metricRows`,
 *    `metricHourly`), so `vigil_metric_points` (migration 0025) reads hours after that and days before. With
 *    --window-days N, every model's windows of the last N days (1 h sliding by 5 min, every series valued) are written
 *    as the store writes them since migration 0023 (values a float8[] in the order of the model's layout, found by
 *    `vigil_metric_layout`), into their weekly partitions (the maintenance pass's `ensureMetricPartitions`). Then
 *    VACUUM ANALYZE.
 * 3. Panel-shaped queries over the whole range (Grafana's $__timeFilter expanded), and the fleet panels over the
 *    dashboards' default 7 days, each run --runs times with EXPLAIN (ANALYZE): the median execution time, rows
 *    returned and buffers read.
 *
 * Prints a table and the sizes of the roll-up tables; drops the database. Needs `pnpm run build` and PostgreSQL.
 */
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import {
  createDatabase,
  databaseUrlOf,
  dropDatabase,
  machine,
  pg,
  quantile,
  root,
  runId,
  services,
  table,
} from './lib-stream.mjs';

const { values: args } = parseArgs({
  options: {
    models: { type: 'string', default: '100' },
    days: { type: 'string', default: '365' },
    'hourly-models': { type: 'string', default: '3' },
    'hourly-days': { type: 'string', default: '30' },
    'metric-rows-days': { type: 'string', default: '14' },
    'window-days': { type: 'string', default: '0' },
    // Only the queries whose title contains this text.
    only: { type: 'string', default: '' },
    runs: { type: 'string', default: '3' },
    json: { type: 'string' },
    // Keep the database (and print its name), or measure the queries on one kept before (no generation).
    keep: { type: 'boolean', default: false },
    reuse: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  },
});
if (args.help) {
  console.log(
    'Usage: node bench/rollup-queries.mjs [--models 100] [--days 365] [--hourly-models 3] [--hourly-days 30] [--metric-rows-days 14] [--window-days 0] [--only TEXT] [--runs 3] [--json FILE] [--keep] [--reuse DATABASE]',
  );
  process.exit(0);
}
const models = Number(args.models);
const days = Number(args.days);
const hourlyModels = Number(args['hourly-models']);
const hourlyDays = Number(args['hourly-days']);
const metricRowsDays = Number(args['metric-rows-days']);
const runs = Number(args.runs);
const windowDays = Number(args['window-days']);
const { createStore } = createRequire(join(root, 'packages/alerts/package.json'))('@vigil/store');
const { databaseUrl: serverUrl } = services();
const name = args.reuse ?? runId('bench_rollups');
const log = (m) => console.log(`[rollups] ${m}`);
const END = '2026-12-01T00:00:00Z';

let created = false;
try {
  log(`machine: ${JSON.stringify(machine())}`);
  const url = args.reuse ? databaseUrlOf(serverUrl, name) : await createDatabase(serverUrl, name);
  created = !args.keep && !args.reuse;
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const q = (text, params) => client.query(text, params);
  const t0 = performance.now();
  if (!args.reuse) {
    const store = await createStore({ url, poolSize: 1 });
    await store.close();
    // The series of one model: what windowMetricRows writes for the bench's models (bench/ingest.mjs).
    await q(`CREATE TEMP TABLE template (metric text, feature text, group_key text)`);
    await q(`INSERT INTO template
      SELECT m, 'f' || lpad(f::text, 2, '0'), '' FROM generate_series(0, 13) f,
        unnest(ARRAY['psi','js','hellinger','ks','ksPValue','wasserstein','wassersteinNormed','missingRate','drifted']) m
      UNION ALL SELECT m, 'f' || lpad(f::text, 2, '0'), '' FROM generate_series(14, 19) f,
        unnest(ARRAY['chi2','chi2PValue','psi','js','hellinger','newCategoryRate','missingRate','drifted']) m
      UNION ALL SELECT m, '$score', '' FROM unnest(ARRAY['psi','js','ks','ksPValue','wasserstein']) m
      UNION ALL SELECT m, '', '' FROM unnest(ARRAY['rows','labelledRows','ece','mce','brier','accuracy','auc','logLoss','precision','recall']) m
      UNION ALL SELECT m, '', a FROM unnest(ARRAY['segment','region']) a,
        unnest(ARRAY['statisticalParityDifference','disparateImpactRatio','equalOpportunityDifference','equalizedOddsDifference','predictiveParityDifference']) m
      UNION ALL SELECT m, '', g FROM unnest(ARRAY['segment=retail','segment=sme','segment=corporate','segment=private','segment=public',
        'region=r00','region=r01','region=r02','region=r03','region=r04','region=r05','region=r06','region=r07','region=r08','region=r09','region=r10','region=r11']) g,
        unnest(ARRAY['selectionRate','tpr','fpr','fnr','ppv','ece']) m`);
    await q(
      `INSERT INTO vigil_metric_series (model, version, metric, feature, group_key)
       SELECT 'model-' || lpad(m::text, 3, '0'), '1', t.metric, t.feature, t.group_key FROM generate_series(0, $1::int - 1) m, template t ORDER BY 1, 3, 4, 5`,
      [models],
    );
  }
  const perModel = (await q(`SELECT count(*)::int AS n FROM vigil_metric_series WHERE model = 'model-000'`)).rows[0].n;
  if (!args.reuse) {
    const fill = (tableName, step, count, where) =>
      q(
        `INSERT INTO ${tableName} (series_id, bucket_start, windows, value_count, value_last, value_mean, value_min, value_max, rows, labelled_rows, last_window_end)
         SELECT s.series_id, b, w, w, v, v * 0.9, v * 0.5, v * 1.5, w * 1000, w * 800, b + $2::interval - interval '5 minutes'
         FROM generate_series($1::timestamptz - $3::int * $2::interval, $1::timestamptz - $2::interval, $2::interval) b
         CROSS JOIN vigil_metric_series s
         CROSS JOIN LATERAL (SELECT CASE WHEN $2::interval = interval '1 day' THEN 288 ELSE 12 END AS w, abs(sin(s.series_id * 7 + extract(epoch FROM b) / 86400)) AS v) x
         WHERE ${where}
         ORDER BY b, s.series_id`,
        [END, step, count],
      );
    await fill('vigil_metric_daily', '1 day', days, 'true');
    // What the maintenance pass writes beside the daily roll-ups (migration 0015, packages/store/src/metrics/metric-rollups.ts).
    // With migration 0025's columns: the input features' maximum and the day's last window (where the fleet plots it).
    await q(`INSERT INTO vigil_metric_model_daily (metric, bucket_start, model, version, series, value_max_sum, value_max_max, value_mean_max, feature_value_max_max, last_window_end)
      SELECT s.metric, d.bucket_start, s.model, s.version, count(*), sum(d.value_max), max(d.value_max), max(d.value_mean),
             max(d.value_max) FILTER (WHERE s.feature <> '' AND s.feature NOT LIKE '$%' AND s.group_key = ''), max(d.last_window_end)
      FROM vigil_metric_daily d JOIN vigil_metric_series s USING (series_id) GROUP BY s.metric, d.bucket_start, s.model, s.version ORDER BY 2, 1`);
    log(`daily roll-ups written (${Math.round((performance.now() - t0) / 1000)} s)`);
    await fill(
      'vigil_metric_hourly',
      '1 hour',
      days * 24,
      `(s.model < 'model-${String(hourlyModels).padStart(3, '0')}' OR s.metric IN ('rows', 'labelledRows'))`,
    );
    // The fleet's worst-PSI panel reads every model's psi series: their hours of the last --hourly-days days.
    await q(
      `INSERT INTO vigil_metric_hourly (series_id, bucket_start, windows, value_count, value_last, value_mean, value_min, value_max, rows, labelled_rows, last_window_end)
       SELECT s.series_id, b, 12, 12, v, v * 0.9, v * 0.5, v * 1.5, 12000, 9600, b + interval '55 minutes'
       FROM generate_series($1::timestamptz - $2::int * interval '1 hour', $1::timestamptz - interval '1 hour', interval '1 hour') b
       CROSS JOIN vigil_metric_series s
       CROSS JOIN LATERAL (SELECT abs(sin(s.series_id * 7 + extract(epoch FROM b) / 86400)) AS v) x
       WHERE s.metric = 'psi' AND s.model >= 'model-${String(hourlyModels).padStart(3, '0')}'
       ORDER BY b, s.series_id
       ON CONFLICT DO NOTHING`,
      [END, Math.min(days, hourlyDays) * 24],
    );
    log(`hourly roll-ups written (${Math.round((performance.now() - t0) / 1000)} s)`);
    // What retention.metricRows and metricHourly leave in the roll-up state: the seams of vigil_metric_points.
    await q(
      `INSERT INTO vigil_rollup_state (id, rolled_up_to, windows_deleted_before, hours_deleted_before)
       VALUES (true, $1::timestamptz, $1::timestamptz - $2::int * interval '1 day', $1::timestamptz - $3::int * interval '1 day')
       ON CONFLICT (id) DO UPDATE SET windows_deleted_before = EXCLUDED.windows_deleted_before, hours_deleted_before = EXCLUDED.hours_deleted_before`,
      [END, metricRowsDays, hourlyDays],
    );
    if (windowDays > 0) {
      // Every model's windows of the last --window-days days, as upsertMetricRows writes them (migration 0023): one
      // layout per model (its sorted series ids), a float8[] of values in that order. Values vary by window and series.
      const store = await createStore({ url, poolSize: 1 });
      await store.metrics.maintainPartitions(Date.parse(END) - windowDays * 86_400_000);
      await store.close();
      for (let m = 0; m < models; m++) {
        const model = `model-${String(m).padStart(3, '0')}`;
        await q(
          `INSERT INTO vigil_metric_windows (model, version, window_start, window_end, rows, labelled_rows, layout, vals, computed_at)
           SELECT $1, '1', e - interval '1 hour', e, 1000, 800, l.id, v.vals, e
           FROM (SELECT vigil_metric_layout(array_agg(series_id ORDER BY series_id)) AS id, array_agg(series_id ORDER BY series_id) AS ids
                 FROM vigil_metric_series WHERE model = $1) AS l
           CROSS JOIN generate_series($2::timestamptz - $3::int * interval '1 day' + interval '5 minutes', $2::timestamptz, interval '5 minutes') AS e
           CROSS JOIN LATERAL (SELECT array_agg(abs(sin(i * 7 + extract(epoch FROM e) / 3600)) ORDER BY i) AS vals FROM unnest(l.ids) AS i) AS v`,
          [model, END, windowDays],
        );
      }
      log(`windows written (${Math.round((performance.now() - t0) / 1000)} s)`);
    }
    await q('VACUUM ANALYZE');
  }
  if (args.keep) log(`database kept: ${name}`);
  const sizes = (
    await q(`SELECT relname, (SELECT count(*) FROM vigil_metric_daily)::bigint::text AS daily_rows, (SELECT count(*) FROM vigil_metric_hourly)::bigint::text AS hourly_rows,
       pg_total_relation_size(c.oid)::bigint::text AS bytes FROM pg_class c WHERE relname IN ('vigil_metric_daily', 'vigil_metric_hourly', 'vigil_metric_series', 'vigil_metric_model_daily') ORDER BY relname`)
  ).rows;
  // What the windows' fleet summary (migration 0027) adds to each window's row: its five columns' bytes.
  const summaryBytes =
    windowDays > 0
      ? (
          await q(`SELECT avg(coalesce(pg_column_size(psi_features), 0) + coalesce(pg_column_size(psi_max), 0) + coalesce(pg_column_size(psi_worst_feature), 0)
              + coalesce(pg_column_size(drifted_features), 0) + coalesce(pg_column_size(model_rows), 0))::float8 AS bytes, count(*)::int AS windows FROM vigil_metric_windows`)
        ).rows[0]
      : null;
  const from = `'${new Date(Date.parse(END) - days * 86_400_000).toISOString()}'`;
  const range = `bucket_start BETWEEN ${from} AND '${END}'`;
  // The generated panels' SQL (dashboards/src) over vigil_metric_points, variables and $__timeFilter expanded as
  // Grafana does: model "All" is the list of every model.
  const allModels = (await q(`SELECT DISTINCT model FROM vigil_metric_series ORDER BY 1`)).rows.map(
    (r) => `'${r.model}'`,
  );
  const timeFilter = `window_end BETWEEN ${from} AND '${END}'`;
  const features = `feature <> '' AND feature NOT LIKE '$%' AND group_key = ''`;
  const withVersion = (e) => `CASE WHEN version = '' THEN ${e} ELSE ${e} || ' v' || version END`;
  const one = `model = 'model-000' AND version IN ('1') AND ${timeFilter}`;
  const from7 = `'${new Date(Date.parse(END) - 7 * 86_400_000).toISOString()}'`;
  // The fleet's worst-PSI panel: windows from their summary columns (migration 0027), the windows' first day's
  // hours from the roll-ups, days from vigil_metric_model_daily.
  const worstPsi = (
    start,
  ) => `SELECT window_end AS "time", model AS metric, max(psi_max) AS psi FROM vigil_metric_windows
       WHERE model IN (${allModels.join(', ')}) AND psi_features > 0 AND window_end BETWEEN ${start} AND '${END}'
         AND window_end >= (SELECT windows_from FROM vigil_metric_seams())
       GROUP BY 1, 2
       UNION ALL
       SELECT window_end, model, max(value_max) FROM vigil_metric_points
       WHERE model IN (${allModels.join(', ')}) AND metric = 'psi' AND ${features} AND window_end BETWEEN ${start} AND '${END}'
         AND grain = 'hour' AND window_start >= (SELECT windows_day FROM vigil_metric_seams())
       GROUP BY 1, 2
       UNION ALL
       SELECT last_window_end, model, max(feature_value_max_max) FROM vigil_metric_model_daily
       WHERE model IN (${allModels.join(', ')}) AND metric = 'psi' AND bucket_start < (SELECT windows_day FROM vigil_metric_seams())
         AND bucket_start BETWEEN ${start}::timestamptz - interval '1 day' AND '${END}'::timestamptz AND last_window_end BETWEEN ${start} AND '${END}'
       GROUP BY 1, 2
       ORDER BY 1`;
  // The same before migration 0027: every input feature's PSI of every window through vigil_metric_points.
  const worstPsiBefore = (
    start,
  ) => `SELECT window_end AS "time", model AS metric, max(value_max) AS psi FROM vigil_metric_points
       WHERE model IN (${allModels.join(', ')}) AND metric = 'psi' AND ${features} AND window_end BETWEEN ${start} AND '${END}'
         AND grain <> 'day' AND (grain = 'window' OR window_start >= (SELECT windows_day FROM vigil_metric_seams()))
       GROUP BY 1, 2
       UNION ALL
       SELECT last_window_end, model, max(feature_value_max_max) FROM vigil_metric_model_daily
       WHERE model IN (${allModels.join(', ')}) AND metric = 'psi' AND bucket_start < (SELECT windows_day FROM vigil_metric_seams())
         AND bucket_start BETWEEN ${start}::timestamptz - interval '1 day' AND '${END}'::timestamptz AND last_window_end BETWEEN ${start} AND '${END}'
       GROUP BY 1, 2
       ORDER BY 1`;
  // The Models table's parts that read metric values (the latest window per model and its drift); its other parts
  // read tables this benchmark leaves empty.
  const modelsTable = (start) => `WITH latest AS (
         SELECT m.model, x.* FROM (VALUES ${allModels.map((m) => `(${m})`).join(', ')}) AS m(model)
         CROSS JOIN LATERAL (
           SELECT w.window_end, w.psi_max AS worst_psi, w.psi_worst_feature AS worst_feature, w.drifted_features FROM vigil_metric_windows w
           WHERE w.model = m.model AND w.model_rows AND w.window_end BETWEEN ${start} AND '${END}'
           ORDER BY w.window_end DESC, w.version DESC LIMIT 1) AS x
       )
       SELECT model, window_end, worst_feature, worst_psi, drifted_features FROM latest ORDER BY worst_psi DESC NULLS LAST, model`;
  // The same before migration 0027: the latest window of each model found among every window of the range.
  const modelsTableBefore = (start) => `WITH latest AS (
         SELECT DISTINCT ON (model) model, version, window_start, window_end FROM vigil_metric_rows
         WHERE model IN (${allModels.join(', ')}) AND metric = 'rows' AND feature = '' AND group_key = '' AND window_end BETWEEN ${start} AND '${END}'
         ORDER BY model, window_end DESC, version DESC
       ), drift AS (
         SELECT r.model, max(r.value) FILTER (WHERE r.metric = 'psi') AS worst_psi,
                (array_agg(r.feature ORDER BY r.value DESC NULLS LAST) FILTER (WHERE r.metric = 'psi'))[1] AS worst_feature,
                sum(r.value) FILTER (WHERE r.metric = 'drifted') AS drifted_features
         FROM vigil_metric_rows AS r
         JOIN latest AS l ON l.model = r.model AND l.version = r.version AND l.window_start = r.window_start AND l.window_end = r.window_end
         WHERE r.metric IN ('psi', 'drifted') AND r.feature <> '' AND r.feature NOT LIKE '$%' AND r.group_key = ''
         GROUP BY r.model
       )
       SELECT l.model, l.window_end, d.worst_feature, d.worst_psi, d.drifted_features FROM latest l LEFT JOIN drift d USING (model) ORDER BY d.worst_psi DESC NULLS LAST, l.model`;
  const panels = [
    ['panel fleet: worst feature drift (PSI), every model', worstPsi(from)],
    ['panel fleet: worst feature drift (PSI), every model, last 7 days', worstPsi(from7)],
    ['panel fleet: Models table (latest window, its drift), whole range', modelsTable(from)],
    ['panel fleet: Models table (latest window, its drift), last 7 days', modelsTable(from7)],
    ['panel fleet (before 0027): worst feature drift (PSI), every model', worstPsiBefore(from)],
    ['panel fleet (before 0027): worst feature drift (PSI), every model, last 7 days', worstPsiBefore(from7)],
    ['panel fleet (before 0027): Models table, whole range', modelsTableBefore(from)],
    ['panel fleet (before 0027): Models table, last 7 days', modelsTableBefore(from7)],
    // The same over every model's per-series roll-ups (the first version of the panel on vigil_metric_points).
    [
      'panel fleet: worst feature drift, per-series roll-ups only',
      `SELECT window_end AS "time", model AS metric, max(value_max) AS psi FROM vigil_metric_points
       WHERE model IN (${allModels.join(', ')}) AND metric = 'psi' AND ${features} AND ${timeFilter} GROUP BY 1, 2 ORDER BY 1`,
    ],
    [
      'panel model: feature drift (PSI), 20 features',
      `SELECT window_end AS "time", ${withVersion('feature')} AS metric, value AS psi FROM vigil_metric_points
       WHERE ${one} AND metric = 'psi' AND ${features} ORDER BY 1, 2`,
    ],
    [
      'panel model: performance (4 metrics)',
      `SELECT window_end AS "time", ${withVersion('metric')} AS metric, value FROM vigil_metric_points
       WHERE ${one} AND metric IN ('accuracy', 'precision', 'recall', 'auc') AND feature = '' AND group_key = '' ORDER BY 1, 2`,
    ],
    [
      'panel drift: drifted features per window',
      `SELECT window_end AS "time", ${withVersion("'drifted features'")} AS metric, sum(value_max) AS drifted FROM vigil_metric_points
       WHERE ${one} AND ${features} AND metric = 'drifted' GROUP BY 1, 2 ORDER BY 1, 2`,
    ],
    [
      'panel fairness: selection rate per group (17 groups)',
      `SELECT window_end AS "time", ${withVersion('group_key')} AS metric, value FROM vigil_metric_points
       WHERE ${one} AND metric = 'selectionRate' AND split_part(group_key, '=', 1) IN ('segment', 'region') ORDER BY 1, 2`,
    ],
  ];
  const queries = [
    ...panels,
    [
      'drift: psi per feature, one model, daily',
      `SELECT bucket_end AS "time", feature AS metric, value_mean AS value FROM vigil_metric_rollups WHERE grain = 'day' AND model = 'model-000' AND version IN ('1') AND metric = 'psi' AND ${range} ORDER BY 1, 2`,
    ],
    [
      'drift: psi per feature, one model, hourly',
      `SELECT bucket_end AS "time", feature AS metric, value_mean AS value FROM vigil_metric_rollups WHERE grain = 'hour' AND model = 'model-000' AND version IN ('1') AND metric = 'psi' AND ${range} ORDER BY 1, 2`,
    ],
    [
      'drift: drifted features per day, one model',
      `SELECT bucket_end AS "time", sum(value_max) AS drifted FROM vigil_metric_rollups WHERE grain = 'day' AND model = 'model-000' AND metric = 'drifted' AND ${range} GROUP BY 1 ORDER BY 1`,
    ],
    [
      'fairness: selection rate per group, one model, daily',
      `SELECT bucket_end AS "time", group_key AS metric, value_mean FROM vigil_metric_rollups WHERE grain = 'day' AND model = 'model-000' AND metric = 'selectionRate' AND ${range} ORDER BY 1, 2`,
    ],
    [
      'fleet: rows per model, daily',
      `SELECT bucket_end AS "time", model AS metric, rows FROM vigil_metric_rollups WHERE grain = 'day' AND metric = 'rows' AND ${range} ORDER BY 1, 2`,
    ],
    [
      'fleet: rows per model, hourly',
      `SELECT bucket_end AS "time", model AS metric, value_last FROM vigil_metric_rollups WHERE grain = 'hour' AND metric = 'rows' AND ${range} ORDER BY 1, 2`,
    ],
    [
      'fleet: drifted features per model and day (all models)',
      `SELECT bucket_start + interval '1 day' AS "time", model AS metric, sum(value_max_sum) AS drifted FROM vigil_metric_model_daily WHERE metric = 'drifted' AND ${range} GROUP BY 1, 2 ORDER BY 1, 2`,
    ],
    [
      'fleet: worst feature PSI per model and day (all models)',
      `SELECT bucket_start + interval '1 day' AS "time", model AS metric, max(value_max_max) AS psi FROM vigil_metric_model_daily WHERE metric = 'psi' AND ${range} GROUP BY 1, 2 ORDER BY 1, 2`,
    ],
    // The same panel summing the per-series daily roll-ups, as before migration 0015.
    [
      'fleet: drifted features per model and day, from vigil_metric_rollups',
      `SELECT bucket_end AS "time", model AS metric, sum(value_max) AS drifted FROM vigil_metric_rollups WHERE grain = 'day' AND metric = 'drifted' AND ${range} GROUP BY 1, 2 ORDER BY 1, 2`,
    ],
    [
      'fleet: worst ECE per model over the range',
      `SELECT model, max(value_max) AS worst FROM vigil_metric_rollups WHERE grain = 'day' AND metric = 'ece' AND group_key = '' AND ${range} GROUP BY 1 ORDER BY 2 DESC`,
    ],
  ];
  const results = [];
  for (const [title, sql] of queries.filter(([t]) => t.includes(args.only))) {
    const times = [];
    let rows = 0;
    let buffers = '';
    for (let i = 0; i < runs; i++) {
      const plan = (await q(`EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) ${sql}`)).rows[0]['QUERY PLAN'][0];
      times.push(plan['Execution Time'] + plan['Planning Time']);
      rows = plan.Plan['Actual Rows'];
      buffers = `${plan.Plan['Shared Hit Blocks'] ?? 0} hit / ${plan.Plan['Shared Read Blocks'] ?? 0} read`;
    }
    results.push({ title, ms: quantile(times, 0.5), first: times[0], rows, buffers, sql });
    log(`${title}: median ${quantile(times, 0.5).toFixed(1)} ms (first ${times[0].toFixed(1)} ms), ${rows} rows`);
  }
  // The panels' answers with the summary columns against the ones before them: the same rows (in a fixed order).
  const pairs = [
    [worstPsi(from), worstPsiBefore(from)],
    [worstPsi(from7), worstPsiBefore(from7)],
    [modelsTable(from), modelsTableBefore(from)],
    [modelsTable(from7), modelsTableBefore(from7)],
  ];
  const sorted = (rows) => rows.map((r) => JSON.stringify(r)).sort();
  if (args.only === '' || args.only.includes('fleet')) {
    for (const [after, before] of pairs) {
      const [a, b] = [sorted((await q(after)).rows), sorted((await q(before)).rows)];
      if (a.length === 0 || JSON.stringify(a) !== JSON.stringify(b))
        throw new Error(`the fleet panel's answers differ (${a.length} rows against ${b.length}): ${after}`);
    }
    log(`fleet panels: the same answers with the windows' summary columns as before (${pairs.length} queries)`);
  }
  await client.end();
  console.log(
    `\nRoll-up queries: ${models} models × ${perModel} series, ${days} days daily; hourly for ${hourlyModels} models' series and every model's rows/labelledRows`,
  );
  console.log(`sizes: ${JSON.stringify(sizes)}`);
  if (summaryBytes)
    console.log(
      `the windows' fleet summary columns: ${JSON.stringify(summaryBytes)} (bytes a window, before alignment)`,
    );
  console.log('');
  console.log(
    table(
      ['query (whole range)', 'median ms (planning + execution)', 'first run ms', 'rows'],
      results.map((r) => [r.title, r.ms.toFixed(1), r.first.toFixed(1), r.rows]),
    ),
  );
  if (args.json)
    writeFileSync(
      args.json,
      JSON.stringify({ models, days, hourlyModels, windowDays, perModel, sizes, summaryBytes, results }, null, 2),
    );
} finally {
  if (created) await dropDatabase(serverUrl, name).catch((e) => console.error(`[rollups] drop ${name}: ${e.message}`));
}
