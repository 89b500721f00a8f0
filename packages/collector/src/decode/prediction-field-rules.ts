import type { DecodeFailure } from './dead-letter';
import { outOfRange, wrongType } from './event-fields';
import { Kind } from './json-bytes';

/*
 * The rules of a prediction event's fields (docs/events.md), once, for both ways an event is read: the parse path
 * (`JSON.parse`, parse-prediction.ts) and the scan path (the bytes, scan-prediction.ts). A rule looks at a value
 * as a JSON kind and, for a number, its value (`kindOf` gives the kind of a parsed value; the scanner's slots have
 * one) and answers what is staged, or a `Refusal`. The parse path words a refusal into a dead letter; the scan path
 * leaves the event to the parse path, which then refuses it in the same words.
 */

/** Why a value is refused: the failure's code and what was expected, worded for a field when it is known. */
export class Refusal {
  constructor(
    readonly code: 'VIGIL_DECODE_WRONG_TYPE' | 'VIGIL_DECODE_OUT_OF_RANGE',
    readonly expected: string,
  ) {}

  failure(path: string, value: unknown): DecodeFailure {
    return this.code === 'VIGIL_DECODE_WRONG_TYPE'
      ? wrongType(path, this.expected, value)
      : outOfRange(path, this.expected, value);
  }
}

const NOT_A_NUMBER = new Refusal('VIGIL_DECODE_WRONG_TYPE', 'a number');
const NOT_A_STRING = new Refusal('VIGIL_DECODE_WRONG_TYPE', 'a string');
const NOT_BINARY = new Refusal('VIGIL_DECODE_WRONG_TYPE', '0, 1 or a boolean');
const NOT_FINITE = new Refusal('VIGIL_DECODE_OUT_OF_RANGE', 'a finite number');
const NOT_A_PROBABILITY = new Refusal('VIGIL_DECODE_OUT_OF_RANGE', 'a probability in [0, 1]');
const NOT_ZERO_OR_ONE = new Refusal('VIGIL_DECODE_OUT_OF_RANGE', '0 or 1');

/** The JSON kind of a value `JSON.parse` gave (`undefined`: the key is absent). */
export function kindOf(value: unknown): Kind {
  // `typeof x === '…'` tests, most frequent first: V8 compiles each to a type check (a switch on typeof compares strings).
  if (typeof value === 'number') return Kind.Number;
  if (typeof value === 'string') return Kind.String;
  if (value === undefined) return Kind.Absent;
  if (value === null) return Kind.Null;
  if (value === true) return Kind.True;
  if (value === false) return Kind.False;
  return Kind.Other;
}

/** What a text field (a categorical feature, a group value, the version) keeps. */
export enum Text {
  /** The string itself. */
  Verbatim,
  /** A number or a boolean, written as `String(value)` (so 1.0 and 1 are both "1"). */
  Written,
  /** Nothing: a missing value (a feature), the group "(missing)", the default version. */
  Missing,
}

/**
 * A numeric feature: a finite number, or a boolean as 1/0 (as the file readers do); a string is refused, not parsed,
 * since a producer sending "12" is a producer to fix. Null or absent is missing (NaN).
 */
export function numericFeature(kind: Kind, n: number): number | Refusal {
  if (kind === Kind.Number) return Number.isFinite(n) ? n : NOT_FINITE;
  if (kind === Kind.Null || kind === Kind.Absent) return Number.NaN;
  if (kind === Kind.True) return 1;
  if (kind === Kind.False) return 0;
  return NOT_A_NUMBER;
}

/**
 * A categorical feature or a group value: a string verbatim; a finite number or a boolean as `String(value)`;
 * null or absent is missing.
 */
export function textValue(kind: Kind, n: number): Text | Refusal {
  if (kind === Kind.String) return Text.Verbatim;
  if (kind === Kind.Null || kind === Kind.Absent) return Text.Missing;
  if (kind === Kind.True || kind === Kind.False) return Text.Written;
  if (kind === Kind.Number) return Number.isFinite(n) ? Text.Written : NOT_FINITE;
  return NOT_A_STRING;
}

/** `version`: a string, or a finite number written as `String(n)`; null or absent is the default version. */
export function versionValue(kind: Kind, n: number): Text | Refusal {
  if (kind === Kind.String) return Text.Verbatim;
  if (kind === Kind.Null || kind === Kind.Absent) return Text.Missing;
  if (kind === Kind.Number) return Number.isFinite(n) ? Text.Written : NOT_FINITE;
  return NOT_A_STRING;
}

/** `score`: a finite number, a probability in [0, 1] for a binary model; null or absent is NaN. */
export function scoreValue(kind: Kind, n: number, binary: boolean): number | Refusal {
  if (kind === Kind.Null || kind === Kind.Absent) return Number.NaN;
  if (kind !== Kind.Number) return NOT_A_NUMBER;
  if (binary ? !(n >= 0 && n <= 1) : !Number.isFinite(n)) return binary ? NOT_A_PROBABILITY : NOT_FINITE;
  return n;
}

/**
 * An attribution of `attributions` (SHAP or any additive attribution, in score units): a finite number; null or
 * absent is NaN (the event carries none for that feature). A boolean or a string is refused, not converted: an
 * attribution is never a flag, and a producer sending text is a producer to fix.
 */
export function attributionValue(kind: Kind, n: number): number | Refusal {
  if (kind === Kind.Number) return Number.isFinite(n) ? n : NOT_FINITE;
  if (kind === Kind.Null || kind === Kind.Absent) return Number.NaN;
  return NOT_A_NUMBER;
}

/**
 * `prediction` and `label`: 0/1 (or a boolean) for a binary model, a finite number for a regression; null or absent
 * is NaN.
 */
export function outcomeValue(kind: Kind, n: number, binary: boolean): number | Refusal {
  if (kind === Kind.Null || kind === Kind.Absent) return Number.NaN;
  if (binary) {
    if (kind === Kind.True) return 1;
    if (kind === Kind.False) return 0;
    if (kind !== Kind.Number) return NOT_BINARY;
    // `n === 0` also holds for -0, which is stored as 0.
    return n === 1 ? 1 : n === 0 ? 0 : NOT_ZERO_OR_ONE;
  }
  if (kind !== Kind.Number) return NOT_A_NUMBER;
  return Number.isFinite(n) ? n : NOT_FINITE;
}

/**
 * The prediction stored: the one given; else, when there is a score, the score against the model's threshold (a
 * binary model) or the score itself (a regression); else NaN.
 */
export function derivedPrediction(prediction: number, score: number, binary: boolean, threshold: number): number {
  if (!Number.isNaN(prediction)) return prediction;
  if (Number.isNaN(score)) return Number.NaN;
  return binary ? (score >= threshold ? 1 : 0) : score;
}
