#!/usr/bin/env node
/**
 * Alert latency: from a breaching metric row to the webhook request arriving, through the whole path — metric
 * rows written and rules evaluated in one transaction, incident and outbox rows committed, the relay enqueueing
 * into BullMQ on the real Redis, a worker delivering to a real HTTP server — with `--open` incidents already
 * open (default 1,000) and breaches arriving at `--rate` per second (default 100) for `--seconds` (default 20).
 * Each breach is a new subject, so each one produces exactly one notification.
 *
 *   pnpm run build && node bench/alert-latency.mjs [--open 1000] [--rate 100] [--seconds 20] [--memory]
 *
 * Needs PostgreSQL and Redis (bash scripts/services/start.sh postgres redis); uses a schema and a queue prefix of
 * its own and drops the schema at the end. `--memory` uses the in-process queue instead of BullMQ.
 * Prints measured figures only. The webhook server runs in the same process as Vigil, so its event loop is shared.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { cpus } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const fromAlerts = createRequire(join(root, 'packages/alerts/package.json'));
const fromStore = createRequire(join(root, 'packages/store/package.json'));
const { createAlerting } = fromAlerts(join(root, 'packages/alerts/dist/index.js'));
const { parseConfig } = fromAlerts('@vigil/core');
const { createStore } = fromAlerts('@vigil/store');
const pg = fromStore('pg');

const { values: args } = parseArgs({
  options: {
    open: { type: 'string', default: '1000' },
    rate: { type: 'string', default: '100' },
    seconds: { type: 'string', default: '20' },
    memory: { type: 'boolean', default: false },
  },
});
const OPEN = Number(args.open);
const RATE = Number(args.rate);
const SECONDS = Number(args.seconds);

function env() {
  const file = join(root, '.cache/services/env');
  const out = { ...process.env };
  if (existsSync(file))
    for (const line of readFileSync(file, 'utf8').split('\n')) {
      const m = /^([A-Z_]+)=(.*)$/.exec(line.trim());
      if (m && !out[m[1]]) out[m[1]] = m[2];
    }
  if (!out.VIGIL_DATABASE_URL || (!args.memory && !out.VIGIL_REDIS_URL)) {
    throw new Error(
      'bench: PostgreSQL and Redis are needed: bash scripts/services/install.sh && bash scripts/services/start.sh postgres redis',
    );
  }
  return out;
}

const quantile = (sorted, q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];

async function main() {
  const e = env();
  const runId = `${Date.now().toString(36)}_${process.pid}`;
  const schema = `vigil_bench_alerts_${runId}`;
  const arrivals = new Map(); // incidentId → arrival time
  let waiter;
  const server = createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const at = performance.now();
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      if (!arrivals.has(body.incidentId)) arrivals.set(body.incidentId, at);
      res.writeHead(200).end();
      waiter?.();
    });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const hook = `http://127.0.0.1:${server.address().port}/hook`;
  const config = parseConfig(
    `models:
  - { id: fleet, task: binary, owner: { name: Fleet, webhook: "${hook}" }, features: { x: numeric }, rules: [ { metric: psi, threshold: 0.2 } ] }
  - { id: load, task: binary, owner: { name: Load, webhook: "${hook}" }, features: { x: numeric }, rules: [ { metric: psi, threshold: 0.2 } ] }
`,
    'bench.yaml',
    {},
  );
  const store = await createStore({ url: e.VIGIL_DATABASE_URL, schema, poolSize: 10 });
  const alerting = await createAlerting({
    config,
    store,
    ...(args.memory ? {} : { redisUrl: e.VIGIL_REDIS_URL, bullmq: { prefix: `vigil-bench-${runId}` } }),
    delivery: { concurrency: 16 },
  });
  await alerting.start();
  const HOUR = 3_600_000;
  const windowOf = (model, version, end) => {
    const metricRows = [
      {
        model,
        version,
        windowStart: end - HOUR,
        windowEnd: end,
        metric: 'psi',
        feature: 'x',
        group: '',
        value: 0.3,
        rows: 5000,
        labelledRows: 0,
      },
    ];
    return { model, version, windowStart: end - HOUR, windowEnd: end, rows: 5000, labelledRows: 0, metricRows };
  };
  const breach = async (a) => {
    await store.transaction(async (tx) => {
      // As the daemon does: the window's metric rows and the alert evaluation commit together.
      await tx.metrics.upsertRows(a.metricRows);
      const s = await alerting.evaluateIn(tx, a);
      a.incidentId = s.opened[0];
    });
    alerting.kick();
    return a.incidentId;
  };

  try {
    const t0 = Date.now();
    const setup = performance.now();
    for (let i = 0; i < OPEN; i += 50)
      await Promise.all(
        Array.from({ length: Math.min(50, OPEN - i) }, (_, k) => breach(windowOf('fleet', String(i + k), t0))),
      );
    await alerting.flush(120_000);
    const open = (await alerting.listIncidents({ statuses: ['firing'], limit: 1000 })).length;
    console.log(
      `setup: ${OPEN} incidents opened and notified in ${((performance.now() - setup) / 1000).toFixed(1)} s (firing now: ${open}${OPEN > 1000 ? '+' : ''})`,
    );

    const total = RATE * SECONDS;
    const started = new Map();
    const begin = performance.now();
    const inflight = [];
    for (let i = 0; i < total; i++) {
      const due = begin + (i * 1000) / RATE;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      const t = performance.now();
      inflight.push(breach(windowOf('load', String(i), t0)).then((id) => started.set(id, t)));
    }
    await Promise.all(inflight);
    const sendSeconds = (performance.now() - begin) / 1000;
    const deadline = performance.now() + 60_000;
    while ([...started.keys()].some((id) => !arrivals.has(id)) && performance.now() < deadline)
      await new Promise((r) => {
        waiter = r;
        setTimeout(r, 100);
      });
    const latencies = [...started]
      .filter(([id]) => arrivals.has(id))
      .map(([id, t]) => arrivals.get(id) - t)
      .sort((a, b) => a - b);
    const missing = started.size - latencies.length;
    console.log(
      `queue: ${args.memory ? 'in-process' : 'BullMQ on Redis'}; machine: ${cpus().length} cores (${cpus()[0]?.model ?? '?'}), Node ${process.version}`,
    );
    console.log(
      `load: ${total} breaches at ${RATE}/s requested, sent in ${sendSeconds.toFixed(1)} s (${(total / sendSeconds).toFixed(1)}/s), ${OPEN} incidents open before`,
    );
    console.log(
      `breach → webhook latency (ms): p50 ${quantile(latencies, 0.5).toFixed(1)}, p95 ${quantile(latencies, 0.95).toFixed(1)}, p99 ${quantile(latencies, 0.99).toFixed(1)}, max ${latencies.at(-1).toFixed(1)}; delivered ${latencies.length}/${total}${missing ? `, ${missing} not delivered within 60 s` : ''}`,
    );
  } finally {
    await alerting.close();
    await store.close();
    server.close();
    const c = new pg.Client({ connectionString: e.VIGIL_DATABASE_URL });
    await c.connect();
    await c.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await c.end();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
