import { createLogger, type LogFields } from '@vigil/core';
import { type DeadLetter, KafkaSource, PredictionBatchBuilder, type SourceBatch } from '@vigil/collector';
import { CompressionTypes, Kafka, logLevel } from 'kafkajs';
import { registerCompressionCodecs } from '../../src/kafka/codecs';
import { MODELS } from '../decode/decode-helpers';
import {
  CODEC_IDS,
  corruptStoredBatch,
  javaProduce,
  type KafkaCodec,
  kcatProduce,
  kcatValues,
  storedBatches,
  createTestTopic,
  delay,
  kafkaBrokers,
  uniqueName,
  within,
} from '@vigil/test-kit';

/*
 * Compressed topics through the real broker: batches that librdkafka (kcat), the Java client and kafkajs compressed
 * with each of Kafka's codecs, read by KafkaSource and decoded; and a batch that does not decompress.
 */

jest.setTimeout(120_000);

/** `n` prediction events (credit-risk and house-price, as MODELS knows them) with ids `prefix-i`. */
function eventLines(prefix: string, n: number): string[] {
  return Array.from({ length: n }, (_, i) =>
    JSON.stringify(
      i % 3 === 0
        ? {
            model: 'house-price',
            id: `${prefix}-${i}`,
            ts: 1_763_800_000_000 + i,
            features: { rooms: (i % 7) + 1, city: `c${i % 5}` },
            score: 100_000 + i,
          }
        : {
            model: 'credit-risk',
            version: '7',
            id: `${prefix}-${i}`,
            ts: 1_763_800_000_000 + i,
            features: { age: 20 + (i % 50), income: 1000 * (i % 90), region: i % 2 === 0 ? 'north' : 'south' },
            score: (i % 100) / 100,
            groups: { sex: i % 2 === 0 ? 'female' : 'male', age_band: '40-49' },
          },
    ),
  );
}

const idOf = (line: string): string => (JSON.parse(line) as { id: string }).id;

/** Consumes `topic` with a fresh group until `until()` holds after a batch; decodes each batch. */
async function consume(
  topic: string,
  until: (ids: string[]) => boolean,
  logs: LogFields[] = [],
  timeoutMs = 60_000,
  onConnection?: (state: 'joined' | 'lost') => void,
) {
  const builder = new PredictionBatchBuilder(MODELS);
  const ids: string[] = [];
  const deadLetters: DeadLetter[] = [];
  const seen = new Set<string>();
  let duplicates = 0;
  const logger = createLogger({ level: 'debug', write: (line) => logs.push(JSON.parse(line) as LogFields) });
  const source = new KafkaSource({
    brokers: kafkaBrokers(),
    groupId: uniqueName('compressed'),
    topics: [topic],
    retryInitialMs: 50,
    logger,
    onConnection,
  });
  let reached!: () => void;
  const done = new Promise<void>((r) => (reached = r));
  const running = source.run(async (batch: SourceBatch) => {
    for (const m of batch.messages) {
      const where = `${m.partition}:${m.offset}`;
      if (seen.has(where)) duplicates++;
      seen.add(where);
      builder.add(m);
    }
    const built = builder.build();
    for (const b of built.batches.values()) ids.push(...b.ids);
    deadLetters.push(...built.deadLetters);
    if (until(ids)) reached();
  });
  try {
    await within(timeoutMs, 'consuming', Promise.race([done, running]));
  } finally {
    await within(15_000, 'close()', source.close());
    await within(
      5_000,
      'run() after close()',
      running.catch(() => undefined),
    );
  }
  return { ids, deadLetters, duplicates };
}

