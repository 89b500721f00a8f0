/**
 * Running the built `vigil run` in child processes against the real Kafka and PostgreSQL, and what it must end
 * with: the metric rows of the same events fed to the in-process runner directly.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAlerting, type Alerting } from '@vigil/alerts';
import { produceFile } from '@vigil/collector';
import { parseConfig, type VigilConfig } from '@vigil/core';
import { fitModelReference, StreamRunner } from '@vigil/daemon';
import {
  createPostgresClient,
  createStore,
  type Incident,
  type MetricRow,
  type SqlClient,
  type Store,
} from '@vigil/store';
import { createTestTopic, kafkaBrokers, uniqueName } from './kafka-test-kit';
import { createTestSchema } from './database';
import { makeEvents, toLabelBatch, toPredictionBatch, type TestEvent } from './stream-fixtures';

export const MIN = 60_000;
export const T0 = Date.parse('2026-03-01T00:00:00Z');
const BIN = join(__dirname, '../../daemon/dist/bin.js');
const LATENESS_MS = 5 * MIN;

/** The events the harness writes to reference.csv: 3,000 of them a second apart, from a day before T0. */
export const referenceEvents = (): TestEvent[] => makeEvents({ n: 3000, start: T0 - 24 * 60 * MIN, seed: 11 });

/** What a test adds to the configuration: where owners are notified, a model's rules, the HTTP tokens. */
export interface HarnessOptions {
  /** @defaultValue a closed port (notifications fail and are retried in the background) */
  ownerWebhook?: string;
  /** Lines under each model (indented 4 spaces), e.g. its rules. */
  modelYaml?: string;
  /** The `http` section. @defaultValue `{ port: 0 }` */
  httpYaml?: string;
  /** The alert queue: BullMQ on this Redis. @defaultValue none (the in-process queue) */
  redisUrl?: string;
  /** `kafka.sessionTimeout` (a killed daemon's partitions move after this). @defaultValue 30s */
  sessionTimeout?: string;
  /** `kafka.consumers` (members of the group a daemon). @defaultValue the configuration's (2) */
  consumers?: number;
  /** Topic-level settings of both topics (e.g. `max.message.bytes`). */
  topicConfig?: Record<string, string>;
  /** `kafka.topics.deadLetters`. @defaultValue none */
  deadLettersTopic?: string;
  /**
   * The models' `window.idleTimeout`. @defaultValue 10s: a keyed topic's partitions that never carry a model hold
   * its first windows back that long (the product's default, 1m, would make every test wait a minute)
   */
  idleTimeout?: string;
  /** The models' `reference` in the daemon's configuration. @defaultValue `{ file: reference.csv }` (written by the harness) */
  referenceYaml?: string;
  /** reference.csv also has each reference event's `label` (empty when it has none): the profile then has CBPE. */
  referenceLabels?: boolean;
}

function modelsYaml(
  ids: readonly string[],
  options: HarnessOptions,
  reference = options.referenceYaml ?? '{ file: reference.csv }',
): string {
  return ids
    .map(
      (id) => `
  - id: ${id}
    task: binary
    threshold: 0.5
    owner: { name: Risk team, webhook: '${options.ownerWebhook ?? 'http://127.0.0.1:9/hook'}' }
    features: { age: numeric, income: numeric, region: categorical }
    groups: [sex, region]
    window: { size: 30m, slide: 10m, allowedLateness: 5m, idleTimeout: ${options.idleTimeout ?? '10s'} }
    reference: ${reference}${options.modelYaml ?? ''}`,
    )
    .join('');
}

