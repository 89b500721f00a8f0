import { createReadStream } from 'node:fs';
import { access } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { type Logger, silentLogger, VigilError } from '@vigil/core';
import { CompressionTypes, type Message, Partitioners } from 'kafkajs';
import { createKafka, type KafkaConnectionOptions } from './kafka-source';
import { requireTopics } from './require-topics';

/* One of the files that import kafkajs, all in src/kafka/ (see kafka-source.ts). */

export interface ProduceFileOptions extends KafkaConnectionOptions {
  readonly topic: string;
  /** Events per second; absent: as fast as the broker takes them. */
  readonly rate?: number;
  /** The event field whose value becomes the message key (docs/events.md: the model id). @defaultValue `model` */
  readonly keyField?: string;
  /** Messages per produce request (fewer when a rate is set). @defaultValue 500 */
  readonly batchSize?: number;
  /** How record batches are compressed (zstd is read, not written: its codec here only decompresses). @defaultValue none */
  readonly compression?: ProduceCompression;
  readonly logger?: Logger;
}

export const PRODUCE_COMPRESSIONS = ['none', 'gzip', 'snappy', 'lz4'] as const;
export type ProduceCompression = (typeof PRODUCE_COMPRESSIONS)[number];
const COMPRESSION_TYPES: Record<ProduceCompression, CompressionTypes> = {
  none: CompressionTypes.None,
  gzip: CompressionTypes.GZIP,
  snappy: CompressionTypes.Snappy,
  lz4: CompressionTypes.LZ4,
};

export interface ProduceFileResult {
  /** Messages the broker acknowledged: every non-blank line. */
  readonly produced: number;
  /** Lines produced as they are although they are not JSON objects with a string key field (keyed null). */
  readonly unkeyed: number;
  readonly blankLines: number;
  readonly durationMs: number;
}

/**
 * `vigil replay FILE --topic T [--rate N]`: produces each non-blank line of an NDJSON file as one message, value =
 * the line's bytes, key = the event's `keyField`. Lines that are not valid JSON are produced as they are (keyed
 * null): the collector dead-letters them, which is what such files exist to test. Acknowledged by all in-sync
 * replicas; fails fast on the first produce error.
 */
export async function produceFile(path: string, options: ProduceFileOptions): Promise<ProduceFileResult> {
  const problems: string[] = [];
  if (options.topic.trim() === '') problems.push('topic: expected a non-empty string');
  if (options.rate !== undefined && !(Number.isFinite(options.rate) && options.rate > 0))
    problems.push(`rate: expected a positive number, got ${options.rate}`);
  if (options.batchSize !== undefined && !(Number.isSafeInteger(options.batchSize) && options.batchSize > 0))
    problems.push(`batchSize: expected a positive integer, got ${options.batchSize}`);
  if (options.compression !== undefined && !PRODUCE_COMPRESSIONS.includes(options.compression)) {
    problems.push(
      `compression: "${String(options.compression)}" is not one of ${PRODUCE_COMPRESSIONS.join(', ')} (zstd topics are read, not written)`,
    );
  }
  if (problems.length > 0)
    throw new VigilError('VIGIL_USAGE', `replay: ${problems.join('; ')}`, { details: { problems } });
  try {
    await access(path);
  } catch (error) {
    throw new VigilError('VIGIL_FILE_NOT_FOUND', `replay: cannot read ${path}`, { cause: error });
  }
  const logger = (options.logger ?? silentLogger).child({ component: 'replay', topic: options.topic });
  const keyField = options.keyField ?? 'model';
  const rate = options.rate;
  // With a rate, about ten requests a second keep the pace smooth.
  const batchSize =
    rate === undefined
      ? (options.batchSize ?? 500)
      : Math.max(1, Math.min(options.batchSize ?? 500, Math.floor(rate / 10)));
  const kafka = createKafka(options, logger);
  // Before the first send: a missing topic otherwise fails only after the producer's retries (8–12 s), with the
  // broker's "does not host this topic-partition", which does not say what to do.
  await requireTopics(kafka, [options.topic], options.brokers, 'replay');
  const producer = kafka.producer({
    createPartitioner: Partitioners.DefaultPartitioner,
    allowAutoTopicCreation: false,
  });
  const started = Date.now();
  let produced = 0;
  let unkeyed = 0;
  let blankLines = 0;
  let pending: Message[] = [];
  const flush = async (): Promise<void> => {
    if (pending.length === 0) return;
    const messages = pending;
    pending = [];
    await producer.send({
      topic: options.topic,
      messages,
      acks: -1,
      compression: COMPRESSION_TYPES[options.compression ?? 'none'],
    });
    produced += messages.length;
    if (rate !== undefined) {
      const dueMs = (produced / rate) * 1000 - (Date.now() - started);
      if (dueMs > 0) await new Promise((resolve) => setTimeout(resolve, dueMs));
    }
  };
  await producer.connect();
  const lines = createInterface({ input: createReadStream(path), crlfDelay: Infinity });
  try {
    for await (const line of lines) {
      if (line.trim() === '') {
        blankLines++;
        continue;
      }
      const key = keyOf(line, keyField);
      if (key === null) unkeyed++;
      pending.push({ key, value: line });
      if (pending.length >= batchSize) await flush();
    }
    await flush();
  } finally {
    lines.close();
    await producer.disconnect().catch((error: unknown) => logger.warn({ err: error }, 'producer disconnect failed'));
  }
  const result = { produced, unkeyed, blankLines, durationMs: Date.now() - started };
  logger.info({ ...result, path }, 'file produced');
  return result;
}

