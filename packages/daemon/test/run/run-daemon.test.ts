/**
 * `vigil run` as users run it: the built CLI in a child process, consuming a real Kafka broker into a real
 * PostgreSQL. The metric rows it ends with must equal those of the in-process runner fed the same events
 * directly — uninterrupted, and across a `kill -9` in the middle of the stream.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '@vigil/core';
import { produceFile } from '@vigil/collector';
import { createPostgresClient, createStore, type MetricRow, type SqlClient, type Store } from '@vigil/store';
import { createTestTopic, kafkaBrokers, uniqueName } from '../../../collector/test/kafka/kafka-test-kit';
import { createTestSchema } from '../../../store/test/helpers/database';
import { fitModelReference } from '../../src/pipeline/fit-reference';
import { StreamRunner } from '../../src/run/stream-runner';
import { makeEvents, toLabelBatch, toPredictionBatch, type TestEvent } from './stream-fixtures';

const MIN = 60_000;
const T0 = Date.parse('2026-03-01T00:00:00Z');
const BIN = join(__dirname, '../../dist/bin.js');
jest.setTimeout(180_000);

const MODEL_YAML = `
  - id: credit-risk
    task: binary
    threshold: 0.5
    owner: { name: Risk team, webhook: 'http://127.0.0.1:9/hook' }
    features: { age: numeric, income: numeric, region: categorical }
    groups: [sex, region]
    window: { size: 30m, slide: 10m, allowedLateness: 5m }
    reference: { file: reference.csv }
`;

interface Setup {
  dir: string;
  configPath: string;
  url: string;
  schema: string;
  predictions: string;
  labels: string;
  groupId: string;
  cleanup(): Promise<void>;
}

async function setUp(label: string): Promise<Setup> {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-run-'));
  const db = await createTestSchema(label);
  const predictions = await createTestTopic(`${label}-pred`, 3);
  const labels = await createTestTopic(`${label}-labels`, 2);
  const groupId = uniqueName(label);
  const reference = makeEvents({ n: 3000, start: T0 - 24 * 60 * MIN, seed: 11 });
  writeFileSync(
    join(dir, 'reference.csv'),
    ['age,income,region,score', ...reference.map((e) => `${e.features.age ?? ''},${e.features.income},${e.features.region},${e.score}`)].join('\n'),
  );
  // The schema through the connection's options, as an operator would point Vigil at one.
  const url = `${db.url}${db.url.includes('?') ? '&' : '?'}options=${encodeURIComponent(`-c search_path=${db.schema}`)}`;
  const configPath = join(dir, 'vigil.yaml');
  writeFileSync(
    configPath,
    `kafka:
  brokers: [${kafkaBrokers().join(', ')}]
  groupId: ${groupId}
  topics: { predictions: ${predictions.topic}, labels: ${labels.topic} }
database: { url: '${url}' }
http: { port: 0 }
models:${MODEL_YAML}`,
  );
  return {
    dir,
    configPath,
    url: db.url,
    schema: db.schema,
    predictions: predictions.topic,
    labels: labels.topic,
    groupId,
    async cleanup() {
      await Promise.allSettled([predictions.drop(), labels.drop(), db.drop()]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function startDaemon(s: Setup): ChildProcess & { output: () => string } {
  const child = spawn(process.execPath, [BIN, 'run', '-c', s.configPath, '--maintain-every-ms', '300', '--log-level', 'warn'], {
    cwd: s.dir,
    env: { ...process.env, VIGIL_KAFKA_BROKERS: '', VIGIL_DATABASE_URL: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  return Object.assign(child, { output: () => output });
}

function exited(child: ChildProcess): Promise<number | null> {
  return new Promise((done) => (child.exitCode !== null || child.signalCode !== null ? done(child.exitCode) : child.once('exit', (code) => done(code))));
}

function writeNdjson(dir: string, name: string, values: unknown[]): string {
  const path = join(dir, name);
  writeFileSync(path, values.map((v) => JSON.stringify(v)).join('\n') + '\n');
  return path;
}

const labelEvents = (events: TestEvent[]) => events.filter((e) => e.label !== null).map((e) => ({ model: e.model, id: e.id, label: e.label, ts: e.ts + 86_400_000 }));

/** Everything consumed, every closed window analysed, every joinable label joined. */
async function settled(store: Store, sql: SqlClient, s: Setup, totals: { predictions: number; labels: number }): Promise<boolean> {
  const sum = async (topic: string) => (await store.loadOffsets(s.groupId, topic)).reduce((n, o) => n + Number(o.nextOffset), 0);
  if ((await sum(s.predictions)) < totals.predictions || (await sum(s.labels)) < totals.labels) return false;
  const latest = (await store.maxEventTimes()).get('credit-risk');
  if (latest === undefined || (await store.dueWindows('credit-risk', latest - 5 * MIN)).length > 0) return false;
  const joinable = await sql.query<{ n: string }>('SELECT count(*)::text AS n FROM vigil_orphan_labels o JOIN vigil_prediction_index p USING (model, id)');
  return joinable.rows[0]!.n === '0';
}

