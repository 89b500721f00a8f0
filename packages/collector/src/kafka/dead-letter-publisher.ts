import { type Logger, silentLogger } from '@vigil/core';
import { CompressionTypes, Partitioners, type Producer } from 'kafkajs';
import type { DeadLetter } from '../decode/dead-letter';
import { createKafka, type KafkaConnectionOptions } from './kafka-source';

/*
 * The side channel of `kafka.topics.deadLetters` (docs/streaming.md, "The dead-letter topic"): every dead letter
 * the daemon stores is also produced to that topic, after the batch that stored it committed. The dead-letter
 * store stays the record (`vigil dlq list`, `vigil dlq replay`); the topic is for the people and tools that watch
 * bad input as a stream. Publishing never blocks ingest: `publish` only queues, a loop beside the consumer sends,
 * and a broker that refuses or is down costs retries and a bounded queue, never a batch.
 */

/** What a consumer of the dead-letter topic reads: one JSON object per message. */
export interface DeadLetterRecord {
  /** Where the refused message was read: topic, partition, offset (a decimal string: offsets are 64-bit). */
  topic: string;
  partition: number;
  offset: string;
  /** The refused message's Kafka timestamp (epoch milliseconds, decimal string), when it had one. */
  timestamp: string | null;
  /** The configured model the message names, once the decoder could read that much; null before. */
  model: string | null;
  /** The error code (docs/errors.md), e.g. `VIGIL_DECODE_MISSING_FIELD`, and what is wrong and where. */
  code: string;
  reason: string;
  /** The message value as stored: UTF-8 text when it is valid UTF-8, else base64 (`encoding` says which). */
  value: string;
  encoding: 'utf8' | 'base64';
  /** The value's size as received, in bytes; `truncated` when `value` holds only its first bytes. */
  valueBytes: number;
  truncated: boolean;
  /** The refused message's key, base64 (its first bytes, like the value), or null. */
  key: string | null;
}

const UTF8 = new TextDecoder('utf-8', { fatal: true });

/** The JSON record of one dead letter. */
export function deadLetterRecord(letter: DeadLetter): DeadLetterRecord {
  let text: string | undefined;
  try {
    text = UTF8.decode(letter.raw);
  } catch {
    // A value cut inside a multi-byte character, or not text at all: base64 keeps every byte.
    text = undefined;
  }
  return {
    topic: letter.topic,
    partition: letter.partition,
    offset: letter.offset,
    timestamp: letter.timestamp ?? null,
    model: letter.model,
    code: letter.code,
    reason: letter.reason,
    value: text ?? letter.raw.toString('base64'),
    encoding: text === undefined ? 'base64' : 'utf8',
    valueBytes: letter.rawBytes,
    truncated: letter.rawBytes > letter.raw.length,
    key: letter.key === null ? null : letter.key.toString('base64'),
  };
}

/**
 * The message key: the model id when the decoder read one (a model's bad input lands on one partition, in order),
 * else `topic/partition/offset` of the refused message (unique, so such records spread over the partitions).
 */
export function deadLetterKey(letter: DeadLetter): string {
  return letter.model ?? `${letter.topic}/${letter.partition}/${letter.offset}`;
}

export interface DeadLetterPublisherOptions extends KafkaConnectionOptions {
  readonly topic: string;
  /** Records waiting to be sent beyond this are dropped, oldest first (counted): memory stays bounded. @defaultValue 10,000 */
  readonly maxPending?: number;
  /** Records per produce request. @defaultValue 500 */
  readonly batchSize?: number;
  /** Wait after a failed send before the next attempt, doubled up to 30 s. @defaultValue 1,000 */
  readonly retryDelayMs?: number;
  /** Records the broker acknowledged. */
  readonly onPublished?: (count: number) => void;
  /** Records of a failed send (`retrying`: still queued) or given up (`dropped`: the queue overflowed, or the daemon stopped). */
  readonly onFailed?: (count: number, outcome: 'retrying' | 'dropped') => void;
  readonly logger?: Logger;
}

interface Queued {
  key: string;
  value: Buffer;
}

export class DeadLetterPublisher {
  private readonly queue: Queued[] = [];
  private readonly logger: Logger;
  private readonly maxPending: number;
  private readonly batchSize: number;
  private readonly retryDelayMs: number;
  private producer: Producer | undefined;
  private connected = false;
  private sending: Promise<void> | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private failures = 0;
  private closed = false;

