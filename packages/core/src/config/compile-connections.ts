import { isAbsolute, resolve } from 'node:path';
import { childPath } from './config-problems';
import { type ConfigReader } from './config-reader';
import { type Env } from './read-yaml';
import { defineSecret } from './redacted-config';
import {
  type DatabaseConfig,
  type HttpConfig,
  type HttpRole,
  type HttpTokenConfig,
  type KafkaConfig,
  type KafkaFetchConfig,
  type KafkaSaslConfig,
  type KafkaSslConfig,
  type RedisConfig,
  type SmtpConfig,
} from './vigil-config';

/** Environment variables that override connection settings of the file (docs/configuration.md). */
export const CONFIG_ENV = {
  kafkaBrokers: 'VIGIL_KAFKA_BROKERS',
  databaseUrl: 'VIGIL_DATABASE_URL',
  redisUrl: 'VIGIL_REDIS_URL',
  httpPort: 'VIGIL_HTTP_PORT',
  httpHost: 'VIGIL_HTTP_HOST',
  tokens: 'VIGIL_TOKENS',
} as const;

export const HTTP_ROLES: readonly HttpRole[] = ['owner', 'responder', 'admin', 'reviewer'];
/** Shorter bearer tokens are guessable; 16 characters is the floor, generated 32-byte tokens are the advice. */
export const MIN_TOKEN_LENGTH = 16;
export const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const BROKER = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9_.-]+):\d{1,5}$/;
const TOPIC = /^[A-Za-z0-9._-]{1,249}$/;

export interface Connections {
  kafka?: KafkaConfig;
  database?: DatabaseConfig;
  redis?: RedisConfig;
  http: HttpConfig;
  smtp?: SmtpConfig;
}

/**
 * A value from the environment when its variable is set and not empty, else from the file. The environment wins
 * (docs/configuration.md, "Overrides"): one file is deployed to every environment, and each deployment says where its services are.
 */
function pick(
  env: Env,
  name: string,
  fileValue: unknown,
  filePath: string,
): { value: unknown; path: string; fromEnv: boolean } {
  const fromEnv = env[name];
  if (fromEnv !== undefined && fromEnv.trim() !== '')
    return { value: fromEnv.trim(), path: `env.${name}`, fromEnv: true };
  return { value: fileValue, path: filePath, fromEnv: false };
}

export function compileConnections(
  root: Record<string, unknown>,
  r: ConfigReader,
  env: Env,
  baseDir: string,
  kafkaBrokers = true,
): Connections {
  const kafka = compileKafka(root.kafka, r, env, baseDir, kafkaBrokers);
  const database = compileUrlSection(
    root.database,
    'database',
    CONFIG_ENV.databaseUrl,
    ['postgres:', 'postgresql:'],
    r,
    env,
  );
  const redis = compileUrlSection(root.redis, 'redis', CONFIG_ENV.redisUrl, ['redis:', 'rediss:'], r, env);
  const out: Connections = {
    ...(kafka ? { kafka } : {}),
    ...(database ? { database } : {}),
    ...(redis ? { redis } : {}),
    http: compileHttp(root.http, r, env),
  };
  const smtp = compileSmtp(root.smtp, r);
  if (smtp) out.smtp = smtp;
  return out;
}

