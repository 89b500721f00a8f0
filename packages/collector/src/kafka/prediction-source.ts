import type { RawMessage } from '../decode/raw-message';

/**
 * The messages of one partition that a source hands over at once: `firstOffset ≤ offset < nextOffset` for every
 * message (offsets as decimal strings, Kafka's are 64-bit). After the handler resolves, the source considers the
 * range consumed; the store's offsets (written by the handler in the same transaction as the batch's effects) are
 * what a restart seeks to.
 */
export interface SourceBatch {
  readonly topic: string;
  readonly partition: number;
  readonly messages: readonly RawMessage[];
  readonly firstOffset: string;
  readonly nextOffset: string;
  /** The partition's end offset when the batch was fetched, if the source knows it: lag = highWatermark − nextOffset. */
  readonly highWatermark?: string;
  /**
   * How many partitions the batch's topic has, if the source knows it: a model's windows wait for the partitions
   * that have not carried its events yet, for a while (docs/streaming.md, "The watermark").
   */
  readonly topicPartitions?: number;
}

/**
 * What a handler returns when downstream is full: the source pauses the batch's partition until `resumeWhen`
 * settles (either way), then fetches again. The batch itself counts as handled.
 */
export interface Backpressure {
  readonly resumeWhen: Promise<unknown>;
}

/**
 * Handles one batch. It may be called again with the same messages (after a failure, a rebalance or a restart),
 * so it must be idempotent; the store's `batches.apply` makes it so. A rejection is retried with backoff, never
 * skipped.
 */
export type BatchHandler = (batch: SourceBatch) => Promise<void | Backpressure>;

/** Where to resume each partition: partition → the next offset to consume. Partitions absent start at the source's default. */
export type OffsetsFor = (topic: string, partitions: readonly number[]) => Promise<Map<number, string>>;

export type SourceState = 'created' | 'running' | 'draining' | 'stopped' | 'failed';

/** A stream of prediction (or label) messages in batches; the collector sees this, never a Kafka client. */
export interface PredictionSource {
  readonly state: SourceState;
  /** Connects, consumes and hands every batch to `handler`; resolves once `close()` has stopped it, rejects if it fails. */
  run(handler: BatchHandler): Promise<void>;
  /** Stops intake, waits for the batch in flight (bounded), disconnects. Idempotent. */
  close(): Promise<void>;
}

/**
 * Sources run side by side, their batches handed to one handler: a daemon's Kafka consumers (`kafka.consumers`),
 * each a member of the consumer group with its own fetch loop (docs/streaming.md, "Consumers"). kafkajs fetches a
 * consumer's next round of batches only once every batch of its last round is handled, so with one consumer the
 * daemon sat idle at the end of each round while its last transactions ran in Postgres; with two, the other
 * consumer's batches are decoded meanwhile. `run` resolves once every source has stopped; when one fails, the others
 * are closed and its error is the rejection.
 */
export class ParallelSource implements PredictionSource {
  private readonly sources: readonly PredictionSource[];

  constructor(sources: readonly PredictionSource[]) {
    if (sources.length === 0) throw new Error('ParallelSource: expected at least one source');
    this.sources = sources;
  }

  /** The first failed source's state, else the least advanced one's (created, running, draining, stopped). */
  get state(): SourceState {
    const states = this.sources.map((s) => s.state);
    if (states.includes('failed')) return 'failed';
    return (['created', 'running', 'draining', 'stopped'] as const).find((s) => states.includes(s)) ?? 'stopped';
  }

  async run(handler: BatchHandler): Promise<void> {
    const runs = this.sources.map((s) => s.run(handler));
    try {
      await Promise.all(runs);
    } catch (error) {
      await this.close();
      await Promise.allSettled(runs);
      throw error;
    }
  }

  async close(): Promise<void> {
    await Promise.all(this.sources.map((s) => s.close()));
  }
}
