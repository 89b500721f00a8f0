#!/usr/bin/env node
/**
 * Panels on sliding-window metric rows: the view `vigil_metric_rows` over the compact storage (migration 0012)
 * against a table of the old definition holding the same rows (docs/benchmarks.md, "Metric storage").
 *
 *   node bench/metric-view-queries.mjs [--days 7] [--runs 3]
 *
 * A fresh database, migrated by the store: one model with 300 series (20 features × 12 drift metrics, 17 groups ×
 * 6 rates), a window every 5 minutes for --days days with a value for every series and details on the selection
 * rates; then `old_rows`, the same rows (`SELECT * FROM vigil_metric_rows`) with the old primary key and panel
 * index, and VACUUM ANALYZE. Each query runs --runs times with EXPLAIN (ANALYZE) on the view and on the table;
 * the answers are checked equal. Drops the database. Needs `pnpm run build` and PostgreSQL.
 */
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createDatabase, dropDatabase, machine, pg, root, runId, services } from './lib-stream.mjs';

const { values: args } = parseArgs({
  options: { days: { type: 'string', default: '7' }, runs: { type: 'string', default: '3' } },
});
const days = Number(args.days);
const { createStore } = createRequire(join(root, 'packages/alerts/package.json'))('@vigil/store');
const { databaseUrl: serverUrl } = services();
const name = runId('bench_metric_view');
let created = false;
try {
  console.log(`[view] machine: ${JSON.stringify(machine())}`);
  const url = await createDatabase(serverUrl, name);
  created = true;
  const store = await createStore({ url, poolSize: 1 });
  await store.close();
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  await c.query(`INSERT INTO vigil_metric_series (model, version, metric, feature, group_key)
    SELECT 'm', '1', m, 'f' || lpad(f::text, 2, '0'), '' FROM generate_series(0, 19) f,
      unnest(ARRAY['psi','js','hellinger','ks','ksPValue','wasserstein','wassersteinNormed','missingRate','drifted','chi2','chi2PValue','newCategoryRate']) m
    UNION ALL SELECT 'm', '1', m, '', 'g=' || g FROM generate_series(0, 16) g, unnest(ARRAY['selectionRate','tpr','fpr','fnr','ppv','ece']) m`);
  await c.query(
    `INSERT INTO vigil_metric_windows (model, version, window_start, window_end, rows, labelled_rows, layout, vals, details)
     SELECT 'm', '1', e - interval '1 hour', e, 500, 400,
       vigil_metric_layout((SELECT array_agg(series_id ORDER BY series_id) FROM vigil_metric_series)),
       (SELECT array_agg(random() ORDER BY series_id) FROM vigil_metric_series),
       (SELECT jsonb_object_agg(series_id::text, jsonb_build_object('n', 40, 'ci', jsonb_build_array(random(), random())))
        FROM vigil_metric_series WHERE metric = 'selectionRate')
     FROM generate_series(now() - $1::int * interval '1 day', now(), interval '5 minutes') e`,
    [days],
  );
  await c.query(`CREATE TABLE old_rows AS SELECT * FROM vigil_metric_rows`);
  await c.query(
    `ALTER TABLE old_rows ADD PRIMARY KEY (model, version, window_start, window_end, metric, feature, group_key)`,
  );
  await c.query(`CREATE INDEX old_rows_panel ON old_rows (model, metric, window_start)`);
  await c.query('VACUUM ANALYZE');
  const rows = (await c.query('SELECT count(*)::int AS n FROM old_rows')).rows[0].n;
  const range = `window_end BETWEEN now() - interval '${days} days' AND now()`;
  const latest = (t, how) =>
    how === 'limit'
      ? `(SELECT window_end FROM ${t} WHERE model = 'm' AND metric = 'selectionRate' AND ${range} ORDER BY window_end DESC LIMIT 1)`
      : `(SELECT max(window_end) FROM ${t} WHERE model = 'm' AND metric = 'selectionRate' AND ${range})`;
  const queries = [
    [
      'drift panel: psi per feature',
      (t) =>
        `SELECT window_end AS "time", feature AS metric, value FROM ${t} WHERE model = 'm' AND version IN ('1') AND ${range} AND metric = 'psi' ORDER BY 1, 2`,
    ],
    [
      'latest window (ORDER BY … LIMIT 1): group rates with details',
      (t) =>
        `SELECT group_key, value, (details ->> 'n')::bigint AS n, (details -> 'ci' ->> 0)::float8 AS lo FROM ${t} WHERE model = 'm' AND metric = 'selectionRate' AND window_end = ${latest(t, 'limit')} ORDER BY 1`,
    ],
    [
      'latest window (max): group rates with details',
      (t) =>
        `SELECT group_key, value, (details ->> 'n')::bigint AS n, (details -> 'ci' ->> 0)::float8 AS lo FROM ${t} WHERE model = 'm' AND metric = 'selectionRate' AND window_end = ${latest(t, 'max')} ORDER BY 1`,
    ],
    [
      'no metric filter: distinct features',
      (t) => `SELECT DISTINCT feature FROM ${t} WHERE model = 'm' AND ${range} ORDER BY 1`,
    ],
  ];
  console.log(`${days} days, ${rows} metric rows (one model)`);
  for (const [title, sql] of queries) {
    const line = [];
    for (const t of ['vigil_metric_rows', 'old_rows']) {
      const times = [];
      for (let i = 0; i < Number(args.runs); i++) {
        const p = (await c.query(`EXPLAIN (ANALYZE, FORMAT JSON) ${sql(t)}`)).rows[0]['QUERY PLAN'][0];
        times.push((p['Execution Time'] + p['Planning Time']).toFixed(1));
      }
      line.push(`${t === 'old_rows' ? 'old table' : 'view'} ${times.join(' / ')} ms`);
    }
    const [a, b] = [(await c.query(sql('vigil_metric_rows'))).rows, (await c.query(sql('old_rows'))).rows];
    if (JSON.stringify(a) !== JSON.stringify(b)) throw new Error(`${title}: the view and the table answer differently`);
    console.log(`${title}: ${line.join('; ')} (${a.length} rows, same answer)`);
  }
  await c.end();
} finally {
  if (created) await dropDatabase(serverUrl, name).catch((e) => console.error(`[view] drop ${name}: ${e.message}`));
}
