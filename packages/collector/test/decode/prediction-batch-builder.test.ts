import fc from 'fast-check';
import type { CategoricalColumn, Column, ModelDefinition, NumericColumn, Table } from '@vigil/core';
import { type ERROR_CODES, categoryAt, isVigilError } from '@vigil/core';
import {
  BATCH_COLUMNS,
  DEFAULT_VERSION,
  MAX_UNKNOWN_FEATURE_NAMES,
  MISSING_GROUP,
  PredictionBatchBuilder,
  type PredictionBatch,
  attributionColumnName,
  groupColumnName,
} from '@vigil/collector';
import { CREDIT, HOUSE, MODELS, exampleEvent, message } from './decode-helpers';

function numeric(table: Table, name: string): number[] {
  const column = table.columns.get(name) as Column;
  expect(column.kind).toBe('numeric');
  return [...(column as NumericColumn).values];
}

function categories(table: Table, name: string): (string | null)[] {
  const column = table.columns.get(name) as CategoricalColumn;
  expect(column.kind).toBe('categorical');
  return Array.from({ length: table.rowCount }, (_, row) => categoryAt(column, row));
}

/** Decodes `events` (objects, texts or bytes) and returns the credit-risk batch and the dead letters. */
function decode(...events: unknown[]): {
  batch: PredictionBatch | undefined;
  deadLetters: ReturnType<PredictionBatchBuilder['build']>['deadLetters'];
} {
  const builder = new PredictionBatchBuilder(MODELS);
  for (const event of events) builder.add(message(event));
  const built = builder.build();
  return { batch: built.batches.get(CREDIT.id), deadLetters: built.deadLetters };
}

function decodeOne(event: unknown): PredictionBatch {
  const { batch, deadLetters } = decode(event);
  expect(deadLetters).toEqual([]);
  return batch!;
}

function refuse(event: unknown): { code: string; reason: string } {
  const { batch, deadLetters } = decode(event);
  expect(batch).toBeUndefined();
  expect(deadLetters).toHaveLength(1);
  return { code: deadLetters[0]!.code, reason: deadLetters[0]!.reason };
}

function withFeatures(features: Record<string, unknown>): Record<string, unknown> {
  return { ...exampleEvent(), features };
}

