import { randomBytes } from 'node:crypto';
import { PredictionBatchBuilder, type DeadLetter } from '@vigil/collector';
import { createPostgresClient, createStore } from '@vigil/store';
import {
  KafkaSource,
  produceFile,
  type BatchHandler,
  type KafkaSourceOptions,
  type SourceBatch,
} from '@vigil/collector';
import { createLogger } from '@vigil/core';
import { MODELS } from '../decode/decode-helpers';
import {
  createTestTopic,
  delay,
  kafkaBrokers,
  serviceSetting,
  uniqueName,
  within,
  writeEventsFile,
} from '@vigil/test-kit';

/** Runs `source` until `until()` holds after a batch, then closes it (bounded). */
async function consumeUntil(
  source: KafkaSource,
  handler: BatchHandler,
  until: () => boolean,
  timeoutMs = 45_000,
): Promise<void> {
  let reached!: () => void;
  const done = new Promise<void>((r) => (reached = r));
  const running = source.run(async (batch) => {
    const result = await handler(batch);
    if (until()) reached();
    return result;
  });
  try {
    await within(timeoutMs, 'consuming', Promise.race([done, running]));
  } finally {
    await within(15_000, 'close()', source.close());
    await within(5_000, 'run() after close()', running);
  }
}

function sourceOptions(topic: string, extra: Partial<KafkaSourceOptions> = {}): KafkaSourceOptions {
  return { brokers: kafkaBrokers(), groupId: uniqueName('group'), topics: [topic], retryInitialMs: 50, ...extra };
}

