#!/usr/bin/env node
/**
 * A fleet, not a handful (issue 17): one `vigil run` daemon, many models × 30 features at the product's default
 * windows (1 h sliding by 5 min, 10 min allowed lateness), Kafka → Postgres, window analysis beside ingest.
 *
 *   node bench/fleet.mjs [--models 100,1000] [--events 300000] [--hours 6] [--partitions 6] [--cpu-prof DIR] [--json FILE] [--keep]
 *
 * Per model count, on a fresh topic keyed by model and a fresh database:
 * - ingest: wall time until the committed offsets cover every message (from the daemon's start and from its first
 *   commit) → events/s;
 * - analysis: `vigil_analysis_lag_seconds` sampled every 500 ms (its peak), and the time until the analysis has
 *   caught up (no closed window left due in `vigil_windows`, lag 0) → how long after the last commit it ends;
 *   windows analysed (first / revision), revisions deferred, `vigil_analysis_seconds_total`;
 * - storage: `pg_total_relation_size` of every vigil_ table once caught up, per event and per model-day of event
 *   time (`--hours` of event time for each model);
 * - the database's writes: `pg_stat_database` (commits, tuples inserted/updated/deleted) and WAL bytes
 *   (`pg_current_wal_lsn()` before and after: server-wide, so other work on the server adds to it — the figure is an
 *   upper bound), per event; with --wal-inspect, the WAL records of this database only (pg_walinspect, its
 *   relations' OID in each record's block references; needs a superuser, and the WAL of the run still on disk: keep
 *   such a run small), split into ingest (until the last commit) and the analysis after it;
 * - peak RSS (VmHWM) and CPU seconds of the daemon, CPU of this database's Postgres backends.
 *
 * The models' `window.idleTimeout` is 0s: the producer keys by model, so each model lives on one partition and the
 * others never carry it (with the default 1 m they would hold every model's first windows back a minute).
 *
 * `VIGIL_BENCH_BIN=packages/daemon/bin/vigil` runs the daemon through the `vigil` executable (with the
 * `--max-semi-space-size=8` it gives `vigil run`) instead of `node …/dist/bin.js`.
 *
 * Cleans up: daemon stopped, database dropped, topics deleted, files deleted (the database and files kept with --keep). Needs `pnpm run build`
 * and the services (scripts/services/start.sh postgres kafka). Heavy: run it alone.
 */
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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
  machine,
  memoryOf,
  modelYaml,
  pg,
  scrapeMetrics,
  sleep,
  spreadModelIds,
  startDaemon,
  stopDaemon,
  sumMetric,
  table,
  writeEvents,
  writeReferenceCsv,
} from './lib-stream.mjs';

const args = benchArgs(
  'fleet',
  'Usage: node bench/fleet.mjs [--models 100,1000] [--events N] [--hours H] [--partitions P] [--cpu-prof DIR] [--json FILE] [--keep]',
  {
    models: { type: 'string', default: '100' },
    events: { type: 'string', default: '300000' },
    'wal-inspect': { type: 'boolean', default: false },
  },
  ['events', 'models', 'partitions'],
);
const modelCounts = args.models.split(',').map(Number);
const events = Number(args.events);
const hours = Number(args.hours);
const partitions = Number(args.partitions);
const timeoutMs = Number(args['timeout-s']) * 1000;
if (!(hours > 0)) {
  console.error('fleet: --hours must be a positive number');
  process.exit(2);
}

const session = benchRun('fleet', { keep: args.keep });
const { serverUrl, brokers, id, dir, databases, daemons, log } = session;

/** Closed windows still due: every window ending at or before its model's largest event time minus the lateness. */
async function dueClosed(client) {
  try {
    const r = await client.query(`SELECT count(*)::int AS n FROM vigil_windows w JOIN vigil_watermarks m USING (model)
      WHERE w.change_seq > w.analysed_seq AND w.window_end <= m.max_event_ts - interval '10 minutes'`);
    return r.rows[0].n;
  } catch (error) {
    if (error.code === '42P01') return Number.NaN;
    throw error;
  }
}

async function databaseCounters(client) {
  const r = await client.query(`SELECT xact_commit::text, tup_inserted::text, tup_updated::text, tup_deleted::text,
      pg_current_wal_lsn()::text AS lsn FROM pg_stat_database WHERE datname = current_database()`);
  const row = r.rows[0];
  return {
    commits: Number(row.xact_commit),
    inserted: Number(row.tup_inserted),
    updated: Number(row.tup_updated),
    deleted: Number(row.tup_deleted),
    lsn: row.lsn,
  };
}
const lsnBytes = (lsn) => {
  const [hi, lo] = lsn.split('/');
  return Number.parseInt(hi, 16) * 2 ** 32 + Number.parseInt(lo, 16);
};

