/**
 * Bad input through `vigil run` and the real broker (issue 3): malformed JSON, a missing field, a wrong type, an
 * unknown model and a 10 MB message, among good events on the same partitions. Each bad message is dead-lettered
 * with its reason; the partitions keep moving; the good events end with exactly the rows they have on their own.
 * With `kafka.topics.deadLetters` set, the same dead letters are also published to that topic.
 */
import { readTopicSince, type DeadLetterRecord, type RawMessage } from '@vigil/collector';
import { createTestTopic, kafkaBrokers, makeEvents, roughly } from '@vigil/test-kit';
import { exited, httpPort, labelEvents, MIN, openHarness, T0, waitFor } from '@vigil/test-kit/daemon-harness';

jest.setTimeout(180_000);

describe('vigil run and bad input', () => {
  it('dead-letters each bad message with its reason, publishes it to the dead-letter topic, and analyses the good ones as if alone', async () => {
    const deadLetterTopic = await createTestTopic('run-bad-dlq', 2);
    // The topics accept 16 MiB messages (the broker's default is 1 MiB), so the 10 MB one reaches Vigil.
    const h = await openHarness('run-bad', ['credit-risk'], 2, {
      topicConfig: { 'max.message.bytes': String(16 * 1024 * 1024) },
      deadLettersTopic: deadLetterTopic.topic,
    });
    try {
      const good = [
        ...makeEvents({ n: 3000, start: T0, stepMs: 3000, seed: 41 }),
        ...makeEvents({ n: 1, start: T0 + 4 * 60 * MIN, seed: 42, idPrefix: 'closer' }),
      ];
      const sample = good[10]!;
      const huge = { ...sample, id: 'huge', features: { ...sample.features, region: 'x'.repeat(10 * 1024 * 1024) } };
      const bad: Array<[unknown, string, string]> = [
        ['{"model":"credit-risk","id":"broken",', 'VIGIL_DECODE_INVALID_JSON', ''],
        [{ ...sample, id: undefined }, 'VIGIL_DECODE_MISSING_FIELD', 'id'],
        [{ ...sample, id: 'wrong-type', score: 'high' }, 'VIGIL_DECODE_WRONG_TYPE', 'score'],
        [{ ...sample, id: 'unknown', model: 'no-such-model' }, 'VIGIL_DECODE_UNKNOWN_MODEL', 'no-such-model'],
        [huge, 'VIGIL_DECODE_TOO_LARGE', ''],
      ];
      // Bad messages spread through the stream (keyed by model like the rest, so they share partitions with it).
      const messages: unknown[] = [...good];
      bad.forEach(([value], i) => messages.splice(200 + i * 600, 0, value));
      await h.produce('p.ndjson', h.predictions, messages);
      const labels = labelEvents(good);
      await h.produce('l.ndjson', h.labels, labels);
      const daemon = h.start();
      await waitFor(
        'every message consumed and the windows analysed',
        () => h.settled({ predictions: messages.length, labels: labels.length }),
        [daemon],
      );
      // The publisher sends beside the consumer, after each batch commits; GET /metrics counts what the broker took.
      const port = await httpPort(daemon);
      const published = async (): Promise<number> => {
        const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
        return Number(/^vigil_dead_letters_published_total\{[^}]*\} (\d+)$/m.exec(text)?.[1] ?? 0);
      };
      await waitFor('the dead letters published', async () => (await published()) === bad.length, [daemon]);
      daemon.kill('SIGTERM');
      expect(await exited(daemon)).toBe(0);

      const letters = await h.store.deadLetters.list();
      expect(letters.map((d) => d.code).sort()).toEqual(bad.map(([, code]) => code).sort());
      for (const [, code, mention] of bad) {
        const letter = letters.find((d) => d.code === code)!;
        expect(letter.topic).toBe(h.predictions);
        expect(letter.reason).toContain(mention);
      }
      const big = letters.find((d) => d.code === 'VIGIL_DECODE_TOO_LARGE')!;
      expect(big.rawBytes).toBeGreaterThan(10 * 1024 * 1024);
      expect(big.raw.length).toBeLessThan(100 * 1024);
      expect(await h.rows()).toEqual(roughly(await h.expectedRows(good)));

      // The dead-letter topic holds the same records as the store: where, why, and the stored bytes.
      const read: RawMessage[] = [];
      await readTopicSince({
        brokers: kafkaBrokers(),
        topic: deadLetterTopic.topic,
        sinceMs: 0,
        onMessages: (m) => void read.push(...m),
      });
      const records = read.map((m) => ({
        messageKey: m.key?.toString('utf8'),
        ...(JSON.parse(m.value!.toString('utf8')) as DeadLetterRecord),
      }));
      const at = (r: { topic: string; partition: number; offset: string }) => `${r.topic}/${r.partition}/${r.offset}`;
      expect(records.map(at).sort()).toEqual(letters.map(at).sort());
      for (const stored of letters) {
        const record = records.find((r) => at(r) === at(stored))!;
        expect({
          code: record.code,
          reason: record.reason,
          valueBytes: record.valueBytes,
          truncated: record.truncated,
        }).toEqual({
          code: stored.code,
          reason: stored.reason,
          valueBytes: stored.rawBytes,
          truncated: stored.rawBytes > stored.raw.length,
        });
        expect(Buffer.from(record.value, record.encoding)).toEqual(stored.raw);
        expect(record.messageKey).toBe(record.model ?? at(stored));
      }
      expect(records.find((r) => r.code === 'VIGIL_DECODE_MISSING_FIELD')?.model).toBe('credit-risk');
    } finally {
      await h.cleanup();
      await deadLetterTopic.drop();
    }
  });
});
