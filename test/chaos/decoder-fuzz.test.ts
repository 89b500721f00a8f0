/**
 * Issue 6, decoder fuzzing: well over a million prediction messages and a quarter of a million label messages,
 * generated and mutated, through `PredictionBatchBuilder.add` and `decodeLabel`. It extends the 20,000-run fuzz of
 * packages/collector/test/decode/prediction-batch-builder.fuzz.test.ts (which checks invariants) with an oracle:
 *
 * - generated: structured events from fast-check arbitraries, valid ones (which must become rows with exactly the
 *   values sent) and almost-valid ones, a valid event with one field deleted or replaced by junk (wrong types,
 *   NaN strings, huge numbers, 1e999, nested junk, unicode, `__proto__`/`constructor` keys), which must become a
 *   row or a dead letter that names that field; plus messages that are not events at all;
 * - mutated: bytes of valid encoded events with bit flips, truncations, insertions, deletions and duplicated
 *   slices (a seeded PRNG per batch, the batch seed drawn by fast-check).
 *
 * For every message: no throw, exactly one row or one dead letter, dead letters with a VIGIL_DECODE_* code and a
 * reason naming the field (or `value:`), rows that satisfy the contract and hold what the message says, no
 * prototype pollution. The whole file is bounded in time and prints its rate.
 *
 * Deterministic: the seed is printed; `FUZZ_SEED=<seed> npx jest --runInBand test/chaos/decoder-fuzz.test.ts`
 * replays a run, and fast-check prints the seed and path of a failing batch (`FUZZ_PATH=<path>` replays only it);
 * failures also print the message (base64) and its index. `FUZZ_SCALE=<factor>` multiplies the number of batches.
 */
import fc from 'fast-check';
import {
  seededRandom,
  type CategoricalColumn,
  type Column,
  type FeatureKind,
  type ModelDefinition,
  type NumericColumn,
} from '@vigil/core';
import {
  type DeadLetter,
  type LabelEvent,
  type PredictionBatch,
  type RawMessage,
  PredictionBatchBuilder,
  compileDecodeOptions,
  decodeLabel,
  parseIsoTimestamp,
} from '@vigil/collector';

jest.setTimeout(600_000);

const SEED = Number(process.env.FUZZ_SEED ?? 20_261_106);
const PATH = process.env.FUZZ_PATH;
const SCALE = Number(process.env.FUZZ_SCALE ?? 1);
const runs = <T>(n: number): fc.Parameters<T> => ({
  seed: SEED,
  numRuns: Math.max(1, Math.round(n * SCALE)),
  ...(PATH ? { path: PATH } : {}),
});

// ---- Models: a binary one with features and groups named like members of Object.prototype, a regression one,
// and a model whose id is such a member.

const CREDIT: ModelDefinition = {
  id: 'credit-risk',
  task: 'binary',
  threshold: 0.5,
  // Built from entries: an object literal's `constructor` and `toString` keys do not type-check as features.
  features: Object.fromEntries([
    ['age', 'numeric'],
    ['income', 'numeric'],
    ['region', 'categorical'],
    ['constructor', 'numeric'],
    ['toString', 'categorical'],
  ]) as Record<string, FeatureKind>,
  groups: ['sex', 'sex*age_band', 'valueOf'],
};
const HOUSE: ModelDefinition = {
  id: 'house-price',
  task: 'regression',
  threshold: 0.5,
  features: { rooms: 'numeric', city: 'categorical' },
  groups: [],
};
const PROTO: ModelDefinition = {
  id: 'hasOwnProperty',
  task: 'binary',
  threshold: 0.3,
  features: {},
  groups: ['__proto__'],
};
const MODELS: ReadonlyMap<string, ModelDefinition> = new Map([CREDIT, HOUSE, PROTO].map((m) => [m.id, m]));
const GROUP_ATTRIBUTES: Record<string, string[]> = {
  'credit-risk': ['sex', 'age_band', 'valueOf'],
  'house-price': [],
  hasOwnProperty: ['__proto__'],
};

const MAX_MESSAGE_BYTES = 4096;
const MAX_DEAD_LETTER_BYTES = 256;
const NOW = 1.7e12;
const MAX_FUTURE_MS = 4e15;
const LATEST = NOW + MAX_FUTURE_MS;
const MAX_EPOCH_MS = 8.64e15;
const OPTIONS = {
  maxMessageBytes: MAX_MESSAGE_BYTES,
  maxDeadLetterBytes: MAX_DEAD_LETTER_BYTES,
  maxFutureMs: MAX_FUTURE_MS,
  now: () => NOW,
  expectedRows: 256,
};
const LABEL_OPTIONS = compileDecodeOptions({
  maxMessageBytes: MAX_MESSAGE_BYTES,
  maxDeadLetterBytes: MAX_DEAD_LETTER_BYTES,
});

