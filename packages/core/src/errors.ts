/**
 * One error class for the whole project, with a closed set of string codes. The catalogue below is mirrored in
 * docs/errors.md; a test keeps the two in sync. `retriable` decides whether a caller may try the same operation
 * again (a broker or database outage) or must not (bad input, bad configuration).
 */
export const ERROR_CODES = {
  VIGIL_CONFIG_INVALID: 'The configuration was refused; `details.problems` lists every problem with its path.',
  VIGIL_USAGE: 'A command was called with missing or contradictory arguments.',
  VIGIL_FILE_NOT_FOUND: 'An input file does not exist or cannot be read.',
  VIGIL_FILE_EMPTY: 'An input file has no header or no data rows.',
  VIGIL_FILE_FORMAT: 'An input file is not valid CSV, NDJSON or Parquet, or uses an unsupported encoding.',
  VIGIL_OUTPUT_UNWRITABLE:
    'An output file or directory cannot be written: its directory does not exist or is a file, an output directory is a file, or the system refused (permission, read-only or full disk; retriable only when the disk is full).',
  VIGIL_UNKNOWN_COLUMN: 'A column named by an option or the configuration is not in the file.',
  VIGIL_BAD_VALUE:
    'A value cannot be read as its column type (file, line and column are in the message; for a column declared numeric, where it was declared: `(declared numeric at vigil.yaml:14; declare it categorical if it holds text)`, or `by --features`).',
  VIGIL_DECODE_INVALID_JSON: 'An event is not valid JSON.',
  VIGIL_DECODE_MISSING_FIELD: 'An event lacks a required field.',
  VIGIL_DECODE_WRONG_TYPE: 'An event field has the wrong type.',
  VIGIL_DECODE_OUT_OF_RANGE:
    'An event field has the right type but a value outside its domain (a binary score outside [0, 1], a label other than 0/1, a non-finite number).',
  VIGIL_DECODE_UNKNOWN_MODEL: 'An event names a model that is not configured.',
  VIGIL_DECODE_TOO_LARGE: 'An event is larger than the configured limit.',
  VIGIL_PROFILE_MISMATCH: 'A reference profile does not match the data or accumulator it is used with.',
  VIGIL_STORE_UNAVAILABLE:
    'The database cannot be reached or the connection was lost (retriable); the connection string in the message has its password redacted.',
  VIGIL_STORE_LOCKED:
    'The embedded database is in use by another Vigil process (retriable: the message names its pid); stop it, or use a PostgreSQL server that several processes can share.',
  VIGIL_STORE_QUERY:
    'A database statement failed; retriable when the database reports a serialization failure or deadlock (`details.sqlstate`).',
  VIGIL_STORE_MIGRATION:
    'The schema cannot be migrated: a released migration was edited, or the database was migrated by a newer Vigil.',
  VIGIL_STORE_OFFSET_CONFLICT:
    'A batch overlaps Kafka offsets that were only partly committed before; the consumer must seek to the stored offsets.',
  VIGIL_NOT_FOUND: 'An incident, model or review named by a request does not exist.',
  VIGIL_UNAUTHORIZED:
    'An HTTP API request needs a bearer token and has none, or one that is not valid (401; a token sent with a read is checked too).',
  VIGIL_FORBIDDEN:
    "An HTTP API request's token has a role that may not do it (403); the message names the roles that may.",
  VIGIL_NOT_SERVED:
    'The part of Vigil an HTTP API request needs (alerting, the review queue) does not run in the process that answered (503).',
  VIGIL_CONFLICT:
    'A request is valid but not in the current state (acknowledging a resolved incident, say); nothing was changed.',
  VIGIL_NOTIFY_FAILED:
    'A notification could not be delivered (retriable for timeouts, network errors, 429 and 5xx answers).',
  VIGIL_QUEUE_UNAVAILABLE:
    'The alert queue (Redis) cannot be reached (retriable); notifications wait in the database outbox.',
  VIGIL_KAFKA_UNAVAILABLE: 'Kafka cannot be reached, or reading a topic failed (retriable).',
  VIGIL_KAFKA_TOPIC_MISSING:
    "A topic to produce to or consume from does not exist (at `vigil run`'s start, or deleted while it runs); Vigil does not create topics, the message names each one (with its configuration key) and gives the command that creates it.",
  VIGIL_INTERNAL: 'A bug: an invariant of Vigil itself was broken.',
} as const;

export type VigilErrorCode = keyof typeof ERROR_CODES;

export interface VigilErrorOptions {
  cause?: unknown;
  retriable?: boolean;
  details?: Record<string, unknown>;
}

export class VigilError extends Error {
  readonly code: VigilErrorCode;
  readonly retriable: boolean;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: VigilErrorCode, message: string, options: VigilErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'VigilError';
    this.code = code;
    this.retriable = options.retriable ?? false;
    this.details = options.details;
  }
}

export function isVigilError(error: unknown, code?: VigilErrorCode): error is VigilError {
  return error instanceof VigilError && (code === undefined || error.code === code);
}
