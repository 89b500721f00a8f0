import { CONFIG_ENV, parseConfig } from '@vigil/core';
import { MINIMAL, parse, problemAt, problemsOf } from './config-test-helpers';

const withTop = (top: string) => `${top}\n${MINIMAL}`;
const FILE = withTop(
  [
    'kafka: { brokers: [file-broker:9092] }',
    'database: { url: "postgres://file-db/vigil" }',
    'redis: { url: "redis://file-redis:6379" }',
    'http: { port: 8080, host: 127.0.0.1, tokens: [ { name: file, role: admin, token: file-token-0123456789 } ] }',
  ].join('\n'),
);

describe('kafka', () => {
  it('is absent without a kafka section or VIGIL_KAFKA_BROKERS', () => {
    expect(parse(MINIMAL).kafka).toBeUndefined();
  });

  it('fills defaults', () => {
    expect(parse(withTop('kafka: { brokers: ["[::1]:9092", "broker.internal:19092"] }')).kafka).toEqual({
      brokers: ['[::1]:9092', 'broker.internal:19092'],
      groupId: 'vigil',
      clientId: 'vigil',
      topics: { predictions: 'vigil.predictions', labels: 'vigil.labels', control: 'vigil.control' },
      sessionTimeoutMs: 30_000,
      fetch: { maxBytesPerPartition: 4 * 2 ** 20, maxBytes: 8 * 2 ** 20, minBytes: 1, maxWaitMs: 1000 },
      consumers: 2,
    });
  });

  it('takes the fetch sizes, a larger maxBytesPerPartition raising the unset maxBytes with it', () => {
    const fetchOf = (fetch: string) =>
      parse(withTop(`kafka: { brokers: [localhost:9092], fetch: ${fetch} }`)).kafka?.fetch;
    expect(fetchOf('{ maxBytesPerPartition: 1048576, maxBytes: 4194304, minBytes: 65536, maxWait: 250ms }')).toEqual({
      maxBytesPerPartition: 1_048_576,
      maxBytes: 4_194_304,
      minBytes: 65_536,
      maxWaitMs: 250,
    });
    expect(fetchOf('{ maxBytesPerPartition: 67108864 }')).toEqual({
      maxBytesPerPartition: 67_108_864,
      maxBytes: 67_108_864,
      minBytes: 1,
      maxWaitMs: 1000,
    });
  });

  it('refuses fetch sizes out of range, every problem together', () => {
    const text = withTop(
      'kafka: { brokers: [localhost:9092], fetch: { maxBytesPerPartition: 1.5, maxBytes: 536870912, minBytes: 0, maxWait: 1m, maxByte: 1 } }',
    );
    const messageAt = (path: string) => problemsOf(text).find((p) => p.path === path)?.message;
    expect(messageAt('kafka.fetch.maxBytesPerPartition')).toMatch(/whole number/);
    expect(messageAt('kafka.fetch.maxBytes')).toMatch(/at most 268435456/);
    expect(messageAt('kafka.fetch.minBytes')).toMatch(/at least 1/);
    expect(messageAt('kafka.fetch.maxWait')).toBe('must be at most 30s, not 1m');
    expect(messageAt('kafka.fetch.maxByte')).toMatch(/unknown key/);
    expect(
      problemAt(
        withTop('kafka: { brokers: [localhost:9092], fetch: { maxBytesPerPartition: 4096, maxBytes: 2048 } }'),
        'kafka.fetch.maxBytes',
      ).message,
    ).toBe('must be at least maxBytesPerPartition (4096), not 2048');
    // maxBytes alone is compared with the default per-partition size, which the message says is the default.
    expect(
      problemAt(withTop('kafka: { brokers: [localhost:9092], fetch: { maxBytes: 1048576 } }'), 'kafka.fetch.maxBytes')
        .message,
    ).toBe('must be at least maxBytesPerPartition (default 4194304), not 1048576');
    expect(
      problemAt(withTop('kafka: { brokers: [localhost:9092], fetch: { maxWait: 45s } }'), 'kafka.fetch.maxWait')
        .message,
    ).toBe('must be at most 30s, not 45s');
  });

  it("takes a session timeout within the broker's bounds", () => {
    expect(parse(withTop('kafka: { brokers: [localhost:9092], sessionTimeout: 10s }')).kafka?.sessionTimeoutMs).toBe(
      10_000,
    );
    expect(() => parse(withTop('kafka: { brokers: [localhost:9092], sessionTimeout: 2s }'))).toThrow(
      /kafka\.sessionTimeout: must be between 6s and 30m/,
    );
  });

  it('takes 1 to 16 consumers a daemon, refusing others with the value given', () => {
    expect(parse(withTop('kafka: { brokers: [localhost:9092], consumers: 1 }')).kafka?.consumers).toBe(1);
    expect(parse(withTop('kafka: { brokers: [localhost:9092], consumers: 16 }')).kafka?.consumers).toBe(16);
    for (const bad of ['0', '17', '1.5', 'two'])
      expect(() => parse(withTop(`kafka: { brokers: [localhost:9092], consumers: ${bad} }`))).toThrow(
        /kafka\.consumers: /,
      );
  });

  it('checks brokers, topics, ssl and sasl', () => {
    const top = [
      'kafka:',
      '  brokers: [localhost:9092, "http://broker:9092"]',
      '  topics: { predictions: events, labels: events, control: "bad topic" }',
      '  ssl: { certFile: cert.pem }',
      '  sasl: { mechanism: scram, username: vigil }',
    ].join('\n');
    expect(problemsOf(withTop(top)).map((p) => [p.path, p.line, p.message])).toEqual([
      ['kafka.brokers[1]', 2, '"http://broker:9092" is not host:port'],
      ['kafka.topics.control', 3, '"bad topic" is not a Kafka topic name (letters, digits, . _ -)'],
      ['kafka.topics.labels', 3, 'uses the same topic as kafka.topics.predictions'],
      ['kafka.ssl', 4, 'certFile and keyFile go together (client certificate authentication)'],
      ['kafka.sasl.mechanism', 5, 'must be one of plain, scram-sha-256, scram-sha-512, not "scram"'],
      ['kafka.sasl.password', 5, 'is required'],
    ]);
    expect(problemAt(withTop('kafka: { groupId: vigil }'), 'kafka.brokers').message).toBe('is required');
  });

  it('accepts ssl: true', () => {
    expect(parse(withTop('kafka: { brokers: [b:9092], ssl: true }')).kafka?.ssl).toEqual({ rejectUnauthorized: true });
  });
});

