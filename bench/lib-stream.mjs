/**
 * Shared helpers of the streaming benchmarks (bench/ingest.mjs, bench/fleet.mjs, bench/memory-models.mjs,
 * bench/window-close.mjs): their common options, the local services (scripts/services → .cache/services/env), a run's
 * databases, topics, daemons and folder of its own that are cleaned up afterwards (also on Ctrl-C), a keyed topic
 * filled with kcat, a seeded event generator, `vigil run` as a child process, and /proc readings.
 *
 * Nothing here touches the services themselves: they are shared with other work on the machine.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, openSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

export const bench = dirname(fileURLToPath(import.meta.url));
export const root = resolve(bench, '..');
// VIGIL_BENCH_BIN: another build's bin.js (a copy of the tree at an earlier commit), for A/B runs under the same load;
// or an executable such as packages/daemon/bin/vigil, which `startDaemon` then runs as it is (with the node flags it adds).
// A relative path is taken from where the benchmark was started (the daemons run in a temporary directory).
export const vigilBin = process.env.VIGIL_BENCH_BIN
  ? resolve(process.env.VIGIL_BENCH_BIN)
  : join(root, 'packages/daemon/dist/bin.js');

const fromCollector = createRequire(join(root, 'packages/collector/package.json'));
const fromStore = createRequire(join(root, 'packages/store/package.json'));
const kafkajs = fromCollector('kafkajs');
const murmur2 = fromCollector(
  join(dirname(fromCollector.resolve('kafkajs')), 'src/producer/partitioners/default/murmur2.js'),
);
export const pg = fromStore('pg');

/** VIGIL_DATABASE_URL and VIGIL_KAFKA_BROKERS: the environment, else .cache/services/env (scripts/services/start.sh). */
export function services() {
  const file = join(root, '.cache/services/env');
  const fromFile = {};
  if (existsSync(file)) {
    for (const line of readFileSync(file, 'utf8').split('\n')) {
      const m = /^([A-Z_]+)=(.*)$/.exec(line.trim());
      if (m) fromFile[m[1]] = m[2];
    }
  }
  const databaseUrl = process.env.VIGIL_DATABASE_URL || fromFile.VIGIL_DATABASE_URL;
  const brokers = process.env.VIGIL_KAFKA_BROKERS || fromFile.VIGIL_KAFKA_BROKERS;
  if (!databaseUrl || !brokers) {
    throw new Error(
      'bench: Postgres and Kafka are needed: bash scripts/services/install.sh && bash scripts/services/start.sh postgres kafka',
    );
  }
  return {
    databaseUrl,
    brokers: brokers
      .split(',')
      .map((b) => b.trim())
      .filter(Boolean),
  };
}

/** The options of every Kafka → Postgres benchmark, with their defaults; a benchmark adds its own (and may override). */
const COMMON_OPTIONS = {
  partitions: { type: 'string', default: '6' },
  hours: { type: 'string', default: '6' },
  'reference-rows': { type: 'string', default: '20000' },
  'timeout-s': { type: 'string', default: '1800' },
  'cpu-prof': { type: 'string' },
  json: { type: 'string' },
  keep: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h' },
};

/**
 * The command line of a streaming benchmark: the common options and `options`; `--help` prints `usage` and exits 0.
 * `positive` names the options (plain or comma-separated lists) that must be positive integers: otherwise the
 * benchmark exits 2 saying so, before it touches a service.
 */
export function benchArgs(name, usage, options, positive = []) {
  const { values } = parseArgs({ options: { ...COMMON_OPTIONS, ...options } });
  if (values.help) {
    console.log(usage);
    process.exit(0);
  }
  const bad = positive.filter((o) =>
    String(values[o])
      .split(',')
      .some((v) => !(Number.isInteger(Number(v)) && Number(v) > 0)),
  );
  if (bad.length > 0) {
    console.error(`${name}: ${bad.map((o) => `--${o}`).join(', ')} must be positive integers`);
    process.exit(2);
  }
  return values;
}

/**
 * One benchmark run: the services, a run id, its folder (`/tmp/<id>`, or `dir`), and what it made — `databases`,
 * `topics`, `daemons`, `clients` — which `cleanup()` stops, drops, deletes and closes (the folder too unless `keep`),
 * on the way out and on SIGINT or SIGTERM. `log` prefixes a line with the benchmark's name.
 */