describe('KafkaSource against the real broker', () => {
  const teardown: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const step of teardown.splice(0).reverse()) await step();
  });

  test('5,000 produced events arrive exactly once each, as batch rows or dead letters', async () => {
    const { topic, drop } = await createTestTopic('exactly-once', 3);
    teardown.push(drop);
    const file = writeEventsFile(5000, 97);
    teardown.push(file.remove);

    const produced = await produceFile(file.path, { brokers: kafkaBrokers(), topic, keyField: 'model' });
    expect(produced).toEqual(expect.objectContaining({ produced: 5000, unkeyed: file.badLines, blankLines: 0 }));

    const builder = new PredictionBatchBuilder(MODELS);
    const ids: string[] = [];
    const deadLetters: DeadLetter[] = [];
    const seen = new Set<string>();
    let messages = 0;
    const started = Date.now();
    await consumeUntil(
      new KafkaSource(sourceOptions(topic)),
      async (batch) => {
        for (const m of batch.messages) {
          const where = `${m.partition}:${m.offset}`;
          expect(seen.has(where)).toBe(false);
          seen.add(where);
          builder.add(m);
        }
        messages += batch.messages.length;
        expect(batch.firstOffset).toBe(batch.messages[0]!.offset);
        // Read from the brokers at the assignment: a model's watermark waits for the partitions not seen yet.
        expect(batch.topicPartitions).toBe(3);
        expect(BigInt(batch.nextOffset)).toBe(BigInt(batch.messages.at(-1)!.offset) + 1n);
        const built = builder.build();
        for (const b of built.batches.values()) ids.push(...b.ids);
        deadLetters.push(...built.deadLetters);
      },
      () => messages >= 5000,
    );
    const seconds = (Date.now() - started) / 1000;
    console.log(
      `consumed ${messages} messages in ${seconds.toFixed(2)} s (${Math.round(messages / seconds)} msg/s incl. group join)`,
    );

    expect(messages).toBe(5000);
    expect(ids).toHaveLength(file.ids.length);
    expect(new Set(ids)).toEqual(new Set(file.ids));
    expect(deadLetters).toHaveLength(file.badLines);
    expect(deadLetters.every((d) => d.code === 'VIGIL_DECODE_INVALID_JSON' && d.topic === topic)).toBe(true);
  });

  test('seeks each assigned partition to the offset offsetsFor gives: only the last 2,000 of 5,000 arrive', async () => {
    const { topic, drop } = await createTestTopic('seek', 1);
    teardown.push(drop);
    const file = writeEventsFile(5000);
    teardown.push(file.remove);
    await produceFile(file.path, { brokers: kafkaBrokers(), topic, keyField: 'model' });

    const asked: Array<[string, readonly number[]]> = [];
    const offsets: string[] = [];
    await consumeUntil(
      new KafkaSource(
        sourceOptions(topic, {
          offsetsFor: async (t, partitions) => {
            asked.push([t, partitions]);
            return new Map([[0, '3000']]);
          },
        }),
      ),
      async (batch) => {
        offsets.push(...batch.messages.map((m) => m.offset));
      },
      () => offsets.length >= 2000,
    );
    expect(asked).toEqual([[topic, [0]]]);
    expect(offsets).toHaveLength(2000);
    expect(offsets[0]).toBe('3000');
    expect(offsets.at(-1)).toBe('4999');
    expect(new Set(offsets).size).toBe(2000);
  });

  test('a failing handler is retried with backoff, never skipped; a full downstream pauses the partition', async () => {
    const { topic, drop } = await createTestTopic('retry', 1);
    teardown.push(drop);
    const file = writeEventsFile(1000);
    teardown.push(file.remove);
    // Small produce requests make small record batches, so the consumer gets many batches.
    await produceFile(file.path, { brokers: kafkaBrokers(), topic, keyField: 'model', batchSize: 50 });

    let failures = 0;
    let pausedAt = 0;
    let resumedAt = 0;
    let firstAfterPause = 0;
    const handled = new Map<string, number>();
    const calls: SourceBatch[] = [];
    await consumeUntil(
      new KafkaSource(sourceOptions(topic, { maxBytesPerPartition: 16_384 })),
      async (batch) => {
        calls.push(batch);
        if (pausedAt > 0 && firstAfterPause === 0) firstAfterPause = Date.now();
        if (calls.length <= 3) {
          failures++;
          throw new Error('downstream unavailable');
        }
        for (const m of batch.messages) handled.set(m.offset, (handled.get(m.offset) ?? 0) + 1);
        if (calls.length === 5) {
          pausedAt = Date.now();
          return { resumeWhen: delay(500).then(() => (resumedAt = Date.now())) };
        }
      },
      () => handled.size >= 1000,
    );
    expect(failures).toBe(3);
    // The same batch again after each failure.
    expect(calls[1]!.firstOffset).toBe(calls[0]!.firstOffset);
    expect(calls[3]!.firstOffset).toBe(calls[0]!.firstOffset);
    expect(calls[0]!.firstOffset).toBe('0');
    expect(resumedAt - pausedAt).toBeGreaterThanOrEqual(490);
    // Nothing more of the partition was handed over while downstream was full.
    expect(firstAfterPause).toBeGreaterThanOrEqual(resumedAt);
    expect(handled.size).toBe(1000);
    expect([...handled.values()].every((n) => n === 1)).toBe(true);
  });

  test('close() while a batch is in flight resolves within a bounded time, and run() with it', async () => {
    const { topic, drop } = await createTestTopic('close', 1);
    teardown.push(drop);
    const file = writeEventsFile(2000);
    teardown.push(file.remove);
    await produceFile(file.path, { brokers: kafkaBrokers(), topic, keyField: 'model' });

    const source = new KafkaSource(sourceOptions(topic, { maxBytesPerPartition: 16_384 }));
    let inHandler!: () => void;
    const entered = new Promise<void>((r) => (inHandler = r));
    let batches = 0;
    const running = source.run(async () => {
      batches++;
      inHandler();
      await delay(300);
    });
    await within(30_000, 'the first batch', entered);
    expect(source.state).toBe('running');
    const started = Date.now();
    await within(10_000, 'close()', source.close());
    // A bound for a hang, not a timing: a loaded CI machine may take seconds to run the settled promise's callbacks.
    await within(10_000, 'run()', running);
    const closeMs = Date.now() - started;
    console.log(`close() with a batch in flight took ${closeMs} ms`);
    expect(source.state).toBe('stopped');
    const after = batches;
    await delay(500);
    expect(batches).toBe(after);
    // Idempotent.
    await within(1_000, 'second close()', source.close());
  });

  test('close() right after run() lets the group join settle: no error logged, nothing after "stopped"', async () => {
    // As `vigil run` does on a SIGTERM at start-up: kafkajs was disconnected under its group join, which then failed
    // on the closed socket ("Connection error: write after end" logged as an error), retried, and restarted the
    // consumer after "stopped".
    const { topic, drop } = await createTestTopic('close-at-start', 3);
    teardown.push(drop);
    for (const wait of [0, 50]) {
      const lines: Array<{ level: string; msg: string }> = [];
      const logger = createLogger({ level: 'info', write: (line) => lines.push(JSON.parse(line)) });
      const source = new KafkaSource(sourceOptions(topic, { logger }));
      const running = source.run(async () => undefined);
      await delay(wait);
      await within(15_000, 'close()', source.close());
      await within(5_000, 'run()', running);
      expect(source.state).toBe('stopped');
      await delay(1500);
      expect(lines.filter((l) => l.level === 'error' || l.level === 'warn')).toEqual([]);
      expect(lines.at(-1)?.msg).toBe('stopped');
    }
  });

  test('close() during handler retries does not wait for the backoff', async () => {
    const { topic, drop } = await createTestTopic('close-retry', 1);
    teardown.push(drop);
    const file = writeEventsFile(10);
    teardown.push(file.remove);
    await produceFile(file.path, { brokers: kafkaBrokers(), topic, keyField: 'model' });

    const source = new KafkaSource(sourceOptions(topic, { retryInitialMs: 60_000 }));
    let failed!: () => void;
    const firstFailure = new Promise<void>((r) => (failed = r));
    const running = source.run(async () => {
      failed();
      throw new Error('always down');
    });
    await within(30_000, 'the first failure', firstFailure);
    await within(10_000, 'close()', source.close());
    // The backoff is 60 s: a run() still waiting for it would not settle within this bound.
    await within(10_000, 'run()', running);
  });

  test('a broker that does not answer makes run() reject with the cause', async () => {
    const source = new KafkaSource({
      brokers: ['127.0.0.1:1'],
      groupId: uniqueName('group'),
      topics: ['nothing'],
      requestRetries: 0,
      connectionTimeoutMs: 500,
    });
    const error = await within(
      20_000,
      'run()',
      source.run(async () => undefined),
    ).catch((e: unknown) => e);
    // One Vigil error naming Kafka and the socket's cause; worth retrying (the broker may come up), unlike a refused password.
    expect(error).toMatchObject({ code: 'VIGIL_KAFKA_UNAVAILABLE', retriable: true });
    expect((error as Error).message).toMatch(/^cannot consume from Kafka at 127\.0\.0\.1:1: .*(connect|ECONNREFUSED)/i);
    await within(5_000, 'close()', source.close());
  });

  test('a batch carries up to maxBytesPerPartition of its partition: 4 MiB by default, 64 KiB when asked', async () => {
    // One partition's fetch is one batch, one transaction: larger fetches make fewer bucket deltas an event
    // (docs/benchmarks.md). 40,000 events of ~150 B, produced in record batches of 100, are ~6 MiB on one partition.
    const { topic, drop } = await createTestTopic('fetch-size', 1);
    teardown.push(drop);
    const file = writeEventsFile(40_000);
    teardown.push(file.remove);
    await produceFile(file.path, { brokers: kafkaBrokers(), topic, keyField: 'model', batchSize: 100 });

    const batchBytes = async (extra: Partial<KafkaSourceOptions>): Promise<number[]> => {
      const sizes: number[] = [];
      let messages = 0;
      await consumeUntil(
        new KafkaSource(sourceOptions(topic, extra)),
        async (batch) => {
          sizes.push(batch.messages.reduce((sum, m) => sum + (m.value?.length ?? 0), 0));
          messages += batch.messages.length;
        },
        () => messages >= 40_000,
      );
      expect(messages).toBe(40_000);
      return sizes;
    };
    const byDefault = await batchBytes({});
    // kafkajs's own default (1 MiB) would never hand over more than 1 MiB of values in one batch, the 2 MiB before
    // never more than 2 MiB.
    expect(Math.max(...byDefault)).toBeGreaterThan(2 * 2 ** 20);
    expect(Math.max(...byDefault)).toBeLessThanOrEqual(4 * 2 ** 20);
    const small = await batchBytes({ maxBytesPerPartition: 64 * 1024 });
    expect(small.length).toBeGreaterThan(byDefault.length);
    // The broker sends whole record batches (~15 KiB here), so a fetch may pass the bound by one of them.
    expect(Math.max(...small)).toBeLessThan(128 * 1024);
  });

  test('refuses bad options, every problem together', () => {
    expect(() => new KafkaSource({ brokers: ['localhost'], groupId: ' ', topics: [] })).toThrow(
      /brokers: "localhost".*groupId.*topics|groupId.*topics/,
    );
    expect(
      () => new KafkaSource({ brokers: ['localhost:9092'], groupId: 'g', topics: ['t'], maxBytesPerPartition: 0 }),
    ).toThrow(/maxBytesPerPartition: expected a positive integer, got 0/);
  });
});