/** `needBrokers` false: a command that does not connect to Kafka, for which absent brokers are empty, not a problem. */
function compileKafka(
  value: unknown,
  r: ConfigReader,
  env: Env,
  baseDir: string,
  needBrokers: boolean,
): KafkaConfig | undefined {
  const section =
    r.object(value, 'kafka', [
      'brokers',
      'groupId',
      'clientId',
      'topics',
      'ssl',
      'sasl',
      'sessionTimeout',
      'fetch',
      'consumers',
    ]) ?? {};
  const brokersPick = pick(env, CONFIG_ENV.kafkaBrokers, section.brokers, 'kafka.brokers');
  // Kafka is on when the file has a kafka section or the environment names brokers.
  if (value === undefined || value === null) {
    if (!brokersPick.fromEnv) return undefined;
  }
  const brokerList = brokersPick.fromEnv
    ? String(brokersPick.value)
        .split(',')
        .map((b) => b.trim())
    : brokersPick.value;
  const brokers = r.strings(brokerList, brokersPick.path, { required: needBrokers, nonEmpty: true });
  brokers?.forEach((broker, index) => {
    if (!BROKER.test(broker))
      r.problems.add(
        brokersPick.fromEnv ? brokersPick.path : childPath(brokersPick.path, index),
        `"${broker}" is not host:port`,
      );
  });
  const topicsIn = r.object(section.topics, 'kafka.topics', ['predictions', 'labels', 'control', 'deadLetters']) ?? {};
  const topic = (key: string, fallback?: string): string | undefined =>
    r.string(topicsIn[key], `kafka.topics.${key}`, {
      pattern: TOPIC,
      expected: 'a Kafka topic name (letters, digits, . _ -)',
    }) ?? fallback;
  const deadLetters = topic('deadLetters');
  const topics = {
    predictions: topic('predictions', 'vigil.predictions')!,
    labels: topic('labels', 'vigil.labels')!,
    control: topic('control', 'vigil.control')!,
    ...(deadLetters === undefined ? {} : { deadLetters }),
  };
  const names = Object.entries(topics);
  for (const [key, name] of names) {
    const first = names.find(([, other]) => other === name)?.[0];
    if (first !== key) r.problems.add(`kafka.topics.${key}`, `uses the same topic as kafka.topics.${first}`);
  }
  const kafka: KafkaConfig = {
    brokers: brokers ?? [],
    groupId: r.string(section.groupId, 'kafka.groupId') ?? 'vigil',
    clientId: r.string(section.clientId, 'kafka.clientId') ?? 'vigil',
    topics,
    sessionTimeoutMs: r.duration(section.sessionTimeout, 'kafka.sessionTimeout', { positive: true }) ?? 30_000,
    fetch: compileKafkaFetch(section.fetch, r),
    consumers: r.number(section.consumers, 'kafka.consumers', { integer: true, min: 1, max: 16 }) ?? KAFKA_CONSUMERS,
  };
  // The broker refuses sessions outside group.min/max.session.timeout.ms (6 s and 30 min by default).
  if (kafka.sessionTimeoutMs < 6000 || kafka.sessionTimeoutMs > 1_800_000)
    r.problems.add('kafka.sessionTimeout', "must be between 6s and 30m (the broker's default bounds)");
  const ssl = compileKafkaSsl(section.ssl, r, baseDir);
  const sasl = compileKafkaSasl(section.sasl, r);
  return { ...kafka, ...(ssl ? { ssl } : {}), ...(sasl ? { sasl } : {}) };
}

/**
 * The fetch sizes' defaults (docs/configuration.md). 2 MiB a partition (kafkajs's default is 1 MiB): twice the events
 * per batch and bucket delta for ~25 MiB more peak RSS with 100 models; 8 MiB saved little more CPU but took the
 * daemon past 400 MiB (bench/ingest.mjs, docs/benchmarks.md, "Larger fetches").
 */
export const KAFKA_FETCH_DEFAULTS: KafkaFetchConfig = {
  maxBytesPerPartition: 4 * 2 ** 20,
  maxBytes: 8 * 2 ** 20,
  minBytes: 1,
  maxWaitMs: 1000,
};

/**
 * Consumers per daemon by default (docs/configuration.md): kafkajs fetches a consumer's next round only once its last
 * round is handled, and a second consumer's batches keep the daemon busy meanwhile (docs/benchmarks.md, "Batches in
 * flight").
 */
export const KAFKA_CONSUMERS = 2;

function compileKafkaFetch(value: unknown, r: ConfigReader): KafkaFetchConfig {
  const section = r.object(value, 'kafka.fetch', ['maxBytesPerPartition', 'maxBytes', 'minBytes', 'maxWait']) ?? {};
  // A message larger than maxBytesPerPartition still comes (the broker sends at least one record batch); the upper
  // bound keeps one batch's decoded columns within the daemon's memory.
  const bytes = (key: 'maxBytesPerPartition' | 'maxBytes' | 'minBytes', min: number): number =>
    r.number(section[key], `kafka.fetch.${key}`, { integer: true, min, max: 256 * 2 ** 20 }) ??
    KAFKA_FETCH_DEFAULTS[key];
  const maxBytesPerPartition = bytes('maxBytesPerPartition', 1024);
  const fetch: KafkaFetchConfig = {
    maxBytesPerPartition,
    // Unset, it grows with a larger maxBytesPerPartition, so that one partition's fetch is never cut by it.
    maxBytes:
      section.maxBytes === undefined
        ? Math.max(KAFKA_FETCH_DEFAULTS.maxBytes, maxBytesPerPartition)
        : bytes('maxBytes', 1024),
    minBytes: bytes('minBytes', 1),
    maxWaitMs: r.duration(section.maxWait, 'kafka.fetch.maxWait', { positive: true }) ?? KAFKA_FETCH_DEFAULTS.maxWaitMs,
  };
  // Like every other refusal, each names the value given; a bound the user did not set is said to be the default.
  if (section.maxBytes !== undefined && fetch.maxBytes < fetch.maxBytesPerPartition)
    r.problems.add(
      'kafka.fetch.maxBytes',
      `must be at least maxBytesPerPartition (${section.maxBytesPerPartition === undefined ? 'default ' : ''}${fetch.maxBytesPerPartition}), not ${fetch.maxBytes}`,
    );
  if (fetch.maxWaitMs > 30_000)
    r.problems.add('kafka.fetch.maxWait', `must be at most 30s, not ${String(section.maxWait)}`);
  return fetch;
}