export function benchRun(name, { dir, keep = false } = {}) {
  const { databaseUrl: serverUrl, brokers } = services();
  const id = runId(`bench_${name}`);
  const run = {
    serverUrl,
    brokers,
    id,
    dir: dir ?? join('/tmp', id),
    databases: [],
    topics: [],
    daemons: [],
    clients: [],
    log: (m) => console.log(`[${name}] ${m}`),
    async cleanup() {
      for (const d of run.daemons) await stopDaemon(d, 10_000).catch(() => undefined);
      for (const c of run.clients) await c.end().catch(() => undefined);
      for (const db of run.databases)
        await dropDatabase(serverUrl, db).catch((e) => console.error(`[${name}] drop ${db}: ${e.message}`));
      if (run.topics.length > 0) await deleteTopics(brokers, run.topics);
      if (!keep) rmSync(run.dir, { recursive: true, force: true });
    },
  };
  mkdirSync(run.dir, { recursive: true });
  for (const signal of ['SIGINT', 'SIGTERM'])
    process.once(signal, () => run.cleanup().finally(() => process.exit(130)));
  return run;
}

/**
 * Creates `topics` (predictions with `partitions` partitions, labels and control with one) for `run`, produces the
 * keyed events of `file` to the predictions with kcat, and checks the topic holds `events` messages.
 * @returns kcat's seconds
 */
export async function fillKeyedTopics(run, topics, partitions, file, events) {
  await createTopics(run.brokers, [
    { topic: topics.predictions, partitions },
    { topic: topics.labels, partitions: 1 },
    { topic: topics.control, partitions: 1 },
  ]);
  run.topics.push(topics.predictions, topics.labels, topics.control);
  const seconds = produceKeyed(run.brokers, topics.predictions, file);
  const size = await topicSize(run.brokers, topics.predictions);
  if (size !== events) throw new Error(`the topic holds ${size} messages, not ${events}`);
  return seconds;
}

/** The sum of a family's samples in Prometheus text (those whose labels include `labelled`, when given). */
export function sumMetric(text, name, labelled = '') {
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const rest = line.slice(name.length);
    if (rest[0] !== ' ' && rest[0] !== '{') continue;
    if (labelled && !rest.includes(labelled)) continue;
    sum += Number(line.slice(line.lastIndexOf(' ') + 1)) || 0;
  }
  return sum;
}

/** A daemon's /metrics text; empty when it does not answer. */
export const scrapeMetrics = (port) =>
  fetch(`http://127.0.0.1:${port}/metrics`)
    .then((r) => r.text())
    .catch(() => '');

/** A run-unique suffix for topic, group and database names. */
export function runId(prefix) {
  return `${prefix}_${Date.now().toString(36)}_${process.pid}`;
}

