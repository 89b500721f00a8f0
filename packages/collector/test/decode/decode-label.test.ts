import { type RawMessage, compileDecodeOptions, decodeLabel } from '@vigil/collector';
import { MODELS, message } from './decode-helpers';

function decode(value: unknown, overrides: Partial<RawMessage> = {}): ReturnType<typeof decodeLabel> {
  return decodeLabel(message(value, { topic: 'vigil.labels', timestamp: '1795860000000', ...overrides }), MODELS);
}

function refused(value: unknown, overrides: Partial<RawMessage> = {}): [string, string] {
  const result = decode(value, overrides);
  if (result.ok) throw new Error('expected a dead letter');
  return [result.deadLetter.code, result.deadLetter.reason];
}

describe('decodeLabel', () => {
  it('decodes the example label event of docs/events.md', () => {
    expect(decode({ model: 'credit-risk', id: 'req-000123', label: 1, ts: '2026-12-01T08:00:00Z' })).toEqual({
      ok: true,
      label: { model: 'credit-risk', id: 'req-000123', label: 1, ts: Date.UTC(2026, 11, 1, 8) },
    });
  });

  it('reads booleans as binary labels, any finite number as a regression label, a numeric id as a string', () => {
    expect(decode({ model: 'credit-risk', id: 'a', label: false, ts: 5 })).toMatchObject({
      ok: true,
      label: { label: 0, ts: 5 },
    });
    expect(decode({ model: 'house-price', id: 7, label: 251000.5, ts: 5 })).toMatchObject({
      ok: true,
      label: { id: '7', label: 251000.5 },
    });
  });

  it('takes the Kafka timestamp when the event has no ts', () => {
    expect(decode({ model: 'credit-risk', id: 'a', label: 1 })).toMatchObject({
      ok: true,
      label: { ts: 1795860000000 },
    });
    expect(refused({ model: 'credit-risk', id: 'a', label: 1, ts: null }, { timestamp: undefined })).toEqual([
      'VIGIL_DECODE_MISSING_FIELD',
      'field "ts": required, got null',
    ]);
  });

  it.each([' ', '0x10', '1e300', '1.5', 'Infinity', '8640000000000001', '-'])(
    'takes only integer epoch milliseconds within the range of a Date from the Kafka timestamp, not %j (found by test/chaos/decoder-fuzz)',
    (timestamp) => {
      // `Number(timestamp)` used to read " " as 0, "0x10" as 16 and "1e300" as a time.
      expect(refused({ model: 'credit-risk', id: 'a', label: 1 }, { timestamp })).toEqual([
        'VIGIL_DECODE_MISSING_FIELD',
        'field "ts": required, but absent',
      ]);
    },
  );

  it('takes a negative or zero Kafka timestamp', () => {
    expect(decode({ model: 'credit-risk', id: 'a', label: 1 }, { timestamp: '-5' })).toMatchObject({
      ok: true,
      label: { ts: -5 },
    });
    expect(decode({ model: 'credit-risk', id: 'a', label: 1 }, { timestamp: '0' })).toMatchObject({
      ok: true,
      label: { ts: 0 },
    });
  });

  it.each([
    [{ model: 'credit-risk', id: 'a', ts: 0 }, 'VIGIL_DECODE_MISSING_FIELD', 'field "label": required, but absent'],
    [
      { model: 'credit-risk', id: 'a', ts: 0, label: null },
      'VIGIL_DECODE_MISSING_FIELD',
      'field "label": required, got null',
    ],
    [
      { model: 'credit-risk', id: 'a', ts: 0, label: 2 },
      'VIGIL_DECODE_OUT_OF_RANGE',
      'field "label": expected 0 or 1, got 2',
    ],
    [
      { model: 'credit-risk', id: 'a', ts: 0, label: 'yes' },
      'VIGIL_DECODE_WRONG_TYPE',
      'field "label": expected 0, 1 or a boolean, got "yes"',
    ],
    [
      { model: 'house-price', id: 'a', ts: 0, label: '3' },
      'VIGIL_DECODE_WRONG_TYPE',
      'field "label": expected a number, got "3"',
    ],
    [{ model: 'credit-risk', label: 1, ts: 0 }, 'VIGIL_DECODE_MISSING_FIELD', 'field "id": required, but absent'],
    [
      { model: 'fraud', id: 'a', label: 1, ts: 0 },
      'VIGIL_DECODE_UNKNOWN_MODEL',
      'field "model": unknown model "fraud"',
    ],
    [
      { model: 'credit-risk', id: 'a', label: 1, ts: 'soon' },
      'VIGIL_DECODE_WRONG_TYPE',
      'field "ts": expected an ISO-8601 timestamp or epoch milliseconds, got "soon"',
    ],
    ['{"model":', 'VIGIL_DECODE_INVALID_JSON', 'value: not valid JSON ('],
    ['null', 'VIGIL_DECODE_WRONG_TYPE', 'value: expected a JSON object, got null'],
  ])('refuses %j', (value, code, reason) => {
    const [gotCode, gotReason] = refused(value);
    expect(gotCode).toBe(code);
    if (reason.endsWith('(')) expect(gotReason.startsWith(reason)).toBe(true);
    else expect(gotReason).toBe(reason);
  });

  it('dead-letters with the message coordinates and the model once known', () => {
    const result = decodeLabel(
      {
        topic: 'vigil.labels',
        partition: 2,
        offset: '41',
        key: null,
        value: Buffer.from('{"model":"credit-risk","id":"a","label":3,"ts":0}'),
      },
      MODELS,
      compileDecodeOptions({ maxDeadLetterBytes: 10 }),
    );
    expect(result).toEqual({
      ok: false,
      deadLetter: {
        topic: 'vigil.labels',
        partition: 2,
        offset: '41',
        key: null,
        timestamp: undefined,
        model: 'credit-risk',
        code: 'VIGIL_DECODE_OUT_OF_RANGE',
        reason: 'field "label": expected 0 or 1, got 3',
        raw: Buffer.from('{"model":"'),
        rawBytes: 49,
      },
    });
  });

  it('refuses a value over maxMessageBytes', () => {
    const result = decodeLabel(message('{"model":"credit-risk","id":"a","label":1,"ts":0}'), MODELS, {
      maxMessageBytes: 10,
    });
    expect(result).toMatchObject({
      ok: false,
      deadLetter: { code: 'VIGIL_DECODE_TOO_LARGE', reason: 'value: 49 bytes, over the limit of 10 bytes' },
    });
  });
});
