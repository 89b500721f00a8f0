/**
 * `vigil run` and its topics against the real broker: a configured topic that does not exist is refused at start
 * (VIGIL_KAFKA_TOPIC_MISSING, exit code 2, every missing topic with the key that names it), as `vigil replay` does,
 * and never created; a topic deleted while consumed stops the daemon with the same code, naming it.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestTopic, kafkaBrokers, uniqueName } from '@vigil/test-kit';
import { exited, httpPort, openHarness, waitFor } from '@vigil/test-kit/daemon-harness';
import { runCli } from '../cli/run-cli';

jest.setTimeout(180_000);

describe('vigil run and its topics', () => {
  it('refuses to start when configured topics do not exist, naming each with its key, and creates none', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'vigil-run-topics-'));
    const predictions = await createTestTopic('run-topics-pred', 1);
    const [labels, control] = [uniqueName('missing-labels'), uniqueName('missing-control')];
    const brokers = kafkaBrokers();
    try {
      writeFileSync(
        join(cwd, 'vigil.yaml'),
        `kafka: { brokers: [${brokers.join(', ')}], groupId: ${uniqueName('topics')}, topics: { predictions: ${predictions.topic}, labels: ${labels}, control: ${control} } }
http: { port: 0 }
models:
  - { id: m, task: binary, owner: { name: t, webhook: "http://127.0.0.1:9/h" }, features: { x: numeric } }
`,
      );
      const create = (topic: string) =>
        `kafka-topics.sh --create --topic ${topic} --partitions N --bootstrap-server ${brokers[0]}`;
      // Twice: had the first look-up created the topics (the test broker auto-creates topics a metadata request
      // names), the second would start.
      for (let i = 0; i < 2; i++) {
        const run = await runCli(['run', '-c', 'vigil.yaml', '--log-level', 'silent'], cwd);
        expect(run).toEqual({
          code: 2,
          stdout: '',
          stderr: `error [VIGIL_KAFKA_TOPIC_MISSING]: vigil run: topics ${labels} (kafka.topics.labels), ${control} (kafka.topics.control) do not exist at ${brokers.join(', ')}, and Vigil does not create topics; create them first: ${create(labels)}; ${create(control)} (docs/streaming.md, "Creating the topics")\n`,
        });
      }
    } finally {
      await predictions.drop();
      rmSync(cwd, { recursive: true, force: true });
    }
  });

  it('stops with VIGIL_KAFKA_TOPIC_MISSING, exit code 2, naming the topic and its key, when a consumed topic is deleted', async () => {
    const h = await openHarness('run-topic-deleted');
    try {
      const daemon = h.start();
      const port = await httpPort(daemon);
      await waitFor(
        'the consumer to join',
        async () => (await fetch(`http://127.0.0.1:${port}/readyz`)).status === 200,
        [daemon],
        60_000,
      );
      await h.deleteTopic('predictions');
      // kafkajs retries, then restarts the consumer (12 s or so); the source then looks the topics up.
      expect(await exited(daemon)).toBe(2);
      const lines = daemon.output().trim().split('\n');
      expect(lines.at(-1)).toBe(
        `error [VIGIL_KAFKA_TOPIC_MISSING]: vigil run: topic ${h.predictions} (kafka.topics.predictions) was deleted while consumed (not at ${kafkaBrokers().join(', ')} any more); stopped. Vigil does not create topics, and the offsets it stored are those of the deleted topic: create the new one under another name and configure it (a topic created again under the same name would be read from those offsets) (docs/streaming.md, "Failures")`,
      );
      expect(daemon.output()).not.toMatch(/error \[VIGIL_KAFKA_UNAVAILABLE\]/);
    } finally {
      await h.cleanup();
    }
  });
});