function compileKafkaSsl(value: unknown, r: ConfigReader, baseDir: string): KafkaSslConfig | undefined {
  if (value === true) return { rejectUnauthorized: true };
  if (value === false || value === undefined || value === null) return undefined;
  const ssl = r.object(value, 'kafka.ssl', ['rejectUnauthorized', 'caFile', 'certFile', 'keyFile']);
  if (!ssl) return undefined;
  const file = (key: string): { [k: string]: string } => {
    const path = r.string(ssl[key], `kafka.ssl.${key}`);
    return path === undefined ? {} : { [key]: isAbsolute(path) ? path : resolve(baseDir, path) };
  };
  if ((ssl.certFile === undefined) !== (ssl.keyFile === undefined)) {
    r.problems.add('kafka.ssl', 'certFile and keyFile go together (client certificate authentication)');
  }
  return {
    rejectUnauthorized: r.boolean(ssl.rejectUnauthorized, 'kafka.ssl.rejectUnauthorized') ?? true,
    ...file('caFile'),
    ...file('certFile'),
    ...file('keyFile'),
  };
}

function compileKafkaSasl(value: unknown, r: ConfigReader): KafkaSaslConfig | undefined {
  const sasl = r.object(value, 'kafka.sasl', ['mechanism', 'username', 'password']);
  if (!sasl) return undefined;
  const mechanism = r.oneOf(
    sasl.mechanism,
    'kafka.sasl.mechanism',
    ['plain', 'scram-sha-256', 'scram-sha-512'] as const,
    { required: true },
  );
  const username = r.string(sasl.username, 'kafka.sasl.username', { required: true });
  const password = r.string(sasl.password, 'kafka.sasl.password', { required: true, secret: true });
  if (mechanism === undefined || username === undefined || password === undefined) return undefined;
  const out = { mechanism, username } as KafkaSaslConfig;
  defineSecret(out, 'password', password, 'value');
  return out;
}

function compileUrlSection(
  value: unknown,
  name: 'database' | 'redis',
  envName: string,
  protocols: readonly string[],
  r: ConfigReader,
  env: Env,
): { url: string } | undefined {
  const present = value !== undefined && value !== null;
  // `database: postgres://…` is the usual slip: one problem that says where the URL goes, never quoting it (it may
  // hold a password), and no follow-on "database.url: is required" for the url the section could not hold.
  if (present && (typeof value !== 'object' || Array.isArray(value))) {
    const written =
      typeof value === 'string'
        ? 'a URL written on the same line'
        : Array.isArray(value)
          ? 'a list'
          : `a ${typeof value}`;
    r.problems.unreadable(
      name,
      `must be a mapping with the URL under url (\`${name}:\` and on the next line \`  url: …\`), not ${written}`,
    );
    return undefined;
  }
  const section = r.object(value, name, ['url']) ?? {};
  const chosen = pick(env, envName, section.url, `${name}.url`);
  if (!chosen.fromEnv && (value === undefined || value === null)) return undefined;
  const url = r.url(chosen.value, chosen.path, protocols, { required: true, secret: true });
  if (url === undefined) return undefined;
  const out = {} as { url: string };
  defineSecret(out, 'url', url, 'connection');
  return out;
}