describe('KafkaSource with the real store: exactly once across a restart', () => {
  const teardown: Array<() => Promise<void> | void> = [];
  afterAll(async () => {
    for (const step of teardown.splice(0).reverse()) await step();
  });

  test('closed and restarted mid-stream, the stored offsets end at the topic end and no batch is applied twice', async () => {
    const url = serviceSetting('VIGIL_DATABASE_URL');
    const schema = `vigil_test_kafka_${process.pid}_${randomBytes(4).toString('hex')}`;
    const store = await createStore({ url, schema }).catch((error: unknown) => {
      throw new Error(
        `PostgreSQL is not reachable (${(error as Error).message}); start it with \`bash scripts/services/start.sh postgres\``,
        { cause: error },
      );
    });
    teardown.push(async () => {
      await store.close();
      const admin = createPostgresClient({ url });
      try {
        await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      } finally {
        await admin.close();
      }
    });
    const { topic, endOffsets, drop } = await createTestTopic('store', 3);
    teardown.push(drop);
    const file = writeEventsFile(5000, 50);
    teardown.push(file.remove);
    await produceFile(file.path, { brokers: kafkaBrokers(), topic, keyField: 'model', batchSize: 100 });
    const ends = await endOffsets();

    const groupId = uniqueName('group');
    const offsetsFor = async (t: string): Promise<Map<number, string>> =>
      new Map((await store.offsets.load(groupId, t)).map((o) => [o.partition, o.nextOffset]));
    const builder = new PredictionBatchBuilder(MODELS);
    const applied: Array<{ partition: number; first: bigint; next: bigint; run: number }> = [];
    let skipped = 0;
    let appliedMessages = 0;
    const handlerFor =
      (run: number): BatchHandler =>
      async (batch) => {
        for (const m of batch.messages) builder.add(m);
        const built = builder.build();
        const result = await store.batches.apply(
          {
            groupId,
            offsets: [
              {
                topic: batch.topic,
                partition: batch.partition,
                firstOffset: batch.firstOffset,
                nextOffset: batch.nextOffset,
              },
            ],
            buckets: [],
            deadLetters: built.deadLetters.map((d) => ({
              topic: d.topic,
              partition: d.partition,
              offset: d.offset,
              code: d.code,
              reason: d.reason,
              raw: d.raw,
            })),
          },
          (stored) => stored,
        );
        if (!result.applied) {
          skipped++;
          return;
        }
        applied.push({
          partition: batch.partition,
          first: BigInt(batch.firstOffset),
          next: BigInt(batch.nextOffset),
          run,
        });
        appliedMessages += batch.messages.length;
      };

    // First run: stopped once 2,000 events are stored, with later batches possibly fetched and in flight.
    await consumeUntil(
      new KafkaSource(sourceOptions(topic, { groupId, offsetsFor, maxBytesPerPartition: 16_384 })),
      handlerFor(1),
      () => appliedMessages >= 2000,
    );
    const afterFirst = appliedMessages;
    expect(afterFirst).toBeGreaterThanOrEqual(2000);
    expect(afterFirst).toBeLessThan(5000);

    // Second run, same group: resumes from the stored offsets.
    await consumeUntil(
      new KafkaSource(sourceOptions(topic, { groupId, offsetsFor, maxBytesPerPartition: 16_384 })),
      handlerFor(2),
      () => appliedMessages >= 5000,
    );

    expect(appliedMessages).toBe(5000);
    const stored = new Map((await store.offsets.load(groupId, topic)).map((o) => [o.partition, o.nextOffset]));
    expect(stored).toEqual(new Map([...ends].filter(([, end]) => end !== '0')));
    // Per partition, the applied ranges tile [0, end) with no overlap and no gap.
    for (const [partition, end] of ends) {
      const ranges = applied.filter((a) => a.partition === partition).sort((a, b) => (a.first < b.first ? -1 : 1));
      let next = 0n;
      for (const r of ranges) {
        expect(r.first).toBe(next);
        next = r.next;
      }
      expect(next).toBe(BigInt(end));
    }
    expect(applied.some((a) => a.run === 2)).toBe(true);

    // A third run that ignores the stored offsets reads everything again: the store refuses every batch.
    let reread = 0;
    const third = handlerFor(3);
    await consumeUntil(
      new KafkaSource(sourceOptions(topic, { maxBytesPerPartition: 16_384 })),
      async (batch) => {
        await third(batch);
        reread += batch.messages.length;
      },
      () => reread >= 5000,
    );
    expect(reread).toBe(5000);
    expect(appliedMessages).toBe(5000);
    expect(skipped).toBeGreaterThan(0);
    console.log(
      `store e2e: ${afterFirst} events applied before the restart, ${appliedMessages - afterFirst} after, in ${applied.length} batches; ` +
        `a re-read of all ${reread} from offset 0 was refused by the store in ${skipped} batches`,
    );
    const deadLetters = await store.deadLetters.list({ limit: 1000 });
    expect(deadLetters.filter((d) => d.topic === topic)).toHaveLength(file.badLines);
  });
});
