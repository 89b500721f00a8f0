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

export type LogFormat = 'json' | 'text';

export interface LoggerOptions {
  level?: LogLevel;
  write: (line: string) => void;
  bindings?: LogFields;
  /** `json`: one JSON object a line, for collectors; `text`: `time LEVEL message key=value …` for people. @defaultValue json */
  format?: LogFormat;
  /** Colour the level of text lines (ANSI): for a terminal. @defaultValue false */
  color?: boolean;
}

/**
 * A logger writing one line per record to a sink (stderr in the daemon), as JSON or as text. Both are made from the
 * same redacted record, so neither can carry a secret the other masks. kafkajs hands over `stack` fields: they
 * are kept at debug level only (errors carry their name, message and code).
 */
export function createLogger(options: LoggerOptions): Logger {
  const threshold = LEVELS[options.level ?? 'info'];
  const bindings = options.bindings ?? {};
  const render = options.format === 'text' ? (record: LogFields) => textLine(record, options.color === true) : (record: LogFields) => JSON.stringify(record);
  const log = (level: Exclude<LogLevel, 'silent'>) => (fields: LogFields | string, message?: string) => {
    if (LEVELS[level] < threshold) return;
    const extra = typeof fields === 'string' ? { msg: fields } : { ...fields, msg: message };
    const record = redact({ level, time: new Date().toISOString(), ...bindings, ...extra }) as LogFields;
    if (threshold > LEVELS.debug) delete record.stack;
    options.write(render(record));
  };
  return {
    debug: log('debug'),
    info: log('info'),
    warn: log('warn'),
    error: log('error'),
    child: (more) => createLogger({ ...options, bindings: { ...bindings, ...more } }),
  };
}

const LEVEL_COLORS: Record<string, [number, number]> = { debug: [2, 22], info: [32, 39], warn: [33, 39], error: [31, 39] };

/** `2026-12-05T16:05:14.598Z INFO  vigil run started  http=127.0.0.1:8080 brokers=["kafka:9092"]`: one line always. */
function textLine(record: LogFields, color: boolean): string {
  const { level, time, msg, ...fields } = record;
  const name = String(level);
  const sgr = LEVEL_COLORS[name];
  const label = name.toUpperCase().padEnd(5);
  // Plain words stay bare; other strings are quoted as JSON (escaping newlines); objects are JSON.
  const value = (v: unknown): string => (typeof v === 'string' && /^[^\s"=]+$/.test(v) ? v : JSON.stringify(v));
  const pairs = Object.entries(fields)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}=${value(v)}`);
  const message = msg === undefined ? '' : String(msg).replace(/\n/g, '\\n');
  return `${String(time)} ${color && sgr ? `\x1b[${sgr[0]}m${label}\x1b[${sgr[1]}m` : label} ${message}${pairs.length > 0 ? `  ${pairs.join(' ')}` : ''}`;
}

export const silentLogger: Logger = createLogger({ level: 'silent', write: () => undefined });