describe('PredictionBatchBuilder: golden events', () => {
  it('decodes the example event of docs/events.md into typed columns', () => {
    const batch = decodeOne(exampleEvent());
    expect(batch.model).toBe('credit-risk');
    expect(batch.rowCount).toBe(1);
    expect(batch.ids).toEqual(['req-000123']);
    expect([...batch.ts]).toEqual([Date.UTC(2026, 10, 22, 10)]);
    expect(categoryAt(batch.version, 0)).toBe('7');
    const { table } = batch;
    expect([...table.columns.keys()]).toEqual([
      'age',
      'income',
      'region',
      '$ts',
      '$version',
      '$score',
      '$prediction',
      '$label',
      '$group.sex',
      '$group.age_band',
      '$attr.age',
      '$attr.income',
      '$attr.region',
    ]);
    expect(numeric(table, 'age')).toEqual([41]);
    expect(numeric(table, 'income')).toEqual([52000.5]);
    expect(categories(table, 'region')).toEqual(['north']);
    expect(numeric(table, BATCH_COLUMNS.score)).toEqual([0.82]);
    expect(numeric(table, BATCH_COLUMNS.prediction)).toEqual([1]);
    expect(numeric(table, BATCH_COLUMNS.label)).toEqual([NaN]);
    expect(categories(table, groupColumnName('sex'))).toEqual(['female']);
    expect(categories(table, groupColumnName('age_band'))).toEqual(['40-49']);
    expect(table.columns.get(BATCH_COLUMNS.ts)).toMatchObject({ values: batch.ts });
    expect(table.columns.get(BATCH_COLUMNS.version)).toBe(batch.version);
    expect(table.source).toBe('vigil.predictions');
    expect(batch.absentFeatures).toEqual(
      new Map([
        ['age', 0],
        ['income', 0],
        ['region', 0],
      ]),
    );
    // The example carries no attributions: every attribution column is missing.
    for (const f of ['age', 'income', 'region']) expect(numeric(table, attributionColumnName(f))).toEqual([NaN]);
  });

  it('reads attributions per feature, in both decoder paths: null, absent and unknown keys carry none', () => {
    const events = [
      { ...exampleEvent(), attributions: { age: -0.25, income: 0.125, region: 0.5, zip: 9 } },
      { ...exampleEvent(), attributions: { age: 1e-3, region: null } },
      { ...exampleEvent(), attributions: null },
      // attributions before model: the scan path reads it wherever it is.
      `{"attributions":{"region":-2},"model":"credit-risk","id":"q","ts":0,"features":{}}`,
    ];
    for (const scan of [true, false]) {
      const builder = new PredictionBatchBuilder(MODELS, { scan });
      for (const e of events) builder.add(message(typeof e === 'string' ? e : JSON.stringify(e)));
      const built = builder.build();
      expect(built.deadLetters).toEqual([]);
      const table = built.batches.get(CREDIT.id)!.table;
      expect(numeric(table, attributionColumnName('age'))).toEqual([-0.25, 1e-3, NaN, NaN]);
      expect(numeric(table, attributionColumnName('income'))).toEqual([0.125, NaN, NaN, NaN]);
      expect(numeric(table, attributionColumnName('region'))).toEqual([0.5, NaN, NaN, -2]);
    }
  });

  it('gives rows before the first event with attributions NaN, and a batch without any all-NaN columns of its length', () => {
    // The columns are made at the first event that carries one (most models log none); the table is the same.
    const plain = JSON.stringify(exampleEvent());
    // -0 is an attribution too (JSON.stringify would write it as 0).
    const attributed = plain.replace(/}$/, ',"attributions":{"income":0.5,"region":-0}}');
    for (const scan of [true, false]) {
      const builder = new PredictionBatchBuilder(MODELS, { scan });
      for (const e of [plain, plain, attributed, plain]) builder.add(message(e));
      const table = builder.build().batches.get(CREDIT.id)!.table;
      expect(numeric(table, attributionColumnName('age'))).toEqual([NaN, NaN, NaN, NaN]);
      expect(numeric(table, attributionColumnName('income'))).toEqual([NaN, NaN, 0.5, NaN]);
      expect(Object.is(numeric(table, attributionColumnName('region'))[2], -0)).toBe(true);
      // The next batch starts without them again, with every column still there, in the same place.
      for (const e of [plain, plain, plain]) builder.add(message(e));
      const next = builder.build().batches.get(CREDIT.id)!.table;
      expect([...next.columns.keys()]).toEqual([...table.columns.keys()]);
      for (const f of ['age', 'income', 'region'])
        expect(numeric(next, attributionColumnName(f))).toEqual([NaN, NaN, NaN]);
    }
  });

  it('counts the events with feature keys that are not features, in both decoder paths, and names the keys', () => {
    const many = Array.from({ length: MAX_UNKNOWN_FEATURE_NAMES + 5 }, (_, i) => `k${String(i).padStart(2, '0')}`);
    const events = [
      { ...exampleEvent(), features: { ...(exampleEvent()['features'] as object), zip: '75001', '7': 1 } },
      exampleEvent(),
      // A key given twice, and an escaped key (the scan path leaves it to JSON.parse).
      `{"model":"credit-risk","id":"d","ts":0,"features":{"zip":1,"age":3,"zip":2,"\\u0063ity":"x"}}`,
      // Refused (a string for a numeric feature): its unknown key is neither counted nor named.
      { ...exampleEvent(), features: { age: 'old', refused: 1 } },
      { ...exampleEvent(), features: Object.fromEntries([...many].reverse().map((k) => [k, 1])) },
      { ...exampleEvent(), features: { region: null } },
    ];
    for (const scan of [true, false]) {
      const builder = new PredictionBatchBuilder(MODELS, { scan });
      for (const e of events) builder.add(message(typeof e === 'string' ? e : JSON.stringify(e)));
      const built = builder.build();
      expect(built.deadLetters.map((d) => d.code)).toEqual(['VIGIL_DECODE_WRONG_TYPE']);
      const batch = built.batches.get(CREDIT.id)!;
      expect(batch.rowCount).toBe(5);
      expect(batch.unknownFeatures.rows).toEqual([0, 2, 3]);
      // Past the cap, the smallest names, whatever order they came in.
      expect(batch.unknownFeatures.names).toEqual(
        ['zip', '7', 'city', ...many].sort().slice(0, MAX_UNKNOWN_FEATURE_NAMES),
      );
      expect(batch.unknownFeatures.names).not.toContain('refused');
      // Each counted event names what it carried among the batch's names: a bucket takes only its own events'.
      const { names, rowNames } = batch.unknownFeatures;
      const carried = rowNames.map((mask) => names.filter((_, j) => (mask >>> j) & 1));
      // `zip` was pushed out by smaller names: no event names it any more, whichever path read the keys first.
      expect(names).not.toContain('zip');
      expect(carried).toEqual(
        [['7', 'zip'], ['city', 'zip'], many].map((keys) => names.filter((n) => keys.includes(n))),
      );
      expect(carried[0]).toEqual(['7']);
    }
    const few = decodeOne({ ...exampleEvent(), features: { zip: 1, '7': null } });
    expect(few.unknownFeatures).toEqual({ rows: [0], names: ['7', 'zip'], rowNames: [0b11] });
    expect(decodeOne(exampleEvent()).unknownFeatures).toEqual({ rows: [], names: [], rowNames: [] });
  });

  it("names each event's unknown keys among the batch's names, the same on both paths, past the cap and in any key order", () => {
    // Integer-like keys come first from JSON.parse and as written from the scan path.
    const pool = [...Array.from({ length: 24 }, (_, i) => `k${String(i).padStart(2, '0')}`), '7', '12', 'Zeta', 'aa'];
    fc.assert(
      fc.property(fc.array(fc.shuffledSubarray(pool), { minLength: 1, maxLength: 12 }), (keysOf) => {
        const seen: unknown[] = [];
        for (const scan of [true, false]) {
          const builder = new PredictionBatchBuilder(MODELS, { scan });
          for (const keys of keysOf) {
            const features = {
              ...(exampleEvent()['features'] as object),
              ...Object.fromEntries(keys.map((k) => [k, 1])),
            };
            builder.add(message(JSON.stringify({ ...exampleEvent(), features })));
          }
          const { rows, names, rowNames } = builder.build().batches.get(CREDIT.id)!.unknownFeatures;
          const counted = keysOf.filter((keys) => keys.length > 0);
          expect(rows).toEqual(keysOf.flatMap((keys, i) => (keys.length > 0 ? [i] : [])));
          expect(names).toEqual([...new Set(counted.flat())].sort().slice(0, MAX_UNKNOWN_FEATURE_NAMES));
          expect(rowNames.map((mask) => names.filter((_, j) => (mask >>> j) & 1))).toEqual(
            counted.map((keys) => names.filter((n) => keys.includes(n))),
          );
          seen.push({ rows, names, rowNames });
        }
        expect(seen[0]).toEqual(seen[1]);
      }),
      { numRuns: 200 },
    );
  });

  it('reads ts as ISO-8601 (any offset, none meaning UTC) or epoch milliseconds', () => {
    const stamps = [
      '2026-11-22T10:00:00Z',
      '2026-11-22T11:30:00+01:30',
      '2026-11-22T10:00:00',
      1795860000000,
      '2026-11-22T10:00:00.000123Z',
    ];
    const { batch, deadLetters } = decode(...stamps.map((ts) => ({ ...exampleEvent(), ts })));
    expect(deadLetters).toEqual([]);
    const t = Date.UTC(2026, 10, 22, 10);
    expect([...batch!.ts]).toEqual([t, t, t, 1795860000000, t + 0.123]);
  });

  it('defaults version to "unversioned" and writes a numeric version as a string', () => {
    const { batch } = decode(
      { ...exampleEvent(), version: undefined },
      { ...exampleEvent(), version: null },
      { ...exampleEvent(), version: 7 },
      { ...exampleEvent(), version: 'v2' },
    );
    expect(DEFAULT_VERSION).toBe('unversioned');
    expect(categories(batch!.table, BATCH_COLUMNS.version)).toEqual(['unversioned', 'unversioned', '7', 'v2']);
  });

  it('accepts a numeric id, written as a string', () => {
    expect(decodeOne({ ...exampleEvent(), id: 123 }).ids).toEqual(['123']);
  });

  it('defaults a binary prediction to score >= threshold, and keeps one that was sent', () => {
    const { batch } = decode(
      { ...exampleEvent(), prediction: undefined, score: 0.5 },
      { ...exampleEvent(), prediction: null, score: 0.49 },
      { ...exampleEvent(), prediction: 0, score: 0.9 },
      { ...exampleEvent(), prediction: true, score: 0.1 },
      { ...exampleEvent(), prediction: undefined, score: undefined },
      { ...exampleEvent(), prediction: 1, score: null },
    );
    const table = batch!.table;
    expect(numeric(table, BATCH_COLUMNS.prediction)).toEqual([1, 0, 0, 1, NaN, 1]);
    expect(numeric(table, BATCH_COLUMNS.score)).toEqual([0.5, 0.49, 0.9, 0.1, NaN, NaN]);
  });

  it('reads binary labels as 0/1 (booleans too) and null or absent as missing', () => {
    const { batch } = decode(
      { ...exampleEvent(), label: 1 },
      { ...exampleEvent(), label: 0 },
      { ...exampleEvent(), label: false },
      { ...exampleEvent(), label: null },
      { ...exampleEvent(), label: undefined },
    );
    expect(numeric(batch!.table, BATCH_COLUMNS.label)).toEqual([1, 0, 0, NaN, NaN]);
  });

  it('reads a regression: score is the predicted value, prediction defaults to it, label any finite number', () => {
    const builder = new PredictionBatchBuilder(MODELS);
    const base = { model: 'house-price', id: 'h1', ts: 0, features: { rooms: 3, city: 'Lyon' } };
    builder.add(message({ ...base, score: 250000.5, label: 240000 }));
    builder.add(message({ ...base, score: -3, prediction: 7.5, label: null }));
    const { batches, deadLetters } = builder.build();
    expect(deadLetters).toEqual([]);
    const table = batches.get(HOUSE.id)!.table;
    expect(numeric(table, BATCH_COLUMNS.score)).toEqual([250000.5, -3]);
    expect(numeric(table, BATCH_COLUMNS.prediction)).toEqual([250000.5, 7.5]);
    expect(numeric(table, BATCH_COLUMNS.label)).toEqual([240000, NaN]);
    expect(batches.has(CREDIT.id)).toBe(false);
  });

  it('reads a null feature as missing, and an absent one as missing and counted', () => {
    const { batch } = decode(
      withFeatures({ age: null, income: 1, region: null }),
      withFeatures({ income: 2 }),
      withFeatures({ age: 3, income: 3, region: 'south' }),
    );
    const table = batch!.table;
    expect(numeric(table, 'age')).toEqual([NaN, NaN, 3]);
    expect(categories(table, 'region')).toEqual([null, null, 'south']);
    expect(batch!.absentFeatures).toEqual(
      new Map([
        ['age', 1],
        ['income', 0],
        ['region', 1],
      ]),
    );
  });

  it('ignores features the model does not have', () => {
    const batch = decodeOne(withFeatures({ age: 1, income: 2, region: 'x', shoe_size: 'huge', extra: { deep: [1] } }));
    expect(batch.table.columns.has('shoe_size')).toBe(false);
    expect(batch.table.columns.has('extra')).toBe(false);
  });

  it('reads booleans in a numeric feature as 1/0', () => {
    expect(numeric(decodeOne(withFeatures({ age: true, income: false, region: 'x' })).table, 'age')).toEqual([1]);
  });

  it('writes numbers and booleans in a categorical feature as strings', () => {
    const { batch } = decode(
      withFeatures({ region: 12 }),
      withFeatures({ region: 1.0 }),
      withFeatures({ region: 2.5 }),
      withFeatures({ region: true }),
    );
    expect(categories(batch!.table, 'region')).toEqual(['12', '1', '2.5', 'true']);
  });

  it('writes group values as strings, an absent or null one as the group "(missing)"', () => {
    const { batch } = decode(
      { ...exampleEvent(), groups: { sex: 'male', age_band: 40 } },
      { ...exampleEvent(), groups: { sex: null } },
      { ...exampleEvent(), groups: undefined },
      { ...exampleEvent(), groups: null },
      { ...exampleEvent(), groups: { sex: true, age_band: '', other: 'ignored' } },
    );
    const table = batch!.table;
    expect(MISSING_GROUP).toBe('(missing)');
    expect(categories(table, '$group.sex')).toEqual(['male', '(missing)', '(missing)', '(missing)', 'true']);
    expect(categories(table, '$group.age_band')).toEqual(['40', '(missing)', '(missing)', '(missing)', '']);
    expect(table.columns.has('$group.other')).toBe(false);
  });

  it('keeps a group attribute that is also a feature apart from the feature', () => {
    const models = new Map<string, ModelDefinition>([['m', { ...CREDIT, id: 'm', groups: ['region'] }]]);
    const builder = new PredictionBatchBuilder(models);
    builder.add(message({ ...exampleEvent(), model: 'm', groups: { region: 'EU' } }));
    const table = builder.build().batches.get('m')!.table;
    expect(categories(table, 'region')).toEqual(['north']);
    expect(categories(table, '$group.region')).toEqual(['EU']);
  });

  it('reads features named like members of Object.prototype as plain keys', () => {
    const models = new Map<string, ModelDefinition>([
      [
        'm',
        {
          ...CREDIT,
          id: 'm',
          features: JSON.parse(
            '{"constructor":"numeric","toString":"categorical","__proto__":"numeric"}',
          ) as ModelDefinition['features'],
          groups: ['hasOwnProperty'],
        },
      ],
    ]);
    const builder = new PredictionBatchBuilder(models);
    builder.add(message({ model: 'm', id: 'a', ts: 0, features: {} }));
    builder.add(
      message(
        `{"model":"m","id":"b","ts":0,"features":{"constructor":1,"toString":"x","__proto__":2},"groups":{"hasOwnProperty":"g"}}`,
      ),
    );
    const { batches, deadLetters } = builder.build();
    expect(deadLetters).toEqual([]);
    const table = batches.get('m')!.table;
    expect(numeric(table, 'constructor')).toEqual([NaN, 1]);
    expect(categories(table, 'toString')).toEqual([null, 'x']);
    expect(numeric(table, '__proto__')).toEqual([NaN, 2]);
    expect(categories(table, '$group.hasOwnProperty')).toEqual(['(missing)', 'g']);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });

  it('splits events by model, whatever the message key says', () => {
    const builder = new PredictionBatchBuilder(MODELS);
    builder.add(message(exampleEvent(), { key: Buffer.from('house-price') }));
    builder.add(message({ model: 'house-price', id: 'h', ts: 0, features: {} }, { key: null }));
    builder.add(message(exampleEvent()));
    const { batches } = builder.build();
    expect([...batches.keys()].sort()).toEqual(['credit-risk', 'house-price']);
    expect(batches.get('credit-risk')!.rowCount).toBe(2);
    expect(batches.get('house-price')!.rowCount).toBe(1);
  });

  it('starts afresh after build', () => {
    const builder = new PredictionBatchBuilder(MODELS);
    builder.add(message(exampleEvent()));
    builder.add(message('nope'));
    expect(builder.pending).toBe(2);
    expect(builder.build().batches.get(CREDIT.id)!.rowCount).toBe(1);
    expect(builder.pending).toBe(0);
    builder.add(message({ ...exampleEvent(), id: 'second' }));
    const next = builder.build();
    expect(next.batches.get(CREDIT.id)!.ids).toEqual(['second']);
    expect(next.deadLetters).toEqual([]);
    expect(builder.build().batches.size).toBe(0);
  });

  it('grows past its expected size', () => {
    const builder = new PredictionBatchBuilder(MODELS, { expectedRows: 0 });
    for (let i = 0; i < 5000; i++)
      builder.add(
        message({ ...exampleEvent(), id: `r${i}`, score: (i % 100) / 100, features: { age: i, region: `r${i % 7}` } }),
      );
    const batch = builder.build().batches.get(CREDIT.id)!;
    expect(batch.rowCount).toBe(5000);
    expect(batch.ids[4999]).toBe('r4999');
    expect(numeric(batch.table, 'age')).toEqual(Array.from({ length: 5000 }, (_, i) => i));
    expect(categories(batch.table, 'region')[4999]).toBe('r1');
    for (const column of batch.table.columns.values()) {
      expect(column.kind === 'numeric' ? column.values.length : column.codes.length).toBe(5000);
    }
  });
});

