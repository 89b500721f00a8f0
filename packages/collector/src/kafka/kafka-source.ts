import { errorMessage, KAFKA_FETCH_DEFAULTS, type Logger, silentLogger, VigilError } from '@vigil/core';
import {
  type Batch,
  type Consumer,
  type EachBatchPayload,
  Kafka,
  type KafkaConfig,
  type KafkaMessage,
  logLevel,
  type LogEntry,
  type SASLOptions,
} from 'kafkajs';
import type { RawMessage } from '../decode/raw-message';
import { registerCompressionCodecs } from './codecs';
import { installFastRecordDecoder } from './record-decoder';
import type { BatchHandler, OffsetsFor, PredictionSource, SourceBatch, SourceState } from './prediction-source';
import { missingTopics, type RequiredTopic } from './require-topics';

/*
 * One of the files that import kafkajs (with produce-file.ts, read-since.ts, dead-letter-publisher.ts, codecs.ts, its compression codecs, and
 * record-decoder.ts, its record decoder): kafkajs has been
 * looking for maintainers since 2023, so the rest of Vigil sees `PredictionSource` and plain options only.
 */

/** How to reach the brokers; shared by the source and the producer. */
export interface KafkaConnectionOptions {
  /** `host:port` of one or more brokers (`VIGIL_KAFKA_BROKERS`, comma-separated, split by the caller). */
  readonly brokers: readonly string[];
  /** @defaultValue `vigil` */
  readonly clientId?: string;
  /** TLS: `true` for the system's CAs, or PEM material. */
  readonly ssl?:
    | boolean
    | { readonly ca?: string; readonly cert?: string; readonly key?: string; readonly rejectUnauthorized?: boolean };
  readonly sasl?: {
    readonly mechanism: 'plain' | 'scram-sha-256' | 'scram-sha-512';
    readonly username: string;
    readonly password: string;
  };
  /** @defaultValue 3000 */
  readonly connectionTimeoutMs?: number;
  /** Kafka client retries for a request before it fails (the source still retries its own work). @defaultValue 5 */
  readonly requestRetries?: number;
  readonly logger?: Logger;
}

export interface KafkaSourceOptions extends KafkaConnectionOptions {
  readonly groupId: string;
  readonly topics: readonly string[];
  /**
   * The topics as the configuration names them (`{ topic, key }`), for the error when one is deleted while
   * consumed; a topic of `topics` not listed here is named alone. @defaultValue `topics`
   */
  readonly required?: readonly RequiredTopic[];
  /**
   * Where to resume each assigned partition, asked on start and on every assignment (the store's `offsets.load`).
   * Kafka's own committed offsets are never used: the store holds them, written with the batch's effects.
   */
  readonly offsetsFor?: OffsetsFor;
  /**
   * Told when the consumer joins its group or the brokers answer again (`joined`: it can consume), and when it
   * loses them (`lost`: the consumer restarts, or no fetch or heartbeat was answered for 10 s or 3 heartbeats).
   * After a restart, `joined` waits for a fetch that succeeds: a batch that cannot be read keeps it `lost`.
   */
  readonly onConnection?: (state: 'joined' | 'lost') => void;
  /** Where a partition without a stored offset starts. @defaultValue true (the earliest retained message) */
  readonly fromBeginning?: boolean;
  /**
   * Partitions whose batches are handled at the same time: the bound on batches in flight. Batches of one partition
   * are always handled one after the other; with more than one partition in flight, one batch's transaction runs in
   * Postgres while the next is decoded (docs/benchmarks.md, "Sustained ingest": +28% events/s from 1 to 3). kafkajs
   * fetches the next round only when every batch of the last one is handled, and a fetch of the default 8 MiB holds
   * four to six partitions' batches: at 3, the round's last batches waited behind the first ones and then the daemon
   * waited on their transactions; at 6 a round is handled at once (+7% events/s with 100 models in one alternated
   * pair, docs/benchmarks.md, "Batches in flight"). The fetched bytes are in memory either way; six transactions stay within the store's pool of 10.
   * @defaultValue 6
   */
  readonly partitionsConsumedConcurrently?: number;
  /**
   * Bytes of one partition a fetch brings; each partition's fetch is one batch, one transaction. Larger batches cost
   * fewer bucket deltas an event (docs/benchmarks.md). @defaultValue 4 MiB (`KAFKA_FETCH_DEFAULTS`)
   */
  readonly maxBytesPerPartition?: number;
  /** Bytes a fetch brings, all partitions together. @defaultValue 8 MiB */
  readonly maxBytes?: number;
  /** The broker answers once it has this many bytes, or after `maxWaitMs`. @defaultValue 1 */
  readonly minBytes?: number;
  /**
   * How long a fetch waits for data; also how long kafkajs idles when every partition is paused, so the bound on
   * how late a resume takes effect. @defaultValue 1000
   */
  readonly maxWaitMs?: number;
  /** @defaultValue 30000 */
  readonly sessionTimeoutMs?: number;
  /** Also how often the source heartbeats while a handler runs. @defaultValue 3000 */
  readonly heartbeatIntervalMs?: number;
  /** First wait after a failed handler (or `offsetsFor`); doubles up to `retryMaxMs`. @defaultValue 200 */
  readonly retryInitialMs?: number;
  /** @defaultValue 30000 */
  readonly retryMaxMs?: number;
  /** How long `close()` waits for the batch in flight and the disconnect. @defaultValue 30000 */
  readonly closeTimeoutMs?: number;
}