const DECODE_CODES = new Set([
  'VIGIL_DECODE_INVALID_JSON',
  'VIGIL_DECODE_MISSING_FIELD',
  'VIGIL_DECODE_WRONG_TYPE',
  'VIGIL_DECODE_OUT_OF_RANGE',
  'VIGIL_DECODE_UNKNOWN_MODEL',
  'VIGIL_DECODE_TOO_LARGE',
]);
const FIELDS = new Set(['model', 'id', 'ts', 'features', 'score', 'prediction', 'label', 'version', 'groups']);
for (const m of MODELS.values()) {
  for (const f of Object.keys(m.features)) FIELDS.add(`features.${f}`);
  for (const g of GROUP_ATTRIBUTES[m.id]!) FIELDS.add(`groups.${g}`);
}

// ---- Generated events.

type Json = unknown;
type Event = Record<string, unknown>;

function define(object: Event, key: string, value: Json): void {
  Object.defineProperty(object, key, { value, enumerable: true, writable: true, configurable: true });
}

/** Numbers JSON cannot spell: written as placeholders, replaced in the text (1e999 parses as Infinity). */
const HUGE = '"\u0001HUGE\u0001"';
const NEG_HUGE = '"\u0001NEGHUGE\u0001"';
const writeJson = (value: unknown): string =>
  JSON.stringify(value).replaceAll(HUGE, '1e999').replaceAll(NEG_HUGE, '-1e999');
/**
 * Whether a JSON text is free of lone surrogates, which JSON.stringify writes as `\udXXX` escapes (pairs are written
 * as they are). Text with one is refused by the decoder wherever it is kept (id, version, categories, groups).
 */
const wellFormed = (json: string): boolean => !/\\u[dD][89a-fA-F]/.test(json);

const PROTO_KEYS = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'valueOf'];
const text = fc.oneof(
  { weight: 3, arbitrary: fc.string({ maxLength: 10 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 6 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 6 }) },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      ...PROTO_KEYS,
      '',
      'NaN',
      'null',
      'Infinity',
      '1e5',
      '0x10',
      ' 1',
      'é',
      '🙂',
      '\u0000',
      '\ufeff',
    ),
  },
);
const finite = fc.double({ noNaN: true, noDefaultInfinity: true });
const isoTime = fc
  .date({ min: new Date('0000-01-01T00:00:00.000Z'), max: new Date('9999-12-31T23:59:59.999Z'), noInvalidDate: true })
  .chain((d) =>
    fc.constantFrom(
      d.toISOString(),
      d.toISOString().slice(0, 10),
      d.toISOString().replace('Z', '+00:00'),
      d.toISOString().slice(0, 19),
    ),
  );

const categoricalValue = fc.oneof(text, fc.integer(), finite, fc.boolean(), fc.constant(null));
const numericValue = fc.oneof(
  finite,
  fc.integer(),
  fc.boolean(),
  fc.constant(null),
  fc.constantFrom(0, -0, 1e308, -1e308, 5e-324),
);