describe('compressed topics through KafkaSource and the real broker', () => {
  const teardown: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const step of teardown.splice(0).reverse()) await step();
  });

  test('batches of kcat, the Java client and kafkajs in every codec, interleaved on 3 partitions: each event once, decoded', async () => {
    const { topic, drop } = await createTestTopic('compressed-mixed', 3);
    teardown.push(drop);
    const expected: string[] = [];
    const produced = (lines: string[]): string[] => {
      expected.push(...lines);
      return lines;
    };
    // Two rounds of every codec on every partition, so batches of different codecs alternate on each.
    for (const round of [1, 2]) {
      for (const codec of ['none', 'gzip', 'snappy', 'lz4', 'zstd'] as const) {
        for (const partition of [0, 1, 2])
          kcatProduce(topic, produced(eventLines(`kcat-${codec}-${round}-${partition}`, 150)), codec, { partition });
      }
    }
    // The Java client's sticky partitioner picks the partitions of these.
    for (const codec of ['gzip', 'snappy', 'lz4', 'zstd'] as const)
      javaProduce(topic, produced(eventLines(`java-${codec}`, 600)), codec);
    // kafkajs with the codecs registered here compresses Snappy and LZ4 (our compressors).
    registerCompressionCodecs();
    const producer = new Kafka({
      clientId: 'vigil-test',
      brokers: kafkaBrokers(),
      logLevel: logLevel.NOTHING,
    }).producer();
    await producer.connect();
    try {
      for (const [name, compression] of [
        ['snappy', CompressionTypes.Snappy],
        ['lz4', CompressionTypes.LZ4],
      ] as const) {
        const lines = produced(eventLines(`kafkajs-${name}`, 1000));
        await producer.send({ topic, compression, messages: lines.map((value, i) => ({ value, partition: i % 3 })) });
      }
    } finally {
      await producer.disconnect();
    }

    // What the topic holds: batches of each codec on each partition.
    for (const partition of [0, 1, 2]) {
      const codecs = new Set(storedBatches(topic, partition).map((b) => b.codec));
      expect([...codecs].sort()).toEqual(Object.values(CODEC_IDS).sort());
    }
    // librdkafka reads every batch, the ones our compressors wrote included.
    expect(kcatValues(topic).map(idOf).sort()).toEqual(expected.map(idOf).sort());

    const { ids, deadLetters, duplicates } = await consume(topic, (got) => got.length >= expected.length);
    expect(duplicates).toBe(0);
    expect(deadLetters).toEqual([]);
    expect(ids).toHaveLength(expected.length);
    expect(new Set(ids)).toEqual(new Set(expected.map(idOf)));
  });

  test.each(['lz4', 'snappy', 'zstd'] as const)(
    'a %s batch that does not decompress stalls the consumer with the codec’s error, never skipped; restored, it is read',
    async (codec: Extract<KafkaCodec, 'lz4' | 'snappy' | 'zstd'>) => {
      const { topic, drop } = await createTestTopic(`compressed-corrupt-${codec}`, 1);
      teardown.push(drop);
      const first = eventLines(`${codec}-a`, 300);
      const second = eventLines(`${codec}-b`, 300);
      const third = eventLines(`${codec}-c`, 300);
      kcatProduce(topic, first, codec, { partition: 0 });
      kcatProduce(topic, second, codec, { partition: 0 });
      kcatProduce(topic, third, codec, { partition: 0 });
      const batches = storedBatches(topic, 0);
      expect(batches.map((b) => [b.codec, b.records])).toEqual([
        [CODEC_IDS[codec], 300],
        [CODEC_IDS[codec], 300],
        [CODEC_IDS[codec], 300],
      ]);
      const corrupt = corruptStoredBatch(topic, 0, batches[1]!);
      let restored = false;
      teardown.push(() => {
        if (!restored) corrupt.restore();
      });

      const logs: LogFields[] = [];
      const name = { lz4: 'LZ4', snappy: 'Snappy', zstd: 'ZSTD' }[codec];
      const complaint = new RegExp(
        `kafka: a record batch compressed with ${name} \\(\\d+ bytes\\) does not decompress: .+`,
      );
      const mentions = (l: LogFields) => complaint.test(JSON.stringify(l));
      let leaked = false;
      const states: Array<{ state: 'joined' | 'lost'; restored: boolean }> = [];
      const result = consume(
        topic,
        (got) => {
          // Nothing at or past the corrupt batch may arrive while it is corrupt.
          if (!restored && got.some((id) => id.startsWith(`${codec}-b`) || id.startsWith(`${codec}-c`))) leaked = true;
          return got.length >= 900;
        },
        logs,
        90_000,
        (state) => states.push({ state, restored }),
      );
      // Each fetch that meets the batch fails with the codec's error; kafkajs retries, then restarts the consumer.
      const deadline = Date.now() + 60_000;
      while (!logs.some((l) => l.msg === 'kafka consumer crashed; it restarts' && mentions(l))) {
        if (Date.now() > deadline)
          throw new Error(
            `no restart with the codec's error; logs:\n${logs
              .map((l) => JSON.stringify(l))
              .join('\n')
              .slice(-6000)}`,
          );
        await delay(200);
      }
      expect(logs.filter((l) => l.msg === 'kafka consumer crashed and does not restart')).toEqual([]);
      console.log(
        `${codec}: what the source logged about the corrupt batch:\n${logs
          .filter((l) => l.level !== 'debug' && mentions(l))
          .slice(0, 3)
          .map((l) => JSON.stringify(l))
          .join('\n')}`,
      );

      expect(leaked).toBe(false);
      corrupt.restore();
      restored = true;
      const { ids, deadLetters, duplicates } = await result;
      // Ready (joined) at first, lost at the first crash, and not joined again until a fetch succeeds after the fix.
      const firstLost = states.findIndex((s) => s.state === 'lost');
      expect(firstLost).toBeGreaterThan(0);
      expect(states.slice(firstLost).filter((s) => s.state === 'joined' && !s.restored)).toEqual([]);
      expect(states.at(-1)).toEqual({ state: 'joined', restored: true });
      expect(duplicates).toBe(0);
      expect(deadLetters).toEqual([]);
      expect(ids.sort()).toEqual([...first, ...second, ...third].map(idOf).sort());
    },
  );
});
