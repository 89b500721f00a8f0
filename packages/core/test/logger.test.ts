import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { createLogger, redact } from '@vigil/core';

describe('logger', () => {
  it('never writes secrets: secret-looking keys and URL passwords are redacted at any depth', () => {
    const lines: string[] = [];
    const log = createLogger({ level: 'debug', write: (l) => lines.push(l) }).child({ component: 'store' });
    log.info(
      { url: 'postgres://vigil:s3cr3t-pw@db:5432/vigil', nested: { password: 'hunter2', apiKey: 'k-123' } },
      'connected',
    );
    const text = lines.join('\n');
    expect(text).not.toMatch(/s3cr3t-pw|hunter2|k-123/);
    expect(JSON.parse(lines[0]!)).toMatchObject({
      level: 'info',
      component: 'store',
      msg: 'connected',
      url: 'postgres://vigil:[redacted]@db:5432/vigil',
    });
  });

  it('drops lines below the level', () => {
    const lines: string[] = [];
    const log = createLogger({ level: 'warn', write: (l) => lines.push(l) });
    log.info('quiet');
    log.warn('loud');
    expect(lines).toHaveLength(1);
  });

  it('redacts errors to name, message and code', () => {
    expect(redact(new Error('connect redis://:pw@localhost'))).toEqual({
      name: 'Error',
      message: 'connect redis://:[redacted]@localhost',
      code: undefined,
    });
  });
});

describe('logger, text format (vigil run on a terminal)', () => {
  const at = (lines: string[]) => createLogger({ level: 'info', format: 'text', write: (l) => lines.push(l) });

  it('writes `time LEVEL message key=value`, one line per record, quoting what is not a plain word', () => {
    const lines: string[] = [];
    at(lines)
      .child({ component: 'alerting' })
      .warn(
        { http: '127.0.0.1:8080', brokers: ['k1:9092'], note: 'two words', multi: 'a\nb', n: 3 },
        'vigil run\nstarted',
      );
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z WARN {2}vigil run\\nstarted {2}component=alerting http=127\.0\.0\.1:8080 brokers=\["k1:9092"\] note="two words" multi="a\\nb" n=3$/,
    );
  });

  it('redacts exactly what the JSON format redacts', () => {
    const lines: string[] = [];
    at(lines).info(
      { url: 'postgres://vigil:s3cr3t-pw@db:5432/vigil', sasl: { password: 'hunter2' }, token: 'k-123' },
      'connected to redis://:pw-999@cache',
    );
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
    createLogger({ level: 'info', write: (l) => info.push(l) }).error(
      { broker: '127.0.0.1:1', stack },
      'Connection error',
    );
    createLogger({ level: 'debug', write: (l) => debug.push(l) }).error(
      { broker: '127.0.0.1:1', stack },
      'Connection error',
    );
    expect(JSON.parse(info[0]!)).toEqual({
      level: 'error',
      time: expect.any(String),
      broker: '127.0.0.1:1',
      msg: 'Connection error',
    });
    expect(JSON.parse(debug[0]!)).toMatchObject({ stack });
  });
});

describe('pino underneath', () => {
  it('redacts the bindings of every child, not only the root’s (pino formats only the root’s)', () => {
    const lines: string[] = [];
    const log = createLogger({ level: 'debug', write: (l) => lines.push(l), bindings: { apiKey: 'root-key-1' } });
    log
      .child({ url: 'redis://:child-pw-2@cache', token: 'child-token-3' })
      .child({ nested: { password: 'grandchild-pw-4' } })
      .info('connected');
    expect(lines[0]).not.toMatch(/root-key-1|child-pw-2|child-token-3|grandchild-pw-4/);
    expect(JSON.parse(lines[0]!)).toEqual({
      level: 'info',
      time: expect.any(String),
      apiKey: '[redacted]',
      url: 'redis://:[redacted]@cache',
      token: '[redacted]',
      nested: { password: '[redacted]' },
      msg: 'connected',
    });
  });

  it('writes a key a child binds again once, the inner value (pino wrote "component" twice)', () => {
    const lines: string[] = [];
    const log = createLogger({ level: 'debug', write: (l) => lines.push(l), bindings: { service: 'vigil' } });
    const alerting = log.child({ component: 'alerting', token: 'child-token-5' });
    alerting.child({ component: 'alert-delivery', attempt: 2 }).warn('delivery failed; will retry');
    alerting.info('alerting started');
    expect(lines[0]!.match(/"component"/g)).toHaveLength(1);
    expect(lines[0]).not.toContain('child-token-5');
    expect(JSON.parse(lines[0]!)).toEqual({
      level: 'warn',
      time: expect.any(String),
      service: 'vigil',
      component: 'alert-delivery',
      token: '[redacted]',
      attempt: 2,
      msg: 'delivery failed; will retry',
    });
    expect(JSON.parse(lines[1]!)).toMatchObject({ component: 'alerting', msg: 'alerting started' });
  });

  it('logs an error field as name, message and code, and takes no message from it', () => {
    const lines: string[] = [];
    createLogger({ write: (l) => lines.push(l) }).warn({
      err: Object.assign(new Error('refused'), { code: 'ECONNREFUSED' }),
    });
    expect(JSON.parse(lines[0]!)).toEqual({
      level: 'warn',
      time: expect.any(String),
      err: { name: 'Error', message: 'refused', code: 'ECONNREFUSED' },
    });
  });

  /** Runs the built package in a child process (whose stderr is a socket) that logs 5000 lines through `sink` and exits at once. */
  const exitRightAfter = (sink: string) => {
    const script = `
      const { createLogger, syncWriter } = require(${JSON.stringify(join(__dirname, '../dist/index.js'))});
      const write = ${sink};
      const log = createLogger({ write: (line) => write(line + '\\n') }).child({ component: 'exit-test' });
      for (let i = 0; i < 5000; i++) log.error({ i }, 'line');
      write('error [VIGIL_INTERNAL]: the last line\\n');
      process.exit(3);`;
    const child = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8' });
    return { status: child.status, lines: child.stderr.trimEnd().split('\n') };
  };

  it('through syncWriter(2), every line is out before process.exit, in order (the built package: run `pnpm run build` first)', () => {
    const { status, lines } = exitRightAfter('syncWriter(2)');
    expect(status).toBe(3);
    expect(lines.slice(0, -1).map((line) => (JSON.parse(line) as { i: number }).i)).toEqual(
      Array.from({ length: 5000 }, (_, i) => i),
    );
    expect(lines.at(-1)).toBe('error [VIGIL_INTERNAL]: the last line');
  });
});
