/**
 * TLS and authentication, end to end: the built `vigil run` against dedicated servers that speak only TLS and let in
 * only a user with a password (scripts/services/tls.sh: PostgreSQL `hostssl` + SCRAM, Redis `port 0` + tls-port +
 * an ACL user, Kafka SASL_SSL with PLAIN and SCRAM-SHA-256/512, all under a private CA). Events produced over
 * SASL_SSL become metric rows in the TLS Postgres and a drift breach reaches the owner through BullMQ on the TLS
 * Redis; a wrong CA or a wrong password for each service stops the daemon with an error that names the service;
 * no password ever shows in the daemon's output.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { ensureTopic, produceFile, type KafkaConnectionOptions } from '@vigil/collector';
import { createPostgresClient, createStore, type Store } from '@vigil/store';
import { WebhookSink, makeEvents } from '@vigil/test-kit';
import { exited, MIN, spawnDaemon, T0, waitFor, type Daemon } from '@vigil/test-kit/daemon-harness';

jest.setTimeout(240_000);

const SCRIPT = resolve(__dirname, '../../../../scripts/services/tls.sh');
const BIN = join(__dirname, '../../dist/bin.js');

interface TlsServers {
  dir: string;
  ca: string;
  otherCa: string;
  clientCert: string;
  clientKey: string;
  user: string;
  pgPort: number;
  pgPassword: string;
  redisPort: number;
  redisPassword: string;
  kafkaPort: number;
  /** The SSL listener that wants a client certificate. */
  kafkaMtlsPort: number;
  kafkaPassword: string;
}

