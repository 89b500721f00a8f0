/**
 * Issue 6, config fuzzing: many configurations derived from examples/vigil.yaml and from a minimal valid file,
 * each with one or more mutations at known paths (keys deleted, wrong types, unknown keys, bad enums, bad
 * durations, bad URLs, numbers out of range, duplicate model ids, rules naming unknown metrics, features or
 * groups, escalation steps naming unknown notifiers), plus broken YAML and alias bombs. `parseConfig` must refuse
 * each with one VigilError (VIGIL_CONFIG_INVALID) whose message lists every problem as `file:line: path: message`
 * and names the path of every mutation; valid mutations must be accepted; nothing else may be thrown, and no
 * configuration may take long.
 *
 * Deterministic: the seed is printed; `FUZZ_SEED=<seed> npx jest --runInBand test/chaos/config-fuzz.test.ts`
 * replays a run, and fast-check prints the seed and path of a failing case (`FUZZ_PATH=<path>` replays only it).
 * `FUZZ_SCALE=<factor>` multiplies the number of runs.
 */
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type ConfigProblem, type VigilConfig, RULE_METRICS, VigilError, parseConfig } from '@vigil/core';
import { ConfigProblems, childPath } from '../../packages/core/src/config/config-problems';
import { readYaml } from '../../packages/core/src/config/read-yaml';

jest.setTimeout(600_000);

const SEED = Number(process.env.FUZZ_SEED ?? 20_261_106);
const PATH = process.env.FUZZ_PATH;
const SCALE = Number(process.env.FUZZ_SCALE ?? 1);
const runs = <T>(n: number): fc.Parameters<T> => ({
  seed: SEED,
  numRuns: Math.max(1, Math.round(n * SCALE)),
  ...(PATH ? { path: PATH } : {}),
});

const SOURCE = 'vigil.yaml';
const EXAMPLE_TEXT = readFileSync(join(__dirname, '../../examples/vigil.yaml'), 'utf8');
/** The secrets examples/vigil.yaml refers to. No VIGIL_* override, so every value comes from the file. */
const ENV: Record<string, string> = {
  VIGIL_DB_PASSWORD: 'db-pw',
  KAFKA_PASSWORD: 'kafka-pw',
  SLACK_WEBHOOK_URL: 'https://hooks.slack.com/services/T000/B000/slack',
  PAGERDUTY_ROUTING_KEY: 'pd-key',
  SMTP_PASSWORD: 'smtp-pw',
  ADMIN_TOKEN: 'admin-token-0123456789',
  ONCALL_TOKEN: 'oncall-token-0123456789',
};
const MINIMAL_TEXT = `
models:
  - id: m
    task: binary
    owner: { name: Team, webhook: https://hooks.example.com/team }
    features: { age: numeric, region: categorical }
    groups: [sex]
`;

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The plain value of a YAML text, with the environment substituted. */
function plain(text: string): JsonObject {
  const problems = new ConfigProblems(SOURCE);
  const value = readYaml(text, problems, ENV);
  problems.throwIfAny();
  return value as JsonObject;
}

const BASES = { example: plain(EXAMPLE_TEXT), minimal: plain(MINIMAL_TEXT) };
type BaseName = keyof typeof BASES;

// ---- A YAML writer: block style, every key on its own line (so every problem has a line of its own), every string
// double-quoted in JSON syntax (valid YAML), `${` escaped so that no generated text names an environment variable.

function scalar(value: Json | undefined): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'number') {
    if (Number.isNaN(value)) return '.nan';
    if (!Number.isFinite(value)) return value > 0 ? '.inf' : '-.inf';
    return String(value);
  }
  if (typeof value === 'boolean') return String(value);
  return JSON.stringify(value).replaceAll('${', '$${');
}

function afterKey(value: Json, indent: string): string {
  if (Array.isArray(value)) return value.length === 0 ? ' []\n' : `\n${block(value, indent)}`;
  if (isObject(value)) return Object.keys(value).length === 0 ? ' {}\n' : `\n${block(value, indent)}`;
  return ` ${scalar(value)}\n`;
}

function block(value: Json[] | JsonObject, indent: string): string {
  if (Array.isArray(value)) return value.map((item) => `${indent}-${afterKey(item, `${indent}  `)}`).join('');
  return Object.keys(value)
    .map((key) => `${indent}${scalar(key)}:${afterKey(value[key]!, `${indent}  `)}`)
    .join('');
}

const toYaml = (value: JsonObject): string => block(value, '');

// ---- Paths, in parseConfig's spelling (`models[0].rules[1].feature`, `notifiers.oncall`, `features["a b"]`).

interface Node {
  readonly path: string;
  readonly value: Json;
  /** The path with indices as [] and the free names of notifiers, policies and features as *. */
  readonly shape: string;
  readonly parent?: JsonObject | Json[];
  readonly key?: string | number;
}

