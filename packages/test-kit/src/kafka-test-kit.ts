import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';

/*
 * Test-only use of kafkajs (admin: topics; a producer that picks each message's partition). The library code keeps kafkajs in src/kafka/ (kafka-source.ts,
 * produce-file.ts and codecs.ts).
 */

const ENV_FILE = resolve(__dirname, '../../../.cache/services/env');
const HOW_TO_START = 'start it with `bash scripts/services/install.sh && bash scripts/services/start.sh kafka`';

/** From the environment or the file scripts/services/start.sh writes; throws (never skips) when neither names it. */
export function serviceSetting(name: 'VIGIL_KAFKA_BROKERS' | 'VIGIL_DATABASE_URL'): string {
  const fromEnv = process.env[name];
  if (fromEnv) return fromEnv;
  if (existsSync(ENV_FILE)) {
    const line = readFileSync(ENV_FILE, 'utf8')
      .split('\n')
      .find((l) => l.startsWith(`${name}=`));
    if (line) return line.slice(name.length + 1).trim();
  }
  throw new Error(
    `${name} is not set and ${ENV_FILE} does not name it: these tests need the real service; ${HOW_TO_START}`,
  );
}

export function kafkaBrokers(): string[] {
  return serviceSetting('VIGIL_KAFKA_BROKERS')
    .split(',')
    .map((b) => b.trim())
    .filter((b) => b !== '');
}

export function uniqueName(label: string): string {
  return `vigil-test-${label}-${process.pid}-${randomBytes(4).toString('hex')}`;
}

/** Creates a uniquely named topic and returns it with its teardown; fails clearly when Kafka does not answer. */
export async function createTestTopic(
  label: string,
  partitions: number,
  config: Record<string, string> = {},
): Promise<{ topic: string; endOffsets(): Promise<Map<number, string>>; drop(): Promise<void> }> {
  const brokers = kafkaBrokers();
  const topic = uniqueName(label);
  const admin = new Kafka({
    clientId: 'vigil-test-admin',
    brokers,
    connectionTimeout: 2000,
    retry: { retries: 2 },
    logLevel: logLevel.NOTHING,
  }).admin();
  try {
    await admin.connect();
    await admin.createTopics({
      topics: [
        {
          topic,
          numPartitions: partitions,
          replicationFactor: 1,
          configEntries: Object.entries(config).map(([name, value]) => ({ name, value })),
        },
      ],
      waitForLeaders: true,
    });
  } catch (error) {
    await admin.disconnect().catch(() => undefined);
    throw new Error(`Kafka is not reachable at ${brokers.join(',')} (${(error as Error).message}); ${HOW_TO_START}`, {
      cause: error,
    });
  }
  let dropped = false;
  return {
    topic,
    async endOffsets() {
      const offsets = await admin.fetchTopicOffsets(topic);
      return new Map(offsets.map((o) => [o.partition, o.high]));
    },
    async drop() {
      if (dropped) return;
      dropped = true;
      try {
        await admin.deleteTopics({ topics: [topic] });
      } finally {
        await admin.disconnect();
      }
    },
  };
}

/** A temporary NDJSON file of `count` prediction events; every `badEvery`-th line (1-based) is not JSON. */
export function writeEventsFile(
  count: number,
  badEvery = 0,
): { path: string; ids: string[]; badLines: number; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-kafka-'));
  const path = join(dir, 'events.ndjson');
  const lines: string[] = [];
  const ids: string[] = [];
  let badLines = 0;
  for (let i = 0; i < count; i++) {
    if (badEvery > 0 && (i + 1) % badEvery === 0) {
      lines.push(`{"model": "credit-risk", "id": "bad-${i}", not json`);
      badLines++;
      continue;
    }
    const id = `e-${i}`;
    ids.push(id);
    lines.push(
      JSON.stringify(
        i % 3 === 0
          ? {
              model: 'house-price',
              id,
              ts: 1_763_800_000_000 + i,
              features: { rooms: (i % 7) + 1, city: `c${i % 5}` },
              score: 100_000 + i,
            }
          : {
              model: 'credit-risk',
              version: '7',
              id,
              ts: 1_763_800_000_000 + i,
              features: { age: 20 + (i % 50), income: 1000 * (i % 90), region: i % 2 === 0 ? 'north' : 'south' },
              score: (i % 100) / 100,
              groups: { sex: i % 2 === 0 ? 'female' : 'male', age_band: '40-49' },
            },
      ),
    );
  }
  writeFileSync(path, `${lines.join('\n')}\n`);
  return { path, ids, badLines, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Rejects when `promise` does not settle within `ms`: shutdown regressions show as hung promises. */
export async function within<T>(ms: number, what: string, promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not settle within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export const delay = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Produces `messages` (JSON) each to the partition it names, unkeyed, as a producer with a random or round-robin
 * partitioner does (`kcat -X partitioner=random`, the Java client's RoundRobinPartitioner): one model's events
 * end up spread over the topic's partitions.
 */
export async function produceToPartitions(
  topic: string,
  messages: ReadonlyArray<{ partition: number; value: unknown }>,
): Promise<void> {
  const producer = new Kafka({
    clientId: 'vigil-test-producer',
    brokers: kafkaBrokers(),
    connectionTimeout: 2000,
    logLevel: logLevel.NOTHING,
  }).producer();
  await producer.connect();
  try {
    for (let i = 0; i < messages.length; i += 500) {
      await producer.send({
        topic,
        acks: -1,
        messages: messages.slice(i, i + 500).map((m) => ({ partition: m.partition, value: JSON.stringify(m.value) })),
      });
    }
  } finally {
    await producer.disconnect();
  }
}
