#!/usr/bin/env node
/**
 * What the prediction index's batch statements cost Postgres (issue 17, docs/benchmarks.md "The prediction index's
 * statements"): the backend's CPU time (`/proc/<pid>/schedstat`, so other tenants of a shared machine count less) per
 * row, for each variant of the table and of the statements, on a fresh database each:
 *
 *   indexes   all (the key, `expires_at` and the event hour, as migrated), no-expiry, no-hour, key-only
 *   form      from-unnest  `INSERT … SELECT … FROM UNNEST($1, $2, …)` (the statement before 2026-12-06)
 *             select-list  `INSERT … SELECT UNNEST($1), UNNEST($2), …` (the store's statement for rows without a label)
 *             slim         the store's statement when every row carried its label (decision 0054): bucket, score,
 *                          prediction and groups one NULL each
 *             slim-arrays  the same rows sent as a batch of both kinds sends them: those four columns as arrays of
 *                          NULLs (the groups as code 0 into the dictionary)
 *             copy         `COPY … FROM STDIN` (text), sent by a minimal copy-in on node-postgres's connection
 *   lookup    with the look-up of the batch's ids before the insert (one primary-key probe an id), or without
 *
 * Rows are shaped like bench/ingest.mjs's events: 100 models, ids `e0 …` in event order, each model on one of 6
 * partitions, batches of --batch rows of one partition, one version and expiry a batch, 60 group combinations.
 * Needs `pnpm run build` and PostgreSQL (scripts/services/start.sh postgres).
 *
 *   node bench/prediction-index.mjs [--rows 300000] [--batch 4650] [--variants all:select-list:nolookup,…]
 */
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { root, table } from './lib-stream.mjs';

const { values: args } = parseArgs({
  options: {
    rows: { type: 'string', default: '300000' },
    batch: { type: 'string', default: '4650' },
    variants: {
      type: 'string',
      default:
        'all:from-unnest:lookup,all:select-list:lookup,all:select-list:nolookup,all:copy:nolookup,no-expiry:select-list:nolookup,no-hour:select-list:nolookup,key-only:select-list:nolookup',
    },
  },
});
const rowCount = Number(args.rows);
const batchSize = Number(args.batch);
const variants = args.variants.split(',').map((v) => {
  const [indexes, form, lookup] = v.split(':');
  if (
    !['all', 'no-expiry', 'no-hour', 'key-only'].includes(indexes) ||
    !['from-unnest', 'select-list', 'slim', 'slim-arrays', 'copy'].includes(form) ||
    !['lookup', 'nolookup'].includes(lookup)
  ) {
    console.error(`prediction-index: --variants: "${v}" is not indexes:form:lookup`);
    process.exit(2);
  }
  return { indexes, form, lookup: lookup === 'lookup' };
});
if (!(Number.isInteger(rowCount) && rowCount > 0 && Number.isInteger(batchSize) && batchSize > 0)) {
  console.error('prediction-index: --rows and --batch must be positive integers');
  process.exit(2);
}

const fromStore = createRequire(join(root, 'packages/store/package.json'));
const pg = fromStore('pg');
const params = await import(join(root, 'packages/store/dist/batch/array-params.js'));
const { createStore } = await import(join(root, 'packages/store/dist/index.js'));
const env = Object.fromEntries(
  readFileSync(join(root, '.cache/services/env'), 'utf8')
    .split('\n')
    .filter((l) => l.includes('='))
    .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
);
const serverUrl = process.env.VIGIL_DATABASE_URL ?? env.VIGIL_DATABASE_URL;

// The rows: [model, id, ts, score, label, group code], in batches of one partition's consecutive events.
let seed = 42;
const random = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
const models = Array.from({ length: 100 }, (_, i) => `ingest-${String(i).padStart(3, '0')}`);
const byPartition = Array.from({ length: 6 }, () => []);
const t0 = Date.now() - 360_000;
for (let i = 0; i < rowCount; i++) {
  const m = Math.floor(random() * models.length);
  const row = [models[m], `e${i}`, t0 + Math.floor((i * 360_000) / rowCount), random(), random() < 0.5 ? 1 : 0];
  row.push(Math.floor(random() * 60));
  byPartition[m % 6].push(row);
}
const batches = [];
for (let at = 0; byPartition.some((p) => p.length > at); at += batchSize)
  for (const p of byPartition) if (p.length > at) batches.push(p.slice(at, at + batchSize));
