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