/**
 * A kafkajs client configured from our options; logs go to our logger (all at debug while `quiet()` holds). It
 * reads Snappy, LZ4 and ZSTD batches too, and decodes records without kafkajs's `Long`s (record-decoder.ts).
 */
export function createKafka(options: KafkaConnectionOptions, logger: Logger, quiet?: () => boolean): Kafka {
  registerCompressionCodecs();
  installFastRecordDecoder();
  const problems = connectionProblems(options);
  if (problems.length > 0) {
    throw new VigilError('VIGIL_CONFIG_INVALID', `kafka: ${problems.join('; ')}`, { details: { problems } });
  }
  const config: KafkaConfig = {
    clientId: options.clientId ?? 'vigil',
    brokers: [...options.brokers],
    connectionTimeout: options.connectionTimeoutMs ?? 3000,
    retry: { retries: options.requestRetries ?? 5 },
    logLevel: logLevel.INFO,
    logCreator: () => (entry: LogEntry) => logKafka(logger, entry, quiet?.() === true),
  };
  if (options.ssl !== undefined) config.ssl = typeof options.ssl === 'boolean' ? options.ssl : { ...options.ssl };
  if (options.sasl !== undefined) {
    const { mechanism, username, password } = options.sasl;
    config.sasl = { mechanism, username, password } as SASLOptions;
  }
  return new Kafka(config);
}

export function connectionProblems(options: KafkaConnectionOptions): string[] {
  const problems: string[] = [];
  if (options.brokers.length === 0) problems.push('brokers: expected at least one host:port');
  for (const broker of options.brokers)
    if (!/^[^\s:]+:\d+$/.test(broker)) problems.push(`brokers: "${broker}" is not host:port`);
  return problems;
}

/** A fetched kafkajs message as the decoders see it. */
export function toRawMessage(batch: Batch, m: KafkaMessage): RawMessage {
  return {
    topic: batch.topic,
    partition: batch.partition,
    offset: m.offset,
    key: m.key ?? null,
    value: m.value ?? null,
    timestamp: m.timestamp,
  };
}

/** TLS verdicts on either side's certificate (ours refused by the broker's alert, or the broker's): trying again cannot help. */
const CERTIFICATE_CODES =
  /^(SELF_SIGNED_CERT_IN_CHAIN|DEPTH_ZERO_SELF_SIGNED_CERT|UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT(_LOCALLY)?|CERT_\w+|ERR_TLS_CERT_ALTNAME_INVALID|ERR_SSL_\w*ALERT\w*CERTIFICATE\w*)$/;