for (const b of batches) b.sort((x, y) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0)); // blocks by model, as sent
const segments = ['retail', 'smb', 'enterprise', 'public', 'other'];
const groups = Array.from({ length: 60 }, (_, k) =>
  JSON.stringify({ segment: segments[k % 5], region: `r${String(k % 12).padStart(2, '0')}` }),
);

const COLUMNS = 'model, id, version, ts, bucket_start, expires_at, score, prediction, groups, label';
const statements = {
  'from-unnest': `INSERT INTO vigil_prediction_index (${COLUMNS})
    SELECT u.m, u.i, $3::text, u.t, u.b, $6::int8, u.s, u.p, ($9::text[])[u.g], u.l
    FROM UNNEST($1::text[], $2::text[], $4::int8[], $5::int8[], $7::float8[], $8::float8[], $10::int4[], $11::float8[]) AS u(m, i, t, b, s, p, g, l)`,
  'select-list': `INSERT INTO vigil_prediction_index (${COLUMNS})
    SELECT UNNEST($1::text[]), UNNEST($2::text[]), $3::text, UNNEST($4::int8[]), UNNEST($5::int8[]), $6::int8,
      UNNEST($7::float8[]), UNNEST($8::float8[]), ($9::text[])[UNNEST($10::int4[])], UNNEST($11::float8[])`,
  slim: `INSERT INTO vigil_prediction_index (${COLUMNS})
    SELECT UNNEST($1::text[]), UNNEST($2::text[]), $3::text, UNNEST($4::int8[]), NULL::int8, $5::int8,
      NULL::float8, NULL::float8, NULL::text, UNNEST($6::float8[])`,
};
statements['slim-arrays'] = statements['select-list'];
const lookups = {
  'from-unnest': `SELECT p.id FROM UNNEST($1::text[], $2::text[]) AS u(model, id)
    CROSS JOIN LATERAL (SELECT i.id FROM vigil_prediction_index AS i WHERE i.model = u.model AND i.id = u.id OFFSET 0) AS p`,
  'select-list': `SELECT p.id FROM (SELECT UNNEST($1::text[]) AS model, UNNEST($2::text[]) AS id) AS u
    CROSS JOIN LATERAL (SELECT i.id FROM vigil_prediction_index AS i WHERE i.model = u.model AND i.id = u.id OFFSET 0) AS p`,
};

/** COPY FROM STDIN of `text` through node-postgres's connection (what pg-copy-streams does), resolving its row count. */
function copyIn(client, sql, text) {
  return new Promise((resolve, reject) => {
    let rows = 0;
    client.query({
      submit: (connection) => connection.query(sql),
      handleCopyInResponse: (connection) => {
        connection.sendCopyFromChunk(Buffer.from(text));
        connection.endCopyFrom();
      },
      handleCommandComplete: (message) => (rows = Number(message.text.split(' ').pop())),
      handleReadyForQuery: () => resolve(rows),
      handleError: reject,
      handleRowDescription: () => undefined,
      handleDataRow: () => undefined,
      handleEmptyQuery: () => undefined,
      handlePortalSuspended: () => undefined,
    });
  });
}