/** A test's own topics, consumer group, schema, configuration and store handles. */
export interface Harness {
  dir: string;
  configPath: string;
  models: readonly string[];
  predictions: string;
  labels: string;
  /** `kafka.topics.control`: vigil run refuses to start without it. */
  control: string;
  groupId: string;
  store: Store;
  sql: SqlClient;
  produce(name: string, topic: string, values: unknown[], rate?: number): Promise<void>;
  /** Starts `vigil run` on the harness's configuration, with `args` after the harness's own. */
  start(args?: readonly string[]): Daemon;
  /** Everything consumed, every closed window analysed, every joinable label joined. */
  settled(totals: { predictions: number; labels: number }): Promise<boolean>;
  /** The metric rows of every model, comparable across runs with `roughly` (their float sums' last bits differ). */
  rows(): Promise<unknown[]>;
  /** What the daemon must end with: `events` through the in-process runner on a database of its own. */
  expectedRows(events: readonly TestEvent[]): Promise<unknown[]>;
  /**
   * What a daemon must end with when the events carry their labels and no label events are sent: the metric rows
   * and the incidents of `events` through the in-process runner with alerts, `chunk` events a batch.
   */
  expectedRun(events: readonly TestEvent[], chunk: number): Promise<{ rows: unknown[]; incidents: IncidentSummary[] }>;
  /** The incidents the daemons opened, comparable across runs with `roughly`. */
  incidents(): Promise<IncidentSummary[]>;
  committed(topic: string): Promise<number>;
  /** Deletes one of the harness's topics (an operator's mistake while the daemon runs). */
  deleteTopic(which: 'predictions' | 'labels' | 'control'): Promise<void>;
  cleanup(): Promise<void>;
}

export type Daemon = ChildProcess & { output(): string };

/** An incident without its ids and times: what it is about, where it stands, and the window that set its value. */
export interface IncidentSummary {
  model: string;
  version: string;
  metric: string;
  feature: string;
  group: string;
  status: string;
  severity: string;
  value: number | null;
  windowStart: number | null;
}

/**
 * Sorted by everything but the value, so two runs whose values differ in their last bits (sums added in another
 * order) list their incidents alike; compare them with `roughly` (@vigil/test-kit).
 */
const summarize = (incidents: readonly Incident[]): IncidentSummary[] =>
  incidents
    .map((i) => ({
      model: i.model,
      version: i.version,
      metric: i.metric,
      feature: i.feature,
      group: i.group,
      status: i.status,
      severity: i.severity,
      value: i.value,
      windowStart: i.windowStart,
    }))
    .map((i) => ({ i, key: JSON.stringify({ ...i, value: undefined }) }))
    .sort((a, b) => a.key.localeCompare(b.key) || (a.i.value ?? -Infinity) - (b.i.value ?? -Infinity))
    .map(({ i }) => i);

