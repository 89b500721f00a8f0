import fc from 'fast-check';
import { type Column, ERROR_CODES } from '@vigil/core';
import { type BuiltPredictions, PredictionBatchBuilder, type RawMessage } from '@vigil/collector';
import { MODELS } from './decode-helpers';

/**
 * Random and mutated messages: whatever arrives, `add` never throws, every message becomes exactly one row or one
 * dead letter, a message decodes the same alone as among others, and nothing reaches Object.prototype.
 */

const LIMIT = 16 * 1024;
const OPTIONS = { maxMessageBytes: LIMIT, maxDeadLetterBytes: 256, expectedRows: 0 };

const anyScalar = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  fc.double(),
  fc.integer(),
  fc.string({ maxLength: 8 }),
  fc.constantFrom(0, 1, -0, 0.5, 1e308, -1e-308, '', '__proto__', 'NaN'),
);
const anyValue = fc.oneof(anyScalar, fc.jsonValue({ maxDepth: 3 }), fc.constant({}), fc.constant([]));

const validEvent = fc.record(
  {
    model: fc.constantFrom('credit-risk', 'house-price'),
    version: fc.oneof(fc.string({ maxLength: 4 }), fc.integer(), fc.constant(null)),
    id: fc.oneof(fc.string({ minLength: 1, maxLength: 12 }), fc.integer()),
    ts: fc.oneof(
      fc.integer({ min: 0, max: 4e12 }),
      fc.integer({ min: 0, max: 4e12 }).map((ms) => new Date(ms).toISOString()),
    ),
    features: fc.record(
      {
        age: fc.oneof(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.constant(null)),
        income: fc.oneof(fc.integer(), fc.boolean(), fc.constant(null)),
        region: fc.oneof(fc.string({ maxLength: 6 }), fc.integer(), fc.constant(null)),
        rooms: fc.integer({ min: 0, max: 9 }),
        city: fc.constantFrom('Lyon', 'Oslo', 'Kyiv'),
        extra: anyValue,
      },
      { requiredKeys: [] },
    ),
    score: fc.oneof(fc.double({ min: 0, max: 1, noNaN: true }), fc.constant(null)),
    prediction: fc.constantFrom(0, 1, true, false, null),
    label: fc.constantFrom(0, 1, true, false, null),
    groups: fc.record(
      {
        sex: fc.oneof(fc.constantFrom('female', 'male'), fc.integer(), fc.constant(null)),
        age_band: fc.string({ maxLength: 5 }),
      },
      { requiredKeys: [] },
    ),
    attributions: fc.record(
      {
        age: fc.oneof(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.constant(null)),
        region: fc.double({ min: -1, max: 1, noNaN: true }),
        rooms: fc.integer(),
        extra: anyValue,
      },
      { requiredKeys: [] },
    ),
  },
  { requiredKeys: ['model', 'id', 'ts', 'features'] },
);

const FIELDS = ['model', 'version', 'id', 'ts', 'features', 'score', 'prediction', 'label', 'groups', 'attributions'];
const FEATURES = ['age', 'income', 'region', 'rooms', 'city'];
const PROTO_KEYS = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'valueOf'];

/** A valid event with one field deleted, or given another value, or with a prototype-pollution key spliced in. */
const mutatedEvent = fc
  .tuple(
    validEvent,
    fc.constantFrom(...FIELDS),
    fc.constantFrom(...FEATURES),
    fc.nat(3),
    anyValue,
    fc.constantFrom(...PROTO_KEYS),
  )
  .map(([event, field, feature, how, value, protoKey]) => {
    const copy: Record<string, unknown> = {
      ...event,
      features: { ...event.features },
      groups: { ...event.groups },
      attributions: { ...event.attributions },
    };
    if (how === 0) delete copy[field];
    else if (how === 1) copy[field] = value;
    // A feature's value, or (age and rooms) its attribution.
    else if (how === 2)
      (copy[feature === 'age' || feature === 'rooms' ? 'attributions' : 'features'] as Record<string, unknown>)[
        feature
      ] = value;
    else {
      // JSON.stringify drops a `__proto__` key set by assignment, so the key is written into the text instead.
      const polluting = JSON.stringify({ polluted: true, prototype: { polluted: true } });
      const text = JSON.stringify(copy);
      return text
        .replace(/"features":\{/, `"features":{"${protoKey}":${polluting},`)
        .replace(/^\{/, `{"${protoKey}":${polluting},`);
    }
    return JSON.stringify(copy);
  });

const validText = validEvent.map((e) => JSON.stringify(e));

const messageValue: fc.Arbitrary<Buffer | null> = fc.oneof(
  { weight: 4, arbitrary: validText.map((t) => Buffer.from(t)) },
  { weight: 4, arbitrary: mutatedEvent.map((t) => Buffer.from(t)) },
  // Truncated bytes, which may cut a multi-byte character.
  {
    weight: 2,
    arbitrary: fc
      .tuple(validText, fc.nat())
      .map(([t, n]) => Buffer.from(t).subarray(0, n % (Buffer.byteLength(t) + 1))),
  },
  { weight: 2, arbitrary: fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b)) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 60 }).map((s) => Buffer.from(s)) },
  { weight: 1, arbitrary: fc.jsonValue().map((v) => Buffer.from(JSON.stringify(v) ?? 'null')) },
  // Huge strings, around the size limit.
  {
    weight: 1,
    arbitrary: fc
      .tuple(
        validEvent,
        fc.integer({ min: LIMIT - 200, max: LIMIT + 200 }),
        fc.constantFrom('id', 'version', 'features'),
      )
      .map(([e, n, field]) =>
        Buffer.from(
          JSON.stringify({ ...e, [field]: field === 'features' ? { region: 'é'.repeat(n / 2) } : 'x'.repeat(n) }),
        ),
      ),
  },
  // Deep nesting, as a whole value and inside the features.
  {
    weight: 1,
    arbitrary: fc.tuple(validEvent, fc.integer({ min: 1, max: 3000 }), fc.boolean()).map(([e, depth, inFeatures]) => {
      const nested = `${'{"a":['.repeat(depth)}1${']}'.repeat(depth)}`;
      return Buffer.from(
        inFeatures
          ? JSON.stringify(e).replace('"features":{', `"features":{"region":${nested},"deep":${nested},`)
          : nested,
      );
    }),
  },
  {
    weight: 1,
    arbitrary: fc.constantFrom(null, Buffer.alloc(0), Buffer.from('\ufeff'), Buffer.from(' '), Buffer.from('{}')),
  },
);