const admin = new pg.Client({ connectionString: serverUrl });
await admin.connect();
const results = [];
try {
  for (const v of variants) {
    const db = `bench_prediction_index_${process.pid}`;
    await admin.query(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`);
    await admin.query(`CREATE DATABASE ${db}`);
    const url = new URL(serverUrl);
    url.pathname = `/${db}`;
    await (await createStore({ url: url.toString() })).close();
    const client = new pg.Client({ connectionString: url.toString() });
    await client.connect();
    try {
      if (v.indexes === 'no-expiry' || v.indexes === 'key-only')
        await client.query('DROP INDEX vigil_prediction_index_expiry');
      if (v.indexes === 'no-hour' || v.indexes === 'key-only')
        await client.query('DROP INDEX vigil_prediction_index_ts_hour');
      const pid = (await client.query('SELECT pg_backend_pid() AS pid')).rows[0].pid;
      const cpuNs = () => Number(readFileSync(`/proc/${pid}/schedstat`, 'utf8').split(' ')[0]);
      let lookupNs = 0;
      let insertNs = 0;
      let otherNs = 0;
      for (const b of batches) {
        const expiry = Date.now() + 30 * 86_400_000;
        let at = cpuNs();
        await client.query('BEGIN');
        otherNs += cpuNs() - at;
        const modelsOf = params.textArrayParam(b.map((r) => r[0]));
        const ids = params.textArrayParam(b.map((r) => r[1]));
        if (v.lookup) {
          at = cpuNs();
          await client.query(lookups[v.form === 'from-unnest' ? 'from-unnest' : 'select-list'], [modelsOf, ids]);
          lookupNs += cpuNs() - at;
        }
        at = cpuNs();
        let inserted;
        if (v.form === 'copy') {
          let text = '';
          for (const [model, id, ts, score, label, g] of b)
            text += `${ts}\t${ts - (ts % 300_000)}\t${expiry}\t${score}\t\\N\t${label}\t${model}\t${id}\t1\t${groups[g]}\n`;
          inserted = await copyIn(
            client,
            'COPY vigil_prediction_index (ts, bucket_start, expires_at, score, prediction, label, model, id, version, groups) FROM STDIN',
            text,
          );
        } else if (v.form === 'slim') {
          const result = await client.query(statements.slim, [
            modelsOf,
            ids,
            '1',
            params.int8ArrayParam(b.map((r) => r[2])),
            String(expiry),
            params.float8ArrayParam(b.map((r) => r[4])),
          ]);
          inserted = result.rowCount;
        } else if (v.form === 'slim-arrays') {
          const result = await client.query(statements[v.form], [
            modelsOf,
            ids,
            '1',
            params.int8ArrayParam(b.map((r) => r[2])),
            params.int8ArrayParam(b.map(() => Number.NaN)),
            String(expiry),
            params.float8ArrayParam(b.map(() => null)),
            params.float8ArrayParam(b.map(() => null)),
            params.textArrayParam(groups),
            params.int4ArrayParam(b.map(() => 0)),
            params.float8ArrayParam(b.map((r) => r[4])),
          ]);
          inserted = result.rowCount;
        } else {
          const result = await client.query(statements[v.form], [
            modelsOf,
            ids,
            '1',
            params.int8ArrayParam(b.map((r) => r[2])),
            params.int8ArrayParam(b.map((r) => r[2] - (r[2] % 300_000))),
            String(expiry),
            params.float8ArrayParam(b.map((r) => r[3])),
            params.float8ArrayParam(b.map(() => null)),
            params.textArrayParam(groups),
            params.int4ArrayParam(b.map((r) => r[5] + 1)),
            params.float8ArrayParam(b.map((r) => r[4])),
          ]);
          inserted = result.rowCount;
        }
        insertNs += cpuNs() - at;
        if (inserted !== b.length) throw new Error(`inserted ${inserted} of ${b.length} rows`);
        at = cpuNs();
        await client.query('COMMIT');
        otherNs += cpuNs() - at;
      }
      const sizes = await client.query(
        `SELECT relname, pg_relation_size(oid)::bigint AS bytes FROM pg_class WHERE relname LIKE 'vigil_prediction_index%' ORDER BY relname`,
      );
      // A row's datum (header and data, before alignment to 8 and the 4-byte line pointer).
      const datum = await client.query(
        'SELECT avg(pg_column_size(p.*))::float8 AS bytes FROM vigil_prediction_index AS p',
      );
      const perRow = (ns) => ns / 1000 / rowCount;
      results.push({
        ...v,
        lookupUs: perRow(lookupNs),
        insertUs: perRow(insertNs),
        totalUs: perRow(lookupNs + insertNs + otherNs),
        datumBytes: datum.rows[0].bytes,
        bytes: sizes.rows.map(
          (r) => `${r.relname.replace('vigil_prediction_index', 'heap')} ${(r.bytes / rowCount).toFixed(1)}`,
        ),
        load: readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' '),
      });
    } finally {
      await client.end();
      await admin.query(`DROP DATABASE ${db} WITH (FORCE)`);
    }
  }
} finally {
  await admin.end();
}
console.log(
  `\nPrediction index: ${rowCount} rows of 100 models in ${batches.length} batches; Postgres backend CPU µs a row\n`,
);
console.log(
  table(
    [
      'indexes',
      'statement',
      'look-up first',
      'look-up',
      'insert',
      'all (BEGIN/COMMIT too)',
      'row datum',
      'bytes a row',
      'load',
    ],
    results.map((r) => [
      r.indexes,
      r.form,
      r.lookup ? 'yes' : 'no',
      r.lookupUs.toFixed(2),
      r.insertUs.toFixed(2),
      r.totalUs.toFixed(2),
      r.datumBytes.toFixed(1),
      r.bytes.join(', '),
      r.load,
    ]),
  ),
);
