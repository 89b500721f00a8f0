/** `vigil dlq replay` re-submits dead letters to a real Kafka broker, unchanged, and marks them replayed. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KafkaSource, type RawMessage } from '@vigil/collector';
import { createStore } from '@vigil/store';
import { createTestTopic, kafkaBrokers, uniqueName, within } from '@vigil/test-kit';
import { runCli } from './run-cli';

jest.setTimeout(90_000);

describe('vigil dlq replay', () => {
  const cwd = mkdtempSync(join(tmpdir(), 'vigil-dlq-replay-'));
  afterAll(() => rmSync(cwd, { recursive: true, force: true }));

  it('produces pending dead letters to their topic as they were, marks them, and leaves truncated ones pending', async () => {
    const { topic, drop } = await createTestTopic('dlq-replay', 1);
    try {
      const unknownModel = Buffer.from(JSON.stringify({ model: 'added-later', id: 'e1', ts: 1, features: {} }));
      const notJson = Buffer.from('{"model": "credit-risk", "id": ');
      const huge = Buffer.from(
        JSON.stringify({ model: 'credit-risk', id: 'big', ts: 1, features: { blob: 'x'.repeat(400) } }),
      );
      // Stored with a 200-byte limit, as a daemon configured so would have kept them.
      const store = await createStore({ dataDir: join(cwd, '.vigil/pglite'), deadLetterMaxBytes: 200 });
      try {
        const letter = (offset: number, raw: Buffer, code: string) => ({
          topic,
          partition: 0,
          offset,
          code,
          reason: `test ${code}`,
          raw,
        });
        await store.batches.apply(
          {
            groupId: 'g',
            offsets: [],
            buckets: [],
            deadLetters: [
              letter(1, unknownModel, 'VIGIL_DECODE_UNKNOWN_MODEL'),
              letter(2, notJson, 'VIGIL_DECODE_INVALID_JSON'),
              letter(3, huge, 'VIGIL_DECODE_TOO_LARGE'),
            ],
          },
          (a) => a,
        );
      } finally {
        await store.close();
      }

      const dry = await runCli(['dlq', 'replay', '--dry-run'], cwd, {});
      expect(dry.stdout).toMatch(/Would replay 2 dead letter\(s\): 1, 2/);

      const replay = await runCli(['dlq', 'replay', '--brokers', kafkaBrokers().join(',')], cwd, {});
      expect(replay.stdout).toBe('Replayed 2 dead letter(s); 1 truncated one(s) left pending.\n');
      expect(replay.stderr).toMatch(/dead letter 3: only 200 of its \d+ bytes were kept/);
      expect(replay.code).toBe(0);

      const received: RawMessage[] = [];
      const source = new KafkaSource({ brokers: kafkaBrokers(), groupId: uniqueName('dlq'), topics: [topic] });
      let done!: () => void;
      const both = new Promise<void>((r) => (done = r));
      const running = source.run(async (batch) => {
        received.push(...batch.messages);
        if (received.length >= 2) done();
      });
      await within(30_000, 'the replayed messages', Promise.race([both, running]));
      await source.close();
      await running;
      expect(received.map((m) => m.value?.toString())).toEqual([unknownModel.toString(), notJson.toString()]);
      expect(received[0]!.key?.toString()).toBe('added-later');

      const pending = await runCli(['dlq', 'list', '--json'], cwd, {});
      expect(JSON.parse(pending.stdout).map((l: { id: string }) => l.id)).toEqual(['3']);
      const unknown = await runCli(['dlq', 'replay', '--id', '1', '--dry-run'], cwd, {});
      expect(unknown.stderr).toMatch(/dead letter 1: not pending/);
    } finally {
      await drop();
    }
  });
});
