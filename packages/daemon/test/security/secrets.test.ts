/**
 * Issue 6, security: the secrets of a configuration (database, Redis and SMTP passwords, the Kafka SASL password,
 * webhook URLs whose path and query are the capability, a PagerDuty routing key, an Alertmanager password, the HTTP
 * bearer tokens) never appear in what Vigil writes: `redactedConfig`, the compiled configuration's JSON and
 * inspection, the logger's lines, the problems of a bad configuration, the log of `vigil run` (the built CLI, in a
 * child process, against the real services and against unreachable ones), the HTTP API's answers and /metrics,
 * the records of failed deliveries, and the report's JSON and HTML. Each test greps for every secret string.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { createAlerting, type Alerting } from '@vigil/alerts';
import { createLogger, isVigilError, parseConfig, redactedConfig, type VigilConfig } from '@vigil/core';
import { createPostgresClient, createStore, type SqlClient, type Store } from '@vigil/store';
import { createTestTopic, kafkaBrokers, createTestSchema, redisUrl } from '@vigil/test-kit';
import { alertDeliveryMetrics } from '../../src/http/alert-metrics';
import { createHttpApi } from '../../src/http/http-api';
import { PrometheusRegistry } from '../../src/http/prometheus-registry';
import { runCli } from '../cli/run-cli';

const BIN = join(__dirname, '../../dist/bin.js');
const secret = (label: string) => `${label}${randomBytes(12).toString('hex')}`;
const S = {
  databasePassword: secret('dbpw'),
  redisPassword: secret('redispw'),
  kafkaPassword: secret('kafkapw'),
  smtpPassword: secret('smtppw'),
  webhookPath: secret('hookpath'),
  webhookToken: secret('hooktoken'),
  ownerWebhookToken: secret('ownerhook'),
  pagerdutyKey: secret('pdkey'),
  alertmanagerPassword: secret('ampw'),
  ownerToken: secret('owntoken'),
  responderToken: secret('rsptoken'),
  adminToken: secret('admtoken'),
};

/** The names of the secrets `text` contains (also percent-encoded or base64'd, as a URL or a Basic header would carry them). */
function leaked(text: string): string[] {
  return Object.entries(S)
    .filter(([, value]) =>
      [value, encodeURIComponent(value), Buffer.from(value).toString('base64')].some((form) => text.includes(form)),
    )
    .map(([name]) => name);
}
function expectNoSecret(text: string, where: string): void {
  expect({ where, leaked: leaked(text) }).toEqual({ where, leaked: [] });
}

interface Services {
  databaseUrl: string;
  redisUrl?: string;
  brokers: readonly string[];
  sasl?: boolean;
  topics?: { predictions: string; labels: string; control: string };
  groupId?: string;
  /** host:port of the Alertmanager. @defaultValue 127.0.0.1:9 (nothing listens) */
  alertmanager?: string;
}

/** A configuration holding every kind of secret. */
function configYaml(s: Services): string {
  return `
kafka:
  brokers: [${s.brokers.join(', ')}]
  groupId: ${s.groupId ?? 'vigil-security'}
${s.topics ? `  topics: { predictions: ${s.topics.predictions}, labels: ${s.topics.labels}, control: ${s.topics.control} }\n` : ''}${s.sasl ? `  sasl: { mechanism: plain, username: vigil, password: "${S.kafkaPassword}" }\n` : ''}database: { url: "${s.databaseUrl}" }
${s.redisUrl ? `redis: { url: "${s.redisUrl}" }\n` : ''}http:
  port: 0
  tokens:
    - { name: alice, role: owner, token: "${S.ownerToken}" }
    - { name: rita, role: responder, token: "${S.responderToken}" }
    - { name: root, role: admin, token: "${S.adminToken}" }
smtp: { url: "smtp://mailer:${S.smtpPassword}@127.0.0.1:9", from: vigil@example.com }
notifiers:
  pd: { type: pagerduty, routingKey: "${S.pagerdutyKey}", url: "http://127.0.0.1:9/v2/enqueue" }
  hook: { type: webhook, url: "http://127.0.0.1:9/services/T0/B0/${S.webhookPath}?token=${S.webhookToken}" }
  am: { type: alertmanager, url: "http://alertmanager:${S.alertmanagerPassword}@${s.alertmanager ?? '127.0.0.1:9'}" }
escalation:
  default: { steps: [ { after: 0m, notify: [owner, pd, hook, am] } ] }
models:
  - id: credit-risk
    task: binary
    owner: { name: Risk ML team, email: risk@example.com, webhook: "http://127.0.0.1:9/owner?token=${S.ownerWebhookToken}" }
    features: { age: numeric }
    rules: [ { metric: psi, threshold: 0.2, minSamples: 10 } ]
`;
}

