/**
 * A logger interface that is a subset of pino's, so pino (or any compatible logger) can be injected. Library code
 * logs through this interface only; the daemon decides where lines go.
 */
export type LogFields = Record<string, unknown>;

export interface Logger {
  debug(fields: LogFields | string, message?: string): void;
  info(fields: LogFields | string, message?: string): void;
  warn(fields: LogFields | string, message?: string): void;
  error(fields: LogFields | string, message?: string): void;
  child(bindings: LogFields): Logger;
}

export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';
const LEVELS: Record<LogLevel, number> = { debug: 20, info: 30, warn: 40, error: 50, silent: 100 };

/** Keys whose values never reach a log line, at any depth. */
const SECRET_KEY = /pass(word)?|secret|token|authorization|api[-_]?key|routing[-_]?key|private[-_]?key|credential|sasl/i;
const URL_CREDENTIALS = /\/\/([^:/@\s]*):([^@\s]+)@/g;

/** Replaces secret-looking keys and the password part of URLs; used for every logged object. */
export function redact(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return value.replace(URL_CREDENTIALS, '//$1:[redacted]@');
  if (value === null || typeof value !== 'object' || depth > 8) return value;
  if (value instanceof Error) return { name: value.name, message: redact(value.message), code: (value as { code?: unknown }).code };
  if (Array.isArray(value)) return value.map((v) => redact(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = SECRET_KEY.test(k) ? '[redacted]' : redact(v, depth + 1);
  return out;
}

/** JSON-lines logger writing to a sink (stderr by default in the daemon). */
export function createLogger(options: { level?: LogLevel; write: (line: string) => void; bindings?: LogFields }): Logger {
  const threshold = LEVELS[options.level ?? 'info'];
  const bindings = options.bindings ?? {};
  const log = (level: Exclude<LogLevel, 'silent'>) => (fields: LogFields | string, message?: string) => {
    if (LEVELS[level] < threshold) return;
    const extra = typeof fields === 'string' ? { msg: fields } : { ...fields, msg: message };
    const record = redact({ level, time: new Date().toISOString(), ...bindings, ...extra }) as LogFields;
    options.write(JSON.stringify(record));
  };
  return {
    debug: log('debug'),
    info: log('info'),
    warn: log('warn'),
    error: log('error'),
    child: (more) => createLogger({ ...options, bindings: { ...bindings, ...more } }),
  };
}

export const silentLogger: Logger = createLogger({ level: 'silent', write: () => undefined });