/** The URL of database `name` on the server of `url`. */
export function databaseUrlOf(url, name) {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

export async function withClient(url, fn) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

export async function createDatabase(serverUrl, name) {
  await withClient(serverUrl, (c) => c.query(`CREATE DATABASE "${name}"`));
  return databaseUrlOf(serverUrl, name);
}

export async function dropDatabase(serverUrl, name) {
  await withClient(serverUrl, (c) => c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
}

export function kafka(brokers) {
  return new kafkajs.Kafka({ clientId: 'vigil-bench', brokers, logLevel: kafkajs.logLevel.NOTHING });
}

export async function withAdmin(brokers, fn) {
  const admin = kafka(brokers).admin();
  await admin.connect();
  try {
    return await fn(admin);
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

export async function createTopics(brokers, topics) {
  await withAdmin(brokers, async (admin) => {
    await admin.createTopics({
      waitForLeaders: true,
      topics: topics.map(({ topic, partitions }) => ({ topic, numPartitions: partitions, replicationFactor: 1 })),
    });
  });
}

export async function deleteTopics(brokers, topics) {
  await withAdmin(brokers, (admin) => admin.deleteTopics({ topics, timeout: 30_000 })).catch((error) => {
    console.error(`[bench] could not delete topics ${topics.join(', ')}: ${error.message}`);
  });
}

/** Sum over partitions of the high watermark: the number of messages in a fresh topic. */
export async function topicSize(brokers, topic) {
  const offsets = await withAdmin(brokers, (admin) => admin.fetchTopicOffsets(topic));
  return offsets.reduce((sum, o) => sum + Number(o.high), 0);
}

/** The partition Kafka's (and kafkajs's, and so `vigil replay`'s) default partitioner gives a key. */
export function partitionOf(key, partitions) {
  return (murmur2(key) & 0x7fffffff) % partitions;
}

/**
 * `count` model ids spread evenly over `partitions` partitions under the default partitioner, so that the
 * consumers of a group get equal shares (messages are keyed by model, docs/events.md).
 */
export function spreadModelIds(prefix, count, partitions) {
  const per = new Array(partitions).fill(0);
  const target = Math.ceil(count / partitions);
  const ids = [];
  for (let i = 0; ids.length < count; i++) {
    const id = `${prefix}${String(i).padStart(3, '0')}`;
    const p = partitionOf(id, partitions);
    if (per[p] >= target) continue;
    per[p]++;
    ids.push(id);
  }
  return ids;
}

/**
 * Produces a file of `key<TAB>value` lines with kcat, using the murmur2 partitioner (the one `vigil replay` and
 * the Java client use). Returns the wall time in seconds.
 */
export function produceKeyed(brokers, topic, file) {
  const started = performance.now();
  const r = spawnSync(
    'kcat',
    [
      '-P',
      '-b',
      brokers.join(','),
      '-t',
      topic,
      '-K',
      '\t',
      '-z',
      'none',
      '-X',
      'topic.partitioner=murmur2_random',
      '-X',
      'linger.ms=50',
      '-X',
      'batch.size=1000000',
      '-l',
      file,
    ],
    {
      stdio: ['ignore', 'inherit', 'inherit'],
    },
  );
  if (r.status !== 0) throw new Error(`kcat -P failed (${r.status ?? r.signal})`);
  return (performance.now() - started) / 1000;
}

/** Wall seconds of `kcat -C -b ... -t topic -o beginning -e -q > /dev/null`: merely reading the whole topic. */
export function kcatRead(brokers, topic) {
  const started = performance.now();
  const r = spawnSync('kcat', ['-C', '-b', brokers.join(','), '-t', topic, '-o', 'beginning', '-e', '-q'], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  if (r.status !== 0) throw new Error(`kcat -C failed (${r.status ?? r.signal})`);
  return (performance.now() - started) / 1000;
}

/** A free TCP port on loopback. */
export function freePort() {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => done(port));
    });
  });
}

/**
 * `vigil run -c config` as a child process, logs to `logFile`. The connection variables are set to the
 * benchmark's own database and brokers (they override the file, docs/configuration.md).
 */
/**
 * `vigil run` as a child process. `extraNodeArgs` go to its node (default: VIGIL_BENCH_NODE_ARGS split on spaces,
 * e.g. "--heap-growing-percent=0 --semi-space-growth-factor=2" for V8's own heap sizing; NODE_OPTIONS refuses these).
 */
export function startDaemon({
  config,
  databaseUrl,
  brokers,
  port,
  logFile,
  cpuProfDir,
  logLevel = 'warn',
  extraNodeArgs = (process.env.VIGIL_BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean),
  env = {},
  bin = vigilBin,
}) {
  const out = openSync(logFile, 'a');
  const nodeArgs = [...(cpuProfDir ? ['--cpu-prof', '--cpu-prof-dir', cpuProfDir] : []), ...extraNodeArgs];
  const runArgs = ['run', '-c', config, '--log-level', logLevel];
  // A bin that is not a .js file is an executable (packages/daemon/bin/vigil, which starts `vigil run` with
  // --max-semi-space-size=8): run as a user runs it, the node flags through NODE_OPTIONS. It execs node, so the pid
  // whose memory and CPU are read is node's.
  const executable = !bin.endsWith('.js');
  const nodeOptions = [process.env.NODE_OPTIONS ?? '', ...nodeArgs].filter(Boolean).join(' ');
  const child = spawn(executable ? bin : process.execPath, executable ? runArgs : [...nodeArgs, bin, ...runArgs], {
    cwd: dirname(config),
    env: {
      ...process.env,
      ...(executable && nodeOptions ? { NODE_OPTIONS: nodeOptions } : {}),
      VIGIL_DATABASE_URL: databaseUrl,
      VIGIL_KAFKA_BROKERS: brokers.join(','),
      VIGIL_HTTP_PORT: String(port),
      VIGIL_HTTP_HOST: '127.0.0.1',
      ...env,
    },
    stdio: ['ignore', out, out],
  });
  const exited = new Promise((done) => child.once('exit', (code, signal) => done({ code, signal })));
  return { child, pid: child.pid, port, exited };
}

/** SIGTERM (the daemon drains and stops), SIGKILL after `graceMs`. */
export async function stopDaemon(daemon, graceMs = 30_000) {
  if (daemon.child.exitCode !== null || daemon.child.signalCode !== null) return daemon.exited;
  daemon.child.kill('SIGTERM');
  const timer = setTimeout(() => daemon.child.kill('SIGKILL'), graceMs);
  const result = await daemon.exited;
  clearTimeout(timer);
  return result;
}

