import { createServer, type Server } from 'node:http';
import { constants } from 'node:fs';
import { access } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { Readable } from 'node:stream';
import type { ReferenceProfile } from '@vigil/analyzers';
import { createAlerting } from '@vigil/alerts';
import { FileEventSource, KafkaSource, produceMessages, type PredictionSource } from '@vigil/collector';
import { createLogger, isVigilError, VigilError, type LogFormat, type LogLevel } from '@vigil/core';
import { alertDeliveryMetrics } from '../http/alert-metrics';
import { createHttpApi } from '../http/http-api';
import { PrometheusRegistry } from '../http/prometheus-registry';
import { fitModelReference } from '../pipeline/fit-reference';
import { RangeReferences } from '../pipeline/range-reference';
import { ReviewQueueService } from '../review/review-queue-service';
import { runnerMetrics } from '../run/runner-metrics';
import { StreamRunner } from '../run/stream-runner';
import { deadLetterTopic } from '../run/dead-letter-topic';
import { commandHelp, HELP_OPTION, parseCommandArgs, type CommandOptions } from './command-args';
import { EXIT, type CommandIo } from './command-io';
import { kafkaConnection } from './kafka-connection';
import { databaseTarget, describeTarget, openStore } from './database';

/** How often orphan labels, expiries and windows left due by others are looked at. */
const MAINTAIN_EVERY_MS = 5000;

const USAGE = `Usage: vigil run -c vigil.yaml [--source FILE|- [--follow]] [--log-level info] [--log-format text|json]

The daemon: consumes prediction and label events from Kafka (or, with --source, from an NDJSON file or standard
input, with no Kafka needed; docs/streaming.md, "Without Kafka"), keeps the window accumulators in the database with
exactly-once effect, analyses every window as it closes (and again when late labels change it), and serves the
HTTP API, until SIGTERM or SIGINT; then it finishes the batch in flight and stops. Breaches of the rules open
incidents and notify the owners through the escalation policies (BullMQ on the configured Redis, else an in-process
queue); pausing a model publishes the control event to the control topic.
Brokers come from the configuration's kafka section or VIGIL_KAFKA_BROKERS; the database from its database
section or VIGIL_DATABASE_URL (else the embedded one in ./.vigil/pglite); Redis from its redis section or
VIGIL_REDIS_URL. Links in notifications use VIGIL_PUBLIC_URL (this API) and VIGIL_GRAFANA_URL when set.
`;

const OPTIONS = {
  config: { type: 'string', short: 'c', value: 'FILE', help: 'the configuration (docs/configuration.md); required' },
  'log-level': { type: 'string', value: 'LEVEL', help: 'debug, info, warn, error or silent (default: VIGIL_LOG_LEVEL, else info; warn with --quiet)' },
  'log-format': { type: 'string', value: 'FORMAT', help: 'text (readable lines) or json (one object a line); default: VIGIL_LOG_FORMAT,\nelse text when stderr is a terminal and json otherwise' },
  source: { type: 'string', value: 'FILE', help: 'read prediction and label events (NDJSON) from FILE, or - for standard input,\ninstead of Kafka; without --follow the daemon stops at the end of the file' },
  follow: { type: 'boolean', help: 'with --source FILE: keep reading as the file grows, until SIGTERM' },
  'maintain-every-ms': { type: 'string', value: 'MS', help: `how often orphan labels, expiries and windows left due are looked at (default ${MAINTAIN_EVERY_MS})` },
  help: HELP_OPTION,
} satisfies CommandOptions;

const LOG_FORMATS: readonly LogFormat[] = ['text', 'json'];

