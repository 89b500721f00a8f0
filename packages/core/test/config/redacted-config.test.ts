import { createLogger, isVigilError, parseConfig, redactedConfig } from '@vigil/core';
import { inspect } from 'node:util';
import { mask } from '../../src/config/redacted-config';
import { EXAMPLE_ENV, EXAMPLE_TEXT, MINIMAL, parse } from './config-test-helpers';

/** Every secret below contains "s3cret". */
const SECRET = /s3cret/;

describe('secrets never leak', () => {
  const config = parseConfig(EXAMPLE_TEXT, 'vigil.yaml', {
    ...EXAMPLE_ENV,
    VIGIL_TOKENS: 'ci:admin:ci-token-s3cret-0123456789',
  });

  it('from JSON.stringify, inspect, spreads or the logger', () => {
    expect(JSON.stringify(config)).not.toMatch(SECRET);
    expect(inspect(config, { depth: null })).not.toMatch(SECRET);
    expect(JSON.stringify({ ...config.database, ...config.kafka?.sasl })).not.toMatch(SECRET);
    const lines: string[] = [];
    createLogger({ write: (line) => lines.push(line) }).info({ config }, 'config loaded');
    expect(lines.join('\n')).not.toMatch(SECRET);
    // ...while the secrets themselves are all there.
    expect(config.http.tokens[0]?.token).toBe('ci-token-s3cret-0123456789');
  });

  it('from redactedConfig, which shows where each secret is', () => {
    const view = redactedConfig(config);
    const text = JSON.stringify(view);
    expect(text).not.toMatch(SECRET);
    expect(view).toMatchObject({
      database: { url: 'postgres://vigil:[redacted]@db.internal:5432/vigil' },
      kafka: { sasl: { mechanism: 'scram-sha-512', username: 'vigil', password: '[redacted]' } },
      http: { tokens: [{ name: 'ci', role: 'admin', token: '[redacted]' }] },
      smtp: { url: 'smtps://vigil:[redacted]@smtp.example.com:465' },
      notifiers: {
        oncall: { routingKey: '[redacted]' },
        'ml-platform-slack': { url: 'https://hooks.slack.com/[redacted]' },
      },
      models: [{ owner: { webhook: 'https://hooks.example.com/[redacted]' } }, {}],
    });
  });

  it('from the errors of an invalid file', () => {
    const text = [
      'database: { url: "mysql://root:db-s3cret@db/x" }',
      'redis: { url: "redis//:redis-s3cret@cache" }',
      'kafka: { brokers: [b:9092], sasl: { mechanism: plain, username: u, password: [kafka-s3cret] } }',
      'http: { tokens: [ { name: a, role: admin, token: short-s3cret }, { name: b, role: king, token: [list-s3cret] } ] }',
      'notifiers: { p: { type: pagerduty, routingKey: { k: pd-s3cret } }, h: { type: webhook, url: "gopher://x/s3cret" } }',
      MINIMAL.replace('https://hooks.example.com/team', '"ftp://hooks/s3cret"'),
    ].join('\n');
    let thrown: unknown;
    try {
      parse(text, { VIGIL_TOKENS: 'x:admin:tiny-s3cret' });
    } catch (error) {
      thrown = error;
    }
    expect(isVigilError(thrown, 'VIGIL_CONFIG_INVALID')).toBe(true);
    const error = thrown as Error & { details: unknown };
    expect(error.details).toBeDefined();
    expect(error.message).not.toMatch(SECRET);
    expect(JSON.stringify(error.details)).not.toMatch(SECRET);
    expect(inspect(error, { depth: null })).not.toMatch(SECRET);
    expect(error.message.split('\n').length).toBeGreaterThan(7);
  });

  it('from an environment override that is invalid', () => {
    const run = () =>
      parse(MINIMAL, { VIGIL_DATABASE_URL: 'mysql://u:env-s3cret@db/x', VIGIL_REDIS_URL: 'env-s3cret' });
    expect(run).toThrow(/env\.VIGIL_DATABASE_URL/);
    expect(run).not.toThrow(SECRET);
  });
});

describe('mask', () => {
  it('keeps what helps and hides what is secret', () => {
    expect(mask('postgres://u:p@h:5432/db?sslmode=require&password=x', 'connection')).toBe(
      'postgres://u:[redacted]@h:5432/db?sslmode=[redacted]&password=[redacted]',
    );
    expect(mask('redis://cache:6379', 'connection')).toBe('redis://cache:6379');
    expect(mask('https://hooks.slack.com/services/T/B/x', 'capability')).toBe('https://hooks.slack.com/[redacted]');
    expect(mask('token', 'value')).toBe('[redacted]');
    expect(mask('not a url', 'connection')).toBe('[redacted]');
  });

  it('applies to any part of a configuration', () => {
    expect(redactedConfig(parse(MINIMAL).models[0]?.owner)).toEqual({
      name: 'Team',
      webhook: 'https://hooks.example.com/[redacted]',
    });
  });
});