function shapeOf(path: string): string {
  return path
    .replace(/\[\d+\]/g, '[]')
    .replace(/^(notifiers|escalation)(\.[^.[]+|\["[^"]*"\])/, '$1.*')
    .replace(/\.features(\.[^.[]+|\["[^"]*"\])$/, '.features.*');
}

function nodes(root: JsonObject): Node[] {
  const out: Node[] = [];
  const walk = (value: Json, path: string, parent?: JsonObject | Json[], key?: string | number): void => {
    if (path !== '') out.push({ path, value, shape: shapeOf(path), ...(parent ? { parent, key: key! } : {}) });
    if (Array.isArray(value)) value.forEach((item, i) => walk(item, childPath(path, i), value, i));
    else if (isObject(value)) for (const k of Object.keys(value)) walk(value[k]!, childPath(path, k), value, k);
  };
  walk(root, '');
  return out;
}

function clone<T extends Json>(value: T): T {
  if (Array.isArray(value)) return value.map((v) => clone(v)) as T;
  if (isObject(value)) {
    const out: JsonObject = {};
    for (const key of Object.keys(value)) setKey(out, key, clone(value[key]!));
    return out as T;
  }
  return value;
}

/** `object[key] = value`, also for `__proto__`, which an assignment would turn into a prototype. */
function setKey(object: JsonObject, key: string, value: Json): void {
  Object.defineProperty(object, key, { value, enumerable: true, writable: true, configurable: true });
}

function at(root: JsonObject, path: string): Node | undefined {
  return nodes(root).find((n) => n.path === path);
}

function replace(root: JsonObject, path: string, value: Json): void {
  const node = at(root, path)!;
  if (Array.isArray(node.parent)) node.parent[node.key as number] = value;
  else setKey(node.parent!, node.key as string, value);
}

function remove(root: JsonObject, path: string): void {
  const node = at(root, path)!;
  if (Array.isArray(node.parent)) node.parent.splice(node.key as number, 1);
  else delete node.parent![node.key as string];
}

// ---- What the compiler knows: required keys, enums, durations, URLs, number ranges, key lists.

const REQUIRED = new Set([
  'models',
  'models[].id',
  'models[].task',
  'models[].owner',
  'models[].owner.name',
  'models[].features',
  'models[].rules[].metric',
  'models[].rules[].threshold',
  'models[].rules[].breachesOfWindows.n',
  'models[].rules[].breachesOfWindows.m',
  'kafka.brokers',
  'kafka.sasl.mechanism',
  'kafka.sasl.username',
  'kafka.sasl.password',
  'database.url',
  'redis.url',
  'smtp.url',
  'smtp.from',
  'http.tokens[].name',
  'http.tokens[].role',
  'http.tokens[].token',
  'notifiers.*.type',
  'notifiers.*.to',
  'notifiers.*.routingKey',
  'escalation.*.steps',
  'escalation.*.steps[].after',
  'escalation.*.steps[].notify',
]);

const ENUMS: Record<string, readonly string[]> = {
  'models[].task': ['binary', 'regression'],
  'models[].riskTier': ['high', 'medium', 'low'],
  'models[].features.*': ['numeric', 'categorical'],
  'models[].rules[].severity': ['warning', 'critical'],
  'models[].rules[].comparison': ['>', '>=', '<', '<='],
  'notifiers.*.type': ['webhook', 'slack', 'pagerduty', 'email', 'alertmanager'],
  'kafka.sasl.mechanism': ['plain', 'scram-sha-256', 'scram-sha-512'],
  'http.tokens[].role': ['owner', 'responder', 'admin'],
};

/** Duration paths, and whether zero is refused. */
const DURATIONS: Record<string, boolean> = {
  'models[].window.size': true,
  'models[].window.slide': true,
  'models[].window.allowedLateness': false,
  'escalation.*.steps[].after': false,
  'escalation.*.repeat': true,
};

const URLS: Record<string, readonly string[]> = {
  'models[].owner.webhook': ['https:', 'http:'],
  'notifiers.*.url': ['https:', 'http:'],
  'database.url': ['postgres:', 'postgresql:'],
  'redis.url': ['redis:', 'rediss:'],
  'smtp.url': ['smtp:', 'smtps:'],
};

/** Number paths and whether a value is valid there (binary models only carry a threshold in these bases). */
const NUMBERS: Record<string, (n: number) => boolean> = {
  'models[].threshold': (n) => n >= 0 && n <= 1,
  'models[].minGroupSize': (n) => Number.isInteger(n) && n >= 1,
  'models[].fdr': (n) => n > 0 && n < 1,
  'models[].rules[].minSamples': (n) => Number.isInteger(n) && n >= 1,
  'models[].rules[].breachesOfWindows.n': (n) => Number.isInteger(n) && n >= 1,
  'models[].rules[].breachesOfWindows.m': (n) => Number.isInteger(n) && n >= 1 && n <= 1000,
  'http.port': (n) => Number.isInteger(n) && n >= 0 && n <= 65535,
};

/** Mappings whose keys are names chosen by the user: a new key there is a new feature, notifier or policy. */
const FREE_KEYS = new Set(['notifiers', 'escalation', 'models[].features']);

/** Every key the schema knows, anywhere: a generated "unknown" key is none of these. */
const KNOWN_KEYS = new Set(
  [
    'kafka database redis http smtp notifiers escalation models brokers groupId clientId topics ssl sasl sessionTimeout predictions labels',
    'control deadLetters rejectUnauthorized caFile certFile keyFile mechanism username password url port host tokens readsRequireToken',
    'name role token from type routingKey to steps repeat after notify id task threshold owner riskTier features groups reference window',
    'minGroupSize fdr rules email webhook file size slide allowedLateness metric feature group comparison clearThreshold severity',
    'breachesOfWindows minSamples n m owner',
  ]
    .join(' ')
    .split(' '),
);

// ---- Mutations. Each is applied to a copy of a base and says which path the refusal must name.

interface Mutation {
  readonly kind: string;
  /** The path whose problem is expected; the region (`models[0]`, `kafka`, `notifiers.x`, ...) it belongs to. */
  readonly path: string;
  readonly apply: (root: JsonObject) => void;
  /** Set when the mutation's path is not in the region it depends on (a duplicate of models[0] is models[N]). */
  readonly region?: string;
}

function regionOf(path: string): string {
  return (
    /^(models\[\d+\]|notifiers(\.[^.[]+|\["[^"]*"\])?|escalation(\.[^.[]+|\["[^"]*"\])?|[^.[]+)/.exec(path)?.[0] ?? path
  );
}

const PROTO_NAMES = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'valueOf', 'isPrototypeOf'];
/** Short strings: ASCII, unicode (graphemes, so that YAML writes and reads them back unchanged), prototype names. */
const junkString = fc.oneof(
  fc.string({ maxLength: 12 }),
  fc.string({ unit: 'grapheme', maxLength: 6 }),
  fc.constantFrom(
    ...PROTO_NAMES,
    '',
    ' ',
    'NaN',
    'null',
    '~',
    'true',
    '1e999',
    '-0',
    '\u0000',
    '\t',
    'ä',
    '🙂',
    'ключ',
    '$',
    '*',
  ),
);

/** The mutations that apply to one node, as arbitraries (empty when none does). */
function mutationsAt(root: JsonObject, node: Node): fc.Arbitrary<Mutation>[] {
  const { path, shape, value } = node;
  const out: fc.Arbitrary<Mutation>[] = [];
  if (REQUIRED.has(shape)) out.push(fc.constant({ kind: 'delete required', path, apply: (r) => remove(r, path) }));
  // Wrong types: what the node's type is not. Strings also accept numbers and booleans (YAML `groupId: 42`).
  let wrong: Json[];
  if (typeof value === 'number') wrong = ['abc', true, [1], { a: 1 }, Number.NaN, Infinity, -Infinity];
  else if (typeof value === 'boolean') wrong = ['yes', 1, [true], { a: true }];
  else if (typeof value === 'string') wrong = [[value], { value }, [], {}];
  else if (Array.isArray(value)) wrong = [5, 'text', { a: 1 }, true];
  else wrong = [5, 'text', [1], [] as Json[]];
  out.push(
    fc
      .constantFrom(...wrong)
      .map((w) => ({ kind: `wrong type (${shown(w)})`, path, apply: (r: JsonObject) => replace(r, path, w) })),
  );

  const choices = ENUMS[shape];
  if (choices !== undefined) {
    const bad = fc.oneof(
      fc.constantFrom('Binary', 'regresion', 'HIGH', 'crit', '=>', '==', 'numerical', 'Slack', 'admin ', 'owner\n'),
      junkString,
    );
    out.push(
      bad
        .filter((s) => !choices.includes(s))
        .map((s) => ({ kind: `bad enum ${JSON.stringify(s)}`, path, apply: (r: JsonObject) => replace(r, path, s) })),
    );
  }
  const positive = DURATIONS[shape];
  if (positive !== undefined) {
    const bad = fc.oneof(
      fc.constantFrom<Json>(
        '-5m',
        '5',
        '5 min',
        '1.5ms',
        'abc',
        '',
        'm5',
        '1y',
        '1h 30m',
        'PT5M',
        '-0s',
        '∞',
        5,
        0,
        true,
      ),
      positive ? fc.constantFrom<Json>('0m', '0s', '0ms', '0h0m', '0d') : fc.constant<Json>('-1m'),
      junkString.filter((s) => !/^(\d+(\.\d+)?(ms|s|m|h|d|w))+$/.test(s.trim())),
    );
    out.push(
      bad.map((d) => ({
        kind: `bad duration ${JSON.stringify(d)}`,
        path,
        apply: (r: JsonObject) => replace(r, path, d),
      })),
    );
  }
  const protocols = URLS[shape];
  if (protocols !== undefined) {
    const bad = fc
      .oneof(
        fc.constantFrom(
          'not a url',
          'ftp://example.com/x',
          'http//example.com',
          'https://',
          'mailto:ops@example.com',
          'javascript:alert(1)',
          '//example.com',
          'postgres://db/x',
          'https://hooks.example.com/x',
          'redis://r:6379',
        ),
        junkString,
        junkString.map((s) => `${s}://${s}`),
      )
      .filter((u) => !validUrl(u, protocols));
    out.push(
      bad.map((u) => ({ kind: `bad URL ${JSON.stringify(u)}`, path, apply: (r: JsonObject) => replace(r, path, u) })),
    );
  }
  const valid = NUMBERS[shape];
  if (valid !== undefined) {
    const bad = fc
      .oneof(
        fc.constantFrom(0, -1, 1.5, 2, 1e308, -1e-308, 70_000, 1001, 0.5),
        fc.double(),
        fc.integer({ min: -1e9, max: 1e9 }),
      )
      .filter((n) => !valid(n));
    out.push(
      bad.map((n) => ({ kind: `number out of range ${n}`, path, apply: (r: JsonObject) => replace(r, path, n) })),
    );
  }
  // Unknown keys, in any mapping (a new feature, notifier or policy with a junk value in the free ones).
  if (isObject(value)) {
    const fresh = fc.oneof(fc.stringMatching(/^x[A-Za-z0-9_]{0,8}$/), fc.constantFrom(...PROTO_NAMES), junkString);
    out.push(
      fresh
        .filter(
          (key) =>
            !KNOWN_KEYS.has(key) && !Object.hasOwn(value, key) && (FREE_KEYS.has(shape) || !KNOWN_KEYS.has(key.trim())),
        )
        .map((key) => ({
          kind: `unknown key ${JSON.stringify(key)}`,
          path: childPath(path, key),
          apply: (r: JsonObject) => setKey(at(r, path)!.value as JsonObject, key, 42),
        })),
    );
  }
  // References to what does not exist.
  if (shape === 'models[]' && isObject(value)) out.push(...referenceMutations(root, path, value));
  if (shape === 'escalation.*.steps[].notify' && Array.isArray(value)) {
    const notifiers = Object.keys(isObject(root.notifiers) ? root.notifiers : {});
    out.push(
      unknownName([...notifiers, 'owner']).map((name) => ({
        kind: `unknown notifier ${JSON.stringify(name)}`,
        path: childPath(path, value.length),
        apply: (r: JsonObject) => (at(r, path)!.value as Json[]).push(name),
      })),
    );
  }
  return out;
}

/** Names that are none of `known` (as the compiler compares them, trimmed), prototype members included. */
function unknownName(known: readonly string[]): fc.Arbitrary<string> {
  return fc
    .oneof(
      fc.constantFrom(...PROTO_NAMES, 'Age', 'PSI', 'ps1', 'sex ', 'sex * age_band', 'x'),
      fc.stringMatching(/^[a-z]{1,8}$/),
      junkString,
    )
    .filter((name) => name.trim() !== '' && !known.includes(name.trim()));
}

function referenceMutations(root: JsonObject, path: string, model: JsonObject): fc.Arbitrary<Mutation>[] {
  const features = Object.keys(isObject(model.features) ? model.features : {});
  const groups = (Array.isArray(model.groups) ? model.groups : []).map((g) =>
    String(g)
      .split('*')
      .map((p) => p.trim())
      .join('*'),
  );
  const rules = Array.isArray(model.rules) ? model.rules.length : 0;
  const rulePath = `${path}.rules[${rules}]`;
  const addRule = (rule: JsonObject) => (r: JsonObject) => {
    const m = at(r, path)!.value as JsonObject;
    if (!Array.isArray(m.rules)) setKey(m, 'rules', []);
    (m.rules as Json[]).push(rule);
  };
  const policies = [...Object.keys(isObject(root.escalation) ? root.escalation : {}), 'default'];
  const models = Array.isArray(root.models) ? root.models : [];
  const index = Number(/\[(\d+)\]$/.exec(path)![1]);
  const original = clone(model);
  const list: fc.Arbitrary<Mutation>[] = [
    unknownName(features).map((f) => ({
      kind: `rule on unknown feature ${JSON.stringify(f)}`,
      path: `${rulePath}.feature`,
      apply: addRule({ metric: 'psi', feature: f, threshold: 0.2 }),
    })),
    unknownName(Object.keys(RULE_METRICS)).map((m) => ({
      kind: `rule on unknown metric ${JSON.stringify(m)}`,
      path: `${rulePath}.metric`,
      apply: addRule({ metric: m, threshold: 1 }),
    })),
    unknownName(groups).map((g) => ({
      kind: `rule on unknown group ${JSON.stringify(g)}`,
      path: `${rulePath}.group`,
      apply: addRule({ metric: 'statisticalParityDifference', group: g, threshold: 0.1 }),
    })),
    fc.constant({
      kind: 'feature on a model metric',
      path: `${rulePath}.feature`,
      apply: addRule({ metric: 'rows', feature: features[0] ?? 'age', threshold: 1 }),
    }),
    unknownName(policies).map((p) => ({
      kind: `unknown policy ${JSON.stringify(p)}`,
      path: `${path}.escalation`,
      apply: (r: JsonObject) => setKey(at(r, path)!.value as JsonObject, 'escalation', p),
    })),
    fc.constant({
      kind: 'duplicate model id',
      path: `models[${models.length}].id`,
      apply: (r: JsonObject) => {
        const list = r.models as Json[];
        // Appended in the same run as other mutations: the copy takes the place the path names.
        if (list.length !== models.length) throw new Error('models changed before the duplicate');
        list.push(clone(original));
      },
    }),
    fc.constantFrom('$score', '$ts', '$group.sex', '$').map((f) => ({
      kind: `reserved feature name ${f}`,
      path: childPath(`${path}.features`, f),
      apply: (r: JsonObject) => setKey((at(r, path)!.value as JsonObject).features as JsonObject, f, 'numeric'),
    })),
  ];
  return list.map((arb) => arb.map((m) => ({ ...m, region: `models[${index}]` })));
}

function validUrl(text: string, protocols: readonly string[]): boolean {
  if (text.trim() === '') return false;
  try {
    return protocols.includes(new URL(text.trim()).protocol);
  } catch {
    return false;
  }
}

function shown(value: Json): string {
  return Array.isArray(value) ? 'a list' : isObject(value) ? 'a mapping' : (JSON.stringify(value) ?? String(value));
}

/** One to four mutations of one base, each in its own region, so no mutation can hide another one's problem. */
function mutated(base: BaseName): fc.Arbitrary<{ base: BaseName; text: string; mutations: Mutation[] }> {
  const root = BASES[base];
  const all = nodes(root).flatMap((node) => mutationsAt(root, node));
  // The duplicate of a model takes the next index: only one per run, applied first.
  return fc.array(fc.oneof(...all), { minLength: 1, maxLength: 4 }).map((picked) => {
    const mutations: Mutation[] = [];
    const regions: string[] = [];
    let duplicated = false;
    const overlap = (a: string, b: string): boolean => a === b || b.startsWith(`${a}.`) || b.startsWith(`${a}[`);
    for (const m of picked) {
      const region = m.region ?? regionOf(m.path);
      const isDuplicate = m.kind === 'duplicate model id';
      // A mutation of a whole section would hide those inside it; two duplicates would both be models[N].
      if (regions.some((r) => overlap(r, region) || overlap(region, r)) || (isDuplicate && duplicated)) continue;
      regions.push(region);
      if (isDuplicate) {
        duplicated = true;
        mutations.unshift(m);
      } else mutations.push(m);
    }
    const copy = clone(root);
    for (const m of mutations) m.apply(copy);
    return { base, text: toYaml(copy), mutations };
  });
}

// ---- The checks.

interface Outcome {
  readonly config?: VigilConfig;
  readonly problems?: ConfigProblem[];
  readonly ms: number;
}

const PROBLEM_LINE = /^ {2}vigil\.yaml:(\d+): ([^\n]+)$/;
const SLOW_MS = 2000;

/** parseConfig, checking that it either returns or throws one well-formed VIGIL_CONFIG_INVALID VigilError. */
function attempt(text: string): Outcome {
  const started = performance.now();
  let config: VigilConfig | undefined;
  let thrown: unknown;
  try {
    config = parseConfig(text, SOURCE, ENV);
  } catch (error) {
    thrown = error;
  }
  const ms = performance.now() - started;
  if (ms > SLOW_MS) throw new Error(`parseConfig took ${ms.toFixed(0)} ms on:\n${text.slice(0, 2000)}`);
  expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  if (thrown === undefined) return { config, ms };
  if (!(thrown instanceof VigilError) || thrown.code !== 'VIGIL_CONFIG_INVALID') {
    throw new Error(
      `parseConfig threw something else than a VIGIL_CONFIG_INVALID VigilError: ${String((thrown as Error)?.stack ?? thrown)}\non:\n${text}`,
    );
  }
  const problems = (thrown.details?.problems ?? []) as ConfigProblem[];
  const lines = thrown.message.split('\n');
  const trouble: string[] = [];
  if (problems.length === 0) trouble.push('no problems listed');
  if (
    lines[0] !== `${SOURCE}: ${problems.length} ${problems.length === 1 ? 'problem' : 'problems'} in the configuration:`
  )
    trouble.push(`heading ${lines[0]}`);
  if (lines.length !== problems.length + 1)
    trouble.push(`${lines.length - 1} lines for ${problems.length} problems (a message spans lines?)`);
  const textLines = text.split('\n').length;
  problems.forEach((p, i) => {
    const line = PROBLEM_LINE.exec(lines[i + 1] ?? '');
    // A top-level key that is absent has no line, nor a parent with one: `vigil.yaml: models: is required`.
    const absentTopLevel = p.line === undefined && /^[A-Za-z]+$/.test(p.path) && p.message === 'is required';
    const expected = absentTopLevel ? `  ${SOURCE}: ${p.path}: ${p.message}` : undefined;
    if (expected !== undefined ? lines[i + 1] !== expected : line === null || line[2] !== `${p.path}: ${p.message}`) {
      trouble.push(`line ${JSON.stringify(lines[i + 1])} is not file:line: path: message`);
    }
    if (!absentTopLevel && (p.line === undefined || p.line < 1 || p.line > textLines))
      trouble.push(`problem at ${p.path} has line ${String(p.line)} (file of ${textLines} lines)`);
    if (p.path === '' || p.message.trim() === '' || p.message.includes('\n'))
      trouble.push(`problem ${JSON.stringify(p)}`);
  });
  if (trouble.length > 0) throw new Error(`${trouble.join('\n')}\nerror:\n${thrown.message}\non:\n${text}`);
  return { problems, ms };
}

let configs = 0;
let totalMs = 0;
const kinds = new Map<string, number>();

function count(outcome: Outcome, kind?: string): void {
  configs++;
  totalMs += outcome.ms;
  if (kind !== undefined) kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
}

beforeAll(() => {
  console.log(
    `config fuzz: seed ${SEED}${PATH ? `, path ${PATH}` : ''}, scale ${SCALE} (FUZZ_SEED=${SEED} npx jest --runInBand test/chaos/config-fuzz.test.ts)`,
  );
});

afterAll(() => {
  const top = new Map<string, number>();
  for (const [kind, n] of kinds) {
    const category = kind.replace(/ (["($\d-]|true|false).*$/, '');
    top.set(category, (top.get(category) ?? 0) + n);
  }
  console.log(
    `config fuzz: ${configs} configurations in ${(totalMs / 1000).toFixed(1)} s of parseConfig (${(configs / (totalMs / 1000)).toFixed(0)}/s); mutation kinds: ${[...top].map(([k, n]) => `${k} ${n}`).join(', ')}`,
  );
});

describe('parseConfig under fuzzed configurations', () => {
  it('reads the bases back from the YAML the fuzz writes', () => {
    for (const [name, text] of [
      ['example', EXAMPLE_TEXT],
      ['minimal', MINIMAL_TEXT],
    ] as const) {
      const written = attempt(toYaml(BASES[name]));
      expect(written.problems).toBeUndefined();
      expect(written.config).toEqual(parseConfig(text, SOURCE, ENV));
    }
  });

  it.each(['example', 'minimal'] as const)(
    'refuses mutated %s configurations, naming the path of every mutation',
    (base) => {
      fc.assert(
        fc.property(mutated(base), ({ text, mutations }) => {
          const outcome = attempt(text);
          count(outcome);
          for (const m of mutations) kinds.set(m.kind, (kinds.get(m.kind) ?? 0) + 1);
          if (outcome.problems === undefined)
            throw new Error(
              `accepted:\n${text}\nmutations: ${mutations.map((m) => `${m.kind} at ${m.path}`).join('; ')}`,
            );
          const named = new Set(outcome.problems.map((p) => p.path));
          // A minimal file without its models is empty, refused as a whole.
          const missing = mutations.filter((m) => !named.has(m.path) && !(text === '' && named.has('(root)')));
          if (missing.length > 0) {
            throw new Error(
              `not named: ${missing.map((m) => `${m.kind} at ${m.path}`).join('; ')}\nproblems:\n${outcome.problems.map((p) => `  ${p.line}: ${p.path}: ${p.message}`).join('\n')}\non:\n${text}`,
            );
          }
        }),
        runs(base === 'example' ? 2000 : 1000),
      );
    },
  );

  it('accepts valid mutations of the example, and compiles the new values', () => {
    const root = BASES.example;
    const valid = fc.record({
      threshold: fc.option(fc.double({ min: 0, max: 1, noNaN: true }).map((n) => n + 0)),
      ruleThreshold: fc.option(
        fc.tuple(
          fc.nat(4),
          fc.double({ noNaN: true, noDefaultInfinity: true }).map((n) => n + 0),
        ),
      ),
      minGroupSize: fc.option(fc.integer({ min: 1, max: 1e9 })),
      fdr: fc.option(fc.double({ min: 1e-9, max: 1 - 1e-9, noNaN: true })),
      port: fc.option(fc.integer({ min: 0, max: 65_535 })),
      window: fc.option(
        fc.tuple(fc.constantFrom(1, 5, 10, 15, 30), fc.integer({ min: 1, max: 48 }), fc.integer({ min: 0, max: 600 })),
      ),
      id: fc.option(fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._-]{0,40}$/).filter((id) => id !== 'house-prices')),
      severity: fc.option(fc.tuple(fc.nat(4), fc.constantFrom('warning', 'critical'))),
      riskTier: fc.option(fc.constantFrom('high', 'medium', 'low')),
      feature: fc.option(
        fc.tuple(
          fc
            .string({ minLength: 1, maxLength: 10 })
            .filter((f) => !f.startsWith('$') && !['sqft', 'rooms', 'district', '__proto__'].includes(f)),
          fc.constantFrom('numeric', 'categorical'),
        ),
      ),
      deleted: fc.subarray([
        'kafka.groupId',
        'kafka.clientId',
        'kafka.topics',
        'kafka.ssl',
        'http.port',
        'http.host',
        'models[0].threshold',
        'models[0].window',
        'models[0].minGroupSize',
        'models[0].fdr',
        'models[0].rules',
        'models[0].reference',
        'models[1].window',
        'models[1].riskTier',
        'escalation.high-risk.repeat',
        'models[0].rules[0].clearThreshold',
      ]),
    });
    fc.assert(
      fc.property(valid, (v) => {
        const copy = clone(root);
        const m0 = (copy.models as JsonObject[])[0]!;
        const m1 = (copy.models as JsonObject[])[1]!;
        const rules = m0.rules as JsonObject[];
        if (v.threshold !== null) m0.threshold = v.threshold;
        if (v.ruleThreshold !== null)
          Object.assign(rules[v.ruleThreshold[0]]!, {
            threshold: v.ruleThreshold[1],
            clearThreshold: v.ruleThreshold[1],
          });
        if (v.minGroupSize !== null) m0.minGroupSize = v.minGroupSize;
        if (v.fdr !== null) m0.fdr = v.fdr;
        if (v.port !== null) (copy.http as JsonObject).port = v.port;
        if (v.window !== null)
          m0.window = {
            size: `${v.window[0] * v.window[1]}m`,
            slide: `${v.window[0]}m`,
            allowedLateness: `${v.window[2]}m`,
          };
        if (v.id !== null) m0.id = v.id;
        if (v.severity !== null) {
          // Two rules on the same metric would then repeat each other; rule 0 is the only psi rule.
          rules[v.severity[0]]!.severity = v.severity[1];
        }
        if (v.riskTier !== null) m1.riskTier = v.riskTier;
        if (v.feature !== null) setKey(m1.features as JsonObject, v.feature[0], v.feature[1]);
        for (const path of [...v.deleted].reverse()) if (at(copy, path) !== undefined) remove(copy, path);
        const text = toYaml(copy);
        const outcome = attempt(text);
        count(outcome, 'valid');
        if (outcome.config === undefined) {
          throw new Error(
            `refused a valid mutation (${JSON.stringify(v)}):\n${outcome.problems!.map((p) => `  ${p.line}: ${p.path}: ${p.message}`).join('\n')}\non:\n${text}`,
          );
        }
        const [c0, c1] = outcome.config.models;
        if (v.threshold !== null && !v.deleted.includes('models[0].threshold')) expect(c0!.threshold).toBe(v.threshold);
        if (v.minGroupSize !== null && !v.deleted.includes('models[0].minGroupSize'))
          expect(c0!.minGroupSize).toBe(v.minGroupSize);
        if (v.fdr !== null && !v.deleted.includes('models[0].fdr')) expect(c0!.fdr).toBe(v.fdr);
        if (v.port !== null && !v.deleted.includes('http.port')) expect(outcome.config.http.port).toBe(v.port);
        if (v.window !== null && !v.deleted.includes('models[0].window')) {
          // idleTimeout is not set by the mutation: its default (one minute) applies.
          expect(c0!.window).toEqual({
            sizeMs: v.window[0] * v.window[1] * 60_000,
            slideMs: v.window[0] * 60_000,
            allowedLatenessMs: v.window[2] * 60_000,
            idleTimeoutMs: 60_000,
          });
        }
        if (v.id !== null) expect(c0!.id).toBe(v.id);
        if (v.ruleThreshold !== null && !v.deleted.includes('models[0].rules')) {
          expect(c0!.rules[v.ruleThreshold[0]]!.threshold).toBe(v.ruleThreshold[1]);
        }
        if (v.riskTier !== null && !v.deleted.includes('models[1].riskTier')) expect(c1!.riskTier).toBe(v.riskTier);
        if (v.feature !== null) expect(c1!.features[v.feature[0]]).toBe(v.feature[1]);
      }),
      runs(600),
    );
  });

  it('refuses YAML syntax errors with their line, and never fails otherwise on damaged text', () => {
    const lines = EXAMPLE_TEXT.split('\n');
    const keyLines = lines
      .map((l, i) => ({ l, i }))
      .filter(({ l }) => /^\s*[A-Za-z]+:\s*(#.*)?$/.test(l) || /^\s*[A-Za-z]+: [^{[\s#"]/.test(l));
    const valueLines = lines.map((l, i) => ({ l, i })).filter(({ l }) => /^\s*[A-Za-z]+: [A-Za-z0-9]/.test(l));
    const broken = fc.oneof(
      // The same key twice in one mapping.
      fc.constantFrom(...keyLines).map(({ i }) => ({
        kind: 'duplicate key',
        text: [...lines.slice(0, i + 1), lines[i]!.replace(/#.*/, ''), ...lines.slice(i + 1)].join('\n'),
      })),
      // An unterminated double-quoted scalar.
      fc.constantFrom(...valueLines).map(({ l, i }) => ({
        kind: 'unterminated quote',
        text: [...lines.slice(0, i), l.replace(/: /, ': "').replace(/\s*#.*/, ''), ...lines.slice(i + 1)].join('\n'),
      })),
      // A tab as indentation.
      fc.constantFrom(...valueLines.filter(({ l }) => l.startsWith('  '))).map(({ l, i }) => ({
        kind: 'tab indentation',
        text: [...lines.slice(0, i), `\t${l.trimStart()}`, ...lines.slice(i + 1)].join('\n'),
      })),
      // An unclosed flow collection.
      fc
        .constantFrom(...lines.map((l, i) => ({ l, i })).filter(({ l }) => /^[^#]*: \{[^#]*\}/.test(l)))
        .map(({ l, i }) => ({
          kind: 'unclosed flow mapping',
          text: [...lines.slice(0, i), l.replace(/\}[^}]*$/, ''), ...lines.slice(i + 1)].join('\n'),
        })),
    );
    fc.assert(
      fc.property(broken, ({ kind, text }) => {
        const outcome = attempt(text);
        count(outcome, kind);
        if (outcome.problems === undefined) throw new Error(`accepted (${kind}):\n${text}`);
        expect(outcome.problems.some((p) => p.path === '(yaml)')).toBe(true);
      }),
      runs(300),
    );

    // Byte-level damage: flips, deletions, insertions and duplications of slices of the text.
    const damage = fc.array(
      fc.tuple(
        fc.nat(3),
        fc.nat(),
        fc.nat(64),
        fc.oneof(
          fc.constantFrom(
            ':',
            '-',
            '{',
            '}',
            '[',
            ']',
            '&a',
            '*a',
            '!!',
            '"',
            "'",
            '#',
            '\t',
            '\n',
            '  ',
            '|',
            '>',
            '?',
            ',',
            '%',
            '@',
            '`',
            '\u0000',
            '\ufeff',
            '${X}',
          ),
          fc.string({ maxLength: 4 }),
        ),
      ),
      { minLength: 1, maxLength: 6 },
    );
    fc.assert(
      fc.property(fc.constantFrom(EXAMPLE_TEXT, MINIMAL_TEXT, toYaml(BASES.example)), damage, (original, edits) => {
        let text = original;
        for (const [how, at0, length, insert] of edits) {
          const i = at0 % (text.length + 1);
          if (how === 0)
            text = text.slice(0, i) + String.fromCharCode(text.charCodeAt(i) ^ (1 << (length % 7))) + text.slice(i + 1);
          else if (how === 1) text = text.slice(0, i) + text.slice(i + length);
          else if (how === 2) text = text.slice(0, i) + insert + text.slice(i);
          else text = text.slice(0, i) + text.slice(i, i + length) + text.slice(i);
        }
        count(attempt(text), 'damaged text');
      }),
      runs(1500),
    );
  });

  it('refuses alias bombs quickly', () => {
    const bomb = fc
      .tuple(fc.integer({ min: 2, max: 12 }), fc.integer({ min: 2, max: 20 }), fc.boolean())
      .map(([breadth, depth, inModels]) => {
        let text = `a0: &a0 [${Array.from({ length: breadth }, () => '"x"').join(', ')}]\n`;
        for (let i = 1; i < depth; i++)
          text += `a${i}: &a${i} [${Array.from({ length: breadth }, () => `*a${i - 1}`).join(', ')}]\n`;
        return inModels ? `${text}${MINIMAL_TEXT.trimEnd()}\n    rules: *a${depth - 1}\n` : `${text}${MINIMAL_TEXT}`;
      });
    fc.assert(
      fc.property(bomb, (text) => {
        const outcome = attempt(text);
        count(outcome, 'alias bomb');
        expect(outcome.problems).toBeDefined();
      }),
      runs(30),
    );
  });
});
