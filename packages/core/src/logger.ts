import { pino, type Logger as PinoLogger } from 'pino';

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
const SECRET_KEY =
  /pass(word)?|secret|token|authorization|api[-_]?key|routing[-_]?key|private[-_]?key|credential|sasl/i;
const URL_CREDENTIALS = /\/\/([^:/@\s]*):([^@\s]+)@/g;

/** Replaces secret-looking keys and the password part of URLs; used for every logged object. */
export function redact(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return value.replace(URL_CREDENTIALS, '//$1:[redacted]@');
  if (value === null || typeof value !== 'object' || depth > 8) return value;
  if (value instanceof Error)
    return { name: value.name, message: redact(value.message), code: (value as { code?: unknown }).code };
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
 * A pino logger writing one line per record to a sink (stderr in the daemon), as JSON or as text. The sink is called
 * synchronously for each record (pino writes to it directly, with no buffer or worker thread), so a line is out
 * before the call returns and an exit right after loses nothing. Both formats are made from the same redacted
 * record, so neither can carry a secret the other masks: pino's own `redact` takes fixed paths, ours matches keys at
 * any depth and passwords inside URLs in any string, so every record goes through `redact` in pino's `logMethod`
 * hook (fields and message) and `bindings` formatter (child bindings). kafkajs hands over `stack` fields: they are
 * kept at debug level only (errors carry their name, message and code).
 */
export function createLogger(options: LoggerOptions): Logger {
  const level = options.level ?? 'info';
  const keepStack = LEVELS[level] <= LEVELS.debug;
  const clean = (fields: LogFields): LogFields => {
    const record = redact(fields) as LogFields;
    if (!keepStack) delete record.stack;
    return record;
  };
  const render =
    options.format === 'text'
      ? (json: string) => textLine(JSON.parse(json) as LogFields, options.color === true)
      : (json: string) => json;
  const root = pino(
    {
      level,
      base: null,
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      // `redact` has made every Error `{ name, message, code }` already: pino's `err` serializer (which would add
      // `type` and `stack`) is replaced by the identity, and there is no error key (pino would take a missing
      // message from `err.message`).
      serializers: { err: (value: unknown) => value },
      errorKey: '',
      hooks: {
        logMethod(args, method) {
          const [fields, message] = args as [LogFields | string, string | undefined];
          if (typeof fields === 'string') return method.call(this, redact(fields) as string);
          // `msg` is the message argument's, never a field's (pino would take a field's when the argument is missing).
          const { msg: _ignored, ...rest } = fields;
          const record = clean(rest);
          return message === undefined
            ? method.call(this, record)
            : method.call(this, record, redact(message) as string);
        },
      },
    },
    // pino's line ends with a newline; the sink gets the line alone.
    { write: (line: string) => options.write(render(line.endsWith('\n') ? line.slice(0, -1) : line)) },
  );
  // pino formats only the root's bindings (children's are stringified as given), so each child's are redacted here.
  // pino writes a key a child binds again twice (`"component":"alerting","component":"alert-delivery"`): such a
  // child is made from the root with every binding of its chain, the inner one winning.
  const wrap = (logger: PinoLogger, bound: LogFields): Logger => ({
    debug: (fields, message) => logger.debug(fields as LogFields, message),
    info: (fields, message) => logger.info(fields as LogFields, message),
    warn: (fields, message) => logger.warn(fields as LogFields, message),
    error: (fields, message) => logger.error(fields as LogFields, message),
    child: (bindings) => {
      const merged = { ...bound, ...bindings };
      const again = Object.keys(bindings).some((key) => key in bound);
      return wrap(again ? root.child(clean(merged)) : logger.child(clean(bindings)), merged);
    },
  });
  return wrap(options.bindings ? root.child(clean(options.bindings)) : root, options.bindings ?? {});
}

/**
 * A writer to a file descriptor (2: stderr) that returns once the bytes are written: pino's synchronous
 * destination. `process.stderr` buffers in memory when stderr is a socket (systemd's journal, a child process's
 * stdio in Node), so on `process.exit` or a crash whatever is still queued is lost, and an exit right after 5000
 * log lines kept fewer than 600 of them; through this writer all arrive, in order. When the reader is slow the
 * daemon waits for it (pino retries a full pipe every 100 ms) instead of buffering without bound. `onBrokenPipe` is
 * called when the reader closed the pipe.
 */
export function syncWriter(fd: number, onBrokenPipe?: () => void): (text: string) => void {
  const destination = pino.destination({ dest: fd, sync: true });
  // pino drops every later write once the reader is gone (EPIPE); the caller may rather stop, as `vigil` does.
  if (onBrokenPipe) destination.on('error', (error: NodeJS.ErrnoException) => error.code === 'EPIPE' && onBrokenPipe());
  return (text) => void destination.write(text);
}

const LEVEL_COLORS: Record<string, [number, number]> = {
  debug: [2, 22],
  info: [32, 39],
  warn: [33, 39],
  error: [31, 39],
};

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