/** A valid event of `model`: it must become a row holding exactly these values. */
function validEvent(model: ModelDefinition): fc.Arbitrary<Event> {
  const binary = model.task === 'binary';
  const features: Record<string, fc.Arbitrary<Json>> = {};
  for (const [name, kind] of Object.entries(model.features))
    features[name] = kind === 'numeric' ? numericValue : categoricalValue;
  const attributes = GROUP_ATTRIBUTES[model.id]!;
  const groupValue = fc.option(fc.oneof(text, fc.integer(), fc.boolean(), fc.constant(null)), { nil: undefined });
  // Built with defineProperty: the attribute `__proto__` must be a key, not the object's prototype.
  const groups = fc.tuple(...attributes.map(() => groupValue)).map((values) => {
    const out: Event = {};
    attributes.forEach((attribute, i) => values[i] !== undefined && define(out, attribute, values[i]));
    return out;
  });
  const outcome = binary ? fc.constantFrom<Json>(0, 1, -0, true, false, null) : fc.oneof(finite, fc.constant(null));
  return fc.record(
    {
      model: fc.constant(model.id),
      id: fc.oneof(
        fc.string({ minLength: 1, maxLength: 16 }),
        fc.integer(),
        finite,
        fc.string({ unit: 'grapheme', minLength: 1, maxLength: 4 }),
      ),
      ts: fc.oneof(
        { weight: 3, arbitrary: fc.integer({ min: 0, max: 4e12 }) },
        fc.integer({ min: -MAX_EPOCH_MS, max: MAX_EPOCH_MS }),
        fc.double({ min: -MAX_EPOCH_MS, max: MAX_EPOCH_MS, noNaN: true }),
        { weight: 2, arbitrary: isoTime },
      ),
      version: fc.oneof(text, fc.integer(), finite, fc.constant(null)),
      features: fc.record(features, { requiredKeys: [] }).chain((f) =>
        // Keys that are not features are ignored, whatever they hold.
        fc
          .dictionary(
            fc.constantFrom('extra', 'other', 'constructor ', 'hasOwnProperty', 'region2'),
            fc.jsonValue({ maxDepth: 2 }),
            { maxKeys: 2 },
          )
          .map((extra) => ({ ...extra, ...f })),
      ),
      score: binary
        ? fc.oneof(fc.double({ min: 0, max: 1, noNaN: true }), fc.constantFrom(0, 1, null))
        : fc.oneof(finite, fc.constant(null)),
      prediction: outcome,
      label: outcome,
      groups: fc.oneof({ weight: 4, arbitrary: groups }, fc.constant(null)),
    },
    { requiredKeys: ['model', 'id', 'ts', 'features'] },
  );
}

const VALID = fc.oneof(validEvent(CREDIT), validEvent(HOUSE), validEvent(PROTO));

/** Junk for one field: wrong types, NaN strings, huge numbers, nested junk, unicode, prototype keys. */
const junk: fc.Arbitrary<Json> = fc.oneof(
  fc.constantFrom<Json>(
    'NaN',
    'Infinity',
    '-Infinity',
    '1e999',
    '',
    ' ',
    '0',
    '1',
    'true',
    'null',
    '2026-13-01',
    '2026-02-30T00:00:00Z',
    '12:00',
    HUGE,
    NEG_HUGE,
    1e308,
    -1e308,
    2,
    -1,
    0.5,
    1.0000001,
    8.64e15 + 1,
    -8.64e15 - 2,
    Number.MAX_SAFE_INTEGER + 2,
    [],
    {},
    [null],
    { '': null },
    true,
    false,
  ),
  fc.jsonValue({ maxDepth: 3 }),
  fc.constant(0).map(() => ({ a: { b: { c: [1, { d: 'x'.repeat(50) }] } } })),
  text,
  fc.integer(),
  finite,
  fc.constantFrom(...PROTO_KEYS).map((k): Json => ({ [k]: { polluted: true } })),
);

interface Generated {
  readonly text: string;
  /** Valid: must be a row. Else the field changed: a dead letter must name it (or the whole value). */
  readonly valid: boolean;
  readonly field?: string;
}

