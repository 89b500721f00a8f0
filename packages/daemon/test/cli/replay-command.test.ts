import { createTestTopic, kafkaBrokers, writeEventsFile } from '../../../collector/test/kafka/kafka-test-kit';
import { runCli } from './run-cli';

const replay = (args: string[], env: Record<string, string | undefined>) => runCli(['replay', ...args], process.cwd(), env);

describe('vigil replay against the real broker', () => {
  it('produces every line of the file to the topic, keyed by model', async () => {
    const topic = await createTestTopic('replay', 3);
    const file = writeEventsFile(300, 50);
    try {
      const r = await replay([file.path, '--topic', topic.topic], { VIGIL_KAFKA_BROKERS: kafkaBrokers().join(',') });
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/^Produced 300 events to .* \(6 without a model key: they will be dead-lettered unless fixed\)/);
      const ends = await topic.endOffsets();
      expect([...ends.values()].reduce((s, o) => s + Number(o), 0)).toBe(300);
    } finally {
      file.remove();
      await topic.drop();
    }
  }, 60_000);

  it('refuses to run without brokers or with a bad rate, saying why', async () => {
    const r = await replay(['events.ndjson', '--rate', 'fast'], {});
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--rate "fast" must be a positive number.*; no Kafka brokers: pass --brokers/);
  });
});
