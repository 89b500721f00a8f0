/**
 * The daemon: one assembly of store, reference profiles, alerting, runner, HTTP API and event source, with
 * explicit states (docs/streaming.md, "The daemon's states"):
 *
 *   starting → running → draining → stopped
 *          ↘           ↘          ↘ failed
 *
 * `vigil run` (Kafka), `vigil run --source` (a file or standard input) and `vigil demo` all run through it; the
 * commands parse their arguments and choose a source. Every change of state is logged ("daemon state", with
 * `from` and `to`). StreamRunner does the work; the daemon constructs it, feeds it the source's batches, runs its
 * maintenance passes, and stops it.
 */
import { createServer, type Server } from 'node:http';
import type { ReferenceProfile } from '@vigil/analyzers';
import { createAlerting, type Alerting, type AlertingOptions } from '@vigil/alerts';
import {
  FileEventSource,
  KafkaSource,
  ParallelSource,
  produceMessages,
  requireConsumedTopics,
  type KafkaConnectionOptions,
  type OffsetsFor,
  type PredictionSource,
  type RequiredTopic,
  type SourceBatch,
} from '@vigil/collector';
import { isVigilError, VigilError, type KafkaFetchConfig, type Logger, type VigilConfig } from '@vigil/core';
import type { Store } from '@vigil/store';
import { alertDeliveryMetrics } from '../http/alert-metrics';
import { createHttpApi } from '../http/http-api';
import { PrometheusRegistry } from '../http/prometheus-registry';
import { RangeReferences } from '../pipeline/range-reference';
import { ReviewQueueService } from '../review/review-queue-service';
import { deadLetterTopic } from './dead-letter-topic';
import { fitReferenceFiles, referenceFiles } from './reference-fits';
import { runnerMetrics } from './runner-metrics';
import { StreamRunner, type StreamRunnerOptions, type WindowAlerts } from './stream-runner';

export type DaemonState = 'starting' | 'running' | 'draining' | 'stopped' | 'failed';

/** Where the events come from: made by the daemon, which gives it the store's offsets and hears its connection. */
export interface DaemonSource {
  /** For the "started" log line. */
  describe: Record<string, unknown>;
  /** Whether the daemon is ready at once (a file) or once the source says it joined (Kafka). */
  readyAtOnce: boolean;
  /** Checked first at start-up (Kafka: the topics exist); a failure ends the start. */
  check?: () => Promise<void>;
  create(o: {
    offsetsFor: OffsetsFor;
    onConnection: (state: 'joined' | 'lost') => void;
    onRetry: (error: unknown, attempt: number) => void;
  }): PredictionSource;
}

/**
 * The topics `vigil run` needs from the configuration, with the keys that name them: it consumes predictions and
 * labels and produces pause/resume events to control.
 */
export function configuredTopics(topics: { predictions: string; labels: string; control: string }): RequiredTopic[] {
  return (['predictions', 'labels', 'control'] as const).map((key) => ({
    topic: topics[key],
    key: `kafka.topics.${key}`,
  }));
}