describe('PredictionBatchBuilder: dead letters', () => {
  const reasons: [string, unknown, keyof typeof ERROR_CODES, string][] = [
    ['not JSON', '{"model": "credit-risk", ', 'VIGIL_DECODE_INVALID_JSON', 'value: not valid JSON ('],
    ['an empty value', '', 'VIGIL_DECODE_INVALID_JSON', 'value: empty (a null or zero-length message)'],
    [
      'bytes that are not UTF-8',
      Buffer.from([0x7b, 0xff, 0x7d]),
      'VIGIL_DECODE_INVALID_JSON',
      'value: not valid UTF-8',
    ],
    ['an array', '[1, 2]', 'VIGIL_DECODE_WRONG_TYPE', 'value: expected a JSON object, got an array'],
    ['a string', '"credit-risk"', 'VIGIL_DECODE_WRONG_TYPE', 'value: expected a JSON object, got "credit-risk"'],
    [
      'no model',
      { ...exampleEvent(), model: undefined },
      'VIGIL_DECODE_MISSING_FIELD',
      'field "model": required, but absent',
    ],
    [
      'a null model',
      { ...exampleEvent(), model: null },
      'VIGIL_DECODE_MISSING_FIELD',
      'field "model": required, got null',
    ],
    [
      'a numeric model',
      { ...exampleEvent(), model: 3 },
      'VIGIL_DECODE_WRONG_TYPE',
      'field "model": expected a string, got 3',
    ],
    [
      'an unknown model',
      { ...exampleEvent(), model: 'fraud' },
      'VIGIL_DECODE_UNKNOWN_MODEL',
      'field "model": unknown model "fraud"',
    ],
    [
      'a mistyped model (the closest configured id suggested, as configuration errors do)',
      { ...exampleEvent(), model: 'credit-rsik' },
      'VIGIL_DECODE_UNKNOWN_MODEL',
      'field "model": unknown model "credit-rsik" (did you mean "credit-risk"?)',
    ],
    ['no id', { ...exampleEvent(), id: undefined }, 'VIGIL_DECODE_MISSING_FIELD', 'field "id": required, but absent'],
    ['an empty id', { ...exampleEvent(), id: '' }, 'VIGIL_DECODE_MISSING_FIELD', 'field "id": required, got ""'],
    [
      'an object id',
      { ...exampleEvent(), id: { a: 1 } },
      'VIGIL_DECODE_WRONG_TYPE',
      'field "id": expected a string, got an object',
    ],
    ['no ts', { ...exampleEvent(), ts: undefined }, 'VIGIL_DECODE_MISSING_FIELD', 'field "ts": required, but absent'],
    [
      'a free-form ts',
      { ...exampleEvent(), ts: 'yesterday' },
      'VIGIL_DECODE_WRONG_TYPE',
      'field "ts": expected an ISO-8601 timestamp or epoch milliseconds, got "yesterday"',
    ],
    [
      'an impossible date',
      { ...exampleEvent(), ts: '2026-02-30T00:00:00Z' },
      'VIGIL_DECODE_WRONG_TYPE',
      'field "ts": expected an ISO-8601 timestamp or epoch milliseconds, got "2026-02-30T00:00:00Z"',
    ],
    [
      'a boolean ts',
      { ...exampleEvent(), ts: true },
      'VIGIL_DECODE_WRONG_TYPE',
      'field "ts": expected an ISO-8601 timestamp or epoch milliseconds, got true',
    ],
    [
      'a ts past the Date range',
      { ...exampleEvent(), ts: 1e17 },
      'VIGIL_DECODE_OUT_OF_RANGE',
      'field "ts": expected epoch milliseconds within ±8640000000000000, got 100000000000000000',
    ],
    [
      'no features',
      { ...exampleEvent(), features: undefined },
      'VIGIL_DECODE_MISSING_FIELD',
      'field "features": required, but absent',
    ],
    [
      'features as an array',
      { ...exampleEvent(), features: [41] },
      'VIGIL_DECODE_WRONG_TYPE',
      'field "features": expected an object, got an array',
    ],
    [
      'a string for a numeric feature',
      withFeatures({ age: 'high' }),
      'VIGIL_DECODE_WRONG_TYPE',
      'field "features.age": expected a number, got "high"',
    ],
    [
      'a numeric string for a numeric feature',
      withFeatures({ income: '52000' }),
      'VIGIL_DECODE_WRONG_TYPE',
      'field "features.income": expected a number, got "52000"',
    ],
    [
      'an overflowing number',
      '{"model":"credit-risk","id":"x","ts":0,"features":{"age":1e999}}',
      'VIGIL_DECODE_OUT_OF_RANGE',
      'field "features.age": expected a finite number, got Infinity',
    ],
    [
      'an object for a categorical feature',
      withFeatures({ region: { name: 'north' } }),
      'VIGIL_DECODE_WRONG_TYPE',
      'field "features.region": expected a string, got an object',
    ],
    [
      'a long string, quoted in part',
      withFeatures({ age: 'x'.repeat(1000) }),
      'VIGIL_DECODE_WRONG_TYPE',
      `field "features.age": expected a number, got "${'x'.repeat(40)}…"`,
    ],
    [
      'a numeric version that is not finite',
      '{"model":"credit-risk","id":"x","ts":0,"features":{},"version":-1e400}',
      'VIGIL_DECODE_OUT_OF_RANGE',
      'field "version": expected a finite number, got -Infinity',
    ],
    [
      'an array version',
      { ...exampleEvent(), version: ['7'] },
      'VIGIL_DECODE_WRONG_TYPE',
      'field "version": expected a string, got an array',
    ],
    [
      'a string score',
      { ...exampleEvent(), score: '0.8' },
      'VIGIL_DECODE_WRONG_TYPE',
      'field "score": expected a number, got "0.8"',
    ],
    [
      'a binary score above 1',
      { ...exampleEvent(), score: 1.5 },
      'VIGIL_DECODE_OUT_OF_RANGE',
      'field "score": expected a probability in [0, 1], got 1.5',
    ],
    [
      'a binary score below 0',
      { ...exampleEvent(), score: -0.1 },
      'VIGIL_DECODE_OUT_OF_RANGE',
      'field "score": expected a probability in [0, 1], got -0.1',
    ],
    [
      'a binary prediction of 2',
      { ...exampleEvent(), prediction: 2 },
      'VIGIL_DECODE_OUT_OF_RANGE',
      'field "prediction": expected 0 or 1, got 2',
    ],
    [
      'a string prediction',
      { ...exampleEvent(), prediction: 'yes' },
      'VIGIL_DECODE_WRONG_TYPE',
      'field "prediction": expected 0, 1 or a boolean, got "yes"',
    ],
    [
      'a binary label of 0.5',
      { ...exampleEvent(), label: 0.5 },
      'VIGIL_DECODE_OUT_OF_RANGE',
      'field "label": expected 0 or 1, got 0.5',
    ],
    [
      'a string label',
      { ...exampleEvent(), label: '1' },
      'VIGIL_DECODE_WRONG_TYPE',
      'field "label": expected 0, 1 or a boolean, got "1"',
    ],
    [
      'groups as a string',
      { ...exampleEvent(), groups: 'female' },
      'VIGIL_DECODE_WRONG_TYPE',
      'field "groups": expected an object, got "female"',
    ],
    [
      'an object group value',
      { ...exampleEvent(), groups: { sex: { v: 'f' } } },
      'VIGIL_DECODE_WRONG_TYPE',
      'field "groups.sex": expected a string, got an object',
    ],
    [
      'an array group value',
      { ...exampleEvent(), groups: { age_band: [40, 49] } },
      'VIGIL_DECODE_WRONG_TYPE',
      'field "groups.age_band": expected a string, got an array',
    ],
    [
      'attributions as a list',
      { ...exampleEvent(), attributions: [0.1, 0.2] },
      'VIGIL_DECODE_WRONG_TYPE',
      'field "attributions": expected an object, got an array',
    ],
    [
      'a string attribution',
      { ...exampleEvent(), attributions: { age: '0.1' } },
      'VIGIL_DECODE_WRONG_TYPE',
      'field "attributions.age": expected a number, got "0.1"',
    ],
    [
      'a boolean attribution',
      { ...exampleEvent(), attributions: { region: true } },
      'VIGIL_DECODE_WRONG_TYPE',
      'field "attributions.region": expected a number, got true',
    ],
    [
      'an overflowing attribution',
      '{"model":"credit-risk","id":"x","ts":0,"features":{},"attributions":{"income":-1e999}}',
      'VIGIL_DECODE_OUT_OF_RANGE',
      'field "attributions.income": expected a finite number, got -Infinity',
    ],
  ];

  it.each(reasons)('refuses %s', (_, event, code, reason) => {
    const refused = refuse(event);
    expect(refused.code).toBe(code);
    if (reason.endsWith('(')) expect(refused.reason.startsWith(reason)).toBe(true);
    else expect(refused.reason).toBe(reason);
  });

  it('refuses regression outcomes that are not finite numbers', () => {
    const base = { model: 'house-price', id: 'h', ts: 0, features: {} };
    const builder = new PredictionBatchBuilder(MODELS);
    builder.add(message({ ...base, score: true }));
    builder.add(message({ ...base, prediction: '3' }));
    builder.add(message('{"model":"house-price","id":"h","ts":0,"features":{},"label":1e999}'));
    expect(builder.build().deadLetters.map((d) => [d.code, d.reason])).toEqual([
      ['VIGIL_DECODE_WRONG_TYPE', 'field "score": expected a number, got true'],
      ['VIGIL_DECODE_WRONG_TYPE', 'field "prediction": expected a number, got "3"'],
      ['VIGIL_DECODE_OUT_OF_RANGE', 'field "label": expected a finite number, got Infinity'],
    ]);
  });

  it('refuses text with a lone surrogate, which would be stored as U+FFFD (found by test/chaos/decoder-fuzz)', () => {
    // JSON can spell "\ud800"; the column dictionaries encode categories as UTF-8, where "a\ud800", "a\udc00" and
    // "a\ufffd" used to become one category.
    const builder = new PredictionBatchBuilder(MODELS);
    const event = JSON.stringify(exampleEvent());
    builder.add(message(event.replace('"version":"7"', '"version":"7\\ud800"')));
    builder.add(message(event.replace('"region":"north"', '"region":"\\udc00north"')));
    builder.add(message(event.replace('"sex":"female"', '"sex":"fe\\ud83dmale"')));
    builder.add(message(event.replace('"id":"req-000123"', '"id":"req-\\ud800"')));
    builder.add(message(event.replace('"region":"north"', '"region":"\\ud83d\\ude00"')));
    const built = builder.build();
    expect(built.deadLetters.map((d) => [d.code, d.reason])).toEqual([
      [
        'VIGIL_DECODE_OUT_OF_RANGE',
        'field "version": expected well-formed Unicode text (no lone surrogate), got "7\\ud800"',
      ],
      [
        'VIGIL_DECODE_OUT_OF_RANGE',
        'field "features.region": expected well-formed Unicode text (no lone surrogate), got "\\udc00north"',
      ],
      [
        'VIGIL_DECODE_OUT_OF_RANGE',
        'field "groups.sex": expected well-formed Unicode text (no lone surrogate), got "fe\\ud83dmale"',
      ],
      [
        'VIGIL_DECODE_OUT_OF_RANGE',
        'field "id": expected well-formed Unicode text (no lone surrogate), got "req-\\ud800"',
      ],
    ]);
    // A surrogate pair is a character like any other.
    expect(categories(built.batches.get(CREDIT.id)!.table, 'region')).toEqual(['\u{1F600}']);
  });

  it('refuses a null value (a tombstone)', () => {
    const builder = new PredictionBatchBuilder(MODELS);
    builder.add(message('', { value: null }));
    const [letter] = builder.build().deadLetters;
    expect(letter).toMatchObject({ code: 'VIGIL_DECODE_INVALID_JSON', rawBytes: 0, raw: Buffer.alloc(0) });
  });

  it('refuses a value over maxMessageBytes without parsing it', () => {
    const builder = new PredictionBatchBuilder(MODELS, { maxMessageBytes: 100 });
    const parse = jest.spyOn(JSON, 'parse');
    try {
      builder.add(message(`{"model": "${'x'.repeat(200)}"`)); // 212 bytes, and not even JSON
      expect(parse).not.toHaveBeenCalled();
    } finally {
      parse.mockRestore();
    }
    const [letter] = builder.build().deadLetters;
    expect(letter!.code).toBe('VIGIL_DECODE_TOO_LARGE');
    expect(letter!.reason).toBe('value: 212 bytes, over the limit of 100 bytes');
  });

  it('accepts a value of exactly maxMessageBytes, and one with a byte-order mark', () => {
    const text = JSON.stringify(exampleEvent());
    const builder = new PredictionBatchBuilder(MODELS, { maxMessageBytes: Buffer.byteLength(text) + 3 });
    builder.add(message(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text)])));
    expect(builder.build().batches.get(CREDIT.id)!.rowCount).toBe(1);
  });

  it('keeps where the message came from, its key, and its first bytes', () => {
    const builder = new PredictionBatchBuilder(MODELS, { maxDeadLetterBytes: 16 });
    const value = Buffer.from(JSON.stringify({ ...exampleEvent(), score: 7 }));
    builder.add({
      topic: 'vigil.predictions',
      partition: 3,
      offset: '9007199254740993',
      key: Buffer.from('credit-risk'),
      value,
      timestamp: '5',
    });
    builder.add({
      topic: 'vigil.predictions',
      partition: 3,
      offset: '9007199254740994',
      key: null,
      value: Buffer.from('{}'),
    });
    const [first, second] = builder.build().deadLetters;
    expect(first).toEqual({
      topic: 'vigil.predictions',
      partition: 3,
      offset: '9007199254740993',
      key: Buffer.from('credit-risk'),
      timestamp: '5',
      model: 'credit-risk',
      code: 'VIGIL_DECODE_OUT_OF_RANGE',
      reason: 'field "score": expected a probability in [0, 1], got 7',
      raw: value.subarray(0, 16),
      rawBytes: value.length,
    });
    const kept = Buffer.from(first!.raw);
    value.fill(0);
    expect(first!.raw).toEqual(kept);
    expect(second).toMatchObject({
      key: null,
      timestamp: undefined,
      model: null,
      code: 'VIGIL_DECODE_MISSING_FIELD',
      raw: Buffer.from('{}'),
      rawBytes: 2,
    });
  });

  it('keeps 64 KiB of a value by default', () => {
    const builder = new PredictionBatchBuilder(MODELS);
    builder.add(message(`"${'y'.repeat(100_000)}"`));
    const [letter] = builder.build().deadLetters;
    expect(letter!.raw.length).toBe(65536);
    expect(letter!.rawBytes).toBe(100_002);
  });

  it('leaves no trace of a bad event in the rows of the others', () => {
    const good = (id: string): Record<string, unknown> => ({
      ...exampleEvent(),
      id,
      features: { age: Number(id), income: 1, region: `r${id}` },
    });
    const { batch, deadLetters } = decode(
      good('1'),
      // Fails at its last feature, after the first ones were read.
      { ...good('2'), features: { age: 2, income: 2, region: [] } },
      good('3'),
      // Fails at the groups, after every feature and outcome was read.
      { ...good('4'), groups: { sex: {} } },
      good('5'),
    );
    expect(deadLetters.map((d) => d.offset)).toHaveLength(2);
    expect(batch!.ids).toEqual(['1', '3', '5']);
    expect(numeric(batch!.table, 'age')).toEqual([1, 3, 5]);
    expect(categories(batch!.table, 'region')).toEqual(['r1', 'r3', 'r5']);
    expect(categories(batch!.table, '$group.sex')).toEqual(['female', 'female', 'female']);
  });
});

describe('PredictionBatchBuilder: configuration', () => {
  it('refuses models whose features would collide with the reserved columns, and bad limits', () => {
    const models = new Map<string, ModelDefinition>([
      ['m', { ...CREDIT, id: 'm', features: { $score: 'numeric' } }],
      ['alias', CREDIT],
    ]);
    let thrown: unknown;
    try {
      new PredictionBatchBuilder(models, { expectedRows: -1 });
    } catch (error) {
      thrown = error;
    }
    expect(isVigilError(thrown, 'VIGIL_CONFIG_INVALID')).toBe(true);
    expect((thrown as { details: { problems: string[] } }).details.problems).toEqual([
      'expectedRows: expected a non-negative integer, got -1',
      'model "m": feature "$score" starts with "$", reserved for decoder columns',
      'model "credit-risk" is registered under another id, "alias"',
    ]);
    expect(() => new PredictionBatchBuilder(MODELS, { maxMessageBytes: 0, maxDeadLetterBytes: 1.5 })).toThrow(
      'invalid decode options: maxMessageBytes: expected a positive integer, got 0; maxDeadLetterBytes: expected a positive integer, got 1.5',
    );
  });
});
