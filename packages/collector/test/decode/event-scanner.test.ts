import fc from 'fast-check';
import type { Column, FeatureKind, ModelDefinition } from '@vigil/core';
import {
  type BuiltPredictions,
  PredictionBatchBuilder,
  type PredictionBatchBuilderOptions,
  type RawMessage,
} from '@vigil/collector';
import { CREDIT, HOUSE, exampleEvent, message } from './decode-helpers';

/**
 * The fast path (event-scanner.ts, json-bytes.ts) against the `JSON.parse` path it shortcuts: the same messages
 * through a builder with `scan: false` and one with the default must give the same batches — ids, times, every
 * cell bit for bit (-0 and NaN included), category order — and the same dead letters, reasons included.
 */

// A model whose names are members of Object.prototype, and one with a feature spelled with non-ASCII characters.
const PROTO: ModelDefinition = {
  id: 'constructor',
  task: 'binary',
  threshold: 0.3,
  features: Object.fromEntries([
    ['toString', 'numeric'],
    ['__proto__', 'categorical'],
    ['âge', 'numeric'],
  ]) as Record<string, FeatureKind>,
  groups: ['valueOf', 'hasOwnProperty*région'],
};
const MODELS: ReadonlyMap<string, ModelDefinition> = new Map([CREDIT, HOUSE, PROTO].map((m) => [m.id, m]));
const OPTIONS: PredictionBatchBuilderOptions = {
  maxMessageBytes: 8192,
  maxDeadLetterBytes: 128,
  maxFutureMs: 1e13,
  now: () => 1.7e12,
  expectedRows: 4,
};

function decode(messages: readonly RawMessage[], scan: boolean): BuiltPredictions {
  const builder = new PredictionBatchBuilder(MODELS, { ...OPTIONS, scan });
  for (const m of messages) builder.add(m);
  return builder.build();
}

function cells(column: Column): unknown[] {
  if (column.kind === 'numeric') return Array.from(column.values, (v) => (Object.is(v, -0) ? '-0' : v));
  return [[...column.codes], column.categories];
}

/** Everything a build holds, in a form `toEqual` compares exactly. */
function snapshot(built: BuiltPredictions): unknown {
  return {
    batches: [...built.batches].map(([id, b]) => ({
      id,
      rowCount: b.rowCount,
      ids: b.ids,
      ts: Array.from(b.ts, (v) => (Object.is(v, -0) ? '-0' : v)),
      source: b.table.source,
      columns: [...b.table.columns].map(([name, c]) => [name, c.kind, cells(c)]),
      absent: [...b.absentFeatures],
      unknown: b.unknownFeatures,
    })),
    deadLetters: built.deadLetters,
  };
}

function expectSame(messages: readonly RawMessage[]): BuiltPredictions {
  const fast = decode(messages, true);
  expect(snapshot(fast)).toEqual(snapshot(decode(messages, false)));
  return fast;
}

const ROWS_OF = (built: BuiltPredictions): number => [...built.batches.values()].reduce((n, b) => n + b.rowCount, 0);