/** The Kafka topics of the configuration, in its consumer group. */
export function kafkaDaemonSource(
  connection: KafkaConnectionOptions,
  o: {
    groupId: string;
    topics: readonly string[];
    /**
     * The topics that must exist before the daemon starts (`configuredTopics`), looked up first: one missing is
     * VIGIL_KAFKA_TOPIC_MISSING naming it and its key. @defaultValue `topics`
     */
    required?: readonly RequiredTopic[];
    sessionTimeoutMs?: number;
    fetch?: KafkaFetchConfig;
    /** Consumers in the group, each with its own fetch loop (`kafka.consumers`). */
    consumers: number;
    describe?: Record<string, unknown>;
  },
): DaemonSource {
  const count = o.consumers;
  return {
    describe: o.describe ?? { brokers: connection.brokers, groupId: o.groupId, consumers: count },
    readyAtOnce: false,
    check: () => requireConsumedTopics(connection, o.required ?? o.topics, 'vigil run'),
    create: ({ offsetsFor, onConnection }) => {
      // Ready once every consumer has joined the group (whether or not messages come); not while one reconnects.
      const joined = new Array<boolean>(count).fill(false);
      // kafka.fetch.maxBytes is the daemon's: its consumers share it, so that their rounds together hold what one
      // consumer's did (at least a partition's maxBytesPerPartition each).
      const fetch = o.fetch && {
        ...o.fetch,
        maxBytes: Math.max(o.fetch.maxBytesPerPartition, Math.floor(o.fetch.maxBytes / count)),
      };
      const sources = joined.map(
        (_, i) =>
          new KafkaSource({
            ...connection,
            groupId: o.groupId,
            topics: [...o.topics],
            ...(o.required ? { required: o.required } : {}),
            ...(o.sessionTimeoutMs !== undefined ? { sessionTimeoutMs: o.sessionTimeoutMs } : {}),
            ...(fetch ? { ...fetch } : {}),
            offsetsFor,
            onConnection: (state) => {
              joined[i] = state === 'joined';
              onConnection(joined.every(Boolean) ? 'joined' : 'lost');
            },
          }),
      );
      return sources.length === 1 ? sources[0]! : new ParallelSource(sources);
    },
  };
}

/** An NDJSON file (`follow`: as it grows) or standard input (`path` `-` with `input`). */
export function fileDaemonSource(o: {
  path: string;
  input?: AsyncIterable<Buffer | string>;
  follow: boolean;
  topics: { predictions: string; labels: string };
}): DaemonSource {
  return {
    describe: { source: o.path === '-' ? 'standard input' : o.path, follow: o.follow },
    readyAtOnce: true,
    create: ({ offsetsFor, onRetry }) =>
      new FileEventSource({
        path: o.path,
        ...(o.input ? { input: o.input } : {}),
        topics: o.topics,
        offsetsFor,
        follow: o.follow,
        onRetry,
      }),
  };
}

export interface DaemonOptions {
  /** The command's name, for the log ("vigil run started"). */
  name: string;
  config: VigilConfig;
  /** The configuration's directory: reference files are relative to it. */
  configDir: string;
  /** Opens the store (after the reference files are read, so a missing one fails before the database is touched). */
  openStore: () => Promise<Store>;
  /** How the store is named in the log (credentials redacted). */
  database: string;
  /** Leave the store open after stopping (the caller reads it, then closes it). @defaultValue false */
  keepStoreOpen?: boolean;
  logger: Logger;
  groupId: string;
  topics: { predictions: string; labels: string };
  source: DaemonSource;
  /** The Kafka connection of `config.kafka`: dead letters, range references and the control topic use it. */
  kafka?: KafkaConnectionOptions;
  /** Serve the HTTP API on `config.http`. @defaultValue true */
  http?: boolean;
  /** Maintenance passes (orphan labels, expiries, windows left due, range references) every this many ms; none when absent. */
  maintainEveryMs?: number;
  /** How the runner schedules window analysis (beside ingest for `vigil run`; inline when absent). */
  analysis?: StreamRunnerOptions['analysis'];
  /** When the source ends on its own: how long to wait for the notices of its last windows. @defaultValue 30000 */
  drainFlushMs?: number;
  /** Passed to the alerting service (the demo's replay clock and its delivery counts, BullMQ's queue name, links). */
  alerting?: Pick<AlertingOptions, 'now' | 'links' | 'bullmq' | 'onDelivery'>;
  /** Wraps the alerting the runner reports windows to (the demo counts them). */
  windowAlerts?: (alerting: Alerting) => WindowAlerts;
  /** Around each batch (the demo moves its clock before, draws its progress after). */
  beforeBatch?: (batch: SourceBatch) => void;
  afterBatch?: (batch: SourceBatch) => Promise<void>;
  /** When the source ended on its own, after the last windows were analysed and their notices sent, before closing. */
  atEnd?: (d: { alerting: Alerting; settled: boolean }) => Promise<void>;
}

