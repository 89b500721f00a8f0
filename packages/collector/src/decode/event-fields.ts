import { isUtf8 } from 'node:buffer';
import { didYouMean, errorMessage, type ModelDefinition } from '@vigil/core';
import { DecodeFailure } from './dead-letter';
import type { CompiledDecodeOptions } from './decode-options';
import { MAX_EPOCH_MS, parseIsoTimestamp } from './parse-timestamp';
import type { RawMessage } from './raw-message';

/**
 * The reading of the fields that prediction and label events share (docs/events.md). Every failure names the
 * field's path, and the value found when it is short enough to quote.
 */
export type JsonObject = Record<string, unknown>;

/**
 * The own property `key` of `object`. A plain `object[key]` would find inherited members: an event lacking a
 * feature named `constructor` would read `Object.prototype.constructor` instead of a missing value.
 */
export function own(object: JsonObject, key: string): unknown {
  return Object.hasOwn(object, key) ? object[key] : undefined;
}

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const QUOTE_LIMIT = 40;

/** A short description of a JSON value for a reason text; long strings are cut so a reason stays small. */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (typeof value === 'string') {
    return JSON.stringify(value.length > QUOTE_LIMIT ? `${value.slice(0, QUOTE_LIMIT)}…` : value);
  }
  if (typeof value === 'object') return Array.isArray(value) ? 'an array' : 'an object';
  return String(value);
}

/** `value` (undefined or null) of a required field. */
export function missingField(path: string, value: unknown): DecodeFailure {
  return new DecodeFailure(
    'VIGIL_DECODE_MISSING_FIELD',
    value === undefined
      ? `field "${path}": required, but absent`
      : `field "${path}": required, got ${describeValue(value)}`,
  );
}

export function wrongType(path: string, expected: string, value: unknown): DecodeFailure {
  return new DecodeFailure(
    'VIGIL_DECODE_WRONG_TYPE',
    `field "${path}": expected ${expected}, got ${describeValue(value)}`,
  );
}

export function outOfRange(path: string, expected: string, value: unknown): DecodeFailure {
  return new DecodeFailure(
    'VIGIL_DECODE_OUT_OF_RANGE',
    `field "${path}": expected ${expected}, got ${describeValue(value)}`,
  );
}

/**
 * The JSON object of a message value. The size is checked before anything else, so an absurdly large message is
 * refused without being read; bytes that are not UTF-8 are refused rather than replaced by U+FFFD, which would
 * silently merge distinct ids and categories.
 */
export function parseEvent(message: RawMessage, options: CompiledDecodeOptions): JsonObject | DecodeFailure {
  const value = message.value;
  if (value === null || value.length === 0) {
    return new DecodeFailure('VIGIL_DECODE_INVALID_JSON', 'value: empty (a null or zero-length message)');
  }
  if (value.length > options.maxMessageBytes) {
    return new DecodeFailure(
      'VIGIL_DECODE_TOO_LARGE',
      `value: ${value.length} bytes, over the limit of ${options.maxMessageBytes} bytes`,
    );
  }
  if (!isUtf8(value)) return new DecodeFailure('VIGIL_DECODE_INVALID_JSON', 'value: not valid UTF-8');
  // A byte-order mark is allowed by RFC 8259 parsers and some producers write one; JSON.parse refuses it.
  const start = value[0] === 0xef && value[1] === 0xbb && value[2] === 0xbf ? 3 : 0;
  let parsed: unknown;
  try {
    parsed = JSON.parse(value.toString('utf8', start));
  } catch (error) {
    return new DecodeFailure('VIGIL_DECODE_INVALID_JSON', `value: not valid JSON (${errorMessage(error)})`);
  }
  if (!isObject(parsed)) {
    return new DecodeFailure('VIGIL_DECODE_WRONG_TYPE', `value: expected a JSON object, got ${describeValue(parsed)}`);
  }
  return parsed;
}

/**
 * Whether `text` is well-formed UTF-16. JSON can spell a lone surrogate (`"\ud800"`), which no UTF-8 text can
 * hold: the column dictionaries and the database would store it as U+FFFD, silently merging distinct categories
 * (`"a\ud800"`, `"a\udc00"` and `"a\ufffd"` would be one), as `parseEvent` already avoids for invalid bytes.
 */
export function isWellFormed(text: string): boolean {
  return (text as string & { isWellFormed(): boolean }).isWellFormed();
}

/** `value` (a string that is not well-formed) at `path`. */
export function malformedText(path: string, value: string): DecodeFailure {
  return outOfRange(path, 'well-formed Unicode text (no lone surrogate)', value);
}

/** The configured model an event names. */
export function readModel(
  event: JsonObject,
  models: ReadonlyMap<string, ModelDefinition>,
): ModelDefinition | DecodeFailure {
  const value = own(event, 'model');
  if (value === undefined || value === null) return missingField('model', value);
  if (typeof value !== 'string') return wrongType('model', 'a string', value);
  const model = models.get(value);
  if (model === undefined) {
    const guess = closestModel(value, models);
    return new DecodeFailure(
      'VIGIL_DECODE_UNKNOWN_MODEL',
      `field "model": unknown model ${describeValue(value)}${guess === undefined ? '' : ` (did you mean "${guess}"?)`}`,
    );
  }
  return model;
}

/** Per map of models, the closest configured id of each unknown one seen (a flood of one typo is looked up once). */
const guesses = new WeakMap<ReadonlyMap<string, ModelDefinition>, Map<string, string | undefined>>();
const MAX_GUESSES = 1000;

/** The configured model id closest to `value` (a typo's), as configuration errors suggest names. */
function closestModel(value: string, models: ReadonlyMap<string, ModelDefinition>): string | undefined {
  let known = guesses.get(models);
  if (known === undefined) guesses.set(models, (known = new Map()));
  if (known.has(value)) return known.get(value);
  const guess = didYouMean(value, [...models.keys()]);
  if (known.size >= MAX_GUESSES) known.clear();
  known.set(value, guess);
  return guess;
}

/** The event id: a non-empty string, or a finite number written as `String(n)` (e.g. 1e21 → "1e+21"). */
export function readId(event: JsonObject): string | DecodeFailure {
  const value = own(event, 'id');
  if (typeof value === 'string')
    return value.length === 0 ? missingField('id', value) : isWellFormed(value) ? value : malformedText('id', value);
  if (value === undefined || value === null) return missingField('id', value);
  if (typeof value === 'number')
    return Number.isFinite(value) ? String(value) : outOfRange('id', 'a finite number', value);
  return wrongType('id', 'a string', value);
}

/** Event time in epoch milliseconds, from an ISO-8601 string or a number of epoch milliseconds. */
export function readTimestamp(value: unknown, path: string): number | DecodeFailure {
  if (typeof value === 'number') {
    return Number.isFinite(value) && Math.abs(value) <= MAX_EPOCH_MS
      ? value
      : outOfRange(path, `epoch milliseconds within ±${MAX_EPOCH_MS}`, value);
  }
  if (value === undefined || value === null) return missingField(path, value);
  if (typeof value === 'string') {
    const ms = parseIsoTimestamp(value);
    if (!Number.isNaN(ms)) return ms;
  }
  return wrongType(path, 'an ISO-8601 timestamp or epoch milliseconds', value);
}