const CERTIFICATE_MESSAGE =
  /alert (bad certificate|certificate required|unknown ca)|certificate (verify failed|has expired)|self-signed certificate/i;

/**
 * A failure to connect, subscribe or join as one Vigil error naming Kafka and the causes kafkajs nests (its retry
 * wrapper, the socket's error). Refused credentials and untrusted certificates are not retriable.
 */
export function connectFailure(error: unknown, brokers: readonly string[]): unknown {
  if (error instanceof VigilError) return error;
  const messages: string[] = [];
  let permanent = false;
  for (
    let e = error as
        { name?: string; message?: string; code?: string; cause?: unknown; originalError?: unknown } | undefined,
      depth = 0;
    e && depth < 5;
    depth += 1
  ) {
    if (e.message && !messages.some((m) => m.includes(e!.message!))) messages.push(e.message);
    if (
      /SASLAuthentication|Authorization/.test(e.name ?? '') ||
      CERTIFICATE_CODES.test(e.code ?? '') ||
      CERTIFICATE_MESSAGE.test(e.message ?? '')
    )
      permanent = true;
    e = (e.originalError ?? e.cause) as typeof e;
  }
  return new VigilError(
    'VIGIL_KAFKA_UNAVAILABLE',
    `cannot consume from Kafka at ${brokers.join(', ')}: ${messages.join(': ') || errorMessage(error)}`,
    {
      cause: error,
      retriable: !permanent,
    },
  );
}

/** Whether a kafkajs error (or one it wraps) is UNKNOWN_TOPIC_OR_PARTITION: a topic or partition the brokers do not have. */
function isUnknownTopic(error: unknown): boolean {
  for (
    let e = error as { type?: string; cause?: unknown; originalError?: unknown } | undefined, depth = 0;
    e && depth < 5;
    depth += 1
  ) {
    if (e.type === 'UNKNOWN_TOPIC_OR_PARTITION') return true;
    e = (e.originalError ?? e.cause) as typeof e;
  }
  return false;
}

/** kafkajs logs group joins and the like at INFO; they are our debug. */
/**
 * kafkajs' log entries at our levels. A broker's error response (`Response GroupCoordinator(…)`, logged by its
 * `Connection` at ERROR) is also thrown to the request's caller, which retries it or fails with its own error: logged
 * at debug, so that a group coordinator still starting does not print an error line before the consumer recovers.
 * `quiet`: everything at debug, for a client being closed, whose retries of a broker that is down are no news.
 */
export function logKafka(logger: Logger, { namespace, level, log }: LogEntry, quiet = false): void {
  const { message, timestamp: _timestamp, logger: _name, ...fields } = log;
  if (quiet || (namespace === 'Connection' && message.startsWith('Response '))) logger.debug(fields, message);
  else if (level === logLevel.ERROR) logger.error(fields, message);
  else if (level === logLevel.WARN) logger.warn(fields, message);
  else logger.debug(fields, message);
}

/**
 * A `PredictionSource` over a Kafka consumer group. Batches are handed over per partition (`eachBatch`); the offset
 * of a batch is resolved only after its handler resolved, a failed handler is retried with backoff until it
 * succeeds or the source is closed (never skipped), and each assigned partition is sought to the offset
 * `offsetsFor` gives, on start and on every rebalance. Messages before that offset are dropped even if a fetch
 * raced the seek, so the handler never sees what the store already holds.
 */