/** A valid event with one field deleted or replaced by junk, or a prototype key spliced in. */
const almostValid: fc.Arbitrary<Generated> = fc
  .tuple(VALID, fc.nat(5), junk, fc.constantFrom(...PROTO_KEYS), fc.nat())
  .map(([event, how, value, protoKey, pick]): Generated => {
    const model = MODELS.get(event.model as string)!;
    const top = ['model', 'id', 'ts', 'features', 'score', 'prediction', 'label', 'version', 'groups'];
    const features = Object.keys(model.features);
    const attributes = GROUP_ATTRIBUTES[model.id]!;
    const copy: Event = { ...event, features: { ...(event.features as Event) } };
    // A lone surrogate elsewhere in the event may be what is refused: no expectation then.
    if (!wellFormed(writeJson(event))) {
      copy[top[pick % top.length]!] = value;
      return { text: writeJson(copy), valid: false };
    }
    if (how === 0) {
      const field = ['model', 'id', 'ts', 'features'][pick % 4]!;
      delete copy[field];
      return { text: writeJson(copy), valid: false, field };
    }
    if (how === 1 || (how === 2 && features.length === 0) || (how === 3 && attributes.length === 0)) {
      const field = top[pick % top.length]!;
      copy[field] = value;
      // Another configured model: the event is then checked against that model, and any field may be wrong.
      if (field === 'model' && typeof value === 'string' && MODELS.has(value))
        return { text: writeJson(copy), valid: false };
      return { text: writeJson(copy), valid: false, field };
    }
    if (how === 2) {
      const feature = features[pick % features.length]!;
      (copy.features as Event)[feature] = value;
      return { text: writeJson(copy), valid: false, field: `features.${feature}` };
    }
    if (how === 3) {
      const attribute = attributes[pick % attributes.length]!;
      const groups = event.groups !== null && typeof event.groups === 'object' ? { ...(event.groups as Event) } : {};
      // Assigned with defineProperty: `groups.__proto__ = value` would not add a key.
      define(groups, attribute, value);
      copy.groups = groups;
      return { text: writeJson(copy), valid: false, field: `groups.${attribute}` };
    }
    // A prototype-pollution key at the top and in the features: ignored, so the event stays valid.
    const polluting = writeJson({
      polluted: true,
      prototype: { polluted: true },
      constructor: { prototype: { polluted: true } },
    });
    const json = writeJson(copy);
    const spliced = json
      .replace(
        /"features":\{(\}?)/,
        (_, empty: string) => `"features":{"${protoKey}":${polluting}${empty === '' ? ',' : '}'}`,
      )
      .replace(/^\{/, `{"${protoKey}":${polluting},`);
    // Unless the key is a feature of the model (`constructor`, `toString`): then that feature has the wrong type.
    return Object.hasOwn(model.features, protoKey)
      ? { text: spliced, valid: false, field: `features.${protoKey}` }
      : { text: spliced, valid: true };
  });

/** Messages that are not events: other JSON values, nothing, huge, deeply nested, byte junk. */
const notAnEvent: fc.Arbitrary<Buffer | null> = fc.oneof(
  fc.jsonValue({ maxDepth: 2 }).map((v) => Buffer.from(JSON.stringify(v) ?? 'null')),
  fc.constantFrom<Buffer | null>(
    null,
    Buffer.alloc(0),
    Buffer.from('\ufeff'),
    Buffer.from(' '),
    Buffer.from('{}'),
    Buffer.from('[]'),
    Buffer.from('null'),
    Buffer.from('\ufeff{}'),
    Buffer.from([0xef, 0xbb]),
  ),
  fc.uint8Array({ maxLength: 64 }).map((b) => Buffer.from(b)),
  fc
    .tuple(VALID, fc.integer({ min: MAX_MESSAGE_BYTES - 100, max: MAX_MESSAGE_BYTES + 100 }))
    .map(([e, n]) => Buffer.from(writeJson({ ...e, version: 'v'.repeat(n) }))),
  fc
    .tuple(VALID, fc.integer({ min: 1, max: 2000 }))
    .map(([e, depth]) =>
      Buffer.from(writeJson(e).replace('"features":{', `"features":{"deep":${'['.repeat(depth)}${']'.repeat(depth)},`)),
    ),
);

/** One generated message: what it is, and the value to send. */
type Item = { readonly value: Buffer | null; readonly valid: boolean; readonly field?: string };
const generatedItem: fc.Arbitrary<Item> = fc.oneof(
  {
    weight: 4,
    arbitrary: VALID.map((e): Item => ({ value: Buffer.from(writeJson(e)), valid: wellFormed(writeJson(e)) })),
  },
  {
    weight: 5,
    arbitrary: almostValid.map((g): Item => ({
      value: Buffer.from(g.text),
      valid: g.valid,
      ...(g.field ? { field: g.field } : {}),
    })),
  },
  { weight: 1, arbitrary: notAnEvent.map((value): Item => ({ value, valid: false })) },
);

// ---- Mutated bytes: a small PRNG (seededRandom) per batch, seeded by fast-check, over a pool of valid encodings.

const TOKENS = [
  '"',
  '{',
  '}',
  '[',
  ']',
  ',',
  ':',
  'null',
  '1e999',
  '-',
  '.',
  'e',
  '\\',
  '\\u0000',
  '\\ud800',
  '"__proto__":{"polluted":1},',
  '"constructor":{"prototype":{"polluted":1}},',
  'NaN',
  ' ',
  '\n',
].map((t) => Buffer.from(t));
const BYTES = [0x00, 0xff, 0xc3, 0xe2, 0x80, 0xf0, 0xed, 0xa0, 0xef, 0xbb, 0xbf, 0x22, 0x7b, 0x7d];

function mutate(source: Buffer, random: () => number): Buffer {
  let bytes = Buffer.from(source);
  const edits = 1 + Math.floor(random() * 4);
  for (let e = 0; e < edits; e++) {
    const n = bytes.length;
    const at = Math.floor(random() * (n + 1));
    switch (Math.floor(random() * 6)) {
      case 0: {
        if (n === 0) break;
        const i = Math.min(at, n - 1);
        bytes[i] = bytes[i]! ^ (1 << Math.floor(random() * 8));
        break;
      }
      case 1:
        bytes = bytes.subarray(0, at);
        break;
      case 2: {
        const insert =
          random() < 0.5
            ? TOKENS[Math.floor(random() * TOKENS.length)]!
            : Buffer.from([BYTES[Math.floor(random() * BYTES.length)]!]);
        bytes = Buffer.concat([bytes.subarray(0, at), insert, bytes.subarray(at)]);
        break;
      }
      case 3: {
        const length = Math.floor(random() * 32);
        bytes = Buffer.concat([bytes.subarray(0, at), bytes.subarray(at + length)]);
        break;
      }
      case 4: {
        const from = Math.floor(random() * (n + 1));
        const slice = bytes.subarray(from, from + Math.floor(random() * 64));
        bytes = Buffer.concat([bytes.subarray(0, at), slice, bytes.subarray(at)]);
        break;
      }
      default: {
        // A digit or a quote replaced: numbers change, strings end early.
        if (n === 0) break;
        const i = Math.min(at, n - 1);
        bytes[i] = '0123456789"-.eE'.charCodeAt(Math.floor(random() * 16));
      }
    }
  }
  return bytes;
}

const POOL = fc.sample(VALID, { seed: SEED, numRuns: 4000 }).map((e) => Buffer.from(writeJson(e)));

// ---- The oracle.

const same = (a: number, b: number): boolean => a === b || (Number.isNaN(a) && Number.isNaN(b));
const hasOwn = (o: unknown, k: string): boolean => typeof o === 'object' && o !== null && Object.hasOwn(o, k);
const get = (o: Record<string, unknown>, k: string): unknown => (Object.hasOwn(o, k) ? o[k] : undefined);

function parseValue(value: Buffer): Record<string, unknown> {
  const start = value[0] === 0xef && value[1] === 0xbb && value[2] === 0xbf ? 3 : 0;
  return JSON.parse(value.toString('utf8', start)) as Record<string, unknown>;
}

function cell(column: Column, row: number): number | string | null {
  if (column.kind === 'numeric') return (column as NumericColumn).values[row]!;
  const c = column as CategoricalColumn;
  const code = c.codes[row]!;
  return code === -1 ? null : c.categories[code]!;
}

const asNumber = (v: unknown): number =>
  v === undefined || v === null ? Number.NaN : v === true ? 1 : v === false ? 0 : (v as number);
const asText = (v: unknown): string | null =>
  v === undefined || v === null ? null : typeof v === 'string' ? v : String(v);

/** What is wrong with row `row` of `batch`, decoded from `event`; '' when it holds what the event says. */
function checkRow(batch: PredictionBatch, row: number, event: Record<string, unknown>): string {
  const model = MODELS.get(event.model as string)!;
  const binary = model.task === 'binary';
  const problems: string[] = [];
  const columns = batch.table.columns;
  const id = get(event, 'id');
  if (batch.ids[row] !== (typeof id === 'string' ? id : String(id)) || batch.ids[row] === '')
    problems.push(`id ${batch.ids[row]}`);
  const ts = batch.ts[row]!;
  const tsValue = get(event, 'ts');
  const expectedTs = typeof tsValue === 'number' ? tsValue : parseIsoTimestamp(tsValue as string);
  if (!Number.isFinite(ts) || Math.abs(ts) > MAX_EPOCH_MS || ts > LATEST || !same(ts, expectedTs))
    problems.push(`ts ${ts}, expected ${expectedTs}`);
  const version = get(event, 'version');
  if (cell(columns.get('$version')!, row) !== (asText(version) ?? 'unversioned')) problems.push('version');
  const score = cell(columns.get('$score')!, row) as number;
  if (
    !same(score, asNumber(get(event, 'score'))) ||
    (binary ? !(Number.isNaN(score) || (score >= 0 && score <= 1)) : !(Number.isNaN(score) || Number.isFinite(score)))
  )
    problems.push(`score ${score}`);
  const label = cell(columns.get('$label')!, row) as number;
  if (!same(label, asNumber(get(event, 'label'))) || (binary && !(label === 0 || label === 1 || Number.isNaN(label))))
    problems.push(`label ${label}`);
  const prediction = cell(columns.get('$prediction')!, row) as number;
  const given = get(event, 'prediction');
  const expectedPrediction =
    given !== undefined && given !== null
      ? asNumber(given)
      : Number.isNaN(score)
        ? Number.NaN
        : binary
          ? score >= model.threshold
            ? 1
            : 0
          : score;
  if (
    !same(prediction, expectedPrediction) ||
    (binary && !(prediction === 0 || prediction === 1 || Number.isNaN(prediction)))
  )
    problems.push(`prediction ${prediction}`);
  const features = event.features as Record<string, unknown>;
  for (const [name, kind] of Object.entries(model.features)) {
    const actual = cell(columns.get(name)!, row);
    const value = get(features, name);
    if (
      kind === 'numeric'
        ? !same(actual as number, asNumber(value)) || !(Number.isNaN(actual as number) || Number.isFinite(actual))
        : actual !== asText(value)
    ) {
      problems.push(`features.${name} ${String(actual)}`);
    }
  }
  const groups = get(event, 'groups');
  for (const attribute of GROUP_ATTRIBUTES[model.id]!) {
    const actual = cell(columns.get(`$group.${attribute}`)!, row);
    const value = hasOwn(groups, attribute) ? (groups as Record<string, unknown>)[attribute] : undefined;
    if (actual !== (asText(value) ?? '(missing)')) problems.push(`groups.${attribute} ${String(actual)}`);
  }
  return problems.join(', ');
}

/** What is wrong with a dead letter of `message`; '' when it is well-formed. */
function checkDeadLetter(letter: DeadLetter, message: RawMessage): string {
  const problems: string[] = [];
  if (!DECODE_CODES.has(letter.code)) problems.push(`code ${letter.code}`);
  if (letter.reason.length === 0 || letter.reason.length > 500) problems.push('reason length');
  const named = /^field "([^"]+)": /.exec(letter.reason)?.[1];
  const whole = letter.reason.startsWith('value: ');
  if (letter.code === 'VIGIL_DECODE_INVALID_JSON' || letter.code === 'VIGIL_DECODE_TOO_LARGE') {
    if (!whole) problems.push('reason does not start with "value: "');
  } else if (letter.code === 'VIGIL_DECODE_WRONG_TYPE' ? !whole && named === undefined : named === undefined) {
    problems.push('reason names no field');
  }
  if (named !== undefined && !FIELDS.has(named)) problems.push(`reason names an unknown field ${named}`);
  if (letter.model !== null && !MODELS.has(letter.model)) problems.push(`model ${letter.model}`);
  const value = message.value ?? Buffer.alloc(0);
  if (letter.rawBytes !== value.length || !letter.raw.equals(value.subarray(0, MAX_DEAD_LETTER_BYTES)))
    problems.push('raw');
  if (letter.offset !== message.offset || letter.topic !== message.topic) problems.push('offset');
  return problems.join(', ');
}

