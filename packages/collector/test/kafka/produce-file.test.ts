import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { KafkaSource, produceFile, type RawMessage } from '@vigil/collector';
import { createTestTopic, kafkaBrokers, uniqueName, within, writeEventsFile } from '@vigil/test-kit';

async function readAll(topic: string, count: number): Promise<RawMessage[]> {
  const source = new KafkaSource({ brokers: kafkaBrokers(), groupId: uniqueName('group'), topics: [topic] });
  const messages: RawMessage[] = [];
  let reached!: () => void;
  const done = new Promise<void>((r) => (reached = r));
  const running = source.run(async (batch) => {
    messages.push(...batch.messages);
    if (messages.length >= count) reached();
  });
  try {
    await within(30_000, 'reading the topic back', Promise.race([done, running]));
  } finally {
    await within(15_000, 'close()', source.close());
  }
  return messages;
}

function modelOf(text: string): unknown {
  try {
    return (JSON.parse(text) as { model?: unknown } | null)?.model;
  } catch {
    return null;
  }
}

describe('produceFile against the real broker', () => {
  const teardown: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const step of teardown.splice(0).reverse()) await step();
  });

  test('produces every non-blank line as it is, keyed by the model; bad lines keyed null', async () => {
    const { topic, drop } = await createTestTopic('produce', 1);
    teardown.push(drop);
    const file = writeEventsFile(30, 10);
    teardown.push(file.remove);
    // Blank lines and a JSON value that is not an object.
    writeFileSync(file.path, `\n${readFileSync(file.path, 'utf8')}\n  \n[1,2]\n{"model": 7, "id": "x"}\n`);
    const lines = readFileSync(file.path, 'utf8')
      .split('\n')
      .filter((l: string) => l.trim() !== '');

    const result = await produceFile(file.path, { brokers: kafkaBrokers(), topic, keyField: 'model' });
    expect(result).toEqual(expect.objectContaining({ produced: 32, unkeyed: file.badLines + 2, blankLines: 3 }));

    const messages = await readAll(topic, 32);
    expect(messages.map((m) => m.value!.toString())).toEqual(lines);
    for (const m of messages) {
      const text = m.value!.toString();
      const model = modelOf(text);
      expect(m.key === null ? null : m.key.toString()).toBe(typeof model === 'string' ? model : null);
    }
  });

  test('keeps to the rate: 60 events at 100/s take about 0.6 s', async () => {
    const { topic, drop } = await createTestTopic('rate', 1);
    teardown.push(drop);
    const file = writeEventsFile(60);
    teardown.push(file.remove);
    const result = await produceFile(file.path, { brokers: kafkaBrokers(), topic, keyField: 'model', rate: 100 });
    expect(result.produced).toBe(60);
    expect(result.durationMs).toBeGreaterThanOrEqual(550);
    expect(result.durationMs).toBeLessThan(5000);
  });

  test('a missing file and bad options are refused before connecting', async () => {
    await expect(
      produceFile(join(__dirname, 'no-such-file.ndjson'), { brokers: ['127.0.0.1:1'], topic: 't' }),
    ).rejects.toMatchObject({
      code: 'VIGIL_FILE_NOT_FOUND',
    });
    await expect(produceFile(__filename, { brokers: ['127.0.0.1:1'], topic: ' ', rate: 0 })).rejects.toMatchObject({
      code: 'VIGIL_USAGE',
      message: expect.stringMatching(/topic.*rate/),
    });
  });
});
