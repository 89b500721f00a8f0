import { createTestTopic, kafkaBrokers, writeEventsFile, kcatValues, storedBatches, uniqueName } from '@vigil/test-kit';
import { readFileSync } from 'node:fs';
import { runCli } from './run-cli';

const replay = (args: string[], env: Record<string, string | undefined>) =>
  runCli(['replay', ...args], process.cwd(), env);

describe('vigil replay against the real broker', () => {
  it('produces every line of the file to the topic, keyed by model', async () => {
    const topic = await createTestTopic('replay', 3);
    const file = writeEventsFile(300, 50);
    try {
      const r = await replay([file.path, '--topic', topic.topic], { VIGIL_KAFKA_BROKERS: kafkaBrokers().join(',') });
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(
        /^Produced 300 events to .* \(6 without a model key: they will be dead-lettered unless fixed\)/,
      );
      const ends = await topic.endOffsets();
      expect([...ends.values()].reduce((s, o) => s + Number(o), 0)).toBe(300);
    } finally {
      file.remove();
      await topic.drop();
    }
  }, 60_000);

  it.each([
    ['gzip', 1],
    ['snappy', 2],
    ['lz4', 3],
  ] as const)(
    'compresses the record batches with --compression %s, and every event reads back',
    async (codec, id) => {
      const topic = await createTestTopic(`replay-${codec}`, 1);
      const file = writeEventsFile(300, 0);
      try {
        const r = await replay([file.path, '--topic', topic.topic, '--compression', codec], {
          VIGIL_KAFKA_BROKERS: kafkaBrokers().join(','),
        });
        expect(r).toMatchObject({ code: 0, stderr: '' });
        // As the broker stored them (Kafka's codec ids: 1 gzip, 2 snappy, 3 lz4), and as librdkafka reads them.
        const batches = storedBatches(topic.topic, 0);
        expect(batches.length).toBeGreaterThan(0);
        expect(new Set(batches.map((b) => b.codec))).toEqual(new Set([id]));
        expect(kcatValues(topic.topic).sort()).toEqual(
          readFileSync(file.path, 'utf8').split('\n').filter(Boolean).sort(),
        );
      } finally {
        file.remove();
        await topic.drop();
      }
    },
    60_000,
  );

  it('refuses a topic that does not exist at once, with the command that creates it, and does not create it', async () => {
    const topic = uniqueName('replay-missing');
    const brokers = kafkaBrokers();
    const file = writeEventsFile(20, 0);
    try {
      // Twice: had the first check created the topic (the test broker auto-creates topics named in a metadata
      // request), the second replay would succeed.
      for (let i = 0; i < 2; i++) {
        const r = await replay([file.path, '--topic', topic], { VIGIL_KAFKA_BROKERS: brokers.join(',') });
        expect(r.stdout).toBe('');
        expect(r.stderr).toBe(
          `error [VIGIL_KAFKA_TOPIC_MISSING]: replay: topic ${topic} does not exist at ${brokers.join(', ')}, and Vigil does not create topics; create it first: kafka-topics.sh --create --topic ${topic} --partitions N --bootstrap-server ${brokers[0]} (docs/streaming.md, "Creating the topics")\n`,
        );
        expect(r.code).toBe(2);
      }
    } finally {
      file.remove();
    }
  }, 60_000);

  it('refuses to run without brokers, with a bad rate or a codec it cannot write, saying why', async () => {
    const r = await replay(['events.ndjson', '--rate', 'fast', '--compression', 'zstd'], {});
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /--rate "fast" must be a positive number.*; --compression "zstd" is not one of none, gzip, snappy, lz4 \(Vigil reads zstd topics but cannot write them\); no Kafka brokers: pass --brokers/,
    );
  });
});