describe('the decoder fast path', () => {
  it('reads the plain events of the benchmark without JSON.parse, as JSON.parse would', () => {
    const texts = [
      exampleEvent(),
      { ...exampleEvent(), ts: 1795860000123, version: null, prediction: true, label: false, score: 0 },
      { ...exampleEvent(), attributions: { age: -0.5, income: 1e-9, region: null, other: 'x' } },
      { ...exampleEvent(), features: { region: 'south', income: null, age: -0 }, groups: null },
      {
        ...exampleEvent(),
        features: { age: true, income: false, region: 'é🙂' },
        groups: { age_band: null, sex: 'x', other: [1, { a: '\n' }] },
      },
      {
        ...exampleEvent(),
        model: 'house-price',
        score: -3.5e-7,
        prediction: 12345.678,
        label: 1e21,
        features: { rooms: 3, city: 'Oslo' },
      },
      {
        model: 'constructor',
        id: 'p',
        ts: '2026-11-22',
        features: Object.fromEntries([
          ['__proto__', 'x'],
          ['toString', 2],
          ['âge', 0.1],
        ]),
        groups: { valueOf: 'v', région: 'r' },
      },
    ].map((e) => message(JSON.stringify(e)));
    const parse = jest.spyOn(JSON, 'parse');
    try {
      const built = decode(texts, true);
      expect(parse).not.toHaveBeenCalled();
      expect(ROWS_OF(built)).toBe(texts.length);
    } finally {
      parse.mockRestore();
    }
    expectSame(texts);
  });

  it.each([
    [
      'numbers JSON spells in every way',
      '{"model":"house-price","id":"n","ts":1E3,"features":{"rooms":0.30000000000000004,"city":"a"},"score":-0.0,"prediction":1.7976931348623157e308,"label":5e-324}',
    ],
    [
      'a long decimal',
      '{"model":"house-price","id":"n","ts":0,"features":{"rooms":123456789012345678901234567890.123456789},"score":1e-400,"label":2.2250738585072011e-308}',
    ],
    ['a number too large to be finite', '{"model":"house-price","id":"n","ts":0,"features":{"rooms":1e999}}'],
    [
      'whitespace everywhere and a byte-order mark',
      '\ufeff \t\r\n{ "model" : "credit-risk" ,\n"id":"w" , "ts" : 5 , "features" : { "age" : 1 , "region" : "n" } }\n ',
    ],
    [
      'escapes in values and keys',
      '{"model":"credit-risk","id":"a\\"b","ts":1,"features":{"region":"\\u00e9","\\u0061ge":2},"groups":{"sex":"\\ud83d\\ude42"}}',
    ],
    ['a lone surrogate escape', '{"model":"credit-risk","id":"x","ts":1,"features":{"region":"\\ud800"}}'],
    ['a field given twice', '{"model":"credit-risk","id":"x","ts":1,"features":{"age":1},"features":{"income":2}}'],
    [
      'a feature given twice',
      '{"model":"credit-risk","id":"x","ts":1,"features":{"age":1,"region":"a","age":null,"region":null,"region":"b"}}',
    ],
    ['an unknown model', '{"model":"nope","id":"x","ts":1,"features":{}}'],
    ['the model last', '{"id":"x","ts":1,"features":{"age":3},"model":"credit-risk"}'],
    ['a number id', '{"model":"credit-risk","id":1e21,"ts":1,"features":{}}'],
    ['an empty id', '{"model":"credit-risk","id":"","ts":1,"features":{}}'],
    ['a categorical number', '{"model":"credit-risk","id":"x","ts":1,"features":{"region":1.0}}'],
    ['a score out of range', '{"model":"credit-risk","id":"x","ts":1,"features":{},"score":1.5}'],
    ['a label of 2', '{"model":"credit-risk","id":"x","ts":1,"features":{},"label":2}'],
    ['a time in the future', '{"model":"credit-risk","id":"x","ts":9e15,"features":{}}'],
    ['an ISO time out of range', '{"model":"credit-risk","id":"x","ts":"2026-02-30","features":{}}'],
    ['a trailing comma', '{"model":"credit-risk","id":"x","ts":1,"features":{},}'],
    ['trailing garbage', '{"model":"credit-risk","id":"x","ts":1,"features":{}} x'],
    ['two objects', '{"model":"credit-risk","id":"x","ts":1,"features":{}}{}'],
    ['a leading zero', '{"model":"credit-risk","id":"x","ts":01,"features":{}}'],
    ['a bare minus', '{"model":"credit-risk","id":"x","ts":-,"features":{}}'],
    ['a control character in a string', '{"model":"credit-risk","id":"x\u0001","ts":1,"features":{}}'],
    ['features as an array', '{"model":"credit-risk","id":"x","ts":1,"features":[]}'],
    [
      'deep nesting in an unknown key',
      `{"model":"credit-risk","id":"x","ts":1,"features":{},"extra":${'['.repeat(500)}${']'.repeat(500)}}`,
    ],
    ['an array at the top', '[{"model":"credit-risk"}]'],
    ['a literal misspelt', '{"model":"credit-risk","id":"x","ts":1,"features":{"age":nul}}'],
  ])('%s', (_name, text) => {
    expectSame([message(text)]);
  });

  it("a cut event of a model, read by the fast path up to its groups, does not put that model's batch first", () => {
    // Found by the property below (seed 20261130, run 15,364 of 30,000): the fast path made a model's columns as soon
    // as it read the model's id, so a dead letter of credit-risk put its batch before house-price's, where JSON.parse
    // gave house-price first. The batches come in the order of their first row on both paths.
    const messages = [
      message('{"model":"credit-risk","groups":{'),
      message('{"model":"house-price","id":"h","ts":0,"features":{}}'),
      message('{"model":"credit-risk","id":"c","ts":0,"features":{}}'),
    ];
    const built = expectSame(messages);
    expect([...built.batches.keys()]).toEqual(['house-price', 'credit-risk']);
    expect(built.deadLetters.map((d) => d.offset)).toEqual([messages[0]!.offset]);
  });

  it('gives the same rows and dead letters as JSON.parse for generated, mutated and cut events', () => {
    const text = fc.oneof(
      fc.string({ maxLength: 6 }),
      fc.string({ unit: 'grapheme', maxLength: 3 }),
      fc.constantFrom('', 'é', '\u0000', '"', '\\', '__proto__'),
    );
    const number = fc.oneof(
      fc.double(),
      fc.integer(),
      fc.constantFrom(0, -0, 1, 0.1, 1e21, 1e-7, 5e-324, 8.64e15, 1.5),
    );
    const scalar = fc.oneof(text, number, fc.boolean(), fc.constant(null));
    const value = fc.oneof({ weight: 4, arbitrary: scalar }, fc.jsonValue({ maxDepth: 2 }));
    const event = fc.record(
      {
        model: fc.oneof({ weight: 6, arbitrary: fc.constantFrom('credit-risk', 'house-price', 'constructor') }, value),
        id: fc.oneof({ weight: 4, arbitrary: fc.string({ minLength: 1, maxLength: 8 }) }, value),
        ts: fc.oneof(
          { weight: 3, arbitrary: fc.integer({ min: 0, max: 4e12 }) },
          { weight: 2, arbitrary: fc.integer({ min: 0, max: 4e12 }).map((ms) => new Date(ms).toISOString()) },
          value,
        ),
        version: value,
        features: fc.oneof(
          {
            weight: 6,
            // Unknown keys too: integer-like ones (JSON.parse lists them first) and enough names to pass the cap.
            arbitrary: fc.dictionary(
              fc.oneof(
                { weight: 3, arbitrary: fc.constantFrom('age', 'income', 'region', 'rooms', 'city', 'toString') },
                fc.constantFrom('__proto__', 'âge', 'x', '1', '02', '\ud800'),
                fc.string({ maxLength: 4 }),
              ),
              value,
              { maxKeys: 8 },
            ),
          },
          value,
        ),
        score: fc.oneof(fc.double({ min: 0, max: 1, noNaN: true }), value),
        prediction: fc.oneof(fc.constantFrom(0, 1, -0, true, false, null), value),
        label: fc.oneof(fc.constantFrom(0, 1, true, false, null), value),
        groups: fc.oneof(
          fc.dictionary(fc.constantFrom('sex', 'age_band', 'valueOf', 'hasOwnProperty', 'région'), value, {
            maxKeys: 4,
          }),
          value,
        ),
        attributions: fc.oneof(
          {
            weight: 4,
            arbitrary: fc.dictionary(
              fc.constantFrom('age', 'income', 'region', 'rooms', 'city', 'toString', '__proto__', 'âge', 'x'),
              fc.oneof({ weight: 3, arbitrary: number }, scalar),
              { maxKeys: 5 },
            ),
          },
          value,
        ),
      },
      { requiredKeys: [] },
    );
    // Keys written into the text (JSON.stringify drops an assigned __proto__), spaces, and byte-level damage.
    const encoded = fc
      .tuple(event, fc.constantFrom('', ' ', '\n\t'), fc.nat(), fc.nat(6), fc.integer({ min: 0, max: 255 }))
      .map(([e, space, at, how, byte]) => {
        let json = JSON.stringify(e, null, space.length > 0 ? space : undefined);
        json = json.replace('"features":{', '"features":{"__proto__":"p",');
        const bytes = Buffer.from(json);
        const k = bytes.length === 0 ? 0 : at % bytes.length;
        if (how === 1) return bytes.subarray(0, k);
        if (how === 2) return Buffer.concat([bytes.subarray(0, k), Buffer.from([byte]), bytes.subarray(k)]);
        if (how === 3) return Buffer.concat([bytes.subarray(0, k), bytes.subarray(k + 1)]);
        if (how === 4) {
          const copy = Buffer.from(bytes);
          if (copy.length > 0) copy[k] = byte;
          return copy;
        }
        return bytes;
      });
    fc.assert(
      fc.property(fc.array(encoded, { minLength: 1, maxLength: 8 }), (values) => {
        expectSame(values.map((v, i) => ({ ...message(v), offset: String(i) })));
      }),
      { numRuns: 3000, seed: 20261130 },
    );
  });
});