/** VmRSS and VmHWM of a process in MiB (undefined once it is gone). */
export function memoryOf(pid) {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (name) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? Number.NaN);
    return { rssMiB: kb('VmRSS') / 1024, hwmMiB: kb('VmHWM') / 1024 };
  } catch {
    return undefined;
  }
}

/** User + system CPU seconds of a process so far (/proc/PID/stat). */
export function cpuSecondsOf(pid) {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8')
      .replace(/^.*\) /, '')
      .split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (USER_HZ = 100)
  } catch {
    return undefined;
  }
}

/** Messages of `topic` committed by `group` in the store: the sum of the stored next offsets. */
export async function committedMessages(client, group, topic) {
  try {
    const r = await client.query(
      'SELECT coalesce(sum(next_offset), 0)::text AS n FROM vigil_consumer_offsets WHERE group_id = $1 AND topic = $2',
      [group, topic],
    );
    return Number(r.rows[0].n);
  } catch (error) {
    if (error.code === '42P01') return 0; // the daemon has not migrated yet
    throw error;
  }
}

export const sleep = (ms) => new Promise((done) => setTimeout(done, ms));

/** A seeded PRNG (mulberry32) with a normal deviate. */
export function rng(seed) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  let spare;
  const normal = () => {
    if (spare !== undefined) {
      const s = spare;
      spare = undefined;
      return s;
    }
    let u = 0;
    while (u === 0) u = next();
    const v = next();
    const r = Math.sqrt(-2 * Math.log(u));
    spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  };
  return { next, normal };
}

/**
 * Feature definitions: `numeric` numeric and `categorical` categorical features, names f00.., with a
 * distribution each; `drift` shifts the current traffic a little.
 */
export function featureSet(numeric, categorical) {
  const features = [];
  for (let i = 0; i < numeric + categorical; i++) {
    const name = `f${String(i).padStart(i >= 100 ? 4 : 2, '0')}`;
    if (i < numeric) {
      const shape = i % 5;
      features.push({ name, kind: 'numeric', shape, mean: 10 * (i % 7), scale: 1 + (i % 3) });
    } else {
      const k = 3 + (i % 9);
      features.push({ name, kind: 'categorical', categories: Array.from({ length: k }, (_, j) => `c${j}`) });
    }
  }
  return features;
}

const round = (x, digits) => Math.round(x * 10 ** digits) / 10 ** digits;

/** One row of feature values (numbers rounded to 4 decimals, ~1% missing in f01). */
export function featureValues(features, r, drift = 0) {
  const out = {};
  for (const f of features) {
    if (f.kind === 'numeric') {
      let x;
      switch (f.shape) {
        case 0:
          x = f.mean + f.scale * (r.normal() + drift * 0.3);
          break;
        case 1:
          x = Math.exp(0.5 * r.normal() + drift * 0.1);
          break;
        case 2:
          x = -Math.log(1 - r.next()) * f.scale * (1 + drift * 0.2);
          break;
        case 3:
          x = Math.floor(18 + 60 * r.next());
          break;
        default:
          x = f.mean + f.scale * r.next();
      }
      out[f.name] = f.name === 'f01' && r.next() < 0.01 ? null : round(x, 4);
    } else {
      const k = f.categories.length;
      const u = Math.min(0.999999, r.next() * (1 + drift * 0.05));
      out[f.name] = f.categories[Math.min(k - 1, Math.floor(k * u * u))];
    }
  }
  return out;
}

export const SEGMENTS = ['retail', 'sme', 'corporate', 'private', 'public'];
export const REGIONS = Array.from({ length: 12 }, (_, i) => `r${String(i).padStart(2, '0')}`);

/** Score, label and the two group attributes of one event. */
export function outcome(r, drift = 0) {
  const score = round(Math.min(1, Math.max(0, 0.3 + 0.2 * r.normal() + drift * 0.05)), 4);
  const label = r.next() < score * (1 - drift * 0.1) ? 1 : 0;
  return {
    score,
    label,
    groups: {
      segment: SEGMENTS[Math.floor(r.next() * SEGMENTS.length)],
      region: REGIONS[Math.floor(r.next() * REGIONS.length)],
    },
  };
}