export async function openHarness(
  label: string,
  models: readonly string[] = ['credit-risk'],
  partitions = 3,
  options: HarnessOptions = {},
): Promise<Harness> {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-run-'));
  const db = await createTestSchema(label);
  const predictions = await createTestTopic(`${label}-pred`, partitions, options.topicConfig);
  const labels = await createTestTopic(`${label}-labels`, 2, options.topicConfig);
  // vigil run refuses to start without its control topic (pause/resume events), like without the other two.
  const control = await createTestTopic(`${label}-control`, 1);
  const groupId = uniqueName(label);
  const reference = referenceEvents();
  writeFileSync(
    join(dir, 'reference.csv'),
    options.referenceLabels
      ? [
          'age,income,region,score,label',
          ...reference.map(
            (e) => `${e.features.age ?? ''},${e.features.income},${e.features.region},${e.score},${e.label ?? ''}`,
          ),
        ].join('\n')
      : [
          'age,income,region,score',
          ...reference.map((e) => `${e.features.age ?? ''},${e.features.income},${e.features.region},${e.score}`),
        ].join('\n'),
  );
  // The schema through the connection's options, as an operator would point Vigil at one.
  const url = `${db.url}${db.url.includes('?') ? '&' : '?'}options=${encodeURIComponent(`-c search_path=${db.schema}`)}`;
  const configPath = join(dir, 'vigil.yaml');
  writeFileSync(
    configPath,
    `kafka:
  brokers: [${kafkaBrokers().join(', ')}]
  groupId: ${groupId}
  topics: { predictions: ${predictions.topic}, labels: ${labels.topic}, control: ${control.topic}${options.deadLettersTopic ? `, deadLetters: ${options.deadLettersTopic}` : ''} }${options.sessionTimeout ? `\n  sessionTimeout: ${options.sessionTimeout}` : ''}${options.consumers ? `\n  consumers: ${options.consumers}` : ''}
database: { url: '${url}' }${options.redisUrl ? `\nredis: { url: '${options.redisUrl}' }` : ''}
http: ${options.httpYaml ?? '{ port: 0 }'}
models:${modelsYaml(models, options)}
`,
  );
  const store = await createStore({ url: db.url, schema: db.schema });
  const sql = createPostgresClient({ url: db.url, schema: db.schema });
  const daemons: Daemon[] = [];

  // The values as stored, to compare with `roughly` (@vigil/test-kit): a daemon's batches add floats up in another
  // order than the expected run's, and rounding both sides fails whenever the two straddle a rounding boundary.
  const rowsOf = async (from: Store): Promise<unknown[]> => {
    const all: MetricRow[] = [];
    for (const model of models)
      all.push(...(await from.metrics.rows(model, { from: 0, to: Date.parse('2100-01-01') })));
    return all.map((r) => ({ ...r, computedAt: undefined, details: JSON.parse(JSON.stringify(r.details ?? null)) }));
  };
  /**
   * Runs `fn` on a database of its own with an in-process runner of the models on reference.csv (what a daemon
   * must end with), then drops the database.
   */
  const inExpectedStore = async <T>(
    fn: (expected: Store, runner: (alerts?: Alerting) => StreamRunner, config: VigilConfig) => Promise<T>,
  ): Promise<T> => {
    const other = await createTestSchema('run-expected');
    const expected = await createStore({ url: other.url, schema: other.schema });
    try {
      const config = parseConfig(
        `models:${modelsYaml(models, options, '{ file: reference.csv }')}`,
        'expected.yaml',
        {},
      );
      const defaultProfiles = new Map();
      for (const model of config.models)
        defaultProfiles.set(model.id, (await fitModelReference(model, join(dir, 'reference.csv'))).profile);
      const runner = (alerts?: Alerting) =>
        new StreamRunner({
          config,
          store: expected,
          groupId: 'expected',
          topics: { predictions: 'p', labels: 'l' },
          defaultProfiles,
          ...(alerts ? { alerts } : {}),
        });
      return await fn(expected, runner, config);
    } finally {
      await expected.close();
      await other.drop();
    }
  };
  const committed = async (topic: string) =>
    (await store.offsets.load(groupId, topic)).reduce((n, o) => n + Number(o.nextOffset), 0);

  return {
    dir,
    configPath,
    models,
    predictions: predictions.topic,
    labels: labels.topic,
    control: control.topic,
    groupId,
    store,
    sql,
    async produce(name, topic, values, rate) {
      const path = join(dir, name);
      // A string is a raw line (a test's malformed message); anything else is sent as JSON.
      writeFileSync(path, values.map((v) => (typeof v === 'string' ? v : JSON.stringify(v))).join('\n') + '\n');
      await produceFile(path, { brokers: kafkaBrokers(), topic, ...(rate !== undefined ? { rate } : {}) });
    },
    start(args = []) {
      const daemon = spawnDaemon(
        configPath,
        dir,
        { ...process.env, VIGIL_KAFKA_BROKERS: '', VIGIL_DATABASE_URL: '' },
        'info',
        args,
      );
      daemons.push(daemon);
      return daemon;
    },
    async settled(totals) {
      if ((await committed(predictions.topic)) < totals.predictions || (await committed(labels.topic)) < totals.labels)
        return false;
      const latest = await store.windows.maxEventTimes();
      for (const model of models) {
        const max = latest.get(model);
        if (max === undefined || (await store.windows.due(model, max - LATENESS_MS)).length > 0) return false;
      }
      const joinable = await sql.query<{ n: string }>(
        'SELECT count(*)::text AS n FROM vigil_orphan_labels o JOIN vigil_prediction_index p USING (model, id)',
      );
      return joinable.rows[0]!.n === '0';
    },
    rows: () => rowsOf(store),
    expectedRows: (events) =>
      inExpectedStore(async (expected, runner) => {
        const r = runner();
        await r.handle(toPredictionBatch([...events], 0, 0, 'p'));
        await r.handle(
          toLabelBatch(
            events.filter((e) => e.label !== null),
            0,
            0,
            'l',
          ),
        );
        await r.maintain();
        return rowsOf(expected);
      }),
    expectedRun: (events, chunk) =>
      inExpectedStore(async (expected, runner, config) => {
        const alerting = await createAlerting({ config, store: expected });
        const r = runner(alerting);
        for (let i = 0; i < events.length; i += chunk)
          await r.handle(toPredictionBatch(events.slice(i, i + chunk), 0, i, 'p'));
        await r.maintain();
        return { rows: await rowsOf(expected), incidents: summarize(await alerting.listIncidents({ limit: 10_000 })) };
      }),
    async incidents() {
      const alerting = await createAlerting({
        config: parseConfig(`models:${modelsYaml(models, options)}`, 'actual.yaml', {}),
        store,
      });
      return summarize(await alerting.listIncidents({ limit: 10_000 }));
    },
    committed,
    deleteTopic: (which) => ({ predictions, labels, control })[which].drop(),
    async cleanup() {
      for (const d of daemons) if (d.exitCode === null && d.signalCode === null) d.kill('SIGKILL');
      await Promise.allSettled([sql.close(), store.close()]);
      await Promise.allSettled([predictions.drop(), labels.drop(), control.drop(), db.drop()]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Starts the built `vigil run -c configPath` in `cwd` (maintenance every 300 ms), collecting its stdout and stderr. */
export function spawnDaemon(
  configPath: string,
  cwd: string,
  env: NodeJS.ProcessEnv,
  logLevel = 'info',
  args: readonly string[] = [],
): Daemon {
  const child = spawn(
    process.execPath,
    [BIN, 'run', '-c', configPath, '--maintain-every-ms', '300', '--log-level', logLevel, ...args],
    { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  return Object.assign(child, { output: () => output });
}

export function exited(child: ChildProcess): Promise<number | null> {
  return new Promise((done) =>
    child.exitCode !== null || child.signalCode !== null
      ? done(child.exitCode)
      : child.once('exit', (code) => done(code)),
  );
}

export async function waitFor(
  what: string,
  condition: () => Promise<boolean>,
  daemons: readonly Daemon[],
  ms = 150_000,
): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await condition().catch(() => false))) {
    if (Date.now() > deadline)
      throw new Error(
        `timed out waiting for ${what}; daemon output:\n${daemons.map((d) => d.output().slice(-4000)).join('\n---\n')}`,
      );
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The label events of the events that have a label, a day after them. */
export const labelEvents = (events: readonly TestEvent[]) =>
  events
    .filter((e) => e.label !== null)
    .map((e) => ({ model: e.model, id: e.id, label: e.label, ts: e.ts + 86_400_000 }));

/** The port the daemon's HTTP API listens on, from its start-up log line. */
export async function httpPort(daemon: Daemon): Promise<number> {
  // A minute: the API listens once the store is migrated and opened, which a loaded machine can take long over.
  await waitFor('the HTTP API', async () => /"http":"[^"]*:(\d+)"/.test(daemon.output()), [daemon], 60_000);
  return Number(/"http":"[^"]*:(\d+)"/.exec(daemon.output())![1]);
}