async function waitFor(what: string, condition: () => Promise<boolean>, child: { output(): string }, ms = 120_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; daemon output:\n${child.output()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function rowsOf(store: Store): Promise<unknown[]> {
  const rows = await store.metricRows('credit-risk', { from: 0, to: Date.parse('2100-01-01') });
  return rows.map((r: MetricRow) => ({
    ...r,
    computedAt: undefined,
    value: r.value === null ? null : Number(r.value.toPrecision(12)),
    details: JSON.parse(JSON.stringify(r.details ?? null), (_k, v: unknown) => (typeof v === 'number' ? Number(v.toPrecision(12)) : v)),
  }));
}

/** The same events straight into the in-process runner, on a database of its own: what the daemon must end with. */
async function expectedRows(s: Setup, events: TestEvent[]): Promise<unknown[]> {
  const db = await createTestSchema('run-expected');
  const store = await createStore({ url: db.url, schema: db.schema });
  try {
    const config = parseConfig(`models:${MODEL_YAML}`, 'expected.yaml', {});
    const { profile } = await fitModelReference(config.models[0]!, join(s.dir, 'reference.csv'));
    const runner = new StreamRunner({ config, store, groupId: 'expected', topics: { predictions: 'p', labels: 'l' }, defaultProfiles: new Map([['credit-risk', profile]]) });
    await runner.handle(toPredictionBatch(events, 0, 0, 'p'));
    await runner.handle(toLabelBatch(events.filter((e) => e.label !== null), 0, 0, 'l'));
    await runner.maintain();
    return await rowsOf(store);
  } finally {
    await store.close();
    await db.drop();
  }
}

describe('vigil run against Kafka and PostgreSQL', () => {
  // Three hours of traffic; labels for three in four events, produced to their own topic.
  const events = [...makeEvents({ n: 12_000, start: T0, stepMs: 900, seed: 5, shift: 0.1 }), ...makeEvents({ n: 1, start: T0 + 4 * 60 * MIN, seed: 6, idPrefix: 'closer' })];

  it('turns Kafka messages into the metric rows of the same events analysed directly, and stops on SIGTERM', async () => {
    const s = await setUp('run-e2e');
    const store = await createStore({ url: s.url, schema: s.schema });
    const sql = createPostgresClient({ url: s.url, schema: s.schema });
    try {
      const labels = labelEvents(events);
      await produceFile(writeNdjson(s.dir, 'p.ndjson', events), { brokers: kafkaBrokers(), topic: s.predictions });
      await produceFile(writeNdjson(s.dir, 'l.ndjson', labels), { brokers: kafkaBrokers(), topic: s.labels });
      const daemon = startDaemon(s);
      await waitFor('the daemon to consume and analyse everything', () => settled(store, sql, s, { predictions: events.length, labels: labels.length }), daemon);
      daemon.kill('SIGTERM');
      expect(await exited(daemon)).toBe(0);

      const actual = await rowsOf(store);
      expect(actual.length).toBeGreaterThan(500);
      expect(actual).toEqual(await expectedRows(s, events));
    } finally {
      await sql.close();
      await store.close();
      await s.cleanup();
    }
  });

  it('ends with the same rows after a kill -9 in the middle of the stream and a restart', async () => {
    const s = await setUp('run-kill');
    const store = await createStore({ url: s.url, schema: s.schema });
    const sql = createPostgresClient({ url: s.url, schema: s.schema });
    try {
      const labels = labelEvents(events);
      const half = 6000;
      await produceFile(writeNdjson(s.dir, 'p1.ndjson', events.slice(0, half)), { brokers: kafkaBrokers(), topic: s.predictions });
      const first = startDaemon(s);
      await waitFor('the first half', async () => (await store.loadOffsets(s.groupId, s.predictions)).reduce((n, o) => n + Number(o.nextOffset), 0) >= half, first);

      // The rest arrives while the daemon runs; it is killed mid-stream, with no chance to finish anything.
      const producing = Promise.all([
        produceFile(writeNdjson(s.dir, 'p2.ndjson', events.slice(half)), { brokers: kafkaBrokers(), topic: s.predictions, rate: 8000 }),
        produceFile(writeNdjson(s.dir, 'l.ndjson', labels), { brokers: kafkaBrokers(), topic: s.labels, rate: 8000 }),
      ]);
      await new Promise((r) => setTimeout(r, 400));
      first.kill('SIGKILL');
      await exited(first);
      const atKill = (await store.loadOffsets(s.groupId, s.predictions)).reduce((n, o) => n + Number(o.nextOffset), 0);
      expect(atKill).toBeLessThan(events.length);
      await producing;

      const second = startDaemon(s);
      await waitFor('the restarted daemon to catch up', () => settled(store, sql, s, { predictions: events.length, labels: labels.length }), second);
      second.kill('SIGTERM');
      expect(await exited(second)).toBe(0);
      expect(await rowsOf(store)).toEqual(await expectedRows(s, events));
    } finally {
      await sql.close();
      await store.close();
      await s.cleanup();
    }
  });
});