function script(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<string> {
  return new Promise((done, fail) =>
    execFile('bash', [SCRIPT, ...args], { env, timeout: 180_000, maxBuffer: 16 << 20 }, (error, _stdout, stderr) =>
      error ? fail(new Error(`tls.sh ${args[0]} failed: ${error.message}\n${stderr}`)) : done(stderr),
    ),
  );
}

describe('vigil run over TLS with passwords (PostgreSQL, Redis, Kafka)', () => {
  const serversDir = join(tmpdir(), `vigil-tls-${process.pid}-${randomBytes(4).toString('hex')}`);
  // The test's own files live in the servers' folder, which tls.sh removes (also when this process is killed).
  const work = join(serversDir, 'work');
  const sink = new WebhookSink();
  const daemons: Daemon[] = [];
  let s: TlsServers;
  let store: Store | undefined;

  beforeAll(async () => {
    await sink.start();
    // The servers stop on their own if this process dies before afterAll (the script watches our pid).
    await script(['start', serversDir, String(process.pid)]);
    mkdirSync(work);
    const env = Object.fromEntries(
      readFileSync(join(serversDir, 'env'), 'utf8')
        .split('\n')
        .filter((l) => l.includes('='))
        .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
    );
    s = {
      dir: serversDir,
      ca: env.TLS_CA_FILE!,
      otherCa: env.TLS_OTHER_CA_FILE!,
      clientCert: env.TLS_CLIENT_CERT_FILE!,
      clientKey: env.TLS_CLIENT_KEY_FILE!,
      user: env.TLS_USER!,
      pgPort: Number(env.TLS_PG_PORT),
      pgPassword: env.TLS_PG_PASSWORD!,
      redisPort: Number(env.TLS_REDIS_PORT),
      redisPassword: env.TLS_REDIS_PASSWORD!,
      kafkaPort: Number(env.TLS_KAFKA_PORT),
      kafkaMtlsPort: Number(env.TLS_KAFKA_MTLS_PORT),
      kafkaPassword: env.TLS_KAFKA_PASSWORD!,
    };
    const reference = makeEvents({ n: 3000, start: T0 - 24 * 60 * MIN, seed: 11 });
    writeFileSync(
      join(work, 'reference.csv'),
      [
        'age,income,region,score',
        ...reference.map((e) => `${e.features.age ?? ''},${e.features.income},${e.features.region},${e.score}`),
      ].join('\n'),
    );
  });

  afterAll(async () => {
    for (const d of daemons) if (d.exitCode === null && d.signalCode === null) d.kill('SIGKILL');
    await Promise.all(daemons.map((d) => exited(d)));
    await store?.close();
    await sink.close();
    await script(['stop', serversDir]);
  });

  const pgUrl = (o: { password?: string; query?: string } = {}) =>
    `postgres://${s.user}:${o.password ?? s.pgPassword}@127.0.0.1:${s.pgPort}/${s.user}?${o.query ?? `sslmode=verify-full&sslrootcert=${s.ca}`}`;
  const kafkaClient = (mechanism: 'plain' | 'scram-sha-256' | 'scram-sha-512'): KafkaConnectionOptions => ({
    brokers: [`127.0.0.1:${s.kafkaPort}`],
    ssl: { ca: readFileSync(s.ca, 'utf8') },
    sasl: { mechanism, username: s.user, password: s.kafkaPassword },
  });

  interface RunOptions {
    name: string;
    groupId: string;
    predictions: string;
    labels: string;
    kafkaCa?: string;
    /** Mutual TLS to the SSL listener instead of SASL_SSL: the client certificate's files, or none (a refusal). */
    kafkaMtls?: { certFile: string; keyFile: string } | 'no-certificate';
    /** @defaultValue vigil */
    database?: string;
    /** The database URL's query (TLS settings). */
    pgQuery?: string;
    /** The CA the daemon's Node trusts for Redis (NODE_EXTRA_CA_CERTS). */
    redisCa?: string;
    passwords?: { kafka?: string; pg?: string; redis?: string };
    logLevel?: string;
    ownerWebhook?: string;
  }

  /**
   * Starts the built daemon with a configuration that takes every password from the environment, as docs/
   * configuration.md advises: KAFKA_PASSWORD, DB_PASSWORD and REDIS_PASSWORD.
   */
  /** Writes `<name>.yaml` and returns its path and the environment the CLI runs with. */
  function configure(o: RunOptions): { configPath: string; env: NodeJS.ProcessEnv } {
    const configPath = join(work, `${o.name}.yaml`);
    writeFileSync(
      configPath,
      `kafka:
  brokers: [127.0.0.1:${o.kafkaMtls ? s.kafkaMtlsPort : s.kafkaPort}]
  groupId: ${o.groupId}
  topics: { predictions: ${o.predictions}, labels: ${o.labels}, control: ${o.labels}.control }
${
  o.kafkaMtls === undefined
    ? `  ssl: { caFile: ${o.kafkaCa ?? s.ca} }
  sasl: { mechanism: scram-sha-512, username: ${s.user}, password: "\${KAFKA_PASSWORD}" }`
    : `  ssl: { caFile: ${s.ca}${o.kafkaMtls === 'no-certificate' ? '' : `, certFile: ${o.kafkaMtls.certFile}, keyFile: ${o.kafkaMtls.keyFile}`} }`
}
database: { url: 'postgres://${s.user}:\${DB_PASSWORD}@127.0.0.1:${s.pgPort}/${o.database ?? s.user}?${o.pgQuery ?? `sslmode=verify-full&sslrootcert=${s.ca}`}' }
redis: { url: 'rediss://${s.user}:\${REDIS_PASSWORD}@127.0.0.1:${s.redisPort}' }
http: { port: 0 }
models:
  - id: credit-risk
    task: binary
    threshold: 0.5
    owner: { name: Risk team, webhook: '${o.ownerWebhook ?? 'http://127.0.0.1:9/hook'}' }
    features: { age: numeric, income: numeric, region: categorical }
    groups: [sex, region]
    # The topic's other partition, which never carries the model, holds its first windows back this long.
    window: { size: 30m, slide: 10m, allowedLateness: 5m, idleTimeout: 10s }
    reference: { file: reference.csv }
    rules:
      - { metric: psi, feature: age, threshold: 0.2, clearThreshold: 0.1, severity: critical, breachesOfWindows: { n: 1, m: 1 }, minSamples: 100 }
`,
    );
    const env: NodeJS.ProcessEnv = { ...process.env };
    for (const key of Object.keys(env)) if (key.startsWith('VIGIL_')) delete env[key];
    Object.assign(env, {
      KAFKA_PASSWORD: o.passwords?.kafka ?? s.kafkaPassword,
      DB_PASSWORD: o.passwords?.pg ?? s.pgPassword,
      REDIS_PASSWORD: o.passwords?.redis ?? s.redisPassword,
      NODE_EXTRA_CA_CERTS: o.redisCa ?? s.ca,
    });
    return { configPath, env };
  }

  function start(o: RunOptions): Daemon {
    const { configPath, env } = configure(o);
    const daemon = spawnDaemon(configPath, work, env, o.logLevel);
    daemons.push(daemon);
    return daemon;
  }

  /** Runs another `vigil` command with the configuration of `o`; resolves with its exit code and output. */
  function cli(args: string[], o: RunOptions): Promise<{ code: number; output: string }> {
    const { configPath, env } = configure(o);
    return new Promise((done) =>
      execFile(
        process.execPath,
        [BIN, ...args, '-c', configPath],
        { cwd: work, env, timeout: 60_000 },
        (error, stdout, stderr) =>
          done({ code: error ? ((error as { code?: number }).code ?? 1) : 0, output: stdout + stderr }),
      ),
    );
  }

  /** Every secret this test handed out, right or wrong: none may appear in the daemon's output. */
  const secrets = (): string[] => [s.kafkaPassword, s.pgPassword, s.redisPassword];
  const expectNoSecret = (output: string, extra: readonly string[] = []) => {
    for (const secret of [...secrets(), ...extra]) expect(output.includes(secret)).toBe(false);
  };

  it('a non-TLS connection to the Postgres is refused by the server', async () => {
    const sql = createPostgresClient({ url: pgUrl({ query: 'sslmode=disable' }) });
    try {
      await expect(sql.query('SELECT 1')).rejects.toThrow(/no pg_hba.conf entry .*no encryption/);
    } finally {
      await sql.close();
    }
  });

  it('events produced over SASL_SSL become metric rows in the TLS Postgres, and a breach reaches the owner through the TLS Redis', async () => {
    const predictions = `tls-pred-${randomBytes(3).toString('hex')}`;
    const labels = `tls-labels-${randomBytes(3).toString('hex')}`;
    const groupId = `tls-run-${randomBytes(3).toString('hex')}`;
    // The test's own clients use the other two mechanisms: SCRAM-SHA-256 to create the topics, PLAIN to produce.
    expect(await ensureTopic(predictions, 2, kafkaClient('scram-sha-256'))).toBe(true);
    expect(await ensureTopic(labels, 1, kafkaClient('scram-sha-256'))).toBe(true);
    expect(await ensureTopic(`${labels}.control`, 1, kafkaClient('scram-sha-256'))).toBe(true);
    // Half an hour like the reference, then an hour in which the ages move up by about 20 years, then one event
    // that closes the windows.
    const events = [
      ...makeEvents({ n: 600, start: T0, stepMs: 3000, seed: 31 }),
      ...makeEvents({ n: 1200, start: T0 + 30 * MIN, stepMs: 3000, seed: 32, shift: 2, idPrefix: 'shifted' }),
      ...makeEvents({ n: 1, start: T0 + 4 * 60 * MIN, seed: 33, idPrefix: 'closer' }),
    ];
    const file = join(work, 'events.ndjson');
    // And one line that is not JSON: a dead letter, for vigil dlq replay to send back over SASL_SSL.
    writeFileSync(file, [...events.map((e) => JSON.stringify(e)), '{not json'].join('\n') + '\n');
    expect((await produceFile(file, { ...kafkaClient('plain'), topic: predictions })).produced).toBe(events.length + 1);

    // Debug logs: the strictest check that no password is ever written.
    const happy: RunOptions = {
      name: 'happy',
      groupId,
      predictions,
      labels,
      logLevel: 'debug',
      ownerWebhook: `${sink.base}/hook`,
    };
    const daemon = start(happy);
    store = await createStore({ url: pgUrl() });
    const committed = async () =>
      (await store!.offsets.load(groupId, predictions)).reduce((n, o) => n + Number(o.nextOffset), 0);
    await waitFor(
      'every event to be committed in the TLS Postgres',
      async () => (await committed()) === events.length + 1,
      [daemon],
      120_000,
    );
    await waitFor(
      'the owner to be notified through the TLS Redis',
      async () => sink.received.some((r) => r.body?.status === 'firing'),
      [daemon],
      60_000,
    );

    const rows = await store.metrics.rows('credit-risk', { from: 0, to: Date.parse('2100-01-01') });
    const psi = rows.filter((r) => r.metric === 'psi' && r.feature === 'age');
    expect(psi.length).toBeGreaterThan(0);
    expect(Math.max(...psi.map((r) => r.value ?? 0))).toBeGreaterThan(0.2);
    const firing = sink.received.filter((r) => r.body?.status === 'firing');
    expect(firing).toHaveLength(1);
    expect(firing[0]!.body).toMatchObject({ model: 'credit-risk', metric: 'psi', feature: 'age' });

    // The notice went through BullMQ on the TLS Redis: the daemon says so, and the queue's keys are there.
    expect(daemon.output()).toMatch(/"alertQueue":"bullmq"/);
    const keys = await new Promise<string>((done, fail) =>
      execFile(
        'redis-cli',
        [
          '--no-auth-warning',
          '--tls',
          '--cacert',
          s.ca,
          '-h',
          '127.0.0.1',
          '-p',
          String(s.redisPort),
          '--user',
          s.user,
          '--scan',
          '--pattern',
          `bull:vigil-alerts.${groupId}:*`,
        ],
        { env: { ...process.env, REDISCLI_AUTH: s.redisPassword } },
        (error, stdout) => (error ? fail(error) : done(stdout)),
      ),
    );
    expect(keys.split('\n').filter((k) => k !== '').length).toBeGreaterThan(0);

    daemon.kill('SIGTERM');
    expect(await exited(daemon)).toBe(0);
    expectNoSecret(daemon.output());

    // The other commands that reach Kafka and the database connect the same way: the dead letter goes back.
    expect((await store.deadLetters.list()).map((l) => l.raw.toString())).toEqual(['{not json']);
    const replayed = await cli(['dlq', 'replay'], happy);
    expect(replayed).toMatchObject({ code: 0, output: expect.stringContaining('Replayed 1 dead letter(s)') });
    expectNoSecret(replayed.output);
  });

  it('mutual TLS: a client certificate for Kafka (kafka.ssl.certFile/keyFile) and PostgreSQL (sslcert/sslkey)', async () => {
    const predictions = `tls-mtls-pred-${randomBytes(3).toString('hex')}`;
    const labels = `tls-mtls-labels-${randomBytes(3).toString('hex')}`;
    const groupId = `tls-mtls-${randomBytes(3).toString('hex')}`;
    const mtls: KafkaConnectionOptions = {
      brokers: [`127.0.0.1:${s.kafkaMtlsPort}`],
      ssl: {
        ca: readFileSync(s.ca, 'utf8'),
        cert: readFileSync(s.clientCert, 'utf8'),
        key: readFileSync(s.clientKey, 'utf8'),
      },
    };
    await ensureTopic(predictions, 1, mtls);
    await ensureTopic(labels, 1, mtls);
    await ensureTopic(`${labels}.control`, 1, mtls);
    const events = makeEvents({ n: 200, start: T0, stepMs: 3000, seed: 41 });
    const file = join(work, 'mtls.ndjson');
    writeFileSync(file, events.map((e) => JSON.stringify(e)).join('\n') + '\n');
    // Relative paths: Kafka's files are read relative to the configuration file, the URL's relative to the working
    // directory (both are the work folder here). The events go in with vigil replay and the same configuration.
    const options: RunOptions = {
      name: 'mtls',
      groupId,
      predictions,
      labels,
      kafkaMtls: { certFile: relative(work, s.clientCert), keyFile: relative(work, s.clientKey) },
      database: `${s.user}_mtls`,
      pgQuery: `sslmode=verify-full&sslrootcert=${relative(work, s.ca)}&sslcert=${relative(work, s.clientCert)}&sslkey=${relative(work, s.clientKey)}`,
    };
    const replay = await cli(['replay', file], options);
    expect(replay).toMatchObject({
      code: 0,
      output: expect.stringContaining(`Produced ${events.length} events to ${predictions}`),
    });
    const daemon = start(options);
    const mtlsStore = await createStore({
      url: `${pgUrl({ query: `sslmode=verify-full&sslrootcert=${s.ca}&sslcert=${s.clientCert}&sslkey=${s.clientKey}` }).replace(`/${s.user}?`, `/${s.user}_mtls?`)}`,
    });
    try {
      const committed = async () =>
        (await mtlsStore.offsets.load(groupId, predictions)).reduce((n, o) => n + Number(o.nextOffset), 0);
      await waitFor(
        'every event to be committed over mutual TLS',
        async () => (await committed()) === events.length,
        [daemon],
        120_000,
      );
      daemon.kill('SIGTERM');
      expect(await exited(daemon)).toBe(0);
      expectNoSecret(daemon.output());
    } finally {
      await mtlsStore.close();
    }
  });

  it('a wrong CA or a wrong password for each service stops the daemon with an error naming the service, without showing a password', async () => {
    const predictions = `tls-pred-${randomBytes(3).toString('hex')}`;
    const labels = `tls-labels-${randomBytes(3).toString('hex')}`;
    await ensureTopic(predictions, 1, kafkaClient('scram-sha-512'));
    await ensureTopic(labels, 1, kafkaClient('scram-sha-512'));
    await ensureTopic(`${labels}.control`, 1, kafkaClient('scram-sha-512'));
    const wrong = `wrong-${randomBytes(8).toString('hex')}`;
    const cases: Array<{ name: string; options: Partial<RunOptions>; expected: RegExp[] }> = [
      {
        name: 'postgres-ca',
        options: { pgQuery: `sslmode=verify-full&sslrootcert=${s.otherCa}` },
        expected: [
          /error \[VIGIL_STORE_UNAVAILABLE\]: cannot connect \(PostgreSQL at postgres:\/\/vigil:\[redacted\]@127\.0\.0\.1:\d+\/vigil\?[^)]*\): TLS: [^)]*certificate[^)]* \((UNABLE_TO_VERIFY_LEAF_SIGNATURE|SELF_SIGNED_CERT_IN_CHAIN)\)/,
        ],
      },
      {
        name: 'postgres-ca-file-missing',
        options: { pgQuery: `sslmode=verify-full&sslrootcert=${join(work, 'missing-ca.pem')}` },
        expected: [
          /error \[VIGIL_STORE_UNAVAILABLE\]: cannot connect \(PostgreSQL at [^)]*\): cannot read a file the connection string names: ENOENT[^\n]*missing-ca\.pem/,
        ],
      },
      {
        name: 'postgres-password',
        options: { passwords: { pg: wrong } },
        expected: [
          /error \[VIGIL_STORE_QUERY\]: cannot connect \(PostgreSQL at [^)]*\): password authentication failed for user "vigil"/,
        ],
      },
      {
        name: 'postgres-no-tls',
        options: { pgQuery: 'sslmode=disable' },
        expected: [/cannot connect \(PostgreSQL at [^)]*\): no pg_hba.conf entry .*no encryption/],
      },
      {
        name: 'redis-ca',
        options: { redisCa: s.otherCa },
        expected: [
          /error \[VIGIL_QUEUE_UNAVAILABLE\]: Redis at 127\.0\.0\.1:\d+ refused the connection \(.*last error: self-signed certificate in certificate chain \(SELF_SIGNED_CERT_IN_CHAIN\)\)/,
        ],
      },
      {
        name: 'redis-password',
        options: { passwords: { redis: wrong } },
        expected: [
          /error \[VIGIL_QUEUE_UNAVAILABLE\]: Redis at 127\.0\.0\.1:\d+ refused the connection \(.*last error: WRONGPASS/,
        ],
      },
      {
        name: 'kafka-ca',
        options: { kafkaCa: s.otherCa },
        expected: [
          /error \[VIGIL_KAFKA_UNAVAILABLE\]: cannot consume from Kafka at 127\.0\.0\.1:\d+: Connection error: [^\n]*certificate/,
        ],
      },
      {
        name: 'postgres-no-client-certificate',
        options: { database: `${s.user}_mtls` },
        expected: [
          /error \[VIGIL_STORE_QUERY\]: cannot connect \(PostgreSQL at [^)]*\): connection requires a valid client certificate/,
        ],
      },
      {
        name: 'kafka-no-client-certificate',
        options: { kafkaMtls: 'no-certificate' },
        expected: [
          /error \[VIGIL_KAFKA_UNAVAILABLE\]: cannot consume from Kafka at 127\.0\.0\.1:\d+: Connection error: [^\n]*alert (bad certificate|certificate required)/,
        ],
      },
      {
        name: 'kafka-ca-file-missing',
        options: { kafkaCa: join(work, 'missing-ca.pem') },
        expected: [/error \[VIGIL_FILE_NOT_FOUND\]: kafka\.ssl\.caFile: cannot read \S*missing-ca\.pem \(ENOENT\)/],
      },
      {
        name: 'kafka-password',
        options: { passwords: { kafka: wrong } },
        expected: [
          /error \[VIGIL_KAFKA_UNAVAILABLE\]: cannot consume from Kafka at 127\.0\.0\.1:\d+: SASL SCRAM SHA512 authentication failed: [^\n]*invalid credentials/,
        ],
      },
    ];
    // All at once: the Kafka CA case waits for kafkajs's retries (about 17 s), the Redis ones for the 10 s start-up bound.
    const runs = cases.map((c) => {
      const daemon = start({
        name: c.name,
        groupId: `tls-${c.name}-${randomBytes(3).toString('hex')}`,
        predictions,
        labels,
        ...c.options,
      });
      return exited(daemon).then((code) => ({ ...c, code, output: daemon.output() }));
    });
    for (const run of await Promise.all(runs)) {
      try {
        expect(run.code).not.toBe(0);
        // Refused credentials and certificates are not worth a restart loop: exit code 2, like bad configuration.
        if (run.name.startsWith('kafka')) expect(run.code).toBe(2);
        expect(run.code).not.toBeNull();
        for (const pattern of run.expected) expect(run.output).toMatch(pattern);
        expectNoSecret(run.output, [wrong]);
      } catch (error) {
        throw new Error(
          `${run.name}: ${(error as Error).message}\n--- output (last 3000 characters) ---\n${run.output.slice(-3000)}`,
          { cause: error },
        );
      }
    }
  });
});