describe('kafka, for a command that does not connect to it', () => {
  const text = `kafka:\n  groupId: g\n${MINIMAL}`;

  it('needs no brokers (they are then empty), and still checks the rest of the section', () => {
    expect(problemAt(text, 'kafka.brokers')).toEqual({ path: 'kafka.brokers', line: 1, message: 'is required' });
    const config = parseConfig(text, 'vigil.yaml', {}, undefined, { kafkaBrokers: false });
    expect(config.kafka).toMatchObject({ brokers: [], groupId: 'g' });
    expect(() =>
      parseConfig(`kafka:\n  groupID: g\n${MINIMAL}`, 'vigil.yaml', {}, undefined, { kafkaBrokers: false }),
    ).toThrow(/vigil\.yaml:2: kafka\.groupID: unknown key/);
    expect(
      parseConfig(text, 'vigil.yaml', { [CONFIG_ENV.kafkaBrokers]: 'k:9092' }, undefined, { kafkaBrokers: false }).kafka
        ?.brokers,
    ).toEqual(['k:9092']);
  });
});

describe('database, redis, http', () => {
  it('checks URL schemes without quoting the URL', () => {
    const top = 'database: { url: "mysql://u:hunter2-s3cret@db/x" }\nredis: { url: "not a url" }';
    const problems = problemsOf(withTop(top));
    expect(problems.map((p) => [p.path, p.message])).toEqual([
      ['database.url', 'must be a postgres:// or postgresql:// URL, not mysql://'],
      ['redis.url', 'is not a valid URL'],
    ]);
  });

  // Before: `database: <url>` gave two problems, the second a follow-on ("database.url: is required"), and the first
  // quoted the URL, password and all.
  it('refuses a URL written straight under database or redis with one problem that does not quote it', () => {
    const top = 'database: "postgres://vigil:hunter2-s3cret@db/vigil"\nredis: [ "redis://r:6379" ]';
    const problems = problemsOf(withTop(top));
    expect(problems.map((p) => [p.path, p.line, p.message])).toEqual([
      [
        'database',
        1,
        'must be a mapping with the URL under url (`database:` and on the next line `  url: …`), not a URL written on the same line',
      ],
      ['redis', 2, 'must be a mapping with the URL under url (`redis:` and on the next line `  url: …`), not a list'],
    ]);
    expect(JSON.stringify(problems)).not.toContain('hunter2');
    // Kafka's section written as its one broker: the one problem, no follow-on "kafka.brokers: is required".
    expect(problemsOf(withTop('kafka: localhost:9092')).map((p) => p.path)).toEqual(['kafka']);
    // The environment's URL does not hide the file's mistake.
    expect(
      problemsOf(withTop('database: postgres://db/vigil'), { VIGIL_DATABASE_URL: 'postgres://env-db/vigil' }).map(
        (p) => p.path,
      ),
    ).toEqual(['database']);
  });

  it('checks the port, the tokens and readsRequireToken', () => {
    const top = [
      'http:',
      '  port: 80.5',
      '  readsRequireToken: yes',
      '  tokens:',
      '    - { name: a, role: root, token: aaaaaaaaaaaaaaaaaaaa }',
      '    - { name: b, role: admin, token: short-s3cret }',
      '    - { name: c, role: owner, token: cccccccccccccccccccc }',
      '    - { name: c, role: owner, token: dddddddddddddddddddd }',
      '    - { name: e, role: owner, token: cccccccccccccccccccc }',
    ].join('\n');
    expect(problemsOf(withTop(top)).map((p) => [p.path, p.line, p.message])).toEqual([
      ['http.port', 2, 'must be a whole number, not 80.5'],
      ['http.readsRequireToken', 3, 'must be true or false, not "yes"'],
      ['http.tokens[0].role', 5, 'must be one of owner, responder, admin, reviewer, not "root"'],
      ['http.tokens[1].token', 6, 'must be at least 16 characters long'],
      ['http.tokens[3]', 8, 'a token named "c" is already defined'],
      ['http.tokens[4]', 9, 'has the same token as "c"'],
    ]);
    expect(
      problemAt(
        withTop('http: { tokens: [ { name: n, role: admin, token: 12345678901234567890 } ] }'),
        'http.tokens[0].token',
      ).message,
    ).toBe('must be a string (quote it), not a number');
    expect(problemAt(withTop('http: { readsRequireToken: true }'), 'http.readsRequireToken').message).toBe(
      'is true, but no token is configured (http.tokens or VIGIL_TOKENS)',
    );
  });
});