/** A message to produce as it is (a dead letter re-submitted after a fix). */
export interface OutgoingMessage {
  readonly topic: string;
  readonly value: Buffer;
}

/**
 * Produces `messages` unchanged, each to its topic, keyed by the event's `model` like `vigil replay` (so a
 * re-submitted event lands on its model's partition); acknowledged by all in-sync replicas.
 */
export async function produceMessages(
  messages: readonly OutgoingMessage[],
  options: KafkaConnectionOptions & {
    readonly batchSize?: number;
    /** What a refusal starts with: the command producing (`dlq replay`). @defaultValue `produce` */
    readonly command?: string;
  },
): Promise<number> {
  if (messages.length === 0) return 0;
  const logger = (options.logger ?? silentLogger).child({ component: 'produce' });
  const kafka = createKafka(options, logger);
  await requireTopics(kafka, [...new Set(messages.map((m) => m.topic))], options.brokers, options.command ?? 'produce');
  const producer = kafka.producer({
    createPartitioner: Partitioners.DefaultPartitioner,
    allowAutoTopicCreation: false,
  });
  const batchSize = options.batchSize ?? 500;
  await producer.connect();
  try {
    for (let i = 0; i < messages.length; i += batchSize) {
      const byTopic = new Map<string, Message[]>();
      for (const m of messages.slice(i, i + batchSize)) {
        const list = byTopic.get(m.topic) ?? [];
        list.push({ key: keyOf(m.value.toString('utf8'), 'model'), value: m.value });
        byTopic.set(m.topic, list);
      }
      await producer.sendBatch({
        topicMessages: [...byTopic].map(([topic, list]) => ({ topic, messages: list })),
        acks: -1,
        compression: CompressionTypes.None,
      });
    }
  } finally {
    await producer.disconnect().catch((error: unknown) => logger.warn({ err: error }, 'producer disconnect failed'));
  }
  return messages.length;
}

function keyOf(line: string, field: string): string | null {
  try {
    const event: unknown = JSON.parse(line);
    if (typeof event !== 'object' || event === null || Array.isArray(event)) return null;
    const key = (event as Record<string, unknown>)[field];
    return typeof key === 'string' ? key : null;
  } catch {
    return null;
  }
}

/**
 * Creates `topic` with `partitions` partitions unless it exists (the demo's own topics; an operator creates the
 * daemon's). Resolves true when it was created.
 */
export async function ensureTopic(
  topic: string,
  partitions: number,
  options: KafkaConnectionOptions,
): Promise<boolean> {
  const logger = (options.logger ?? silentLogger).child({ component: 'admin' });
  const admin = createKafka(options, logger).admin();
  await admin.connect();
  try {
    return await admin.createTopics({ topics: [{ topic, numPartitions: partitions }], waitForLeaders: true });
  } finally {
    await admin.disconnect().catch((error: unknown) => logger.warn({ err: error }, 'admin disconnect failed'));
  }
}
