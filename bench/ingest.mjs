#!/usr/bin/env node
/**
 * Sustained ingest (issue 3 "Performance", issue 6 "Streaming"): Kafka → committed accumulators in Postgres.
 *
 *   node bench/ingest.mjs [--events 1000000] [--models 6] [--partitions 6] [--daemons 1,2,3] [--cpu-prof DIR] [--keep]
 *
 * 1. Writes N prediction events (20 features: 14 numeric, 6 categorical; score, label, 2 group attributes) of a
 *    few models to /tmp, as `model<TAB>json` lines, and produces them with kcat to a fresh topic keyed by model
 *    (murmur2, like `vigil replay`). Models are picked so they spread evenly over the partitions.
 * 2. Baseline: `kcat -C -b ... -t topic -o beginning -e -q > /dev/null`, wall time (median of --kcat-runs).
 * 3. For each entry of --daemons: that many `vigil run` processes in one fresh consumer group on a fresh database,
 *    timed from their start until the offsets committed in Postgres (`vigil_consumer_offsets`, the sum of
 *    next_offset) cover every message. Also from the first commit (steady rate, start-up excluded). Peak RSS
 *    (VmHWM) and CPU seconds of each daemon, and its /metrics counters.
 *
 * Windows analysed beside ingest (issue 17): `--close-rate N` spreads the events' time so that, were the daemon to
 * read them at `--assumed-rate` events/s (default 50,000), windows would close at N times the rate live traffic of
 * the same models closes them (live: event time advances as fast as the clock; 100 models at 5 min slides close a
 * window every 3 s). The event time spans N × events ÷ assumed-rate seconds (it replaces --hours), so 3,000,000
 * events at 1× span 60 s of event time, at 10× 10 min, at 100× 100 min. The daemon's /metrics is scraped every
 * 200 ms: windows analysed during ingest, `vigil_analysis_lag_seconds` (max and at the last commit), and after the
 * last commit the wait until the analyses caught up (lag 0, nothing queued that has closed, no window analysed for
 * `--settle-s`, default 3 s here). The models' `window.idleTimeout` is `--idle-timeout` (default 0s: the topic is
 * keyed by model; at 1m a fresh daemon closes no window of a model in its first minute, docs/streaming.md). `--bins A,B,...` runs each daemon count with each build's bin.js in turn on the
 * same topic (A/B runs under the same load: e.g. yours, the base's, the base's, yours).
 *
 * Prints events/s and the ratio to kcat's. Cleans up: daemons stopped, databases dropped, topics deleted, files
 * deleted (unless --keep). Needs `pnpm run build` and the services (scripts/services/start.sh postgres kafka).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  benchArgs,
  benchRun,
  committedMessages,
  configYaml,
  cpuSecondsOf,
  createDatabase,
  dropDatabase,
  featureSet,
  fillKeyedTopics,
  freePort,
  kcatRead,
  machine,
  memoryOf,
  root,
  modelYaml,
  pg,
  quantile,
  scrapeMetrics,
  sleep,
  spreadModelIds,
  startDaemon,
  stopDaemon,
  sumMetric,
  table,
  vigilBin,
  writeEvents,
  writeReferenceCsv,
} from './lib-stream.mjs';

const args = benchArgs(
  'ingest',
  'Usage: node bench/ingest.mjs [--events N] [--models M] [--partitions P] [--daemons 1,2,3] [--reference-rows R] [--kcat-runs K] [--hours H] [--settle-s S] [--fetch-kib K] [--fetch-max-kib K] [--consumers C] [--log-level L] [--close-rate N] [--assumed-rate R] [--idle-timeout D] [--features NUM,CAT] [--bins A,B,...] [--cpu-prof DIR] [--json FILE] [--keep]',
  {
    events: { type: 'string', default: '1000000' },
    models: { type: 'string', default: '6' },
    daemons: { type: 'string', default: '1' },
    'kcat-runs': { type: 'string', default: '3' },
    // Storage (docs/storage.md): after the last commit, wait until no more windows are analysed for this long, so
    // the store figures include the metric rows. 0: measure at the last commit (windows still being analysed).
    'settle-s': { type: 'string', default: '0' },
    // kafka.fetch.maxBytesPerPartition in KiB (docs/configuration.md); unset: the build's default. An older build
    // refuses the key, so leave it unset for A/B runs against one.
    'fetch-kib': { type: 'string' },
    'fetch-max-kib': { type: 'string' }, // kafka.fetch.maxBytes in KiB
    consumers: { type: 'string' }, // kafka.consumers; unset: the build's default
    // The daemons' log level: at `info` (the default here) the start-up's steps are timed from their log lines.
    'log-level': { type: 'string', default: 'info' },
    // Windows closing at N × the live rate (above); the event time spans N × events ÷ assumed-rate seconds.
    'close-rate': { type: 'string' },
    'assumed-rate': { type: 'string', default: '50000' },
    'idle-timeout': { type: 'string', default: '0s' },
    // Features of each model: numeric,categorical (the fleet's 30 are 21,9).
    features: { type: 'string', default: '14,6' },
    // Builds' bin.js, comma-separated, each run in turn for every --daemons entry (default: this tree's).
    bins: { type: 'string' },

    dir: { type: 'string' },
  },
  ['events', 'models', 'partitions', 'daemons'],
);
let events = Number(args.events);
const modelCount = Number(args.models);
const partitions = Number(args.partitions);
const daemonCounts = args.daemons.split(',').map(Number);
const timeoutMs = Number(args['timeout-s']) * 1000;
const closeRate = args['close-rate'] === undefined ? undefined : Number(args['close-rate']);
if (closeRate !== undefined && !(closeRate > 0)) {
  console.error('ingest: --close-rate must be a positive number');
  process.exit(2);
}
const assumedRate = Number(args['assumed-rate']);
// Event time: N × the wall time of the run at the assumed rate (live traffic: event time runs as fast as the clock).
const spanMs = closeRate === undefined ? Number(args.hours) * 3_600_000 : (closeRate * events * 1000) / assumedRate;
const [numericFeatures, categoricalFeatures] = args.features.split(',').map(Number);
const bins = args.bins ? args.bins.split(',') : [vigilBin];

const run = benchRun('ingest', { dir: args.dir, keep: args.keep });
const { serverUrl, brokers, id, dir, databases, daemons, clients, log } = run;
const topics = { predictions: `${id}.predictions`, labels: `${id}.labels`, control: `${id}.control` };

try {
  const m = machine();
  log(`machine: nproc ${m.nproc}, ${m.ramGiB} GiB RAM, node ${m.node}, load ${m.load}, ${m.date}`);
  const features = featureSet(numericFeatures, categoricalFeatures);
  const models = spreadModelIds('ingest-', modelCount, partitions);
  const reference = join(dir, 'reference.csv');
  await writeReferenceCsv(reference, features, Number(args['reference-rows']), 7);
  const file = join(dir, 'events.keyed');
  let endTs = Date.now() - 60_000;
  let startTs = endTs - spanMs;
  let t = performance.now();
  let prefix = 0;
  if (closeRate !== undefined) {
    // A daemon that has been running: the events start with the allowed lateness's worth of earlier event time
    // (sparse: 20 events a model), so the watermark starts where the first windows holding data close, and windows
    // close from the first batches on at the stated rate, not only 10 min of event time in. Windows of every model
    // end on the same 5 min boundaries: live traffic of 100 models closes 100 windows together every 5 min (one
    // every 3 s on average). The measured events are placed so that such a boundary falls mid-run at 1×.
    const slideMs = 300_000;
    const latenessMs = 600_000;
    const middle = Math.floor((endTs - spanMs / 2 - latenessMs) / slideMs) * slideMs + latenessMs;
    startTs = middle - spanMs / 2;
    endTs = middle + spanMs / 2;
    prefix = models.length * 20;
    await writeEvents(join(dir, 'prefix.keyed'), {
      count: prefix,
      models,
      features,
      startTs: startTs - latenessMs,
      endTs: startTs,
      seed: 41,
      idPrefix: 'p',
    });
    log(
      `event time spans ${(spanMs / 1000).toFixed(0)} s after a prefix of ${prefix} events over the allowed lateness (10 min): at ${assumedRate} events/s windows close at ${closeRate}× the live rate of ${modelCount} models`,
    );
  }
  let bytes = await writeEvents(file, { count: events, models, features, startTs, endTs, seed: 42 });
  if (prefix > 0) {
    // The prefix first (a file of a few GiB is not read into memory here).
    const cat = spawnSync('sh', ['-c', 'cat "$0" >> "$1" && mv "$1" "$2"', file, join(dir, 'prefix.keyed'), file]);
    if (cat.status !== 0) throw new Error(`joining the prefix: ${cat.stderr}`);
    events += prefix;
    bytes = statSync(file).size;
  }
  log(
    `wrote ${events} events (${(bytes / 2 ** 20).toFixed(0)} MiB, ${(bytes / events).toFixed(0)} B/event incl. key) for ${models.length} models in ${((performance.now() - t) / 1000).toFixed(1)} s: ${file}`,
  );

  const produceS = await fillKeyedTopics(run, topics, partitions, file, events);
  log(
    `produced to ${topics.predictions} (${partitions} partitions) with kcat in ${produceS.toFixed(1)} s; topic holds ${events} messages`,
  );

  const kcatRuns = [];
  for (let i = 0; i < Number(args['kcat-runs']); i++) kcatRuns.push(kcatRead(brokers, topics.predictions));
  const kcatS = quantile(kcatRuns, 0.5);
  const kcatRate = events / kcatS;
  log(
    `kcat read the topic in ${kcatRuns.map((s) => s.toFixed(2)).join(' / ')} s → median ${kcatS.toFixed(2)} s, ${Math.round(kcatRate)} events/s`,
  );

  // With --close-rate: `window.idleTimeout` (docs/streaming.md, "The watermark"), 0s by default here. The topic is
  // keyed by model, the case 0s is meant for; at the default 1m a fresh daemon's models would close no window in
  // their first minute (their other partitions hold them back once, until idle), which a running daemon never sees.
  const window = closeRate === undefined ? undefined : `{ idleTimeout: ${args['idle-timeout']} }`;
  const modelsYaml = models.map((mid) => modelYaml(mid, features, reference, undefined, window)).join('\n');
  const results = [];
  let runIndex = 0;
  for (const [bin, n] of bins.flatMap((b) => daemonCounts.map((c) => [b, c]))) {
    runIndex++;
    const dbName = `${id}_d${n}_r${runIndex}`;
    const url = await createDatabase(serverUrl, dbName);
    databases.push(dbName);
    const groupId = `${id}_g${n}_r${runIndex}`;
    log(`run ${runIndex}: ${n} daemon(s) of ${bin}`);
    const config = join(dir, `vigil-${n}.yaml`);
    const fetchConfig =
      args['fetch-kib'] || args['fetch-max-kib']
        ? {
            ...(args['fetch-kib'] ? { maxBytesPerPartition: Number(args['fetch-kib']) * 1024 } : {}),
            ...(args['fetch-max-kib'] ? { maxBytes: Number(args['fetch-max-kib']) * 1024 } : {}),
          }
        : undefined;
    writeFileSync(
      config,
      configYaml({
        brokers,
        groupId,
        ...topics,
        databaseUrl: url,
        models: modelsYaml,
        fetch: fetchConfig,
        consumers: args.consumers ? Number(args.consumers) : undefined,
      }),
    );
    const client = new pg.Client({ connectionString: url });
    client.on('error', () => undefined); // a drop WITH (FORCE) on the way out ends it
    clients.push(client);
    await client.connect();
    // CPU of this database's Postgres backends (the daemons' connections), and of the broker (shared with others).
    // Autovacuum workers of this database are counted apart: they come and go (a 200 ms poll may miss one), and what
    // they cost depends on when the server decides to vacuum the index, not on the statements the daemons send.
    const backendCpu = new Map();
    const backendType = new Map();
    const sampleBackends = async () => {
      const r = await client.query(
        'SELECT pid, backend_type FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()',
      );
      for (const { pid, backend_type: type } of r.rows) {
        const c = cpuSecondsOf(pid);
        if (c !== undefined) backendCpu.set(pid, Math.max(backendCpu.get(pid) ?? 0, c));
        backendType.set(pid, type);
      }
    };
    const brokerCpuBefore = cpuSecondsOf(brokerPid());
    const group = [];
    const loadAtStart = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
    const started = performance.now();
    const startedAt = Date.now();
    for (let i = 0; i < n; i++) {
      const cpuProfDir = args['cpu-prof'] ? join(args['cpu-prof'], `r${runIndex}-d${n}-${i}`) : undefined;
      const d = startDaemon({
        config,
        databaseUrl: url,
        brokers,
        port: await freePort(),
        logFile: join(dir, `daemon-${runIndex}-${n}-${i}.log`),
        cpuProfDir,
        logLevel: args['log-level'],
        bin,
      });
      group.push(d);
      daemons.push(d);
    }
    let firstCommit;
    let firstCommitted = 0;
    // CPU of the daemons and of their Postgres backends at the first commit: the steady CPU an event excludes the
    // start-up (reference fits), which with 100 models is most of the daemon's CPU of a short run.
    let cpuAtFirstCommit = 0;
    // And once each daemon's HTTP API answers (after the reference fits, before the consumer joins): the CPU an event
    // "after start-up" that follows does not depend on how many events the first batches carry, as the figure after
    // the first commit does (a larger fetch decodes more before its first commit).
    const cpuAtListen = new Map();
    let postgresCpuAtListen;
    let postgresCpuAtFirstCommit = 0;
    let done;
    let peakRss = 0;
    const series = [];
    // The analysis beside ingest, from the daemons' /metrics: the lag's max, windows analysed so far.
    const analysis = { maxLagS: 0, lagAtLastCommitS: 0, analysedAtLastCommit: 0, queuedAtLastCommit: 0 };
    const sampleAnalysis = async () => {
      const texts = await Promise.all(group.map((d) => scrapeMetrics(d.port)));
      const lagS = Math.max(0, ...texts.map((t) => sumMetric(t, 'vigil_analysis_lag_seconds')));
      analysis.maxLagS = Math.max(analysis.maxLagS, lagS);
      return {
        lagS,
        analysed: texts.reduce((a, t) => a + sumMetric(t, 'vigil_windows_analysed_total'), 0),
        queued: texts.reduce((a, t) => a + sumMetric(t, 'vigil_analysis_queued_windows'), 0),
      };
    };
    for (;;) {
      const now = performance.now();
      const committed = await committedMessages(client, groupId, topics.predictions);
      const sampled = closeRate === undefined ? undefined : await sampleAnalysis();
      for (const d of group) peakRss = Math.max(peakRss, memoryOf(d.pid)?.rssMiB ?? 0);
      for (const d of group)
        if (!cpuAtListen.has(d) && (await scrapeMetrics(d.port)) !== '') cpuAtListen.set(d, cpuSecondsOf(d.pid) ?? 0);
      if (postgresCpuAtListen === undefined && cpuAtListen.size === group.length) {
        await sampleBackends();
        postgresCpuAtListen = [...backendCpu.values()].reduce((a, b) => a + b, 0);
      }
      if (committed > 0 && firstCommit === undefined) {
        firstCommit = now;
        firstCommitted = committed;
        cpuAtFirstCommit = group.reduce((a, d) => a + (cpuSecondsOf(d.pid) ?? Number.NaN), 0);
        await sampleBackends();
        postgresCpuAtFirstCommit = [...backendCpu.values()].reduce((a, b) => a + b, 0);
      }
      series.push([Math.round(now - started), committed]);
      await sampleBackends();
      if (committed >= events) {
        done = now;
        if (sampled) {
          analysis.lagAtLastCommitS = sampled.lagS;
          analysis.analysedAtLastCommit = sampled.analysed;
          analysis.queuedAtLastCommit = sampled.queued;
        }
        break;
      }
      const dead = group.find((d) => d.child.exitCode !== null || d.child.signalCode !== null);
      if (dead)
        throw new Error(
          `a daemon exited early (${dead.child.exitCode ?? dead.child.signalCode}); see ${dir}/daemon-${runIndex}-${n}-*.log`,
        );
      if (now - started > timeoutMs)
        throw new Error(`timed out after ${args['timeout-s']} s with ${committed} of ${events} committed`);
      await sleep(200);
    }
    const totalS = (done - started) / 1000;
    if (closeRate !== undefined) {
      // After the last commit: until no pass has anything waiting (lag 0) and no window was analysed for settle-s.
      const quietMs = (Number(args['settle-s']) || 3) * 1000;
      let last = -1;
      let stableSince = performance.now();
      for (;;) {
        const s = await sampleAnalysis();
        if (s.analysed !== last || s.lagS > 0) {
          if (s.analysed !== last) analysis.caughtUpS = (performance.now() - done) / 1000;
          last = s.analysed;
          stableSince = performance.now();
        } else if (performance.now() - stableSince >= quietMs) break;
        if (performance.now() - started > timeoutMs) throw new Error('timed out waiting for the analyses');
        await sleep(200);
      }
      analysis.analysedAtEnd = last;
      analysis.caughtUpS ??= 0;
      log(
        `analysis beside ingest: ${analysis.analysedAtLastCommit} windows analysed by the last commit (${analysis.queuedAtLastCommit} queued), ` +
          `lag max ${analysis.maxLagS.toFixed(1)} s, ${analysis.lagAtLastCommitS.toFixed(1)} s at the last commit; ` +
          `${analysis.analysedAtEnd} analysed in all, the last ${analysis.caughtUpS.toFixed(1)} s after the last commit`,
      );
    }
    const settleMs = closeRate === undefined ? Number(args['settle-s']) * 1000 : 0;
    if (settleMs > 0) {
      let analysed = -1;
      let stableSince = performance.now();
      for (;;) {
        const r = await client.query('SELECT count(*)::int AS n FROM vigil_windows WHERE analysed_seq > 0');
        if (r.rows[0].n !== analysed) {
          analysed = r.rows[0].n;
          stableSince = performance.now();
        } else if (performance.now() - stableSince >= settleMs) break;
        await sleep(1000);
      }
      log(`${analysed} windows analysed, none more for ${args['settle-s']} s`);
    }
    const steadyS = (done - firstCommit) / 1000;
    const startup = startupSteps(join(dir, `daemon-${runIndex}-${n}-0.log`), startedAt, (firstCommit - started) / 1000);
    log(
      `start-up of the first daemon (s from its spawn): ${JSON.stringify(startup)}; daemons' CPU to the first commit ${cpuAtFirstCommit.toFixed(2)} s`,
    );
    const memory = group.map((d) => memoryOf(d.pid));
    const cpu = group.map((d) => cpuSecondsOf(d.pid));
    await sampleBackends();
    const postgresCpuS = [...backendCpu.values()].reduce((a, b) => a + b, 0);
    const autovacuumCpuS = [...backendCpu]
      .filter(([pid]) => backendType.get(pid) === 'autovacuum worker')
      .reduce((a, [, c]) => a + c, 0);
    const brokerCpuS = (cpuSecondsOf(brokerPid()) ?? Number.NaN) - (brokerCpuBefore ?? Number.NaN);
    const scraped = await Promise.all(group.map((d) => scrapeMetrics(d.port)));
    const counter = (name) => scraped.reduce((sum, text) => sum + sumMetric(text, name), 0);
    const stats = await client
      .query(
        `SELECT
        (SELECT count(*) FROM vigil_prediction_index)::int AS indexed,
        (SELECT coalesce(sum(rows), 0) FROM vigil_buckets)::bigint::text AS bucket_rows,
        (SELECT count(*) FROM vigil_buckets)::int AS buckets,
        (SELECT count(*) FROM vigil_dead_letters)::int AS dead,
        (SELECT count(DISTINCT (model, window_start)) FROM vigil_metric_rows)::int AS windows,
        (SELECT count(*) FROM vigil_windows WHERE analysed_seq > 0)::int AS analysed_windows,
        (SELECT count(*) FROM vigil_metric_rows)::int AS metric_rows,
        (SELECT json_object_agg(metric, json_build_object('rows', n, 'detailsBytes', d)) FROM (SELECT metric, count(*)::int AS n,
          coalesce(sum(pg_column_size(details)), 0)::bigint AS d FROM vigil_metric_rows GROUP BY metric) AS k) AS metric_kinds,
        pg_database_size(current_database())::bigint::text AS db_bytes,
        (SELECT json_object_agg(relname, pg_total_relation_size(c.oid)) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
          WHERE c.relkind = 'r' AND n.nspname = 'public' AND pg_total_relation_size(c.oid) > 1048576) AS table_bytes`,
      )
      .catch((e) => ({ rows: [{ error: e.message }] }));
    // The compact metric storage (migration 0012, docs/storage.md): a window's values and details, stored (compressed) and as text.
    const compact = await client
      .query(
        `SELECT count(*)::int AS windows, round(avg(pg_column_size(vals)))::int AS vals_bytes, round(avg(octet_length(vals::text)))::int AS vals_text,
                round(avg(coalesce(pg_column_size(details), 0)))::int AS details_bytes, round(avg(coalesce(octet_length(details::text), 0)))::int AS details_text
              FROM vigil_metric_windows`,
      )
      .then((r) => r.rows[0])
      .catch(() => undefined);
    if (compact) stats.rows[0].compactWindows = compact;
    await client.end();
    for (const d of group) await stopDaemon(d);
    const result = {
      bin,
      daemons: n,
      analysis: closeRate === undefined ? undefined : analysis,
      totalS,
      steadyS,
      eventsPerS: events / totalS,
      steadyEventsPerS: (events - firstCommitted) / steadyS,
      peakRssMiB: memory.map((x) => x?.hwmMiB),
      cpuS: cpu,
      postgresCpuS,
      autovacuumCpuS,
      brokerCpuS,
      batches: counter('vigil_batches_total'),
      eventsConsumed: counter('vigil_events_consumed_total'),
      windowsAnalysed: counter('vigil_windows_analysed_total'),
      analysisS: counter('vigil_analysis_seconds_total'),
      deadLetters: counter('vigil_dead_letters_total'),
      store: stats.rows[0],
      loadAtStart,
      loadAverage: readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' '),
      // CPU per event: what the shared machine's load moves least (the events/s move with it).
      daemonCpuUsPerEvent: (cpu.reduce((a, b) => a + (b ?? Number.NaN), 0) * 1e6) / events,
      steadyDaemonCpuUsPerEvent:
        ((cpu.reduce((a, b) => a + (b ?? Number.NaN), 0) - cpuAtFirstCommit) * 1e6) / (events - firstCommitted),
      steadyPostgresCpuUsPerEvent: ((postgresCpuS - postgresCpuAtFirstCommit) * 1e6) / (events - firstCommitted),
      afterStartDaemonCpuUsPerEvent:
        (group.reduce((a, d, i) => a + ((cpu[i] ?? Number.NaN) - (cpuAtListen.get(d) ?? Number.NaN)), 0) * 1e6) /
        events,
      afterStartPostgresCpuUsPerEvent: ((postgresCpuS - (postgresCpuAtListen ?? Number.NaN)) * 1e6) / events,
      postgresCpuUsPerEvent: (postgresCpuS * 1e6) / events,
      clientBackendCpuUsPerEvent: ((postgresCpuS - autovacuumCpuS) * 1e6) / events,
      startup,
      // The daemons' CPU from their spawn to the first commit: the start-up's cost, which the load moves least.
      cpuAtFirstCommitS: cpuAtFirstCommit,
      series,
    };
    results.push(result);
    log(
      `${n} daemon(s): all ${events} committed in ${totalS.toFixed(1)} s from start (${Math.round(result.eventsPerS)} events/s), ` +
        `${steadyS.toFixed(1)} s from the first commit (${Math.round(result.steadyEventsPerS)} events/s); peak RSS ${result.peakRssMiB.map((x) => x?.toFixed(0)).join('/')} MiB; ` +
        `load average at the start ${result.loadAtStart}, at the end ${result.loadAverage}; CPU ${cpu.map((c) => c?.toFixed(1)).join('/')} s (Postgres backends ${postgresCpuS.toFixed(1)} s of which autovacuum ${autovacuumCpuS.toFixed(1)} s, broker ${brokerCpuS.toFixed(1)} s; ` +
        `per event: daemons ${result.daemonCpuUsPerEvent.toFixed(1)} µs, Postgres ${result.postgresCpuUsPerEvent.toFixed(1)} µs, without autovacuum ${result.clientBackendCpuUsPerEvent.toFixed(1)} µs; after the first commit: daemons ${result.steadyDaemonCpuUsPerEvent.toFixed(1)} µs, Postgres ${result.steadyPostgresCpuUsPerEvent.toFixed(1)} µs; after start-up: daemons ${result.afterStartDaemonCpuUsPerEvent.toFixed(1)} µs, Postgres ${result.afterStartPostgresCpuUsPerEvent.toFixed(1)} µs); ${result.batches} batches, ${result.windowsAnalysed} windows analysed in ${result.analysisS.toFixed(1)} s; store ${JSON.stringify(result.store)}`,
    );
    await dropDatabase(serverUrl, dbName);
    databases.splice(databases.indexOf(dbName), 1);
  }

  if (closeRate !== undefined)
    console.log(
      `\nWindows closing at ${closeRate}× the live rate of ${models.length} models (event time ${(spanMs / 1000).toFixed(0)} s, at ${assumedRate} events/s)`,
    );
  console.log(
    `\nSustained ingest: ${events} events × (${numericFeatures + categoricalFeatures} features + score + label + 2 groups), ${models.length} models, ${partitions} partitions`,
  );
  console.log(
    `kcat baseline (read the topic, -o beginning -e): ${kcatS.toFixed(2)} s → ${Math.round(kcatRate).toLocaleString('en')} events/s\n`,
  );
  console.log(
    table(
      [
        'vigil run daemons',
        'wall s (from start)',
        'first commit s (daemon CPU s)',
        'events/s',
        'kcat ÷ vigil',
        'events/s after 1st commit',
        'kcat ÷ vigil (steady)',
        'peak RSS MiB (each)',
        'CPU s: daemons / Postgres / broker',
        'CPU µs an event: daemons / Postgres',
        'after start-up: daemons / Postgres',
        ...(closeRate === undefined
          ? []
          : [
              'windows analysed: by the last commit / in all',
              'analysis lag s: max / at the last commit',
              'last analysis s after the last commit',
            ]),
      ],
      results.map((r) => [
        bins.length > 1 ? `${r.daemons} (${r.bin.replace(/\/packages\/daemon\/dist\/bin\.js$/, '')})` : r.daemons,
        r.totalS.toFixed(1),
        `${(r.totalS - r.steadyS).toFixed(1)} (${r.cpuAtFirstCommitS.toFixed(2)})`,
        Math.round(r.eventsPerS).toLocaleString('en'),
        `${(kcatRate / r.eventsPerS).toFixed(1)}×`,
        Math.round(r.steadyEventsPerS).toLocaleString('en'),
        `${(kcatRate / r.steadyEventsPerS).toFixed(1)}×`,
        r.peakRssMiB.map((x) => x?.toFixed(0)).join(' / '),
        `${r.cpuS.map((x) => x?.toFixed(1)).join(' + ')} / ${r.postgresCpuS.toFixed(1)} / ${r.brokerCpuS.toFixed(1)}`,
        `${r.daemonCpuUsPerEvent.toFixed(1)} / ${r.postgresCpuUsPerEvent.toFixed(1)}`,
        `${r.afterStartDaemonCpuUsPerEvent.toFixed(1)} / ${r.afterStartPostgresCpuUsPerEvent.toFixed(1)}`,
        ...(r.analysis
          ? [
              `${r.analysis.analysedAtLastCommit} / ${r.analysis.analysedAtEnd}`,
              `${r.analysis.maxLagS.toFixed(1)} / ${r.analysis.lagAtLastCommitS.toFixed(1)}`,
              r.analysis.caughtUpS.toFixed(1),
            ]
          : []),
      ]),
    ),
  );
  console.log(
    `\ntarget (issue 3): ≥ 50,000 events/s — ${results.map((r) => `${r.daemons} daemon(s): ${r.eventsPerS >= 50_000 ? 'met' : 'not met'}`).join('; ')}`,
  );
  if (args.json)
    writeFileSync(
      args.json,
      JSON.stringify({ machine: m, events, models, partitions, bytes, produceS, kcatRuns, kcatS, results }, null, 2),
    );
} catch (error) {
  console.error(`[ingest] failed: ${error.stack ?? error}`);
  process.exitCode = 1;
} finally {
  await run.cleanup();
}

/**
 * When the start-up's steps ended, in seconds from the daemon's spawn, from its JSON log at `info` (absent steps are
 * left out: a daemon at `warn` logs none): the first and the last reference fitted from a file, the summary of the
 * reference files (a build with decision 0034), "vigil run started" (HTTP API listening), "consuming" (the group joined), and the first commit the benchmark saw.
 */
function startupSteps(logFile, startedAt, firstCommitS) {
  const at = {};
  const steps = [
    ['firstFit', 'reference profile fitted from the configured file', false],
    ['lastFit', 'reference profile fitted from the configured file', true],
    ['started', 'vigil run started', false],
    ['referencesDone', 'reference files:', false],
    ['consuming', 'consuming', false],
  ];
  let lines = [];
  try {
    lines = readFileSync(logFile, 'utf8').split('\n');
  } catch {
    return { firstCommit: firstCommitS };
  }
  for (const line of lines) {
    if (!line.startsWith('{')) continue;
    let record;
    try {
      record = JSON.parse(line);
    } catch {
      continue;
    }
    for (const [name, msg, last] of steps)
      if (typeof record.msg === 'string' && record.msg.startsWith(msg) && (last || at[name] === undefined))
        at[name] = Number(((Date.parse(record.time) - startedAt) / 1000).toFixed(2));
  }
  return { ...at, firstCommit: Number(firstCommitS.toFixed(2)) };
}

function brokerPid() {
  const file = join(root, '.cache/services/kafka/kafka.pid');
  return existsSync(file) ? Number(readFileSync(file, 'utf8').trim()) : -1;
}
