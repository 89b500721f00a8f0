import { randomUUID } from 'node:crypto';
import { silentLogger, VigilError } from '@vigil/core';
import type { RawMessage } from '../decode/raw-message';
import { createKafka, toRawMessage, type KafkaConnectionOptions } from './kafka-source';

export interface ReadSinceOptions extends KafkaConnectionOptions {
  readonly topic: string;
  /**
   * Broker timestamp (epoch milliseconds) to start from: each partition is read from its first message stamped at
   * or after it (Kafka's offsets-by-timestamp), to the end the partition had when the read began.
   */
  readonly sinceMs: number;
  /** Called with each fetched batch, one at a time; a rejection stops the read and is rethrown. */
  readonly onMessages: (messages: RawMessage[]) => void | Promise<void>;
}

export interface ReadSinceResult {
  /** Messages handed to `onMessages`. */
  readonly messages: number;
  /** Partitions that had messages to read. */
  readonly partitions: number;
}

/**
 * Reads a topic once, from a point in time to its current end, without touching any consumer group's offsets: the
 * logged traffic a reference profile is fitted from (`reference: { from, to }`). The read uses a consumer group of
 * its own (kafkajs has no group-less consumer), which commits nothing and is deleted afterwards.
 */
export async function readTopicSince(options: ReadSinceOptions): Promise<ReadSinceResult> {
  const logger = (options.logger ?? silentLogger).child({ component: 'read-since' });
  const kafka = createKafka(options, logger);
  const admin = kafka.admin();
  await admin.connect();
  const groupId = `vigil-read-since.${randomUUID()}`;
  try {
    const ends = await admin.fetchTopicOffsets(options.topic);
    const starts = await admin.fetchTopicOffsetsByTimestamp(options.topic, options.sinceMs);
    // Per partition, the offsets to read: [start, end). A timestamp after the last message gives -1 (nothing).
    const range = new Map<number, { start: bigint; end: bigint }>();
    for (const { partition, high } of ends) {
      const end = BigInt(high);
      const found = starts.find((s) => s.partition === partition);
      const start = found === undefined || BigInt(found.offset) < 0n ? end : BigInt(found.offset);
      if (start < end) range.set(partition, { start, end });
    }
    if (range.size === 0) return { messages: 0, partitions: 0 };
    const partitions = range.size;
    let messages = 0;

    const consumer = kafka.consumer({ groupId, allowAutoTopicCreation: false });
    await consumer.connect();
    try {
      await new Promise<void>((done, fail) => {
        const pending = new Set(range.keys());
        consumer.on(consumer.events.CRASH, ({ payload }) => fail(payload.error));
        const started = consumer.subscribe({ topic: options.topic, fromBeginning: true }).then(() =>
          consumer.run({
            autoCommit: false,
            eachBatch: async ({ batch, heartbeat }) => {
              const bounds = range.get(batch.partition);
              if (bounds === undefined || !pending.has(batch.partition)) return;
              const chunk: RawMessage[] = [];
              for (const m of batch.messages) {
                const offset = BigInt(m.offset);
                if (offset < bounds.start || offset >= bounds.end) continue;
                chunk.push(toRawMessage(batch, m));
              }
              if (chunk.length > 0) {
                try {
                  await options.onMessages(chunk);
                } catch (error) {
                  fail(error);
                  return;
                }
                messages += chunk.length;
              }
              await heartbeat();
              // lastOffset counts records the client filtered out (transaction markers), so a partition ends.
              if (BigInt(batch.lastOffset()) >= bounds.end - 1n) {
                pending.delete(batch.partition);
                if (pending.size === 0) done();
              }
            },
          }),
        );
        started.then(
          () => {
            for (const [partition, { start }] of range)
              consumer.seek({ topic: options.topic, partition, offset: start.toString() });
          },
          (error: unknown) => fail(error),
        );
      });
    } finally {
      await consumer
        .disconnect()
        .catch((error: unknown) => logger.warn({ err: error }, 'read-since consumer disconnect failed'));
    }
    await admin
      .deleteGroups([groupId])
      .catch((error: unknown) => logger.debug({ err: error, groupId }, 'could not delete the read-since group'));
    return { messages, partitions };
  } catch (error) {
    if (error instanceof VigilError) throw error;
    throw new VigilError(
      'VIGIL_KAFKA_UNAVAILABLE',
      `reading topic ${options.topic} since ${new Date(options.sinceMs).toISOString()} failed: ${(error as Error).message}`,
      {
        cause: error,
        retriable: true,
      },
    );
  } finally {
    await admin.disconnect().catch((error: unknown) => logger.warn({ err: error }, 'admin disconnect failed'));
  }
}