export async function runCommand(argv: readonly string[], io: CommandIo): Promise<number> {
  const { values } = parseCommandArgs('vigil run', { args: [...argv], options: OPTIONS });
  if (values.help) {
    io.stdout(commandHelp(USAGE, OPTIONS, io.color));
    return EXIT.ok;
  }
  if (values.config === undefined) throw new VigilError('VIGIL_USAGE', 'vigil run: -c vigil.yaml is required; run "vigil run --help" for its options');
  const level = (values['log-level'] ?? io.env.VIGIL_LOG_LEVEL ?? (io.quiet ? 'warn' : 'info')) as LogLevel;
  if (!['debug', 'info', 'warn', 'error', 'silent'].includes(level)) throw new VigilError('VIGIL_USAGE', `vigil run: --log-level "${level}" is not one of debug, info, warn, error, silent`);
  const format = (values['log-format'] ?? io.env.VIGIL_LOG_FORMAT ?? (io.stderrIsTTY ? 'text' : 'json')) as LogFormat;
  if (!LOG_FORMATS.includes(format)) throw new VigilError('VIGIL_USAGE', `vigil run: --log-format "${format}" is not one of ${LOG_FORMATS.join(', ')}`);
  const maintainEvery = values['maintain-every-ms'] === undefined ? MAINTAIN_EVERY_MS : Number(values['maintain-every-ms']);
  if (!(Number.isFinite(maintainEvery) && maintainEvery > 0)) throw new VigilError('VIGIL_USAGE', `vigil run: --maintain-every-ms must be a positive number`);

  if (values.follow && values.source === undefined) throw new VigilError('VIGIL_USAGE', 'vigil run: --follow goes with --source FILE');
  if (values.follow && values.source === '-') throw new VigilError('VIGIL_USAGE', 'vigil run: --follow reads a growing file; standard input is read to its end anyway');

  if (values.source !== undefined && values.source !== '-') {
    // Before anything starts: a source that cannot be read is a usage error, not a daemon that stops at once.
    await access(resolve(io.cwd, values.source), constants.R_OK).catch((error: NodeJS.ErrnoException) => {
      throw new VigilError('VIGIL_FILE_NOT_FOUND', `vigil run: --source ${values.source}: cannot be read (${error.code === 'ENOENT' ? 'no such file' : error.message})`);
    });
  }
  const { target, config } = await databaseTarget(io, values.config);
  if (!config) throw new VigilError('VIGIL_INTERNAL', 'configuration not loaded');
  if (!config.kafka && values.source === undefined) {
    throw new VigilError(
      'VIGIL_USAGE',
      `vigil run: ${values.config} has no kafka section and VIGIL_KAFKA_BROKERS is not set; give one, or read events from a file with --source FILE (or - for standard input)`,
    );
  }
  const logger = createLogger({ level, format, color: io.stderrColor.enabled, write: (line) => io.stderr(`${line}\n`) });
  const configDir = dirname(resolve(io.cwd, values.config));
  const defaultProfiles = new Map<string, ReferenceProfile>();
  for (const model of config.models) {
    if (!model.reference || !('file' in model.reference)) continue;
    const { profile, rows } = await fitModelReference(model, resolve(configDir, model.reference.file));
    defaultProfiles.set(model.id, profile);
    logger.info({ model: model.id, rows }, 'reference profile fitted from the configured file');
  }

  const store = await openStore(target);
  const registry = new PrometheusRegistry();
  const kafka = config.kafka;
  const connection = kafka ? kafkaConnection(kafka, configDir, logger) : undefined;
  const groupId = kafka?.groupId ?? 'vigil';
  // A file's events are offsets of topics named after the file, so a restart resumes the file where it stopped and
  // never mixes with a Kafka topic's offsets in the same database; standard input is new every time.
  const sourceName = values.source === undefined ? undefined : values.source === '-' ? `stdin:${new Date().toISOString()}` : `file:${resolve(io.cwd, values.source)}`;
  const topics = sourceName ? { predictions: sourceName, labels: `${sourceName}#labels` } : kafka!.topics;
  // Models whose reference is a range of their logged traffic: loaded or fitted now if the range is over, else
  // by a maintenance pass once it is (until then their events are reported as having no profile).
  const ranges = new RangeReferences({
    models: config.models,
    store,
    ...(kafka && connection ? { connection: { ...connection, topic: kafka.topics.predictions } } : {}),
    profiles: defaultProfiles,
    logger,
  });
  await ranges.refresh();
  const links = { ...(io.env.VIGIL_PUBLIC_URL ? { publicUrl: io.env.VIGIL_PUBLIC_URL } : {}), ...(io.env.VIGIL_GRAFANA_URL ? { grafanaUrl: io.env.VIGIL_GRAFANA_URL } : {}) };
  const alerting = await createAlerting({
    config,
    store,
    logger,
    links,
    onDelivery: alertDeliveryMetrics(registry),
    // One queue per consumer group: deployments that share a Redis never take each other's deliveries.
    bullmq: { name: `vigil-alerts.${groupId}` },
    // Pause and resume reach the models' serving side through the control topic (docs/events.md, "Control event");
    // without Kafka the paused state in the database is all there is.
    ...(kafka && connection
      ? {
          publishControl: async (event) => {
            await produceMessages([{ topic: kafka.topics.control, value: Buffer.from(JSON.stringify(event)) }], connection);
          },
        }
      : {}),
  });
  const metrics = runnerMetrics(registry, { models: config.models.map((m) => m.id), topics: { ...topics, ...(kafka?.topics.deadLetters ? { deadLetters: kafka.topics.deadLetters } : {}) } });
  const deadLetters = kafka && connection ? deadLetterTopic(kafka.topics.deadLetters, connection, metrics, logger) : undefined;
  const runner = new StreamRunner({
    config,
    store,
    groupId,
    topics,
    defaultProfiles,
    missingProfileReason: (model) => ranges.missingReason(model),
    alerts: alerting,
    metrics,
    ...(deadLetters ? { deadLetterTopic: deadLetters } : {}),
    ...(config.retention ? { retention: config.retention } : {}),
    logger,
  });

  // A failing batch or pass makes the daemon not ready, under what failed: the database, or the batch itself
  // (retried without end, since skipping it would lose its events: an operator must look).
  type Where = 'batch' | 'maintenance';
  const failing = (where: Where, error: unknown): string => (isVigilError(error) && !error.code.startsWith('VIGIL_STORE') ? `${where} failing: ${error.code}` : 'database');
  const failures = new Map<Where, string>();
  const setFailure = (where: Where, error?: unknown) => (error === undefined ? failures.delete(where) : failures.set(where, failing(where, error)));
  const problems = new Set<string>(['starting']);
  const server = createServer(
    createHttpApi({
      store, http: config.http, registry, alerting, reviewQueue: new ReviewQueueService(store, config), notReadyReasons: () => [...new Set([...problems, ...failures.values()])], logger,
    }),
  );
  const offsetsFor = async (topic: string) => new Map((await store.loadOffsets(groupId, topic)).map((o) => [o.partition, o.nextOffset]));
  const source: PredictionSource =
    values.source !== undefined
      ? new FileEventSource({
          path: values.source === '-' ? '-' : resolve(io.cwd, values.source),
          ...(values.source === '-' ? { input: io.stdinStream?.() ?? Readable.from([]) } : {}),
          topics,
          offsetsFor,
          follow: values.follow === true,
          onRetry: (error, attempt) => logger.warn({ err: error, attempt }, 'batch failed; retrying it'),
        })
      : new KafkaSource({
          ...connection!,
          groupId,
          topics: [kafka!.topics.predictions, kafka!.topics.labels],
          sessionTimeoutMs: kafka!.sessionTimeoutMs,
          offsetsFor,
          // Ready once the group is joined (whether or not messages come); not while the consumer reconnects.
          onConnection: (state) => {
            problems.delete('starting');
            if (state === 'joined') problems.delete('kafka');
            else problems.add('kafka');
          },
        });
  // A file is ready at once: there is no group to join.
  if (values.source !== undefined) problems.delete('starting');
  await alerting.start();
  await listen(server, config.http.port, config.http.host);
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.http.port;
  // Before "started" is logged: whoever waits for that line may stop the daemon at once, and must get a clean stop.
  const stop = once(['SIGTERM', 'SIGINT']);
  logger.info(
    {
      http: `${config.http.host}:${port}`,
      database: describeTarget(target),
      ...(values.source !== undefined ? { source: values.source === '-' ? 'standard input' : resolve(io.cwd, values.source), follow: values.follow === true } : { brokers: kafka?.brokers, groupId }),
      alertQueue: config.redis ? 'bullmq' : 'in-process',
    },
    'vigil run started',
  );

  let maintaining: Promise<unknown> = Promise.resolve();
  const timer = setInterval(() => {
    // Fitting a range reads the topic, which may take long: it runs beside the passes, not in them.
    void ranges.refresh();
    maintaining = maintaining.then(() =>
      runner.maintain().then(
        () => setFailure('maintenance'),
        (error: unknown) => {
          setFailure('maintenance', error);
          logger.warn({ err: error }, 'maintenance pass failed; retried at the next one');
        },
      ),
    );
  }, maintainEvery);

  const read = { predictions: 0, labels: 0 };
  const consuming = source.run(async (batch) => {
    try {
      await runner.handle(batch);
      read[batch.topic === topics.labels ? 'labels' : 'predictions'] += batch.messages.length;
      setFailure('batch');
    } catch (error) {
      // The source retries the batch with backoff; meanwhile the daemon says it is not ready.
      setFailure('batch', error);
      throw error;
    }
  });
  const outcome = await Promise.race([stop.then(() => 'signal' as const), consuming.then(() => 'ended' as const, (error: unknown) => error)]);
  if (outcome === 'ended' && values.source !== undefined) {
    // The end of the file: the windows its watermark closed are analysed and their notices delivered before the
    // daemon stops, as a Kafka daemon would do while it kept running.
    logger.info('end of the source: analysing the windows it closed and delivering their notices');
    clearInterval(timer);
    await maintaining;
    await runner.maintain();
    const delivered = await alerting.flush(30_000);
    const incidents = await alerting.listIncidents({ limit: 10_000 });
    logger.info(
      { predictions: read.predictions, labels: read.labels, deadLetters: await store.countDeadLetters([topics.predictions, topics.labels]), incidentsOpen: incidents.filter((i) => i.status !== 'resolved').length, incidents: incidents.length, notificationsSettled: delivered },
      'end of the source: summary (vigil incidents list and vigil dlq list show the details)',
    );
  }
  logger.info('stopping: finishing the batch in flight');
  clearInterval(timer);
  await source.close();
  await consuming.catch(() => undefined);
  await maintaining;
  await ranges.idle();
  await deadLetters?.close();
  await new Promise<void>((done) => server.close(() => done()));
  await alerting.close();
  await store.close();
  stop.dispose();
  if (outcome !== 'signal' && outcome !== 'ended') {
    // A Vigil error (Kafka cannot be reached, refuses the credentials or the certificate) is one line from main.
    if (isVigilError(outcome)) throw outcome;
    logger.error({ err: outcome }, 'the consumer failed');
    return EXIT.internal;
  }
  logger.info('stopped');
  return EXIT.ok;
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((done, fail) => {
    server.once('error', (error) => fail(new VigilError('VIGIL_USAGE', `vigil run: cannot listen on ${host}:${port} (${error.message})`)));
    server.listen(port, host, () => done());
  });
}

/** Resolves on the first of `signals`; `dispose` removes the handlers. */
function once(signals: NodeJS.Signals[]): Promise<void> & { dispose(): void } {
  let handler: () => void = () => undefined;
  const promise = new Promise<void>((done) => {
    handler = () => done();
    for (const s of signals) process.once(s, handler);
  }) as Promise<void> & { dispose(): void };
  promise.dispose = () => {
    for (const s of signals) process.removeListener(s, handler);
  };
  return promise;
}
