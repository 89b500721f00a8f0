import {
  DeadLetterPublisher,
  deadLetterRecord,
  readTopicSince,
  type DeadLetter,
  type DeadLetterRecord,
  type RawMessage,
} from '@vigil/collector';
import { createTestTopic, kafkaBrokers } from '@vigil/test-kit';

function letter(over: Partial<DeadLetter> & Pick<DeadLetter, 'offset'>): DeadLetter {
  const raw = over.raw ?? Buffer.from('{"model":"credit-risk","id":"x"');
  return {
    topic: 'vigil.predictions',
    partition: 2,
    key: Buffer.from('credit-risk'),
    timestamp: '1764547200000',
    model: null,
    code: 'VIGIL_DECODE_INVALID_JSON',
    reason: 'not valid JSON: unexpected end of input',
    raw,
    rawBytes: raw.length,
    ...over,
  };
}

const LETTERS: DeadLetter[] = [
  letter({ offset: '17' }),
  letter({
    offset: '18',
    model: 'credit-risk',
    code: 'VIGIL_DECODE_MISSING_FIELD',
    reason: 'field "id": required',
    raw: Buffer.from('{"model":"credit-risk"}'),
  }),
  // Not UTF-8 (a lone continuation byte), and cut from 10 MB to 4 bytes: base64, truncated.
  letter({
    offset: '9007199254740993',
    key: null,
    code: 'VIGIL_DECODE_TOO_LARGE',
    reason: 'message of 10485760 bytes',
    raw: Buffer.from([0x7b, 0x80, 0x22, 0x61]),
    rawBytes: 10_485_760,
  }),
];

describe('deadLetterRecord', () => {
  it('keeps where the message came from, why it was refused, and its bytes as text or base64 with the truncation', () => {
    expect(deadLetterRecord(LETTERS[0]!)).toEqual({
      topic: 'vigil.predictions',
      partition: 2,
      offset: '17',
      timestamp: '1764547200000',
      model: null,
      code: 'VIGIL_DECODE_INVALID_JSON',
      reason: 'not valid JSON: unexpected end of input',
      value: '{"model":"credit-risk","id":"x"',
      encoding: 'utf8',
      valueBytes: 31,
      truncated: false,
      key: Buffer.from('credit-risk').toString('base64'),
    });
    const big = deadLetterRecord(LETTERS[2]!);
    expect(big).toMatchObject({
      offset: '9007199254740993',
      encoding: 'base64',
      valueBytes: 10_485_760,
      truncated: true,
      key: null,
    });
    expect(Buffer.from(big.value, 'base64')).toEqual(LETTERS[2]!.raw);
  });
});

describe('DeadLetterPublisher against the real broker', () => {
  it('produces one JSON record per dead letter, keyed by the model or by topic/partition/offset', async () => {
    const { topic, drop } = await createTestTopic('dead-letters', 3);
    let published = 0;
    const publisher = new DeadLetterPublisher({ brokers: kafkaBrokers(), topic, onPublished: (n) => (published += n) });
    try {
      expect(publisher.publish(LETTERS.slice(0, 2))).toBeUndefined();
      publisher.publish(LETTERS.slice(2));
      expect(await publisher.flush(30_000)).toBe(true);
      expect(published).toBe(3);
      const read: RawMessage[] = [];
      await readTopicSince({ brokers: kafkaBrokers(), topic, sinceMs: 0, onMessages: (m) => void read.push(...m) });
      const records = read.map((m) => ({
        key: m.key?.toString('utf8'),
        record: JSON.parse(m.value!.toString('utf8')) as DeadLetterRecord,
      }));
      records.sort((a, b) => a.record.offset.localeCompare(b.record.offset));
      expect(records).toEqual(
        [...LETTERS]
          .sort((a, b) => a.offset.localeCompare(b.offset))
          .map((l) => ({ key: l.model ?? `vigil.predictions/2/${l.offset}`, record: deadLetterRecord(l) })),
      );
    } finally {
      await publisher.close();
      await drop();
    }
  });

  it('never throws or waits when the broker cannot be reached: retries, bounds its queue, counts what it drops', async () => {
    const failed = { retrying: 0, dropped: 0 };
    const publisher = new DeadLetterPublisher({
      brokers: ['127.0.0.1:1'],
      connectionTimeoutMs: 200,
      requestRetries: 0,
      retryDelayMs: 50,
      topic: 'vigil.dead-letters',
      maxPending: 2,
      onFailed: (n, outcome) => (failed[outcome] += n),
    });
    expect(publisher.publish(LETTERS)).toBeUndefined();
    // Three letters, room for two: the oldest is dropped at once.
    expect(publisher.pending).toBe(2);
    expect(failed.dropped).toBe(1);
    // Sends fail and are retried (with backoff) while the records stay queued.
    while (failed.retrying < 4) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(publisher.pending).toBe(2);
    expect(await publisher.flush(0)).toBe(false);
    await publisher.close(100);
    expect(failed.dropped).toBe(3);
    expect(publisher.pending).toBe(0);
    // After close, publishing drops and counts.
    publisher.publish(LETTERS.slice(0, 1));
    expect(failed.dropped).toBe(4);
  });
});