describe('environment overrides', () => {
  const env = {
    VIGIL_KAFKA_BROKERS: ' env-1:9092, env-2:9092 ',
    VIGIL_DATABASE_URL: 'postgresql://vigil:env-pw@env-db:5432/vigil',
    VIGIL_REDIS_URL: 'rediss://env-redis:6380',
    VIGIL_HTTP_PORT: '9000',
    VIGIL_HTTP_HOST: '0.0.0.0',
    VIGIL_TOKENS: 'ops:admin:ops-token-0123456789,bot:responder:bot:token:with:colons',
  };

  it('names every variable it reads', () => {
    expect(Object.values(CONFIG_ENV).sort()).toEqual(Object.keys(env).sort());
  });

  it('win over the file', () => {
    const config = parse(FILE, env);
    expect(config.kafka?.brokers).toEqual(['env-1:9092', 'env-2:9092']);
    expect(config.database?.url).toBe(env.VIGIL_DATABASE_URL);
    expect(config.redis?.url).toBe(env.VIGIL_REDIS_URL);
    expect(config.http.port).toBe(9000);
    expect(config.http.host).toBe('0.0.0.0');
    expect(config.http.tokens.map((t) => [t.name, t.role, t.token])).toEqual([
      ['ops', 'admin', 'ops-token-0123456789'],
      ['bot', 'responder', 'bot:token:with:colons'],
    ]);
  });

  it('turn services on that the file leaves out', () => {
    const config = parse(MINIMAL, env);
    expect(config.kafka?.brokers).toEqual(['env-1:9092', 'env-2:9092']);
    expect(config.kafka?.groupId).toBe('vigil');
    expect(config.database?.url).toBe(env.VIGIL_DATABASE_URL);
    expect(config.redis?.url).toBe(env.VIGIL_REDIS_URL);
  });

  it('are ignored when empty, so the file value or the default applies', () => {
    const empty = Object.fromEntries(Object.keys(env).map((k) => [k, '']));
    const fromFile = parse(FILE, empty);
    expect(fromFile.database?.url).toBe('postgres://file-db/vigil');
    expect(fromFile.http.tokens.map((t) => t.name)).toEqual(['file']);
    const fromDefaults = parse(MINIMAL, empty);
    expect(fromDefaults.database).toBeUndefined();
    expect(fromDefaults.http.port).toBe(8080);
  });

  it('are validated, and reported under env.NAME', () => {
    const bad = {
      VIGIL_KAFKA_BROKERS: 'ok:9092,,nope',
      VIGIL_DATABASE_URL: 'mysql://u:env-s3cret@db/x',
      VIGIL_HTTP_PORT: 'eighty',
      VIGIL_TOKENS: 'ops:root:ops-token-0123456789,lonely,x:admin:short',
    };
    expect(problemsOf(MINIMAL, bad).map((p) => [p.path, p.line, p.message])).toEqual([
      ['env.VIGIL_KAFKA_BROKERS[1]', undefined, 'must not be empty'],
      ['env.VIGIL_KAFKA_BROKERS', undefined, '"nope" is not host:port'],
      ['env.VIGIL_DATABASE_URL', undefined, 'must be a postgres:// or postgresql:// URL, not mysql://'],
      ['env.VIGIL_HTTP_PORT', undefined, 'must be a number, not "eighty"'],
      ['env.VIGIL_TOKENS[0]', undefined, 'must be one of owner, responder, admin, reviewer, not "root"'],
      ['env.VIGIL_TOKENS[1]', undefined, 'must be name:role:token'],
      ['env.VIGIL_TOKENS[2]', undefined, 'the token of "x" must be at least 16 characters long'],
    ]);
  });

  it('substitutes ${NAME} references anywhere in string values', () => {
    const text = withTop(
      'kafka: { brokers: ["${BROKER_HOST}:9092"], groupId: "vigil-${STAGE}", clientId: "$${literal}" }',
    );
    const kafka = parse(text, { BROKER_HOST: 'b1', STAGE: 'prod' }).kafka;
    expect(kafka?.brokers).toEqual(['b1:9092']);
    expect(kafka?.groupId).toBe('vigil-prod');
    expect(kafka?.clientId).toBe('${literal}');
  });

  it('reports references to unset variables with their path and line', () => {
    const problems = problemsOf(withTop('database:\n  url: "postgres://vigil:${DB_PASSWORD}@db/vigil"'));
    expect(problems).toEqual([
      { path: 'database.url', line: 2, message: 'refers to the environment variable DB_PASSWORD, which is not set' },
    ]);
    expect(problemAt(withTop('http: { host: "${not valid}" }'), 'http.host').message).toBe(
      '"${not valid}" is not a valid environment variable reference',
    );
  });
});
