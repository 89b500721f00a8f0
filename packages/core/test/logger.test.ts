import { createLogger, redact } from '@vigil/core';

describe('logger', () => {
  it('never writes secrets: secret-looking keys and URL passwords are redacted at any depth', () => {
    const lines: string[] = [];
    const log = createLogger({ level: 'debug', write: (l) => lines.push(l) }).child({ component: 'store' });
    log.info({ url: 'postgres://vigil:s3cr3t-pw@db:5432/vigil', nested: { password: 'hunter2', apiKey: 'k-123' } }, 'connected');
    const text = lines.join('\n');
    expect(text).not.toMatch(/s3cr3t-pw|hunter2|k-123/);
    expect(JSON.parse(lines[0]!)).toMatchObject({ level: 'info', component: 'store', msg: 'connected', url: 'postgres://vigil:[redacted]@db:5432/vigil' });
  });

  it('drops lines below the level', () => {
    const lines: string[] = [];
    const log = createLogger({ level: 'warn', write: (l) => lines.push(l) });
    log.info('quiet');
    log.warn('loud');
    expect(lines).toHaveLength(1);
  });

  it('redacts errors to name, message and code', () => {
    expect(redact(new Error('connect redis://:pw@localhost'))).toEqual({ name: 'Error', message: 'connect redis://:[redacted]@localhost', code: undefined });
  });
});

describe('logger, text format (vigil run on a terminal)', () => {
  const at = (lines: string[]) => createLogger({ level: 'info', format: 'text', write: (l) => lines.push(l) });

  it('writes `time LEVEL message key=value`, one line per record, quoting what is not a plain word', () => {
    const lines: string[] = [];
    at(lines).child({ component: 'alerting' }).warn({ http: '127.0.0.1:8080', brokers: ['k1:9092'], note: 'two words', multi: 'a\nb', n: 3 }, 'vigil run\nstarted');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z WARN {2}vigil run\\nstarted {2}component=alerting http=127\.0\.0\.1:8080 brokers=\["k1:9092"\] note="two words" multi="a\\nb" n=3$/);
  });

  it('redacts exactly what the JSON format redacts', () => {
    const lines: string[] = [];
    at(lines).info({ url: 'postgres://vigil:s3cr3t-pw@db:5432/vigil', sasl: { password: 'hunter2' }, token: 'k-123' }, 'connected to redis://:pw-999@cache');
    expect(lines[0]).not.toMatch(/s3cr3t-pw|hunter2|k-123|pw-999/);
    expect(lines[0]).toContain('url=postgres://vigil:[redacted]@db:5432/vigil');
    expect(lines[0]).toContain('token=[redacted]');
  });

  it('colours the level only when asked', () => {
    const lines: string[] = [];
    createLogger({ format: 'text', color: true, write: (l) => lines.push(l) }).error('boom');
    at(lines).error('boom');
    expect(lines[0]).toContain(' \x1b[31mERROR\x1b[39m boom');
    expect(lines[1]).not.toContain('\x1b[');
  });
});

describe('stack fields (kafkajs hands them over)', () => {
  it('are dropped unless the level is debug', () => {
    const stack = 'Error: connect ECONNREFUSED 127.0.0.1:1\n    at TCPConnectWrap.afterConnect (node:net:1611:16)';
    const info: string[] = [];
    const debug: string[] = [];
    createLogger({ level: 'info', write: (l) => info.push(l) }).error({ broker: '127.0.0.1:1', stack }, 'Connection error');
    createLogger({ level: 'debug', write: (l) => debug.push(l) }).error({ broker: '127.0.0.1:1', stack }, 'Connection error');
    expect(JSON.parse(info[0]!)).toEqual({ level: 'error', time: expect.any(String), broker: '127.0.0.1:1', msg: 'Connection error' });
    expect(JSON.parse(debug[0]!)).toMatchObject({ stack });
  });
});