  constructor(private readonly options: DeadLetterPublisherOptions) {
    this.logger = (options.logger ?? silentLogger).child({ component: 'dead-letter-topic' });
    this.maxPending = options.maxPending ?? 10_000;
    this.batchSize = options.batchSize ?? 500;
    this.retryDelayMs = options.retryDelayMs ?? 1000;
  }

  get topic(): string {
    return this.options.topic;
  }

  /** Records queued and not yet acknowledged. */
  get pending(): number {
    return this.queue.length;
  }

  /** Queues the records of `letters` and returns at once: the send happens beside the caller. Never throws. */
  publish(letters: readonly DeadLetter[]): void {
    if (letters.length === 0) return;
    if (this.closed) {
      this.options.onFailed?.(letters.length, 'dropped');
      return;
    }
    for (const letter of letters)
      this.queue.push({ key: deadLetterKey(letter), value: Buffer.from(JSON.stringify(deadLetterRecord(letter))) });
    const over = this.queue.length - this.maxPending;
    if (over > 0) {
      this.queue.splice(0, over);
      this.options.onFailed?.(over, 'dropped');
      this.logger.warn(
        { topic: this.options.topic, dropped: over, maxPending: this.maxPending },
        'dead-letter topic: queue full, oldest records dropped (they stay in the dead-letter store)',
      );
    }
    this.kick();
  }

  /** Resolves true once every queued record is acknowledged, false if some are still queued after `timeoutMs`. */
  async flush(timeoutMs = 10_000): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (this.queue.length > 0 || this.sending !== undefined) {
      if (Date.now() >= deadline) return false;
      this.kick();
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    return true;
  }

  /** Sends what is queued (at most `timeoutMs`), drops and counts the rest, and disconnects. */
  async close(timeoutMs = 10_000): Promise<void> {
    if (this.closed) return;
    const flushed = await this.flush(timeoutMs);
    this.closed = true;
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    // A send still in flight after the timeout (kafkajs retrying a broker that does not answer) is not waited for:
    // the stop of the daemon must not hang on its side channel. Disconnecting ends it.
    if (!flushed && this.queue.length > 0) {
      this.options.onFailed?.(this.queue.length, 'dropped');
      this.logger.warn(
        { topic: this.options.topic, dropped: this.queue.length },
        'dead-letter topic: records not sent before the stop (they stay in the dead-letter store)',
      );
      this.queue.length = 0;
    }
    if (this.producer && this.connected)
      await this.producer
        .disconnect()
        .catch((error: unknown) => this.logger.warn({ err: error }, 'dead-letter topic: producer disconnect failed'));
  }

  private kick(): void {
    if (this.sending !== undefined || this.retryTimer !== undefined || this.queue.length === 0) return;
    this.sending = this.sendQueued().finally(() => {
      this.sending = undefined;
      if (!this.closed && this.retryTimer === undefined) this.kick();
    });
  }

  private async sendQueued(): Promise<void> {
    const part = this.queue.slice(0, this.batchSize);
    try {
      this.producer ??= createKafka(this.options, this.logger).producer({
        createPartitioner: Partitioners.DefaultPartitioner,
        allowAutoTopicCreation: false,
      });
      if (!this.connected) {
        await this.producer.connect();
        this.connected = true;
      }
      await this.producer.send({
        topic: this.options.topic,
        messages: part.map((q) => ({ key: q.key, value: q.value })),
        acks: -1,
        compression: CompressionTypes.None,
      });
    } catch (error) {
      this.failures++;
      const delay = Math.min(30_000, this.retryDelayMs * 2 ** Math.min(this.failures - 1, 5));
      this.options.onFailed?.(part.length, 'retrying');
      this.logger.warn(
        { err: error, topic: this.options.topic, records: part.length, retryInMs: delay },
        'dead-letter topic: send failed, retrying (ingest goes on; the records are in the dead-letter store)',
      );
      if (!this.closed) {
        this.retryTimer = setTimeout(() => {
          this.retryTimer = undefined;
          this.kick();
        }, delay);
        this.retryTimer.unref();
      }
      return;
    }
    this.failures = 0;
    // The queue only grows at its end or loses its oldest records to an overflow: drop what was sent, as far as it is still there.
    const sent = new Set(part);
    let n = 0;
    while (n < this.queue.length && sent.has(this.queue[n] as Queued)) n++;
    this.queue.splice(0, n);
    this.options.onPublished?.(part.length);
  }
}