function noPollution(): void {
  const probe = {} as Record<string, unknown>;
  if (
    probe['polluted'] !== undefined ||
    (Object.prototype as Record<string, unknown>)['polluted'] !== undefined ||
    ([] as unknown as Record<string, unknown>)['polluted'] !== undefined
  ) {
    throw new Error('Object.prototype was polluted');
  }
  if (Object.getOwnPropertyNames(Object.prototype).length !== PROTOTYPE_NAMES)
    throw new Error(`Object.prototype changed: ${Object.getOwnPropertyNames(Object.prototype).join(', ')}`);
}
const PROTOTYPE_NAMES = Object.getOwnPropertyNames(Object.prototype).length;

// ---- Running batches.

const stats = {
  messages: 0,
  rows: 0,
  deadLetters: 0,
  labels: 0,
  labelRows: 0,
  ms: 0,
  byCode: new Map<string, number>(),
};

function message(value: Buffer | null, index: number, timestamp?: string): RawMessage {
  return {
    topic: 'vigil.predictions',
    partition: index % 3,
    offset: String(index),
    key: null,
    value,
    ...(timestamp === undefined ? {} : { timestamp }),
  };
}

function fail(what: string, m: RawMessage): never {
  throw new Error(
    `${what}\n  message #${m.offset}: ${m.value === null ? 'null' : `base64 ${m.value.toString('base64')}\n  text ${JSON.stringify(m.value.toString('utf8'))}`}`,
  );
}

