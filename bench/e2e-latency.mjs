#!/usr/bin/env node
/**
 * End-to-end latency, produce → metric row: live traffic (event time = wall clock) for `--models` models is
 * produced to Kafka at `--rate` events/s for `--seconds`; each model's windows are `--window` long, slide by the
 * same and allow no lateness, so a window closes with the first event at or past its end. For every window the
 * latency is the time from producing that closing event to the window's metric rows being committed
 * (`computed_at` of its `rows` row, the database's clock on this machine). The baseline, measured in the same run on
 * the same events: a plain kafkajs consumer in a group of its own receiving the closing event (the raw client).
 *
 *   pnpm run build && node bench/e2e-latency.mjs [--models 10] [--rate 2000] [--seconds 60] [--window 2s] [--features 20]
 *
 * Needs PostgreSQL and Kafka (bash scripts/services/start.sh postgres kafka); uses a database and topics of its
 * own and drops them at the end. Prints measured figures only.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import {
  committedMessages,
  configYaml,
  createDatabase,
  createTopics,
  deleteTopics,
  dropDatabase,
  featureSet,
  featureValues,
  freePort,
  kafka,
  machine,
  modelYaml,
  outcome,
  quantile,
  rng,
  runId,
  services,
  sleep,
  spreadModelIds,
  startDaemon,
  stopDaemon,
  table,
  withClient,
  writeReferenceCsv,
} from './lib-stream.mjs';

const { values: args } = parseArgs({
  options: {
    models: { type: 'string', default: '10' },
    rate: { type: 'string', default: '2000' },
    seconds: { type: 'string', default: '60' },
    window: { type: 'string', default: '2s' },
    features: { type: 'string', default: '20' },
  },
});
const MODELS = Number(args.models);
const RATE = Number(args.rate);
const SECONDS = Number(args.seconds);
const WINDOW_MS = Number(/^(\d+)s$/.exec(args.window)?.[1] ?? Number.NaN) * 1000;
if (!(WINDOW_MS > 0)) throw new Error('--window takes whole seconds, like 2s');
const PARTITIONS = 3;
const TICK_MS = 20;

async function main() {
  const { databaseUrl: serverUrl, brokers } = services();
  const id = runId('vigil_e2e');
  const dir = mkdtempSync(join(tmpdir(), 'vigil-e2e-'));
  const topics = { predictions: `${id}.predictions`, labels: `${id}.labels`, control: `${id}.control` };
  const numeric = Math.ceil(Number(args.features) * 0.8);
  const features = featureSet(numeric, Number(args.features) - numeric);
  const models = spreadModelIds('e2e', MODELS, PARTITIONS);
  console.log(
    `[bench] e2e latency: ${MODELS} models × ${features.length} features, ${RATE} events/s for ${SECONDS} s, ${args.window} windows; ${JSON.stringify(machine())}`,
  );

  const databaseUrl = await createDatabase(serverUrl, id);
  await createTopics(brokers, [
    { topic: topics.predictions, partitions: PARTITIONS },
    { topic: topics.labels, partitions: 1 },
    { topic: topics.control, partitions: 1 },
  ]);
  let daemon;
  const producer = kafka(brokers).producer({ allowAutoTopicCreation: false });
  const raw = kafka(brokers).consumer({ groupId: `${id}-raw`, maxWaitTimeInMs: 100 });
  try {
    await writeReferenceCsv(join(dir, 'reference.csv'), features, 5000, 7);
    // Keyed by model: no other partition to wait for, so no idle timeout (the default would hold each model's first
    // windows for a minute, waiting for the partitions that never carry it: docs/streaming.md, "The watermark").
    const window = `\n    window: { size: ${args.window}, slide: ${args.window}, allowedLateness: 0s, idleTimeout: 0s }`;
    writeFileSync(
      join(dir, 'vigil.yaml'),
      configYaml({
        brokers,
        groupId: id,
        ...topics,
        databaseUrl,
        models: models.map((m) => modelYaml(m, features, 'reference.csv') + window).join('\n'),
      }),
    );
    const port = await freePort();
    daemon = startDaemon({
      config: join(dir, 'vigil.yaml'),
      databaseUrl,
      brokers,
      port,
      logFile: join(dir, 'daemon.log'),
    });

    // The raw client: when it receives each window-closing event.
    const received = new Map();
    await raw.connect();
    await raw.subscribe({ topic: topics.predictions, fromBeginning: true });
    await raw.run({
      eachMessage: async ({ message }) =>
        void received.set(message.value.toString().match(/"id":"([^"]+)"/)[1], Date.now()),
    });
    await producer.connect();
    // Ready: both consumers have joined (the daemon's readiness says so).
    for (let i = 0; i < 300; i++) {
      const ok = await fetch(`http://127.0.0.1:${port}/readyz`).then(
        (r) => r.status === 200,
        () => false,
      );
      if (ok) break;
      await sleep(100);
    }

    // Live traffic: every tick, RATE·TICK events stamped with the wall clock. The first event of a model at or
    // past a window boundary closes the window that ends there.
    const r = rng(11);
    const closers = []; // { model, end, id, producedAt }
    const nextEnd = new Map(models.map((m) => [m, Math.floor(Date.now() / WINDOW_MS) * WINDOW_MS + WINDOW_MS]));
    const until = Date.now() + SECONDS * 1000;
    let sent = 0;
    let carry = 0;
    while (Date.now() < until) {
      const tickStart = Date.now();
      carry += (RATE * TICK_MS) / 1000;
      const n = Math.floor(carry);
      carry -= n;
      const byModel = new Map();
      const closing = [];
      for (let i = 0; i < n; i++) {
        const model = models[Math.floor(r.next() * models.length)];
        const ts = Date.now();
        const o = outcome(r);
        const eventId = `e${sent++}`;
        const event = {
          model,
          version: '1',
          id: eventId,
          ts,
          features: featureValues(features, r),
          score: o.score,
          label: o.label,
          groups: o.groups,
        };
        if (ts >= nextEnd.get(model)) {
          closing.push({ model, end: Math.floor(ts / WINDOW_MS) * WINDOW_MS, id: eventId });
          nextEnd.set(model, Math.floor(ts / WINDOW_MS) * WINDOW_MS + WINDOW_MS);
        }
        const list = byModel.get(model) ?? [];
        list.push({ key: model, value: JSON.stringify(event) });
        byModel.set(model, list);
      }
      const producedAt = Date.now();
      await producer.sendBatch({
        topicMessages: [{ topic: topics.predictions, messages: [...byModel.values()].flat() }],
        acks: 1,
      });
      for (const c of closing) closers.push({ ...c, producedAt });
      const spent = Date.now() - tickStart;
      if (spent < TICK_MS) await sleep(TICK_MS - spent);
    }
    // One more event per model a window later closes the last windows.
    await sleep(WINDOW_MS);
    await producer.sendBatch({
      topicMessages: [
        {
          topic: topics.predictions,
          messages: models.map((model) => ({
            key: model,
            value: JSON.stringify({
              model,
              version: '1',
              id: `last-${model}`,
              ts: Date.now(),
              features: featureValues(features, r),
              score: 0.5,
              label: 1,
              groups: outcome(r).groups,
            }),
          })),
        },
      ],
    });
    const total = sent + models.length;

    const latencies = await withClient(databaseUrl, async (client) => {
      for (let i = 0; i < 600 && (await committedMessages(client, id, topics.predictions)) < total; i++)
        await sleep(200);
      await sleep(2000);
      const rows = await client.query(
        `SELECT model, (extract(epoch FROM window_end) * 1000)::bigint AS end_ms, (extract(epoch FROM min(computed_at)) * 1000)::float8 AS at_ms
         FROM vigil_metric_rows WHERE metric = 'rows' GROUP BY model, window_end`,
      );
      return new Map(rows.rows.map((row) => [`${row.model}|${row.end_ms}`, Number(row.at_ms)]));
    });
    const vigil = [];
    const baseline = [];
    let missing = 0;
    for (const c of closers) {
      const at = latencies.get(`${c.model}|${c.end}`);
      if (at === undefined) {
        missing++;
        continue;
      }
      vigil.push(at - c.producedAt);
      if (received.has(c.id)) baseline.push(received.get(c.id) - c.producedAt);
    }
    const row = (name, xs) => [
      name,
      xs.length,
      ...[0.5, 0.9, 0.99].map((q) => quantile(xs, q).toFixed(1)),
      Math.max(...xs).toFixed(1),
    ];
    console.log(
      table(
        ['path', 'windows', 'p50 ms', 'p90 ms', 'p99 ms', 'max ms'],
        [
          row('vigil run: produce → metric rows committed', vigil),
          row('raw kafkajs consumer: produce → received', baseline),
        ],
      ),
    );
    console.log(
      `ratio vigil ÷ raw client: p50 ${(quantile(vigil, 0.5) / quantile(baseline, 0.5)).toFixed(1)}×, p99 ${(quantile(vigil, 0.99) / quantile(baseline, 0.99)).toFixed(1)}×`,
    );
    console.log(
      `${sent} events produced; ${closers.length} window-closing events, ${missing} of their windows without rows (empty windows are not analysed)`,
    );
  } finally {
    await producer.disconnect().catch(() => undefined);
    await raw.disconnect().catch(() => undefined);
    if (daemon) await stopDaemon(daemon);
    await deleteTopics(brokers, Object.values(topics));
    await dropDatabase(serverUrl, id);
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