/** How a run ended. `error` when failed: a VigilError (a one-line message) or what the consumer threw. */
export interface DaemonOutcome {
  state: 'stopped' | 'failed';
  /** Why it stopped: a stop request (a signal), the end of the source, or a failure. */
  reason: 'stopped' | 'ended' | 'failed';
  error?: unknown;
  read: { predictions: number; labels: number };
}

type Where = 'batch' | 'maintenance';

export class Daemon {
  private current: DaemonState = 'starting';
  private stopRequested: (() => void) | undefined;
  private readonly stopping: Promise<void>;
  private runnerRef: StreamRunner | undefined;

  constructor(private readonly options: DaemonOptions) {
    this.stopping = new Promise((resolve) => (this.stopRequested = resolve));
    options.logger.info({ from: null, to: 'starting' }, 'daemon state');
  }

  get state(): DaemonState {
    return this.current;
  }

  /** The runner, once started (the demo analyses its last windows through it). */
  get runner(): StreamRunner | undefined {
    return this.runnerRef;
  }

  /** Asks a starting or running daemon to drain and stop; `run()` then resolves. Idempotent. */
  stop(): void {
    // A start-up cannot be cut short (the database's migrations, the references): without a word, a Ctrl-C in its
    // first seconds looked ignored until "stopping: finishing the batch in flight", 10 s and more later.
    if (this.stopRequested && this.current === 'starting')
      this.options.logger.info(
        'stopping as soon as start-up is done (the database and the references are being prepared)',
      );
    this.stopRequested?.();
    this.stopRequested = undefined;
  }

  /**
   * Starts, consumes until the source ends, `stop()` is called or the consumer fails, drains and stops. Rejects
   * (state `failed`) when something fails before consuming (a reference file, the database, Redis, the port).
   */
  async run(): Promise<DaemonOutcome> {
    const o = this.options;
    const { logger } = o;
    const closers: Array<() => Promise<void>> = [];
    const closeAll = async (): Promise<void> => {
      for (const close of closers.reverse()) await close();
    };
    let started: Started;
    try {
      started = await this.start(closers);
    } catch (error) {
      this.transition('failed');
      await closeAll().catch((closeError: unknown) =>
        logger.warn({ err: closeError }, 'closing after a failed start failed'),
      );
      throw error;
    }
    const { alerting, runner, source, ranges, setFailure } = started;
    // The incidents before this run (a resumed run's store has some): the summary counts only those it opened.
    const incidentsBefore = alerting.listIncidents({ limit: 10_000 }).then(
      (list) => new Set(list.map((i) => i.id)),
      () => undefined,
    );
    this.transition('running');

    let maintaining: Promise<unknown> = Promise.resolve();
    const timer =
      o.maintainEveryMs === undefined
        ? undefined
        : setInterval(() => {
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
          }, o.maintainEveryMs);

    const read = { predictions: 0, labels: 0 };
    const consuming = source.run(async (batch) => {
      o.beforeBatch?.(batch);
      try {
        await runner.handle(batch);
        read[batch.topic === o.topics.labels ? 'labels' : 'predictions'] += batch.messages.length;
        setFailure('batch');
      } catch (error) {
        // The source retries the batch with backoff; meanwhile the daemon says it is not ready.
        setFailure('batch', error);
        throw error;
      }
      await o.afterBatch?.(batch);
    });
    const outcome = await Promise.race([
      this.stopping.then(() => 'stopped' as const),
      consuming.then(
        () => 'ended' as const,
        (error: unknown) => ({ error }),
      ),
    ]);
    this.transition('draining');
    if (outcome === 'ended') {
      // The end of the source: the windows its watermark closed are analysed and their notices delivered before
      // the daemon stops, as a Kafka daemon would do while it kept running.
      logger.info('end of the source: analysing the windows it closed and delivering their notices');
      if (timer) clearInterval(timer);
      await maintaining;
      await runner.maintain();
      await runner.drain();
      const settled = await alerting.flush(o.drainFlushMs ?? 30_000);
      const incidents = await alerting.listIncidents({ limit: 10_000 });
      // This run's counts (a resumed run's summary is what it read, not the store's totals), the dead letters apart
      // from the events they were not; `incidentsOpen` is the state the run leaves.
      const before = await incidentsBefore;
      const deadPredictions = runner.deadLettered(o.topics.predictions);
      const deadLabels = runner.deadLettered(o.topics.labels);
      logger.info(
        {
          predictions: read.predictions - deadPredictions,
          labels: read.labels - deadLabels,
          deadLetters: deadPredictions + deadLabels,
          ...(before ? { incidentsOpened: incidents.filter((i) => !before.has(i.id)).length } : {}),
          incidentsOpen: incidents.filter((i) => i.status !== 'resolved').length,
          notificationsSettled: settled,
        },
        'end of the source: summary (vigil incidents list and vigil dlq list show the details)',
      );
      await o.atEnd?.({ alerting, settled });
    }
    logger.info('stopping: finishing the batch in flight');
    if (timer) clearInterval(timer);
    await source.close();
    await consuming.catch(() => undefined);
    await maintaining;
    // The analysis in flight finishes; no new one starts (windows left due are analysed after a restart).
    await runner.stop();
    await ranges.idle();
    await closeAll();
    if (typeof outcome === 'object') {
      this.transition('failed');
      if (!isVigilError(outcome.error)) logger.error({ err: outcome.error }, 'the consumer failed');
      return { state: 'failed', reason: 'failed', error: outcome.error, read };
    }
    this.transition('stopped');
    logger.info('stopped');
    return { state: 'stopped', reason: outcome, read };
  }