/** The hottest functions of a .cpuprofile by self time. */
function hottest(file, top = 20) {
  const profile = JSON.parse(readFileSync(file, 'utf8'));
  const self = new Map();
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const dt = new Map();
  for (let i = 0; i < profile.samples.length; i++)
    dt.set(profile.samples[i], (dt.get(profile.samples[i]) ?? 0) + (profile.timeDeltas[i] ?? 0));
  for (const [nodeId, us] of dt) {
    const n = byId.get(nodeId);
    const f = n.callFrame;
    const key = `${f.functionName || '(anonymous)'} ${f.url.replace(/^.*\/(packages|node_modules)\//, '$1/')}:${f.lineNumber + 1}`;
    self.set(key, (self.get(key) ?? 0) + us);
  }
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  return [...self]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([k, us]) => `${((100 * us) / total).toFixed(1).padStart(5)} %  ${(us / 1e6).toFixed(2).padStart(7)} s  ${k}`);
}

const results = [];
try {
  const m = machine();
  log(`machine: nproc ${m.nproc}, ${m.ramGiB} GiB RAM, node ${m.node}, load ${m.load}, ${m.date}`);
  const features = featureSet(21, 9);
  const reference = join(dir, 'reference.csv');
  await writeReferenceCsv(reference, features, Number(args['reference-rows']), 7);

  for (const count of modelCounts) {
    const run = `${id}_m${count}`;
    const topics = { predictions: `${run}.predictions`, labels: `${run}.labels`, control: `${run}.control` };
    const models = spreadModelIds('fleet-', count, partitions);
    const file = join(dir, `events-${count}.keyed`);
    const endTs = Date.now() - 60_000;
    const startTs = endTs - hours * 3_600_000;
    const bytes = await writeEvents(file, { count: events, models, features, startTs, endTs, seed: 42 });
    log(
      `${count} models: wrote ${events} events (${(bytes / events).toFixed(0)} B/event incl. key), ${hours} h of event time`,
    );
    await fillKeyedTopics(session, topics, partitions, file, events);
    rmSync(file, { force: true });

    const url = await createDatabase(serverUrl, run);
    databases.push(run);
    const config = join(dir, `vigil-${count}.yaml`);
    const modelsYaml = models
      .map((mid) => `${modelYaml(mid, features, reference)}\n    window: { idleTimeout: 0s }`)
      .join('\n');
    writeFileSync(config, configYaml({ brokers, groupId: run, ...topics, databaseUrl: url, models: modelsYaml }));
    const client = new pg.Client({ connectionString: url });
    client.on('error', () => undefined);
    await client.connect();
    const backendCpu = new Map();
    const sampleBackends = async () => {
      const r = await client.query(
        'SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()',
      );
      for (const { pid } of r.rows) {
        const c = cpuSecondsOf(pid);
        if (c !== undefined) backendCpu.set(pid, Math.max(backendCpu.get(pid) ?? 0, c));
      }
    };
    if (args['wal-inspect']) await client.query('CREATE EXTENSION IF NOT EXISTS pg_walinspect');
    const dbOid = (await client.query('SELECT oid::text FROM pg_database WHERE datname = current_database()')).rows[0]
      .oid;
    const before = await databaseCounters(client);
    // This database's WAL: records whose block references name a relation of it (`rel TABLESPACE/DATABASE/FILE`),
    // read a few hundred milliseconds at a time, before the server recycles the segments.
    const wal = args['wal-inspect']
      ? { ingest: { records: 0, bytes: 0, fpiBytes: 0 }, analysis: { records: 0, bytes: 0, fpiBytes: 0 } }
      : undefined;
    let walCursor = before.lsn;
    const walStep = async (analysisPhase) => {
      const to = (await client.query('SELECT pg_current_wal_lsn()::text AS lsn')).rows[0].lsn;
      if (lsnBytes(to) <= lsnBytes(walCursor)) return;
      const r = await client.query(
        `SELECT count(*)::text AS records, coalesce(sum(record_length), 0)::text AS bytes, coalesce(sum(fpi_length), 0)::text AS fpi
         FROM pg_get_wal_records_info($1::pg_lsn, $2::pg_lsn) WHERE block_ref LIKE $3`,
        [walCursor, to, `%/${dbOid}/%`],
      );
      const phase = analysisPhase ? wal.analysis : wal.ingest;
      phase.records += Number(r.rows[0].records);
      phase.bytes += Number(r.rows[0].bytes);
      phase.fpiBytes += Number(r.rows[0].fpi);
      walCursor = to;
    };
    const cpuProfDir = args['cpu-prof'] ? join(args['cpu-prof'], `m${count}`) : undefined;
    const port = await freePort();
    const started = performance.now();
    const daemon = startDaemon({
      config,
      databaseUrl: url,
      brokers,
      port,
      logFile: join(dir, `daemon-${count}.log`),
      cpuProfDir,
    });
    daemons.push(daemon);
    let firstCommit;
    let firstCommitted = 0;
    let ingested;
    let atIngested;
    let caughtUp;
    let peakLag = 0;
    let peakQueued = 0;
    let lastScrape = 0;
    let text = '';
    const lagSeries = [];
    for (;;) {
      const now = performance.now();
      const committed = await committedMessages(client, run, topics.predictions);
      if (committed > 0 && firstCommit === undefined) {
        firstCommit = now;
        firstCommitted = committed;
      }
      if (ingested === undefined && committed >= events) {
        ingested = now;
        // Where the ingest ends: what the analysis after it costs is the difference to the figures at the end.
        await sampleBackends();
        atIngested = {
          daemonCpuS: cpuSecondsOf(daemon.pid),
          postgresCpuS: [...backendCpu.values()].reduce((a, b) => a + b, 0),
          analysed: sumMetric(await scrapeMetrics(port), 'vigil_windows_analysed_total'),
          // The peak so far: whether the run's peak comes with ingest or with the backlog analysed after it.
          hwmMiB: memoryOf(daemon.pid)?.hwmMiB,
        };
        if (wal) await walStep(false);
        log(`${count} models: all ${events} committed after ${((now - started) / 1000).toFixed(1)} s`);
      }
      if (now - lastScrape >= 500) {
        lastScrape = now;
        if (wal) await walStep(ingested !== undefined);
        text = await scrapeMetrics(port);
        const lag = sumMetric(text, 'vigil_analysis_lag_seconds');
        peakLag = Math.max(peakLag, lag);
        peakQueued = Math.max(peakQueued, sumMetric(text, 'vigil_analysis_queued_windows'));
        lagSeries.push([Math.round(now - started), committed, lag, sumMetric(text, 'vigil_windows_analysed_total')]);
        await sampleBackends();
        if (ingested !== undefined && lag === 0 && (await dueClosed(client)) === 0) {
          caughtUp = now;
          break;
        }
      }
      if (daemon.child.exitCode !== null || daemon.child.signalCode !== null)
        throw new Error(`the daemon exited early; see ${dir}/daemon-${count}.log`);
      if (now - started > timeoutMs)
        throw new Error(`timed out after ${args['timeout-s']} s (${committed} of ${events} committed)`);
      await sleep(100);
    }
    text = await scrapeMetrics(port);
    await sampleBackends();
    const memory = memoryOf(daemon.pid);
    const cpuS = cpuSecondsOf(daemon.pid);
    const after = await databaseCounters(client);
    if (args['wal-inspect']) await walStep(true);
    const sizes =
      await client.query(`SELECT c.relname AS name, pg_total_relation_size(c.oid)::bigint::text AS bytes FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE c.relkind IN ('r', 'p') AND n.nspname = current_schema() AND c.relname LIKE 'vigil\\_%' ORDER BY pg_total_relation_size(c.oid) DESC`);
    // Where the bytes go: each table's heap, its TOAST (and free-space/visibility maps), and each of its indexes.
    const parts =
      await client.query(`SELECT t.relname AS table_name, 'heap' AS part, pg_relation_size(t.oid)::bigint::text AS bytes
        FROM pg_class t JOIN pg_namespace n ON n.oid = t.relnamespace WHERE t.relkind = 'r' AND n.nspname = current_schema() AND t.relname LIKE 'vigil\\_%'
      UNION ALL SELECT t.relname, 'toast+maps', (pg_table_size(t.oid) - pg_relation_size(t.oid))::bigint::text
        FROM pg_class t JOIN pg_namespace n ON n.oid = t.relnamespace WHERE t.relkind = 'r' AND n.nspname = current_schema() AND t.relname LIKE 'vigil\\_%'
      UNION ALL SELECT t.relname, 'index ' || i.relname, pg_relation_size(i.oid)::bigint::text
        FROM pg_index x JOIN pg_class t ON t.oid = x.indrelid JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_namespace n ON n.oid = t.relnamespace
        WHERE n.nspname = current_schema() AND t.relname LIKE 'vigil\\_%'`);
    const counts =
      await client.query(`SELECT (SELECT count(*) FROM vigil_metric_rows)::int AS metric_rows, (SELECT count(*) FROM vigil_windows)::int AS windows,
        (SELECT count(*) FROM vigil_buckets)::int AS buckets, (SELECT count(*) FROM vigil_prediction_index)::int AS indexed`);
    await client.end();
    await stopDaemon(daemon);
    daemons.splice(daemons.indexOf(daemon), 1);
    const tableBytes = Object.fromEntries(sizes.rows.map((r) => [r.name, Number(r.bytes)]));
    const dbBytes = Object.values(tableBytes).reduce((a, b) => a + b, 0);
    const modelDays = (count * hours) / 24;
    const postgresCpuS = [...backendCpu.values()].reduce((a, b) => a + b, 0);
    const result = {
      models: count,
      events,
      hours,
      ingestS: (ingested - started) / 1000,
      eventsPerS: events / ((ingested - started) / 1000),
      steadyEventsPerS: (events - firstCommitted) / ((ingested - firstCommit) / 1000),
      caughtUpS: (caughtUp - started) / 1000,
      analysisAfterIngestS: (caughtUp - ingested) / 1000,
      peakLagS: peakLag,
      peakQueuedWindows: peakQueued,
      windowsFirst: sumMetric(text, 'vigil_windows_analysed_total', 'kind="first"'),
      windowsAnalysed: sumMetric(text, 'vigil_windows_analysed_total'),
      revisionsDeferred: sumMetric(text, 'vigil_revisions_deferred_total'),
      analysisS: sumMetric(text, 'vigil_analysis_seconds_total'),
      batches: sumMetric(text, 'vigil_batches_total'),
      peakRssMiB: memory?.hwmMiB,
      daemonCpuS: cpuS,
      postgresCpuS,
      analysesAfterIngest: undefined,
      daemonCpuMsPerAnalysisAfterIngest: undefined,
      postgresCpuMsPerAnalysisAfterIngest: undefined,
      daemonCpuUsPerEvent: (cpuS * 1e6) / events,
      postgresCpuUsPerEvent: (postgresCpuS * 1e6) / events,
      counts: counts.rows[0],
      tableBytes,
      partBytes: parts.rows
        .filter((r) => Number(r.bytes) >= 65536)
        .map((r) => ({ table: r.table_name, part: r.part, bytes: Number(r.bytes) }))
        .sort((a, b) => b.bytes - a.bytes),
      dbBytes,
      bytesPerEvent: dbBytes / events,
      bytesPerModelDay: dbBytes / modelDays,
      commits: after.commits - before.commits,
      tuplesWritten:
        after.inserted - before.inserted + (after.updated - before.updated) + (after.deleted - before.deleted),
      walBytes: lsnBytes(after.lsn) - lsnBytes(before.lsn),
      wal,
      lagSeries,
    };
    // The analyses after the last commit and the CPU they took (the daemon's and this database's backends'): the
    // cost of an analysed window with no ingest beside it.
    result.analysesAfterIngest = result.windowsAnalysed - atIngested.analysed;
    result.peakRssAtLastCommitMiB = atIngested.hwmMiB;
    result.daemonCpuMsPerAnalysisAfterIngest = ((cpuS - atIngested.daemonCpuS) * 1e3) / result.analysesAfterIngest;
    result.postgresCpuMsPerAnalysisAfterIngest =
      ((postgresCpuS - atIngested.postgresCpuS) * 1e3) / result.analysesAfterIngest;
    result.walBytesPerEvent = result.walBytes / events;
    result.tuplesPerEvent = result.tuplesWritten / events;
    result.writesPerS = result.tuplesWritten / result.caughtUpS;
    results.push(result);
    log(
      `${count} models: ingest ${result.ingestS.toFixed(1)} s (${Math.round(result.eventsPerS)} events/s; ${Math.round(result.steadyEventsPerS)} after the first commit); ` +
        `analysis caught up ${result.analysisAfterIngestS.toFixed(1)} s after the last commit (peak lag ${peakLag.toFixed(1)} s, peak queue ${peakQueued} windows); ` +
        `${result.windowsAnalysed} analyses (${result.windowsFirst} first), ${result.revisionsDeferred} revisions deferred, ${result.analysisS.toFixed(1)} s of analysis; ` +
        `peak RSS ${memory?.hwmMiB.toFixed(0)} MiB (${atIngested.hwmMiB?.toFixed(0)} MiB at the last commit); CPU daemon ${cpuS?.toFixed(1)} s, Postgres ${postgresCpuS.toFixed(1)} s; ` +
        `after the last commit ${result.analysesAfterIngest} analyses, CPU an analysis ${result.daemonCpuMsPerAnalysisAfterIngest.toFixed(2)} ms daemon + ${result.postgresCpuMsPerAnalysisAfterIngest.toFixed(2)} ms Postgres (at the last commit: daemon ${atIngested.daemonCpuS?.toFixed(1)} s, Postgres ${atIngested.postgresCpuS.toFixed(1)} s, ${atIngested.analysed} analyses); ` +
        `database ${(dbBytes / 2 ** 20).toFixed(0)} MiB (${result.bytesPerEvent.toFixed(0)} B/event, ${(result.bytesPerModelDay / 2 ** 20).toFixed(1)} MiB/model-day); ` +
        `${result.commits} commits, ${result.tuplesWritten} tuples written (${result.tuplesPerEvent.toFixed(1)}/event), WAL ≤ ${(result.walBytes / 2 ** 20).toFixed(0)} MiB (${result.walBytesPerEvent.toFixed(0)} B/event)`,
    );
    if (wal) {
      log(
        `  this database's WAL (pg_walinspect): ingest ${(wal.ingest.bytes / 2 ** 20).toFixed(1)} MiB in ${wal.ingest.records} records (${(wal.ingest.bytes / events).toFixed(0)} B/event); ` +
          `analysis after the last commit ${(wal.analysis.bytes / 2 ** 20).toFixed(1)} MiB in ${wal.analysis.records} records; full-page images ${((wal.ingest.fpiBytes + wal.analysis.fpiBytes) / 2 ** 20).toFixed(1)} MiB`,
      );
    }
    log(
      `  parts (≥ 64 KiB), B/event: ${result.partBytes.map((r) => `${r.table} ${r.part} ${(r.bytes / events).toFixed(0)}`).join(', ')}`,
    );
    log(
      `  tables: ${Object.entries(tableBytes)
        .map(([k, v]) => `${k} ${(v / 2 ** 20).toFixed(1)} MiB`)
        .join(', ')}; rows: ${JSON.stringify(counts.rows[0])}`,
    );
    if (cpuProfDir) {
      await sleep(500);
      const profiles = readdirSync(cpuProfDir).filter((f) => f.endsWith('.cpuprofile'));
      for (const p of profiles) {
        log(`  hottest functions by self time (${join(cpuProfDir, p)}):`);
        for (const line of hottest(join(cpuProfDir, p), 25)) console.log(`    ${line}`);
      }
    }
    if (args.keep) log(`  database kept: ${run}`);
    else await dropDatabase(serverUrl, run);
    databases.splice(databases.indexOf(run), 1);
  }

  console.log(
    `\nFleet: ${events} events × (30 features + score + label + 2 groups), default windows (1 h / 5 min), ${hours} h of event time, ${partitions} partitions, one daemon`,
  );
  console.log(
    table(
      [
        'models',
        'ingest events/s',
        'analysis done after last commit s',
        'peak lag s',
        'analyses',
        'peak RSS MiB',
        'CPU µs/event daemon / Postgres',
        'DB B/event',
        'DB MiB/model-day',
        'tuples/event',
        'WAL B/event (≤)',
      ],
      results.map((r) => [
        r.models,
        Math.round(r.eventsPerS).toLocaleString('en'),
        r.analysisAfterIngestS.toFixed(1),
        r.peakLagS.toFixed(1),
        r.windowsAnalysed,
        r.peakRssMiB?.toFixed(0),
        `${r.daemonCpuUsPerEvent.toFixed(0)} / ${r.postgresCpuUsPerEvent.toFixed(0)}`,
        r.bytesPerEvent.toFixed(0),
        (r.bytesPerModelDay / 2 ** 20).toFixed(2),
        r.tuplesPerEvent.toFixed(1),
        r.walBytesPerEvent.toFixed(0),
      ]),
    ),
  );
  if (args.json) writeFileSync(args.json, JSON.stringify({ machine: m, results }, null, 2));
} catch (error) {
  console.error(`[fleet] failed: ${error.stack ?? error}`);
  process.exitCode = 1;
} finally {
  await session.cleanup();
}