/** Decodes `items` in one builder and checks every message. */
function decodeBatch(items: readonly Item[]): void {
  const started = performance.now();
  const builder = new PredictionBatchBuilder(MODELS, OPTIONS);
  const messages = items.map((item, i) => message(item.value, i));
  for (let i = 0; i < messages.length; i++) {
    try {
      builder.add(messages[i]!);
    } catch (error) {
      fail(`add threw ${String(error)}`, messages[i]!);
    }
    if (builder.pending !== i + 1)
      fail(`after message ${i}, ${builder.pending} rows and dead letters pending`, messages[i]!);
  }
  const built = builder.build();
  stats.ms += performance.now() - started;
  noPollution();

  const dead = new Map<number, DeadLetter>();
  for (const letter of built.deadLetters) {
    const index = Number(letter.offset);
    if (dead.has(index)) fail('two dead letters', messages[index]!);
    dead.set(index, letter);
    const m = messages[index]!;
    const wrong = checkDeadLetter(letter, m);
    if (wrong !== '') fail(`dead letter ${letter.code} "${letter.reason}": ${wrong}`, m);
    stats.byCode.set(letter.code, (stats.byCode.get(letter.code) ?? 0) + 1);
  }
  const nextRow = new Map<string, number>();
  let rows = 0;
  for (let i = 0; i < messages.length; i++) {
    const item = items[i]!;
    const m = messages[i]!;
    const letter = dead.get(i);
    if (letter !== undefined) {
      if (item.valid) {
        // A valid event is refused only for an event time past the clock plus maxFutureMs.
        const ts = (parseValue(m.value!) as Record<string, unknown>).ts;
        const time = typeof ts === 'number' ? ts : parseIsoTimestamp(ts as string);
        if (!(time > LATEST && letter.reason.startsWith('field "ts"')))
          fail(`valid event refused: ${letter.code} "${letter.reason}"`, m);
      } else if (
        item.field !== undefined &&
        !letter.reason.startsWith(`field "${item.field}"`) &&
        !letter.reason.startsWith(`field "${item.field}.`) &&
        !letter.reason.startsWith('value: ')
      ) {
        // The one field changed is the only thing wrong, except for a ts that a changed field did not move.
        if (!(letter.reason.startsWith('field "ts"') && letter.code === 'VIGIL_DECODE_OUT_OF_RANGE'))
          fail(`${item.field} changed, refused for "${letter.reason}"`, m);
      }
      continue;
    }
    // A row: the event must have been a JSON object of a configured model, and the row must say what it says.
    let event: Record<string, unknown>;
    try {
      event = parseValue(m.value!);
    } catch {
      fail('accepted a value that is not JSON', m);
    }
    const model = typeof event.model === 'string' ? event.model : '';
    const batch = built.batches.get(model);
    const row = nextRow.get(model) ?? 0;
    nextRow.set(model, row + 1);
    if (batch === undefined || row >= batch.rowCount) fail(`no row for an accepted event of ${model}`, m);
    const wrong = checkRow(batch, row, event);
    if (wrong !== '') fail(`row ${row} of ${model}: ${wrong}`, m);
    rows++;
  }
  for (const [model, batch] of built.batches) {
    if (batch.rowCount !== (nextRow.get(model) ?? 0))
      throw new Error(`${model}: ${batch.rowCount} rows for ${nextRow.get(model) ?? 0} accepted events`);
  }
  if (rows + dead.size !== messages.length)
    throw new Error(`${rows} rows and ${dead.size} dead letters for ${messages.length} messages`);
  stats.messages += messages.length;
  stats.rows += rows;
  stats.deadLetters += dead.size;
}