  private transition(to: DaemonState): void {
    const from = this.current;
    if (from === to) return;
    this.current = to;
    this.options.logger.info({ from, to }, 'daemon state');
  }

  /** Everything up to consuming, in the order of docs/streaming.md ("Start-up"); `closers` undo it in reverse. */
  private async start(closers: Array<() => Promise<void>>): Promise<Started> {
    const o = this.options;
    const { logger, config } = o;
    // The reference files are read (and fingerprinted) before the database is opened, so a missing one fails first;
    // then each is fitted, or its fit of an earlier start is read back (decision 0034).
    const files = await referenceFiles(config.models, o.configDir);
    const store = await o.openStore();
    if (!o.keepStoreOpen) closers.push(() => store.close());
    const defaultProfiles: Map<string, ReferenceProfile> = await fitReferenceFiles(files, store, logger);

    const registry = new PrometheusRegistry();
    const kafka = config.kafka;
    // Models whose reference is a range of their logged traffic: loaded or fitted now if the range is over, else
    // by a maintenance pass once it is (until then their events are reported as having no profile).
    const ranges = new RangeReferences({
      models: config.models,
      store,
      ...(kafka && o.kafka ? { connection: { ...o.kafka, topic: kafka.topics.predictions } } : {}),
      profiles: defaultProfiles,
      logger,
    });
    await ranges.refresh();
    const deliveries = alertDeliveryMetrics(registry);
    const alerting = await createAlerting({
      config,
      store,
      logger,
      ...o.alerting,
      onDelivery: (outcome) => {
        deliveries(outcome);
        o.alerting?.onDelivery?.(outcome);
      },
      // One queue per consumer group: deployments that share a Redis never take each other's deliveries.
      bullmq: o.alerting?.bullmq ?? { name: `vigil-alerts.${o.groupId}` },
      // Pause and resume reach the models' serving side through the control topic (docs/events.md, "Control
      // event"); without Kafka the paused state in the database is all there is.
      ...(kafka && o.kafka
        ? {
            publishControl: async (event) => {
              await produceMessages(
                [{ topic: kafka.topics.control, value: Buffer.from(JSON.stringify(event)) }],
                o.kafka!,
              );
            },
          }
        : {}),
    });
    closers.push(() => alerting.close());
    const metrics = runnerMetrics(registry, {
      models: config.models.map((m) => m.id),
      topics: { ...o.topics, ...(kafka?.topics.deadLetters ? { deadLetters: kafka.topics.deadLetters } : {}) },
    });
    const deadLetters =
      kafka && o.kafka ? deadLetterTopic(kafka.topics.deadLetters, o.kafka, metrics, logger) : undefined;
    if (deadLetters) closers.push(() => deadLetters.close());
    const runner = new StreamRunner({
      config,
      store,
      groupId: o.groupId,
      topics: o.topics,
      defaultProfiles,
      missingProfileReason: (model) => ranges.missingReason(model),
      alerts: o.windowAlerts ? o.windowAlerts(alerting) : alerting,
      metrics,
      ...(deadLetters ? { deadLetterTopic: deadLetters } : {}),
      ...(config.retention ? { retention: config.retention } : {}),
      ...(o.analysis ? { analysis: o.analysis } : {}),
      logger,
    });
    this.runnerRef = runner;

    // A failing batch or pass makes the daemon not ready, under what failed: the database, or the batch itself
    // (retried without end, since skipping it would lose its events: an operator must look).
    const failing = (where: Where, error: unknown): string =>
      isVigilError(error) && !error.code.startsWith('VIGIL_STORE') ? `${where} failing: ${error.code}` : 'database';
    const failures = new Map<Where, string>();
    const setFailure = (where: Where, error?: unknown): void => {
      if (error === undefined) failures.delete(where);
      else failures.set(where, failing(where, error));
    };
    const problems = new Set<string>(['starting']);
    // The one reader of committed offsets, for whichever source.
    const offsetsFor: OffsetsFor = async (topic) =>
      new Map((await store.offsets.load(o.groupId, topic)).map((x) => [x.partition, x.nextOffset]));
    const source = o.source.create({
      offsetsFor,
      onConnection: (state) => {
        problems.delete('starting');
        if (state === 'joined') problems.delete('kafka');
        else problems.add('kafka');
      },
      onRetry: (error, attempt) => logger.warn({ err: error, attempt }, 'batch failed; retrying it'),
    });
    if (o.source.readyAtOnce) problems.delete('starting');
    await alerting.start();
    // The topics (Kafka), before the HTTP API says anything: a missing one is the operator's to create. After the
    // database and Redis, whose failures are reported first as they always were.
    await o.source.check?.();
    let http: Record<string, string> = {};
    if (o.http !== false) {
      const server = createServer(
        createHttpApi({
          store,
          http: config.http,
          registry,
          alerting,
          reviewQueue: new ReviewQueueService(store, config),
          notReadyReasons: () => [
            ...new Set([
              ...problems,
              ...failures.values(),
              ...[runner.analysisProblem()].filter((r) => r !== undefined),
            ]),
          ],
          logger,
        }),
      );
      await listen(server, config.http.port, config.http.host, o.name);
      closers.push(() => new Promise<void>((done) => server.close(() => done())));
      const address = server.address();
      http = {
        http: `${config.http.host}:${typeof address === 'object' && address ? address.port : config.http.port}`,
      };
    }
    logger.info(
      { ...http, database: o.database, ...o.source.describe, alertQueue: config.redis ? 'bullmq' : 'in-process' },
      `${o.name} started`,
    );
    return { store, alerting, runner, source, ranges, problems, setFailure };
  }
}

interface Started {
  store: Store;
  alerting: Alerting;
  runner: StreamRunner;
  source: PredictionSource;
  ranges: RangeReferences;
  problems: Set<string>;
  setFailure: (where: Where, error?: unknown) => void;
}

function listen(server: Server, port: number, host: string, name: string): Promise<void> {
  return new Promise((done, fail) => {
    server.once('error', (error) =>
      fail(new VigilError('VIGIL_USAGE', `${name}: cannot listen on ${host}:${port} (${error.message})`)),
    );
    server.listen(port, host, () => done());
  });
}