const withPassword = (url: string, password: string, schema?: string) => {
  const u = new URL(url);
  u.password = password;
  if (schema !== undefined) u.searchParams.set('options', `-c search_path=${schema}`);
  return u.toString();
};

/** Runs the built CLI; resolves with its exit code and output once it exits (or `whileRunning` is done and it is stopped). */
function runBuilt(
  args: string[],
  env: Record<string, string>,
  whileRunning?: (stderr: () => string) => Promise<void>,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done, fail) => {
    const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('VIGIL_')));
    const child = spawn(process.execPath, [BIN, ...args], {
      env: { ...clean, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => void (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => void (stderr += c.toString()));
    const killer = setTimeout(() => child.kill('SIGKILL'), 40_000);
    child.on('error', fail);
    child.on('exit', (code) => {
      clearTimeout(killer);
      // Let the pipes drain.
      setImmediate(() => done({ code, stdout, stderr }));
    });
    if (whileRunning) {
      whileRunning(() => stderr).then(
        () => child.kill('SIGTERM'),
        (error: unknown) => {
          child.kill('SIGKILL');
          fail(error);
        },
      );
    }
  });
}

// A minute: `vigil run` starts (and its consumer joins the group) in seconds, but far slower on a loaded machine.
async function until<T>(what: string, probe: () => T | undefined, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('secrets never leak', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-secrets-'));
  let db: Awaited<ReturnType<typeof createTestSchema>>;
  let realDatabaseUrl = '';
  /** host:port of the test PostgreSQL (scripts/services; other ports when VIGIL_PG_PORT is set). */
  const pgHost = () => new URL(realDatabaseUrl).host;

  /** The compiled configuration with every kind of secret (Redis and Kafka unreachable: nothing connects). */
  const secretConfig = () =>
    parseConfig(
      configYaml({
        databaseUrl: realDatabaseUrl,
        redisUrl: `redis://default:${S.redisPassword}@127.0.0.1:56379/0`,
        brokers: ['127.0.0.1:59092'],
        sasl: true,
      }),
      'vigil.yaml',
      {},
    );

  beforeAll(async () => {
    db = await createTestSchema('security_secrets');
    realDatabaseUrl = withPassword(db.url, S.databasePassword, db.schema);
  }, 30_000);
  afterAll(async () => {
    await db?.drop();
  });

  it('redactedConfig, JSON and inspection of the compiled configuration hold no secret, yet the code can read them', () => {
    const config = secretConfig();
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- a serialised view, read by path
    const redacted = redactedConfig(config) as Record<string, any>;
    expectNoSecret(JSON.stringify(redacted), 'redactedConfig');
    expectNoSecret(JSON.stringify(config), 'JSON.stringify(config)');
    expectNoSecret(inspect(config, { depth: 20, showHidden: false }), 'util.inspect(config)');
    expectNoSecret(
      `${String(config.database)} ${JSON.stringify({ ...config.database, ...config.redis, ...config.smtp, ...config.kafka?.sasl })}`,
      'spreads',
    );
    // Masked, not dropped: an operator sees where Vigil connects.
    expect(redacted.database.url).toBe(`postgres://vigil:[redacted]@${pgHost()}/vigil?options=[redacted]`);
    expect(redacted.redis.url).toBe('redis://default:[redacted]@127.0.0.1:56379/0');
    expect(redacted.smtp.url).toBe('smtp://mailer:[redacted]@127.0.0.1:9');
    expect(redacted.kafka.sasl).toEqual({ mechanism: 'plain', username: 'vigil', password: '[redacted]' });
    expect(redacted.notifiers).toEqual({
      pd: { type: 'pagerduty', routingKey: '[redacted]', url: 'http://127.0.0.1:9/v2/enqueue' },
      hook: { type: 'webhook', url: 'http://127.0.0.1:9/[redacted]' },
      am: { type: 'alertmanager', url: 'http://alertmanager:[redacted]@127.0.0.1:9/' },
    });
    expect(redacted.models[0].owner.webhook).toBe('http://127.0.0.1:9/[redacted]');
    expect(redacted.http.tokens.map((t: { token: string }) => t.token)).toEqual([
      '[redacted]',
      '[redacted]',
      '[redacted]',
    ]);
    // The secrets are still there for the code that needs them.
    expect(config.kafka?.sasl?.password).toBe(S.kafkaPassword);
    expect(config.http.tokens.map((t) => t.token)).toEqual([S.ownerToken, S.responderToken, S.adminToken]);
    expect(leaked(config.database!.url + config.redis!.url + config.smtp!.url)).toEqual([
      'databasePassword',
      'redisPassword',
      'smtpPassword',
    ]);
  });

  it('the logger masks secrets in what it is given: configuration objects, URLs with passwords, secret-named keys, errors', () => {
    const config = secretConfig();
    const lines: string[] = [];
    const log = createLogger({ level: 'debug', write: (l) => lines.push(l) }).child({ component: 'test' });
    log.info({ config }, 'the configuration');
    log.info(
      {
        database: config.database,
        redis: config.redis,
        smtp: config.smtp,
        sasl: config.kafka?.sasl,
        tokens: config.http.tokens,
        notifiers: config.notifiers,
        owner: config.models[0]?.owner,
      },
      'its parts',
    );
    log.info(
      { sasl: { ...{ mechanism: 'plain', username: 'vigil', password: S.kafkaPassword } } },
      'kafkajs options as passed',
    );
    log.warn({ url: config.database!.url, redisUrl: config.redis!.url, smtp: config.smtp!.url }, 'raw connection URLs');
    log.error(
      { err: new Error(`connection to ${config.database!.url} and ${config.redis!.url} failed`) },
      'an error quoting URLs',
    );
    log.debug(
      {
        headers: { authorization: `Bearer ${S.adminToken}` },
        token: S.ownerToken,
        routingKey: S.pagerdutyKey,
        apiKey: S.pagerdutyKey,
      },
      'secret-named keys',
    );
    log.info(`string message with ${config.smtp!.url}`);
    expect(lines).toHaveLength(7);
    for (const line of lines) expectNoSecret(line, `log line ${line.slice(0, 120)}`);
    expect(lines.join('\n')).toContain(`postgres://vigil:[redacted]@${pgHost()}`);
  });

  it('problems of a bad configuration never quote a secret', () => {
    const base = configYaml({
      databaseUrl: realDatabaseUrl,
      redisUrl: `redis://default:${S.redisPassword}@127.0.0.1:56379/0`,
      brokers: ['127.0.0.1:59092'],
      sasl: true,
    });
    const edits: Array<[string, (t: string) => string, Record<string, string>?]> = [
      ['database URL of the wrong protocol', (t) => t.replace('postgres://', 'mysql://')],
      ['database URL that is not a URL', (t) => t.replace(`@${pgHost()}`, `@[${pgHost()}`)],
      ['Redis URL of the wrong protocol', (t) => t.replace('redis://default', 'http://default')],
      ['SMTP URL that is not a URL', (t) => t.replace('@127.0.0.1:9", from', '@[127.0.0.1:9", from')],
      ['webhook URL that is not a URL', (t) => t.replace('http://127.0.0.1:9/services', 'http://[::1/services')],
      ['owner webhook of the wrong protocol', (t) => t.replace('http://127.0.0.1:9/owner', 'ftp://127.0.0.1:9/owner')],
      ['routing key under a misspelt key', (t) => t.replace('routingKey:', 'routingkey:')],
      ['SASL password under a misspelt key', (t) => t.replace('password: "', 'pasword: "')],
      ['SASL mechanism wrong next to the password', (t) => t.replace('mechanism: plain', 'mechanism: plian')],
      [
        'token and role swapped',
        (t) => t.replace(`role: admin, token: "${S.adminToken}"`, `role: "${S.adminToken}", token: admin`),
      ],
      ['two tokens the same', (t) => t.replace(S.responderToken, S.ownerToken)],
      ['a secret as a list', (t) => t.replace(`routingKey: "${S.pagerdutyKey}"`, `routingKey: ["${S.pagerdutyKey}"]`)],
      [
        'a YAML syntax error on the line of a secret',
        (t) => t.replace(`password: "${S.kafkaPassword}"`, `password: "${S.kafkaPassword}`),
      ],
      [
        'a duplicated secret key',
        (t) =>
          t.replace(`password: "${S.kafkaPassword}"`, `password: "${S.kafkaPassword}", password: "${S.kafkaPassword}"`),
      ],
      ['VIGIL_TOKENS with the role and the token swapped', (t) => t, { VIGIL_TOKENS: `root:${S.adminToken}:admin` }],
      ['VIGIL_TOKENS without a role', (t) => t, { VIGIL_TOKENS: `root:${S.adminToken}` }],
      [
        'VIGIL_DATABASE_URL of the wrong protocol',
        (t) => t,
        { VIGIL_DATABASE_URL: `mysql://vigil:${S.databasePassword}@db/vigil` },
      ],
      ['VIGIL_REDIS_URL that is not a URL', (t) => t, { VIGIL_REDIS_URL: `redis://default:${S.redisPassword}@[oops` }],
    ];
    for (const [what, edit, env] of edits) {
      const text = edit(base);
      expect({ what, edited: text !== base || env !== undefined }).toEqual({ what, edited: true });
      let error: unknown;
      try {
        parseConfig(text, 'vigil.yaml', env ?? {});
      } catch (e) {
        error = e;
      }
      expect({ what, refused: isVigilError(error) && error.code === 'VIGIL_CONFIG_INVALID' }).toEqual({
        what,
        refused: true,
      });
      const e = error as Error & { details?: unknown };
      expectNoSecret(
        `${e.message}\n${JSON.stringify(e.details)}\n${inspect(e)}`,
        `problems of "${what}": ${e.message}`,
      );
    }
  });

  // Five runs of the built CLI, one against the real Kafka, Redis and PostgreSQL: 180 s, for a loaded machine.
  it('vigil run: start-up, requests, shutdown and failures, against real and unreachable services, log no secret', async () => {
    const predictions = await createTestTopic('sec-pred', 1);
    const labels = await createTestTopic('sec-labels', 1);
    const control = await createTestTopic('sec-control', 1);
    const write = (name: string, s: Services) => {
      const path = join(dir, name);
      writeFileSync(path, configYaml(s));
      return path;
    };
    const brokers = kafkaBrokers();
    // The real Redis (wherever scripts/services/start.sh put it), with the configured password in its URL.
    const redis = `redis://default:${S.redisPassword}@${new URL(redisUrl()).host}/0`;
    try {
      const answers: string[] = [];
      // Runs: the real PostgreSQL (the password is accepted), Kafka and Redis, every secret configured.
      const running = runBuilt(
        [
          'run',
          '-c',
          write('running.yaml', {
            databaseUrl: realDatabaseUrl,
            redisUrl: redis,
            brokers,
            topics: { predictions: predictions.topic, labels: labels.topic, control: control.topic },
            groupId: `vigil-sec-${process.pid}`,
          }),
          '--log-level',
          'debug',
        ],
        {},
        async (stderr) => {
          const port = await until('vigil run started', () => /"http":"127\.0\.0\.1:(\d+)"/.exec(stderr())?.[1]);
          const base = `http://127.0.0.1:${port}`;
          const ask = async (path: string, init: RequestInit = {}) => {
            const res = await fetch(`${base}${path}`, init);
            const text = await res.text();
            answers.push(`${path} ${res.status} ${text}`);
            return { status: res.status, text };
          };
          expect((await ask('/healthz')).status).toBe(200);
          await ask('/readyz');
          expect((await ask('/metrics')).text).toContain('# TYPE');
          expect((await ask('/api/models')).status).toBe(200);
          // A near miss of the admin token on a read: refused (a token sent with a read is checked), and not echoed.
          expect(
            (await ask('/api/incidents', { headers: { authorization: `Bearer ${S.adminToken.slice(0, -1)}` } })).status,
          ).toBe(401);
          // A JSON POST with a bearer token (none: no authorization header); its status.
          const post = async (path: string, token: string | undefined, body: string) =>
            (
              await ask(path, {
                method: 'POST',
                headers: {
                  'content-type': 'application/json',
                  ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
                },
                body,
              })
            ).status;
          const reason = '{"reason":"x"}';
          expect(await post('/api/incidents/nope/ack', undefined, reason)).toBe(401);
          expect(await post('/api/incidents/nope/ack', `${S.adminToken}x`, reason)).toBe(401);
          expect(await post('/api/models/credit-risk/pause', S.ownerToken, reason)).toBe(403);
          expect(await post('/api/incidents/nope/ack', S.adminToken, reason)).toBe(404);
          expect(await post('/api/silences', S.adminToken, '{"reason":')).toBe(400);
          await until('consumer joined', () => (/partitions assigned|consuming/.test(stderr()) ? true : undefined));
        },
      );
      // Fail at start: PostgreSQL unreachable (from VIGIL_DATABASE_URL), tokens from VIGIL_TOKENS.
      const noDatabase = runBuilt(
        [
          'run',
          '-c',
          write('no-database.yaml', { databaseUrl: realDatabaseUrl, brokers, sasl: true }),
          '--log-level',
          'debug',
        ],
        {
          VIGIL_DATABASE_URL: `postgres://vigil:${S.databasePassword}@127.0.0.1:1/vigil`,
          VIGIL_TOKENS: `root:admin:${S.adminToken}`,
        },
      );
      // Fail while running: Kafka refuses SASL (the broker has none).
      const saslRefused = runBuilt(
        [
          'run',
          '-c',
          write('sasl.yaml', {
            databaseUrl: realDatabaseUrl,
            brokers,
            sasl: true,
            topics: { predictions: predictions.topic, labels: labels.topic, control: control.topic },
          }),
          '--log-level',
          'debug',
        ],
        {},
      );
      // Fail at start: Redis unreachable (after its 10 s connect timeout).
      const noRedis = runBuilt(
        [
          'run',
          '-c',
          write('no-redis.yaml', {
            databaseUrl: realDatabaseUrl,
            redisUrl: `redis://default:${S.redisPassword}@127.0.0.1:1/0`,
            brokers,
            // vigil run looks its topics up before it connects to Redis.
            topics: { predictions: predictions.topic, labels: labels.topic, control: control.topic },
          }),
          '--log-level',
          'debug',
        ],
        {},
      );
      // Refused: a bad configuration, a token where the role goes.
      const badConfig = runBuilt(
        [
          'run',
          '-c',
          write('bad.yaml', { databaseUrl: realDatabaseUrl.replace('postgres:', 'mysql:'), brokers, sasl: true }),
        ],
        { VIGIL_TOKENS: `root:${S.adminToken}:admin` },
      );

      const [r, d, k, q, b] = await Promise.all([running, noDatabase, saslRefused, noRedis, badConfig]);
      const all = { running: r, noDatabase: d, saslRefused: k, noRedis: q, badConfig: b };
      for (const [name, out] of Object.entries(all))
        expectNoSecret(`${out.stdout}\n${out.stderr}`, `output of vigil run (${name})`);
      expectNoSecret(answers.join('\n'), 'HTTP answers of vigil run');
      // Each run got where it should, so the greps above had something to read.
      expect(r.code).toBe(0);
      expect(r.stderr).toContain('"msg":"vigil run started"');
      expect(r.stderr).toContain(`postgres://vigil:[redacted]@${pgHost()}`);
      expect(r.stderr).toContain('"msg":"stopped"');
      expect(d.code).not.toBe(0);
      expect(d.stderr).toMatch(/VIGIL_STORE|PostgreSQL/);
      expect(d.stderr).toContain('127.0.0.1:1');
      expect(k.code).not.toBe(0);
      expect(k.stderr).toMatch(/SASL/);
      expect(q.code).not.toBe(0);
      expect(q.stderr).toContain('VIGIL_QUEUE_UNAVAILABLE');
      expect(b.code).toBe(2);
      expect(b.stderr).toContain('VIGIL_CONFIG_INVALID');
      expect(b.stderr).toContain('env.VIGIL_TOKENS[0]');
      expect(b.stderr).toContain('database.url: must be a postgres:// or postgresql:// URL');
    } finally {
      await predictions.drop().catch(() => undefined);
      await labels.drop().catch(() => undefined);
      await control.drop().catch(() => undefined);
    }
  }, 180_000);

  describe('failed deliveries to every notifier, as the API, the metrics and the database show them', () => {
    let store: Store;
    let alerting: Alerting;
    let server: Server;
    let sql: SqlClient;
    let config: VigilConfig;
    const lines: string[] = [];
    const registry = new PrometheusRegistry();
    let dropSchema: () => Promise<void> = async () => undefined;

    /** An Alertmanager behind basic auth that answers 500: the delivery fails after the credentials reached it. */
    let alertmanager: Server;
    const alertmanagerAuth: Array<string | undefined> = [];

    beforeAll(async () => {
      alertmanager = createServer((req, res) => {
        alertmanagerAuth.push(req.headers.authorization);
        req.resume();
        res.writeHead(500).end('overloaded');
      });
      await new Promise<void>((done) => alertmanager.listen(0, '127.0.0.1', done));
      const schema = await createTestSchema('security_deliveries');
      config = parseConfig(
        configYaml({
          databaseUrl: withPassword(schema.url, S.databasePassword, schema.schema),
          brokers: ['127.0.0.1:59092'],
          sasl: true,
          alertmanager: `127.0.0.1:${(alertmanager.address() as AddressInfo).port}`,
        }),
        join(dir, 'vigil.yaml'),
        {},
      );
      const logger = createLogger({ level: 'debug', write: (l) => lines.push(l) });
      store = await createStore({ url: config.database!.url, logger });
      sql = createPostgresClient({ url: config.database!.url });
      alerting = await createAlerting({
        config,
        store,
        logger,
        delivery: { maxAttempts: 1, backoffMs: 5, timeoutMs: 3000 },
        onDelivery: alertDeliveryMetrics(registry),
        relay: { aheadMs: 0, pollMs: 50, recheckMs: 0 },
      });
      await alerting.start();
      server = createServer(
        createHttpApi({ store, http: config.http, registry, notReadyReasons: () => [], logger, alerting }),
      );
      await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
      const T = Date.now() - 60_000;
      const metricRows = [
        {
          model: 'credit-risk',
          version: '1',
          windowStart: T - 3_600_000,
          windowEnd: T,
          metric: 'psi' as const,
          feature: 'age',
          group: '',
          value: 0.9,
          rows: 500,
          labelledRows: 0,
        },
      ];
      await store.profiles.saveReference('credit-risk', '1', { fitted: 'for the test' });
      await store.metrics.upsertRows(metricRows);
      await store.transaction((tx) =>
        alerting.evaluateIn(tx, {
          model: 'credit-risk',
          version: '1',
          windowStart: T - 3_600_000,
          windowEnd: T,
          rows: 500,
          labelledRows: 0,
          metricRows,
        }),
      );
      alerting.kick();
      await alerting.flush(20_000);
      dropSchema = schema.drop;
    }, 60_000);

    afterAll(async () => {
      if (server) await new Promise((done) => server.close(done));
      if (alertmanager) await new Promise((done) => alertmanager.close(done));
      await alerting?.close();
      await sql?.close();
      await store?.close();
      await dropSchema();
    });

    it('every notifier failed, and neither the log, the incident API, /metrics, nor the audit and outbox rows name a secret', async () => {
      const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const incidents = await (await fetch(`${base}/api/incidents`)).json();
      expect(incidents.incidents).toHaveLength(1);
      const detail = await (
        await fetch(`${base}/api/incidents/${incidents.incidents[0].id}`, {
          headers: { authorization: `Bearer ${S.adminToken}` },
        })
      ).text();
      const targets = new Set(
        (JSON.parse(detail).notifications as Array<{ target: string; state: string; lastError: string | null }>)
          .filter((n) => n.lastError !== null)
          .map((n) => n.target),
      );
      // Every kind of secret-bearing target was tried and failed, so its error is in the record.
      expect([...targets].sort()).toEqual(['am', 'hook', 'owner:email', 'owner:webhook', 'pd']);
      expectNoSecret(detail, 'GET /api/incidents/:id');
      // The Alertmanager's password went where it belongs: a Basic header (fetch refuses a URL with credentials).
      expect(alertmanagerAuth).toEqual([
        `Basic ${Buffer.from(`alertmanager:${S.alertmanagerPassword}`).toString('base64')}`,
      ]);
      const metrics = await (await fetch(`${base}/metrics`)).text();
      expect(metrics).toContain('vigil_alert_delivery_failures_total');
      expectNoSecret(metrics, '/metrics');
      const rows = [
        ...(await sql.query('SELECT * FROM vigil_audit_log')).rows,
        ...(await sql.query('SELECT * FROM vigil_alert_outbox')).rows,
        ...(await sql.query('SELECT * FROM vigil_incidents')).rows,
      ];
      expect(JSON.stringify(rows)).toContain('notification.failed');
      expectNoSecret(JSON.stringify(rows), 'audit, outbox and incident rows');
      expect(lines.length).toBeGreaterThan(3);
      expectNoSecret(lines.join('\n'), 'log of the deliveries');
    });
  });

  it("vigil report with a model's configuration: its JSON, HTML and output hold no secret", async () => {
    const cfg = join(dir, 'report.yaml');
    writeFileSync(
      cfg,
      configYaml({
        databaseUrl: realDatabaseUrl,
        redisUrl: `redis://default:${S.redisPassword}@127.0.0.1:56379/0`,
        brokers: ['127.0.0.1:59092'],
        sasl: true,
      }),
    );
    const csv = (shift: number) =>
      [
        'age,score,label',
        ...Array.from(
          { length: 400 },
          (_, i) => `${20 + ((i * 7) % 50) + shift},${((i * 13) % 100) / 100},${i % 3 === 0 ? 1 : 0}`,
        ),
      ].join('\n');
    writeFileSync(join(dir, 'ref.csv'), csv(0));
    writeFileSync(join(dir, 'cur.csv'), csv(15));
    const out = await runCli(
      [
        'report',
        '--reference',
        join(dir, 'ref.csv'),
        '--current',
        join(dir, 'cur.csv'),
        '-c',
        cfg,
        '--model',
        'credit-risk',
        '--json',
        join(dir, 'r.json'),
        '--html',
        join(dir, 'r.html'),
      ],
      dir,
      {},
    );
    expect({ code: out.code, stderr: out.stderr.slice(0, 300) }).toEqual({ code: 0, stderr: expect.any(String) });
    const json = readFileSync(join(dir, 'r.json'), 'utf8');
    const html = readFileSync(join(dir, 'r.html'), 'utf8');
    expect(json).toContain('"age"');
    expect(html).toContain('<html');
    expectNoSecret(json, 'report JSON');
    expectNoSecret(html, 'report HTML');
    expectNoSecret(out.stdout + out.stderr, 'report output');
  });
});