const GENERATED_BATCH = 100;
const MUTATED_BATCH = 1000;

beforeAll(() => {
  console.log(
    `decoder fuzz: seed ${SEED}${PATH ? `, path ${PATH}` : ''}, scale ${SCALE} (FUZZ_SEED=${SEED} npx jest --runInBand test/chaos/decoder-fuzz.test.ts)`,
  );
});

const wallStarted = performance.now();
afterAll(() => {
  const wall = (performance.now() - wallStarted) / 1000;
  const codes = [...stats.byCode]
    .sort((a, b) => b[1] - a[1])
    .map(([c, n]) => `${c.replace('VIGIL_DECODE_', '')} ${n}`)
    .join(', ');
  console.log(
    `decoder fuzz: ${stats.messages} prediction messages (${stats.rows} rows, ${stats.deadLetters} dead letters: ${codes}) and ${stats.labels} label messages (${stats.labelRows} labels) ` +
      `in ${wall.toFixed(1)} s, ${((stats.messages + stats.labels) / wall).toFixed(0)} messages/s overall (generation and checks included); ` +
      `decoding alone ${((stats.messages / stats.ms) * 1000).toFixed(0)} messages/s`,
  );
});

describe('event decoder under fuzzed messages', () => {
  it('generated events: valid ones become rows holding what they say, almost-valid ones a row or a dead letter naming the field', () => {
    fc.assert(
      fc.property(fc.array(generatedItem, { minLength: GENERATED_BATCH, maxLength: GENERATED_BATCH }), (items) =>
        decodeBatch(items),
      ),
      runs(2500),
    );
  });

  it('mutated bytes of valid events: one row or one dead letter each, and rows that say what their bytes say', () => {
    fc.assert(
      fc.property(fc.integer(), (seed) => {
        const random = seededRandom(seed);
        const items: Item[] = [];
        for (let i = 0; i < MUTATED_BATCH; i++)
          items.push({ value: mutate(POOL[Math.floor(random() * POOL.length)]!, random), valid: false });
        decodeBatch(items);
      }),
      runs(800),
    );
  });

  it('label events: generated and mutated, each a label or a dead letter', () => {
    const labelEvent = fc.record(
      {
        model: fc.oneof(
          { weight: 8, arbitrary: fc.constantFrom('credit-risk', 'house-price', 'hasOwnProperty') },
          junk,
        ),
        id: fc.oneof({ weight: 8, arbitrary: fc.oneof(fc.string({ minLength: 1, maxLength: 8 }), fc.integer()) }, junk),
        label: fc.oneof({ weight: 8, arbitrary: fc.constantFrom<Json>(0, 1, -0, true, false, 0.5, 1e6) }, junk),
        ts: fc.oneof(
          { weight: 8, arbitrary: fc.oneof(fc.integer({ min: -MAX_EPOCH_MS, max: MAX_EPOCH_MS }), isoTime) },
          junk,
        ),
      },
      { requiredKeys: [] },
    );
    const timestamp = fc.oneof(
      { weight: 4, arbitrary: fc.integer({ min: 0, max: 4e12 }).map(String) },
      fc.constantFrom(
        undefined,
        '',
        ' ',
        'abc',
        '1e300',
        '-5',
        '0x10',
        'Infinity',
        '8640000000000001',
        '-8640000000000000',
        '1.5',
      ),
    );
    fc.assert(
      fc.property(
        fc.array(fc.tuple(labelEvent, timestamp, fc.nat(), fc.boolean()), { minLength: 100, maxLength: 100 }),
        (cases) => {
          cases.forEach(([event, ts, seed, mutated], i) => {
            const encoded = Buffer.from(writeJson(event));
            const m = {
              ...message(mutated ? mutate(encoded, seededRandom(seed)) : encoded, i, ts),
              topic: 'vigil.labels',
            };
            let decoded: ReturnType<typeof decodeLabel>;
            try {
              decoded = decodeLabel(m, MODELS, LABEL_OPTIONS);
            } catch (error) {
              fail(`decodeLabel threw ${String(error)}`, m);
            }
            stats.labels++;
            if (!decoded.ok) {
              const wrong = checkDeadLetter(decoded.deadLetter, m);
              if (wrong !== '')
                fail(`dead letter ${decoded.deadLetter.code} "${decoded.deadLetter.reason}": ${wrong}`, m);
              if ('label' in decoded) fail('both a label and a dead letter', m);
              return;
            }
            stats.labelRows++;
            const wrong = checkLabel(decoded.label, parseValue(m.value!), ts);
            if (wrong !== '') fail(`label ${JSON.stringify(decoded.label)}: ${wrong}`, m);
          });
          noPollution();
        },
      ),
      runs(2500),
    );
  });
});