export class KafkaSource implements PredictionSource {
  private readonly logger: Logger;
  private readonly kafka: Kafka;
  private readonly consumer: Consumer;
  private readonly options: KafkaSourceOptions;
  /** Topic → its partition count, read at every assignment (partitions may have been added). */
  private readonly partitionCounts = new Map<string, number>();
  private currentState: SourceState = 'created';
  /** `topic:partition` → the next offset the handler should see, once known. */
  private readonly positions = new Map<string, bigint>();
  /** Settles when the seeks of the latest assignment are done. */
  private assignmentReady: Promise<void> = Promise.resolve();
  /** `topic:partition` paused for a full downstream: batches kafkajs fetched before the pause are left unresolved. */
  private readonly paused = new Set<string>();
  private readonly wakers = new Set<() => void>();
  private stopped!: () => void;
  private failed!: (error: unknown) => void;
  private readonly done: Promise<void>;
  private closing: Promise<void> | undefined;
  /** run()'s connect, subscribe and group join, which close() lets settle before it disconnects. */
  private starting: Promise<void> | undefined;
  /** When the brokers last answered a fetch or a heartbeat; `silent`: they have not for too long. */
  private lastAnswer = Date.now();
  private silent = false;
  /**
   * Set by a crash that restarts the consumer: joining again is then not enough to be `joined`, a fetch must succeed
   * too (a batch that does not decompress fails every fetch, and the consumer would otherwise rejoin between them).
   */
  private fetchFailing = false;
  private watchdog: NodeJS.Timeout | undefined;
  /** Set when a subscribed topic was found deleted after a crash: what the source fails with. */
  private topicsGone: VigilError | undefined;

  constructor(options: KafkaSourceOptions) {
    const problems = connectionProblems(options);
    if (options.groupId.trim() === '') problems.push('groupId: expected a non-empty string');
    if (options.topics.length === 0) problems.push('topics: expected at least one topic');
    for (const [name, value] of [
      ['partitionsConsumedConcurrently', options.partitionsConsumedConcurrently],
      ['retryInitialMs', options.retryInitialMs],
      ['maxWaitMs', options.maxWaitMs],
      ['retryMaxMs', options.retryMaxMs],
      ['closeTimeoutMs', options.closeTimeoutMs],
      ['maxBytesPerPartition', options.maxBytesPerPartition],
      ['maxBytes', options.maxBytes],
      ['minBytes', options.minBytes],
    ] as const) {
      if (value !== undefined && (!Number.isSafeInteger(value) || value <= 0))
        problems.push(`${name}: expected a positive integer, got ${value}`);
    }
    if (problems.length > 0) {
      throw new VigilError('VIGIL_CONFIG_INVALID', `kafka source: ${problems.join('; ')}`, { details: { problems } });
    }
    this.options = options;
    this.logger = (options.logger ?? silentLogger).child({ component: 'kafka-source', groupId: options.groupId });
    this.kafka = createKafka(options, this.logger, () => this.isClosing);
    this.consumer = this.kafka.consumer({
      groupId: options.groupId,
      sessionTimeout: options.sessionTimeoutMs ?? 30_000,
      heartbeatInterval: options.heartbeatIntervalMs ?? 3000,
      maxBytesPerPartition: options.maxBytesPerPartition ?? KAFKA_FETCH_DEFAULTS.maxBytesPerPartition,
      maxBytes: options.maxBytes ?? KAFKA_FETCH_DEFAULTS.maxBytes,
      minBytes: options.minBytes ?? KAFKA_FETCH_DEFAULTS.minBytes,
      maxWaitTimeInMs: options.maxWaitMs ?? KAFKA_FETCH_DEFAULTS.maxWaitMs,
      allowAutoTopicCreation: false,
      // kafkajs's default for a consumer (5 retries, whatever `requestRetries`), and when not to restart it.
      retry: { retries: 5, restartOnFailure: (error) => this.restartAfter(error) },
    });
    this.done = new Promise<void>((resolve, reject) => {
      this.stopped = resolve;
      this.failed = reject;
    });
    // Handled by whoever awaits run(); without run() a failure cannot happen.
    this.done.catch(() => undefined);
    this.consumer.on(this.consumer.events.GROUP_JOIN, (event) => {
      const seeks = this.seekAssigned(event.payload.memberAssignment);
      this.assignmentReady = Promise.all([seeks, this.loadPartitionCounts()]).then(() => undefined);
      this.answered();
      if (!this.fetchFailing) options.onConnection?.('joined');
    });
    // A broker that stops answering (a network partition, a paused process) makes no error for a long while: the
    // fetch waits for its request timeout. Fetches (every maxWaitMs when idle) and heartbeats say it is there.
    this.consumer.on(this.consumer.events.FETCH, () => {
      this.answered();
      if (!this.fetchFailing) return;
      this.fetchFailing = false;
      options.onConnection?.('joined');
    });
    this.consumer.on(this.consumer.events.HEARTBEAT, () => this.answered());
    this.consumer.on(this.consumer.events.CRASH, (event) => {
      if (event.payload.restart) {
        this.fetchFailing = true;
        options.onConnection?.('lost');
        this.logger.warn({ err: event.payload.error }, 'kafka consumer crashed; it restarts');
        return;
      }
      // Closing: the crash of a consumer being disconnected is no failure of the source.
      if (this.isClosing) {
        this.logger.debug({ err: event.payload.error }, 'kafka consumer crashed while closing');
        return;
      }
      this.currentState = 'failed';
      // A deleted topic: one line that names it, not kafkajs's text (docs/streaming.md, "Failures").
      if (this.topicsGone) this.logger.error(this.topicsGone.message);
      else this.logger.error({ err: event.payload.error }, 'kafka consumer crashed and does not restart');
      this.failed(this.topicsGone ?? event.payload.error);
    });
  }

