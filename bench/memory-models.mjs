#!/usr/bin/env node
/**
 * Steady-state memory of `vigil run` with many models (issue 3 "Performance": 100 models × 30 features, under
 * 300 MB and flat as traffic grows; issue 6: memory as models grow).
 *
 *   node bench/memory-models.mjs [--models 100] [--features 30] [--totals 100000,300000,1000000]
 *                                [--hours 2] [--reference-rows 20000] [--reference-files N] [--settle-s 10] [--keep]
 *                                [--probe] [--node-args="--max-semi-space-size=4"] [--snapshots]
 *
 * A configuration of M models (binary, F features of which three quarters numeric, groups segment and region,
 * each with its own reference CSV fitted at start) and one `vigil run` on a fresh database and topic (6
 * partitions). Traffic comes in phases: each phase produces events (kcat, keyed by model, models drawn at
 * random, event time moving forward over --hours for the whole run so windows keep closing) until the running
 * total reaches the next entry of --totals; when the daemon has committed all of them, and --settle-s later, its
 * VmRSS is read. RSS is also sampled every 0.5 s throughout (max per phase) and VmHWM at the end.
 *
 * Diagnosis: --probe preloads bench/memory-probe.cjs into the daemon, which logs process.memoryUsage() every 0.5 s,
 * and each reading then shows the split (V8 heap used / committed, external and array buffers, RSS beyond them);
 * --node-args passes flags to the daemon's node; --snapshots (with --node-args --heapsnapshot-signal=SIGUSR2)
 * writes a heap snapshot into the run's folder at each reading (kept with --keep).
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import {
  committedMessages,
  configYaml,
  cpuSecondsOf,
  createDatabase,
  createTopics,
  deleteTopics,
  dropDatabase,
  featureSet,
  freePort,
  machine,
  memoryOf,
  modelYaml,
  pg,
  produceKeyed,
  runId,
  services,
  sleep,
  spreadModelIds,
  startDaemon,
  stopDaemon,
  table,
  writeEvents,
  writeReferenceCsv,
} from './lib-stream.mjs';

const { values: args } = parseArgs({
  options: {
    models: { type: 'string', default: '100' },
    features: { type: 'string', default: '30' },
    totals: { type: 'string', default: '100000,300000,1000000' },
    partitions: { type: 'string', default: '6' },
    hours: { type: 'string', default: '2' },
    'reference-rows': { type: 'string', default: '20000' },
    'reference-files': { type: 'string' },
    'settle-s': { type: 'string', default: '10' },
    'timeout-s': { type: 'string', default: '1800' },
    json: { type: 'string' },
    keep: { type: 'boolean', default: false },
    probe: { type: 'boolean', default: false },
    'node-args': { type: 'string', default: '' },
    snapshots: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h' },
  },
});
if (args.help) {
  console.log(
    'Usage: node bench/memory-models.mjs [--models M] [--features F] [--totals 100000,300000,1000000] [--hours H] [--reference-rows R] [--reference-files N] [--settle-s S] [--json FILE] [--keep]',
  );
  process.exit(0);
}
const modelCount = Number(args.models);
const featureCount = Number(args.features);
const totals = args.totals.split(',').map(Number);
const partitions = Number(args.partitions);
const settleMs = Number(args['settle-s']) * 1000;
if (
  ![modelCount, featureCount, partitions, ...totals].every((n) => Number.isInteger(n) && n > 0) ||
  totals.some((t, i) => i > 0 && t <= totals[i - 1])
) {
  console.error('memory-models: --models, --features, --partitions must be positive integers and --totals increasing');
  process.exit(2);
}

const { databaseUrl: serverUrl, brokers } = services();
const id = runId('bench_memory');
const dir = join('/tmp', id);
mkdirSync(dir, { recursive: true });
const topics = { predictions: `${id}.predictions`, labels: `${id}.labels`, control: `${id}.control` };
let topicsCreated = false;
let dbCreated = false;
let daemon;
let client;
const log = (s) => console.log(`[memory-models] ${s}`);
const probeFile = join(dir, 'probe.ndjson');
/** The daemon's last process.memoryUsage() line (--probe), as text for the log; '' without --probe. */
function probeReading() {
  if (!args.probe || !existsSync(probeFile)) return { text: '', line: undefined };
  const lines = readFileSync(probeFile, 'utf8').trim().split('\n');
  const p = JSON.parse(lines[lines.length - 1]);
  const beyond = p.rss - p.heapTotal - p.external;
  return {
    line: p,
    text: `; heap used ${p.heapUsed} of ${p.heapTotal} MiB committed (old ${p.spaces.old_space}, new ${p.spaces.new_space}, code ${p.spaces.code_space}, large ${p.spaces.large_object_space}), external ${p.external} (array buffers ${p.arrayBuffers}), RSS beyond heap and external ${beyond.toFixed(0)} MiB (resident file pages ${p.rssFile}, anonymous ${p.rssAnon})`,
  };
}
/** Max of each probe field over the lines since `since` (ms). */
function probeMax(since) {
  if (!args.probe || !existsSync(probeFile)) return undefined;
  const lines = readFileSync(probeFile, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l))
    .filter((p) => p.t >= since);
  const max = (k) => Math.max(...lines.map((p) => p[k]));
  return {
    rss: max('rss'),
    heapTotal: max('heapTotal'),
    heapUsed: max('heapUsed'),
    external: max('external'),
    arrayBuffers: max('arrayBuffers'),
  };
}
let snapshotCount = 0;
async function snapshot(label) {
  if (!args.snapshots || !daemon) return;
  const before = new Set(readdirSync(dir));
  daemon.child.kill('SIGUSR2');
  // The snapshot is written by the daemon's main thread; wait for a new .heapsnapshot file that stops growing.
  for (let i = 0; i < 240; i++) {
    await sleep(1000);
    const fresh = readdirSync(dir).filter((f) => f.endsWith('.heapsnapshot') && !before.has(f));
    if (fresh.length > 0) {
      await sleep(3000);
      log(`heap snapshot ${++snapshotCount} (${label}): ${join(dir, fresh[0])}`);
      return;
    }
  }
}