function checkLabel(label: LabelEvent, event: Record<string, unknown>, timestamp: string | undefined): string {
  const problems: string[] = [];
  const model = MODELS.get(label.model);
  if (model === undefined || get(event, 'model') !== label.model) problems.push('model');
  const id = get(event, 'id');
  if (label.id === '' || label.id !== (typeof id === 'string' ? id : String(id))) problems.push('id');
  if (model?.task === 'binary' ? !(label.label === 0 || label.label === 1) : !Number.isFinite(label.label))
    problems.push('label out of its domain');
  if (label.label !== asNumber(get(event, 'label'))) problems.push('label value');
  if (!Number.isFinite(label.ts) || Math.abs(label.ts) > MAX_EPOCH_MS) problems.push('ts not a time');
  const ts = get(event, 'ts');
  if (ts === undefined || ts === null) {
    // The Kafka timestamp: epoch milliseconds as an integer string.
    if (timestamp === undefined || !/^-?\d+$/.test(timestamp) || label.ts !== Number(timestamp))
      problems.push(`ts ${label.ts} from the Kafka timestamp ${JSON.stringify(timestamp)}`);
  } else if (!same(label.ts, typeof ts === 'number' ? ts : parseIsoTimestamp(ts as string))) problems.push('ts');
  return problems.join(', ');
}