/** A reference CSV of `rows` rows: the features, score, label, segment, region. */
export async function writeReferenceCsv(path, features, rows, seed) {
  const r = rng(seed);
  const out = createWriteStream(path);
  const header = [...features.map((f) => f.name), 'score', 'label', 'segment', 'region'];
  out.write(`${header.join(',')}\n`);
  for (let i = 0; i < rows; i++) {
    const v = featureValues(features, r);
    const o = outcome(r);
    const cells = features.map((f) => (v[f.name] === null ? '' : v[f.name]));
    if (!out.write(`${[...cells, o.score, o.label, o.groups.segment, o.groups.region].join(',')}\n`))
      await new Promise((d) => out.once('drain', d));
  }
  await new Promise((done, fail) => out.end((error) => (error ? fail(error) : done())));
}

/**
 * Writes `count` prediction events as `model<TAB>json` lines (kcat -K '\t' keys them by model, like
 * `vigil replay`). Event times run evenly over [startTs, endTs), models drawn at random, so each model's events
 * are in event-time order. Returns the bytes written.
 */
export async function writeEvents(
  path,
  { count, models, features, startTs, endTs, seed, idPrefix = 'e', drift = 0.5 },
) {
  const r = rng(seed);
  const out = createWriteStream(path, { highWaterMark: 1 << 20 });
  let bytes = 0;
  const step = (endTs - startTs) / count;
  let chunk = '';
  for (let i = 0; i < count; i++) {
    const model = models[Math.floor(r.next() * models.length)];
    const o = outcome(r, drift);
    const event = {
      model,
      version: '1',
      id: `${idPrefix}${i}`,
      ts: Math.floor(startTs + i * step),
      features: featureValues(features, r, drift),
      score: o.score,
      label: o.label,
      groups: o.groups,
    };
    chunk += `${model}\t${JSON.stringify(event)}\n`;
    if (chunk.length > 1 << 20) {
      bytes += Buffer.byteLength(chunk);
      if (!out.write(chunk)) await new Promise((d) => out.once('drain', d));
      chunk = '';
    }
  }
  bytes += Buffer.byteLength(chunk);
  out.write(chunk);
  await new Promise((done, fail) => out.end((error) => (error ? fail(error) : done())));
  return bytes;
}

/** The YAML of one model (binary task, no alert rules: the benchmarks measure ingest and analysis). */
export function modelYaml(id, features, referenceFile, groups = ['segment', 'region'], window = undefined) {
  const feats = features.map((f) => `${f.name}: ${f.kind}`).join(', ');
  return [
    `  - id: ${id}`,
    `    task: binary`,
    ...(window ? [`    window: ${window}`] : []),
    `    owner: { name: bench, webhook: http://127.0.0.1:9/hook }`,
    `    features: { ${feats} }`,
    `    groups: [${groups.join(', ')}]`,
    `    reference: { file: ${referenceFile} }`,
    `    rules: []`,
  ].join('\n');
}

export function configYaml({ brokers, groupId, predictions, labels, control, databaseUrl, models, fetch, consumers }) {
  return [
    `kafka:`,
    `  brokers: [${brokers.join(', ')}]`,
    `  groupId: ${groupId}`,
    `  clientId: ${groupId}`,
    `  topics: { predictions: ${predictions}, labels: ${labels}, control: ${control} }`,
    ...(fetch ? [`  fetch: ${JSON.stringify(fetch)}`] : []),
    ...(consumers ? [`  consumers: ${consumers}`] : []),
    `database:`,
    `  url: ${databaseUrl}`,
    `http: { port: 0 }`,
    `models:`,
    models,
    '',
  ].join('\n');
}

/** Median and quantile of an array of numbers. */
export function quantile(values, q) {
  const s = [...values].sort((a, b) => a - b);
  if (s.length === 0) return Number.NaN;
  const pos = (s.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return s[lo] + (s[hi] - s[lo]) * (pos - lo);
}

export function table(headers, rows) {
  const cells = [headers, ...rows].map((r) => r.map(String));
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => r[i].length)));
  const line = (r) => `| ${r.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
  return [line(cells[0]), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...cells.slice(1).map(line)].join(
    '\n',
  );
}

export function machine() {
  const mem = /MemTotal:\s+(\d+)/.exec(readFileSync('/proc/meminfo', 'utf8'))?.[1];
  const cpus = spawnSync('nproc', { encoding: 'utf8' }).stdout.trim();
  const load = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  return {
    date: new Date().toISOString(),
    nproc: cpus,
    ramGiB: (Number(mem) / 1024 / 1024).toFixed(1),
    node: process.version,
    load,
  };
}