async function cleanup() {
  if (daemon) await stopDaemon(daemon, 10_000).catch(() => undefined);
  await client?.end().catch(() => undefined);
  if (dbCreated)
    await dropDatabase(serverUrl, id).catch((e) => console.error(`[memory-models] drop ${id}: ${e.message}`));
  if (topicsCreated) await deleteTopics(brokers, Object.values(topics));
  if (!args.keep) rmSync(dir, { recursive: true, force: true });
}
for (const signal of ['SIGINT', 'SIGTERM']) process.once(signal, () => cleanup().finally(() => process.exit(130)));

try {
  const m = machine();
  log(`machine: nproc ${m.nproc}, ${m.ramGiB} GiB RAM, node ${m.node}, load ${m.load}, ${m.date}`);
  const numeric = Math.round(featureCount * 0.75);
  const features = featureSet(numeric, featureCount - numeric);
  const models = spreadModelIds('mem-', modelCount, partitions);
  let t = performance.now();
  const yaml = [];
  // One reference file per model by default; --reference-files N shares N files round-robin (each model still fits its own profile).
  const files = Math.min(models.length, Number(args['reference-files'] ?? models.length));
  for (let i = 0; i < models.length; i++) {
    const reference = join(dir, `reference-${i % files}.csv`);
    if (i < files) await writeReferenceCsv(reference, features, Number(args['reference-rows']), 1000 + i);
    yaml.push(modelYaml(models[i], features, reference));
  }
  log(
    `${models.length} models × ${featureCount} features (${numeric} numeric), ${files} reference files of ${args['reference-rows']} rows written in ${((performance.now() - t) / 1000).toFixed(1)} s`,
  );

  await createTopics(brokers, [
    { topic: topics.predictions, partitions },
    { topic: topics.labels, partitions: 1 },
    { topic: topics.control, partitions: 1 },
  ]);
  topicsCreated = true;
  const url = await createDatabase(serverUrl, id);
  dbCreated = true;
  const config = join(dir, 'vigil.yaml');
  writeFileSync(config, configYaml({ brokers, groupId: id, ...topics, databaseUrl: url, models: yaml.join('\n') }));

  client = new pg.Client({ connectionString: url });
  client.on('error', () => undefined); // the drop at the end (WITH FORCE) ends it
  await client.connect();
  t = performance.now();
  daemon = startDaemon({
    config,
    databaseUrl: url,
    brokers,
    port: await freePort(),
    logFile: join(dir, 'daemon.log'),
    extraNodeArgs: [
      ...args['node-args'].split(' ').filter(Boolean),
      ...(args.probe ? ['--require', join(import.meta.dirname, 'memory-probe.cjs')] : []),
    ],
    env: args.probe ? { VIGIL_MEMORY_PROBE: probeFile } : {},
  });
  // Started: the HTTP API answers once the profiles are fitted and the store is open.
  for (;;) {
    const ok = await fetch(`http://127.0.0.1:${daemon.port}/healthz`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) break;
    if (daemon.child.exitCode !== null)
      throw new Error(`vigil run exited (${daemon.child.exitCode}); see ${dir}/daemon.log`);
    if (performance.now() - t > 300_000) throw new Error('vigil run did not start in 300 s');
    await sleep(250);
  }
  const startupS = (performance.now() - t) / 1000;
  await sleep(settleMs);
  const idle = memoryOf(daemon.pid);
  const idleProbe = probeReading();
  log(
    `vigil run up in ${startupS.toFixed(1)} s (profiles fitted, store migrated); idle RSS ${idle.rssMiB.toFixed(0)} MiB${idleProbe.text}`,
  );
  await snapshot('idle');
  const phases = [
    { total: 0, rssMiB: idle.rssMiB, maxRssMiB: idle.rssMiB, hwmMiB: idle.hwmMiB, seconds: 0, probe: idleProbe.line },
  ];

  const endTs = Date.now() - 60_000;
  const startTs = endTs - Number(args.hours) * 3_600_000;
  const last = totals[totals.length - 1];
  let produced = 0;
  for (const total of totals) {
    const count = total - produced;
    const file = join(dir, `events-${total}.keyed`);
    // Event time is spread over the whole run's events, so each phase moves it forward in proportion.
    const from = startTs + ((endTs - startTs) * produced) / last;
    const to = startTs + ((endTs - startTs) * total) / last;
    await writeEvents(file, { count, models, features, startTs: from, endTs: to, seed: total, idPrefix: `p${total}-` });
    const phaseStart = performance.now();
    const phaseStartMs = Date.now();
    produceKeyed(brokers, topics.predictions, file);
    rmSync(file);
    produced = total;
    let maxRss = 0;
    for (;;) {
      const mem = memoryOf(daemon.pid);
      if (!mem)
        throw new Error(
          `vigil run exited (${daemon.child.exitCode ?? daemon.child.signalCode}); see ${dir}/daemon.log`,
        );
      maxRss = Math.max(maxRss, mem.rssMiB);
      if ((await committedMessages(client, id, topics.predictions)) >= total) break;
      if (performance.now() - phaseStart > Number(args['timeout-s']) * 1000)
        throw new Error(`phase ${total} timed out`);
      await sleep(500);
    }
    const seconds = (performance.now() - phaseStart) / 1000;
    const settleEnd = performance.now() + settleMs;
    while (performance.now() < settleEnd) {
      maxRss = Math.max(maxRss, memoryOf(daemon.pid)?.rssMiB ?? 0);
      await sleep(500);
    }
    const mem = memoryOf(daemon.pid);
    const reading = probeReading();
    const peakProbe = probeMax(phaseStartMs);
    phases.push({
      total,
      rssMiB: mem.rssMiB,
      maxRssMiB: maxRss,
      hwmMiB: mem.hwmMiB,
      seconds,
      eventsPerS: count / seconds,
      probe: reading.line,
      probeMax: peakProbe,
    });
    log(
      `after ${total} events: RSS ${mem.rssMiB.toFixed(0)} MiB (max during the phase ${maxRss.toFixed(0)}, VmHWM ${mem.hwmMiB.toFixed(0)}); phase of ${count} events consumed in ${seconds.toFixed(1)} s (${Math.round(count / seconds)} events/s)${reading.text}`,
    );
    if (peakProbe)
      log(
        `  max in the phase: heap used ${peakProbe.heapUsed}, heap committed ${peakProbe.heapTotal}, external ${peakProbe.external}, array buffers ${peakProbe.arrayBuffers} MiB`,
      );
    await snapshot(`after ${total}`);
  }
  const metrics = await fetch(`http://127.0.0.1:${daemon.port}/metrics`).then(
    (r) => r.text(),
    () => '',
  );
  const windows = metrics
    .split('\n')
    .filter((l) => l.startsWith('vigil_windows_analysed_total'))
    .reduce((s, l) => s + Number(l.slice(l.lastIndexOf(' ') + 1)), 0);
  const cpuS = cpuSecondsOf(daemon.pid);
  const stats =
    await client.query(`SELECT (SELECT count(*) FROM vigil_buckets)::int AS buckets, (SELECT count(*) FROM vigil_windows)::int AS windows,
    (SELECT count(*) FROM vigil_metric_rows)::int AS metric_rows, pg_database_size(current_database())::bigint::text AS db_bytes`);
  await client.end();
  await stopDaemon(daemon);
  daemon = undefined;

  console.log(
    `\nvigil run memory: ${models.length} models × ${featureCount} features, groups segment (5) and region (12), windows 1h / 5m; ${windows} windows analysed; daemon CPU ${cpuS?.toFixed(0)} s; store ${JSON.stringify(stats.rows[0])}\n`,
  );
  console.log(
    table(
      [
        'events consumed (total)',
        'VmRSS after the phase MiB',
        'max RSS in the phase MiB',
        'VmHWM MiB',
        'phase s',
        'events/s',
      ],
      phases.map((p) => [
        p.total.toLocaleString('en'),
        p.rssMiB.toFixed(0),
        p.maxRssMiB.toFixed(0),
        p.hwmMiB.toFixed(0),
        p.seconds.toFixed(1),
        p.eventsPerS ? Math.round(p.eventsPerS).toLocaleString('en') : 'idle',
      ]),
    ),
  );
  const peak = Math.max(...phases.map((p) => p.maxRssMiB));
  const after = phases.slice(1).map((p) => p.rssMiB);
  console.log(
    `\ntarget (issue 3): under 300 MB and flat — peak ${peak.toFixed(0)} MiB (${((peak * 2 ** 20) / 1e6).toFixed(0)} MB); after-phase RSS from ${Math.min(...after).toFixed(0)} to ${Math.max(...after).toFixed(0)} MiB`,
  );
  if (args.json)
    writeFileSync(
      args.json,
      JSON.stringify(
        {
          machine: m,
          models: models.length,
          features: featureCount,
          referenceFiles: files,
          startupS,
          phases,
          windows,
          cpuS,
          store: stats.rows[0],
        },
        null,
        2,
      ),
    );
} catch (error) {
  console.error(`[memory-models] failed: ${error.stack ?? error}`);
  process.exitCode = 1;
} finally {
  await cleanup();
}