function compileHttp(value: unknown, r: ConfigReader, env: Env): HttpConfig {
  const http = r.object(value, 'http', ['port', 'host', 'tokens', 'readsRequireToken']) ?? {};
  const portPick = pick(env, CONFIG_ENV.httpPort, http.port, 'http.port');
  const portValue = portPick.fromEnv && /^\d+$/.test(String(portPick.value)) ? Number(portPick.value) : portPick.value;
  const port = r.number(portValue, portPick.path, { integer: true, min: 0, max: 65535 }) ?? 8080;
  const hostPick = pick(env, CONFIG_ENV.httpHost, http.host, 'http.host');
  const host = r.string(hostPick.value, hostPick.path) ?? '127.0.0.1';
  const tokensPick = pick(env, CONFIG_ENV.tokens, http.tokens, 'http.tokens');
  const tokens = tokensPick.fromEnv ? tokensFromEnv(String(tokensPick.value), r) : compileTokens(http.tokens, r);
  const readsRequireToken = r.boolean(http.readsRequireToken, 'http.readsRequireToken') ?? false;
  if (readsRequireToken && tokens.length === 0)
    r.problems.add('http.readsRequireToken', 'is true, but no token is configured (http.tokens or VIGIL_TOKENS)');
  return { port, host, tokens, readsRequireToken };
}

function compileTokens(value: unknown, r: ConfigReader): HttpTokenConfig[] {
  const list = r.list(value, 'http.tokens') ?? [];
  const out: HttpTokenConfig[] = [];
  list.forEach((item, index) => {
    const path = `http.tokens[${index}]`;
    const entry = r.object(item, path, ['name', 'role', 'token'], { required: true });
    if (!entry) return;
    const name = r.string(entry.name, `${path}.name`, { required: true });
    const role = r.oneOf(entry.role, `${path}.role`, HTTP_ROLES, { required: true, secret: mayBeToken(entry.role) });
    const token = r.string(entry.token, `${path}.token`, { required: true, secret: true });
    if (token !== undefined && token.length < MIN_TOKEN_LENGTH)
      r.problems.add(`${path}.token`, `must be at least ${MIN_TOKEN_LENGTH} characters long`);
    else if (name !== undefined && role !== undefined && token !== undefined) addToken(out, name, role, token, path, r);
  });
  return out;
}

/** `VIGIL_TOKENS=name:role:token,name:role:token` (a token may itself contain colons, not commas). */
function tokensFromEnv(text: string, r: ConfigReader): HttpTokenConfig[] {
  const out: HttpTokenConfig[] = [];
  text.split(',').forEach((entry, index) => {
    const path = `env.${CONFIG_ENV.tokens}[${index}]`;
    const [name = '', role = '', ...rest] = entry.trim().split(':');
    const token = rest.join(':');
    if (name === '' || token === '') {
      r.problems.add(path, 'must be name:role:token');
      return;
    }
    const checkedRole = r.oneOf(role, path, HTTP_ROLES, { secret: mayBeToken(role) });
    if (token.length < MIN_TOKEN_LENGTH)
      r.problems.add(path, `the token of "${name}" must be at least ${MIN_TOKEN_LENGTH} characters long`);
    else if (checkedRole !== undefined) addToken(out, name, checkedRole, token, path, r);
  });
  return out;
}

/** A role as long as a token may be the token in the wrong place (`root:<token>:admin`): never quote it. */
const mayBeToken = (role: unknown): boolean => typeof role === 'string' && role.length >= MIN_TOKEN_LENGTH;

function addToken(
  out: HttpTokenConfig[],
  name: string,
  role: HttpRole,
  token: string,
  path: string,
  r: ConfigReader,
): void {
  if (out.some((t) => t.name === name)) r.problems.add(path, `a token named "${name}" is already defined`);
  else if (out.some((t) => t.token === token))
    r.problems.add(path, `has the same token as "${out.find((t) => t.token === token)?.name}"`);
  const entry = { name, role } as HttpTokenConfig;
  defineSecret(entry, 'token', token, 'value');
  out.push(entry);
}

function compileSmtp(value: unknown, r: ConfigReader): SmtpConfig | undefined {
  const smtp = r.object(value, 'smtp', ['url', 'from']);
  if (!smtp) return undefined;
  const url = r.url(smtp.url, 'smtp.url', ['smtp:', 'smtps:'], { required: true, secret: true });
  const from = r.string(smtp.from, 'smtp.from', { required: true, pattern: EMAIL, expected: 'an e-mail address' });
  if (url === undefined || from === undefined) return undefined;
  const out = { from } as SmtpConfig;
  defineSecret(out, 'url', url, 'connection');
  return out;
}