const rawMessage = (value: Buffer | null, offset: number): RawMessage => ({
  topic: 'vigil.predictions',
  partition: 0,
  offset: String(offset),
  key: null,
  value,
});

function decodeAll(messages: readonly RawMessage[]): BuiltPredictions {
  const builder = new PredictionBatchBuilder(MODELS, OPTIONS);
  for (const m of messages) builder.add(m);
  return builder.build();
}

function checkInvariants(messages: readonly RawMessage[], built: BuiltPredictions): void {
  let rows = 0;
  // Plain checks, not one `expect` per cell: they run for every one of many thousand cases.
  const problems: string[] = [];
  for (const batch of built.batches.values()) {
    rows += batch.rowCount;
    if (batch.ids.length !== batch.rowCount || batch.table.rowCount !== batch.rowCount)
      problems.push(`${batch.model}: row counts differ`);
    for (const column of batch.table.columns.values()) {
      const length = column.kind === 'numeric' ? column.values.length : column.codes.length;
      if (length !== batch.rowCount) problems.push(`${column.name}: ${length} rows`);
      if (column.kind === 'categorical' && column.codes.some((c) => c < -1 || c >= column.categories.length))
        problems.push(`${column.name}: bad code`);
    }
  }
  expect(rows + built.deadLetters.length).toBe(messages.length);
  expect(new Set(built.deadLetters.map((d) => d.offset)).size).toBe(built.deadLetters.length);
  for (const letter of built.deadLetters) {
    if (!Object.hasOwn(ERROR_CODES, letter.code) || letter.code === 'VIGIL_INTERNAL')
      problems.push(`code ${letter.code}`);
    if (letter.reason.length === 0 || letter.reason.length > 500)
      problems.push(`reason ${JSON.stringify(letter.reason)}`);
    if (letter.raw.length > OPTIONS.maxDeadLetterBytes) problems.push(`raw of ${letter.raw.length} bytes`);
  }
  expect(problems).toEqual([]);
  expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  expect((Object.prototype as unknown as Record<string, unknown>)['polluted']).toBeUndefined();
}

function cells(column: Column): unknown[] {
  if (column.kind === 'numeric') return [...column.values];
  return [...column.codes].map((c) => (c < 0 ? null : column.categories[c]));
}

describe('PredictionBatchBuilder under random and mutated messages', () => {
  it('never throws, and every message becomes one row or one dead letter', () => {
    fc.assert(
      fc.property(messageValue, (value) => {
        const messages = [rawMessage(value, 0)];
        checkInvariants(messages, decodeAll(messages));
      }),
      { numRuns: 20_000 },
    );
  });

  it('decodes a message the same among others as alone', () => {
    fc.assert(
      fc.property(fc.array(messageValue, { minLength: 1, maxLength: 12 }), (values) => {
        const messages = values.map(rawMessage);
        const together = decodeAll(messages);
        checkInvariants(messages, together);
        const alone = messages.map((m) => decodeAll([m]));
        expect(together.deadLetters).toEqual(alone.flatMap((b) => b.deadLetters));
        for (const [model, batch] of together.batches) {
          expect(batch.ids).toEqual(alone.flatMap((b) => b.batches.get(model)?.ids ?? []));
          for (const [name, column] of batch.table.columns) {
            const expected = alone.flatMap((b): unknown[] => {
              const single = b.batches.get(model)?.table.columns.get(name);
              return single === undefined ? [] : cells(single);
            });
            const actual = cells(column);
            expect(actual).toEqual(expected);
          }
        }
      }),
      { numRuns: 500 },
    );
  });
});