  get state(): SourceState {
    return this.currentState;
  }

  async run(handler: BatchHandler): Promise<void> {
    if (this.currentState !== 'created') {
      if (this.closing !== undefined) return this.done;
      throw new VigilError('VIGIL_INTERNAL', `kafka source: run() called while ${this.currentState}`);
    }
    this.currentState = 'running';
    this.starting = this.start(handler);
    try {
      await this.starting;
    } catch (error) {
      if (this.closing === undefined) {
        this.currentState = 'failed';
        await this.consumer.disconnect().catch(() => undefined);
        throw connectFailure(error, this.options.brokers);
      }
    }
    return this.done;
  }

  /** Connects, subscribes and joins the group (kafkajs' run() resolves once joined), then watches the brokers. */
  private async start(handler: BatchHandler): Promise<void> {
    await this.consumer.connect();
    for (const topic of this.options.topics) {
      await this.consumer.subscribe({ topic, fromBeginning: this.options.fromBeginning ?? true });
    }
    await this.consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: this.options.partitionsConsumedConcurrently ?? 6,
      eachBatch: (payload) => this.eachBatch(payload, handler),
    });
    // Closed while joining: shutdown() disconnects now; no watchdog to outlive it.
    if (this.isClosing) return;
    this.logger.info({ topics: this.options.topics }, 'consuming');
    const silenceMs = Math.max(10_000, 3 * (this.options.heartbeatIntervalMs ?? 3000));
    this.watchdog = setInterval(() => {
      if (this.silent || Date.now() - this.lastAnswer <= silenceMs) return;
      this.silent = true;
      this.logger.warn(
        { silentMs: Date.now() - this.lastAnswer },
        'the brokers have not answered a fetch or a heartbeat',
      );
      this.options.onConnection?.('lost');
    }, 1000);
    this.watchdog.unref();
  }

  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private answered(): void {
    this.lastAnswer = Date.now();
    if (!this.silent) return;
    this.silent = false;
    this.logger.info('the brokers answer again');
    if (!this.fetchFailing) this.options.onConnection?.('joined');
  }

  private async shutdown(): Promise<void> {
    clearInterval(this.watchdog);
    const before = this.currentState;
    if (before === 'created') {
      this.currentState = 'stopped';
      this.stopped();
      return;
    }
    if (before === 'running') this.currentState = 'draining';
    for (const wake of this.wakers) wake();
    const timeoutMs = this.options.closeTimeoutMs ?? 30_000;
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), timeoutMs);
    });
    try {
      // A close() right after run() finds kafkajs still connecting or joining the group, which it cannot abort:
      // disconnecting under the join failed it on a closed socket ("Connection error: write after end" logged as an
      // error), and kafkajs then retried and restarted the consumer after "stopped". So the start settles first
      // (its failure is run()'s to report), within the same timeout. disconnect() stops fetching and waits for the
      // batch in flight.
      const started = (this.starting ?? Promise.resolve()).catch(() => undefined);
      const stopped = started.then(() => {
        clearInterval(this.watchdog);
        return this.consumer.disconnect();
      });
      const outcome = await Promise.race([stopped.then(() => 'ok' as const), timedOut]);
      if (outcome === 'timeout') this.logger.error({ timeoutMs }, 'kafka consumer did not stop in time; abandoning it');
    } catch (error) {
      this.logger.warn({ err: error }, 'kafka consumer disconnect failed');
    } finally {
      clearTimeout(timer);
      if (this.currentState !== 'failed') this.currentState = 'stopped';
      this.stopped();
    }
    this.logger.info('stopped');
  }

  /**
   * Whether kafkajs restarts its crashed consumer: not once closing (a restart timer would outlive close()), nor
   * when the crash was an unknown topic and a subscribed topic no longer exists (`topicsGone`: kafkajs would restart
   * it without end, each time with "This server does not host this topic-partition").
   */
  private async restartAfter(error: unknown): Promise<boolean> {
    if (this.isClosing) return false;
    if (!isUnknownTopic(error)) return true;
    const admin = this.kafka.admin();
    try {
      await admin.connect();
      const existing = new Set(await admin.listTopics());
      const named = this.options.required ?? [];
      const missing = this.options.topics
        .filter((t) => !existing.has(t))
        .map((t) => named.find((r) => typeof r !== 'string' && r.topic === t) ?? t);
      if (missing.length === 0) return true;
      this.topicsGone = missingTopics(missing, this.options.brokers, 'vigil run', 'deleted');
      return false;
    } catch (lookUp) {
      // The brokers do not answer the look-up: kafkajs restarts the consumer, and the next crash asks again.
      this.logger.debug({ err: lookUp }, 'looking up the subscribed topics after a crash failed');
      return true;
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  }

  private get isClosing(): boolean {
    return this.closing !== undefined;
  }

  private async seekAssigned(assignment: Record<string, number[]>): Promise<void> {
    for (const [topic, partitions] of Object.entries(assignment)) {
      if (partitions.length === 0) continue;
      for (const partition of partitions) this.positions.delete(`${topic}:${partition}`);
      if (this.options.offsetsFor === undefined) continue;
      const loaded = await this.retrying(`loading offsets of ${topic}`, () =>
        this.options.offsetsFor!(topic, partitions),
      );
      if (loaded === undefined) return;
      const offsets = loaded.value;
      for (const partition of partitions) {
        const offset = offsets.get(partition);
        if (offset === undefined) continue;
        this.positions.set(`${topic}:${partition}`, BigInt(offset));
        this.consumer.seek({ topic, partition, offset });
      }
      this.logger.info(
        { topic, partitions, offsets: Object.fromEntries(offsets) },
        'partitions assigned; sought to stored offsets',
      );
    }
  }

  /**
   * The partition count of every subscribed topic (what `SourceBatch.topicPartitions` says). Without it, batches
   * carry no count and a model's first windows may close before its other partitions' first batches are in.
   */
  private async loadPartitionCounts(): Promise<void> {
    const admin = this.kafka.admin();
    try {
      await admin.connect();
      const metadata = await admin.fetchTopicMetadata({ topics: [...this.options.topics] });
      for (const t of metadata.topics) this.partitionCounts.set(t.name, t.partitions.length);
    } catch (error) {
      this.logger.warn({ err: error }, 'the partition counts of the topics could not be read');
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  }

  private async eachBatch(payload: EachBatchPayload, handler: BatchHandler): Promise<void> {
    const { batch, resolveOffset, heartbeat, isRunning, isStale, pause } = payload;
    await this.assignmentReady;
    if (this.isClosing || !isRunning() || isStale()) return;
    const key = `${batch.topic}:${batch.partition}`;
    // Fetched before the pause took effect: left unresolved, so it is fetched again after the resume.
    if (this.paused.has(key)) return;
    const expected = this.positions.get(key);
    const messages: RawMessage[] = [];
    // A partition's messages come in offset order, so only the first few (fetched again after a seek, or the start
    // of a compressed record batch) can lie before the expected position: the comparison, a BigInt parsed from
    // each offset's text, stops at the first message that does not.
    let before = expected !== undefined;
    for (const m of batch.messages) {
      if (before) {
        if (BigInt(m.offset) < expected!) continue;
        before = false;
      }
      messages.push(toRawMessage(batch, m));
    }
    if (messages.length === 0) return;
    const last = messages[messages.length - 1]!.offset;
    const sourceBatch: SourceBatch = {
      topic: batch.topic,
      partition: batch.partition,
      messages,
      firstOffset: messages[0]!.offset,
      nextOffset: (BigInt(last) + 1n).toString(),
      highWatermark: batch.highWatermark,
      topicPartitions: this.partitionCounts.get(batch.topic),
    };
    // A handler slower than the session timeout would otherwise cost the partition to a rebalance.
    const beat = setInterval(() => {
      heartbeat().catch((error: unknown) => this.logger.debug({ err: error }, 'heartbeat during a batch failed'));
    }, this.options.heartbeatIntervalMs ?? 3000);
    let result: { value: Awaited<ReturnType<BatchHandler>> } | undefined;
    try {
      result = await this.retrying(`handling ${key} offsets ${sourceBatch.firstOffset}..${last}`, () =>
        handler(sourceBatch),
      );
    } finally {
      clearInterval(beat);
    }
    // Closing while the handler kept failing: the batch stays unresolved, and a restart reads it again from the store's offsets.
    if (result === undefined) return;
    const outcome = result.value;
    this.positions.set(key, BigInt(sourceBatch.nextOffset));
    resolveOffset(last);
    await heartbeat().catch(() => undefined);
    if (outcome !== undefined && outcome !== null && !this.isClosing) {
      const resume = pause();
      this.paused.add(key);
      this.logger.debug({ topic: batch.topic, partition: batch.partition }, 'downstream full; partition paused');
      void outcome.resumeWhen
        .catch(() => undefined)
        .then(() => {
          this.paused.delete(key);
          if (this.currentState !== 'running') return;
          resume();
          this.logger.debug({ topic: batch.topic, partition: batch.partition }, 'partition resumed');
        });
    }
  }

  /** Runs `work` until it succeeds, waiting longer after each failure; undefined when closed first. */
  private async retrying<T>(what: string, work: () => Promise<T>): Promise<{ value: T } | undefined> {
    const initial = this.options.retryInitialMs ?? 200;
    const max = this.options.retryMaxMs ?? 30_000;
    for (let attempt = 1; ; attempt++) {
      if (attempt > 1 && this.isClosing) return undefined;
      try {
        return { value: await work() };
      } catch (error) {
        const waitMs = Math.min(max, initial * 2 ** Math.min(attempt - 1, 20));
        this.logger.warn({ err: error, attempt, waitMs }, `${what} failed; retrying`);
        if (this.isClosing) return undefined;
        await this.sleep(waitMs);
      }
    }
  }

  /** A wait that close() cuts short. */
  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = (): void => {
        clearTimeout(timer);
        this.wakers.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      this.wakers.add(wake);
    });
  }
}
