import { Kind } from '../../src/decode/json-bytes';
import {
  Refusal,
  Text,
  derivedPrediction,
  kindOf,
  numericFeature,
  outcomeValue,
  scoreValue,
  textValue,
  versionValue,
} from '../../src/decode/prediction-field-rules';

/*
 * The one table of field rules both decoding paths use (docs/events.md). The paths' agreement on whole messages is
 * the decoder fuzz test's (prediction-batch-builder.fuzz.test.ts); here, each rule's answer per JSON kind.
 */

const refused = (verdict: unknown, code: string, expected: string) => {
  expect(verdict).toBeInstanceOf(Refusal);
  expect(verdict).toMatchObject({ code, expected });
};

describe('prediction field rules', () => {
  test('kindOf gives the JSON kind of what JSON.parse returns', () => {
    expect([undefined, null, true, false, 0, 'x', {}, []].map(kindOf)).toEqual([
      Kind.Absent,
      Kind.Null,
      Kind.True,
      Kind.False,
      Kind.Number,
      Kind.String,
      Kind.Other,
      Kind.Other,
    ]);
  });

  test('a numeric feature: finite numbers, booleans as 1/0, missing as NaN; no strings, no infinities', () => {
    expect(numericFeature(Kind.Number, 2.5)).toBe(2.5);
    expect(numericFeature(Kind.True, 0)).toBe(1);
    expect(numericFeature(Kind.False, 0)).toBe(0);
    expect(numericFeature(Kind.Null, 0)).toBeNaN();
    expect(numericFeature(Kind.Absent, 0)).toBeNaN();
    refused(numericFeature(Kind.Number, Infinity), 'VIGIL_DECODE_OUT_OF_RANGE', 'a finite number');
    refused(numericFeature(Kind.String, 0), 'VIGIL_DECODE_WRONG_TYPE', 'a number');
    refused(numericFeature(Kind.Object, 0), 'VIGIL_DECODE_WRONG_TYPE', 'a number');
  });

  test('a categorical feature or group value: strings verbatim, numbers and booleans written, null missing', () => {
    expect(textValue(Kind.String, 0)).toBe(Text.Verbatim);
    expect([textValue(Kind.Number, 1), textValue(Kind.True, 0), textValue(Kind.False, 0)]).toEqual([
      Text.Written,
      Text.Written,
      Text.Written,
    ]);
    expect([textValue(Kind.Null, 0), textValue(Kind.Absent, 0)]).toEqual([Text.Missing, Text.Missing]);
    refused(textValue(Kind.Number, -Infinity), 'VIGIL_DECODE_OUT_OF_RANGE', 'a finite number');
    refused(textValue(Kind.Other, 0), 'VIGIL_DECODE_WRONG_TYPE', 'a string');
  });

  test('a version: strings verbatim, finite numbers written, no booleans', () => {
    expect([versionValue(Kind.String, 0), versionValue(Kind.Number, 7), versionValue(Kind.Null, 0)]).toEqual([
      Text.Verbatim,
      Text.Written,
      Text.Missing,
    ]);
    refused(versionValue(Kind.True, 0), 'VIGIL_DECODE_WRONG_TYPE', 'a string');
    refused(versionValue(Kind.Number, NaN), 'VIGIL_DECODE_OUT_OF_RANGE', 'a finite number');
  });

  test('a score: a probability for a binary model, any finite number for a regression', () => {
    expect(scoreValue(Kind.Number, 0.82, true)).toBe(0.82);
    expect(scoreValue(Kind.Null, 0, true)).toBeNaN();
    refused(scoreValue(Kind.Number, 1.5, true), 'VIGIL_DECODE_OUT_OF_RANGE', 'a probability in [0, 1]');
    expect(scoreValue(Kind.Number, 1.5, false)).toBe(1.5);
    refused(scoreValue(Kind.True, 0, false), 'VIGIL_DECODE_WRONG_TYPE', 'a number');
  });

  test('a prediction or label: 0, 1 or a boolean for a binary model (-0 is 0), a finite number for a regression', () => {
    expect([
      outcomeValue(Kind.True, 0, true),
      outcomeValue(Kind.False, 0, true),
      outcomeValue(Kind.Number, 1, true),
    ]).toEqual([1, 0, 1]);
    expect(Object.is(outcomeValue(Kind.Number, -0, true), 0)).toBe(true);
    refused(outcomeValue(Kind.Number, 0.5, true), 'VIGIL_DECODE_OUT_OF_RANGE', '0 or 1');
    refused(outcomeValue(Kind.String, 0, true), 'VIGIL_DECODE_WRONG_TYPE', '0, 1 or a boolean');
    expect(outcomeValue(Kind.Number, 123.4, false)).toBe(123.4);
    refused(outcomeValue(Kind.True, 0, false), 'VIGIL_DECODE_WRONG_TYPE', 'a number');
  });

  test('the prediction stored: the one given, else the score against the threshold (binary) or the score, else NaN', () => {
    expect(derivedPrediction(0, 0.9, true, 0.5)).toBe(0);
    expect(derivedPrediction(NaN, 0.5, true, 0.5)).toBe(1);
    expect(derivedPrediction(NaN, 0.49, true, 0.5)).toBe(0);
    expect(derivedPrediction(NaN, 3.2, false, 0.5)).toBe(3.2);
    expect(derivedPrediction(NaN, NaN, true, 0.5)).toBeNaN();
  });

  test('a refusal is worded for its field', () => {
    const failure = (numericFeature(Kind.String, 0) as Refusal).failure('features.age', '41');
    expect(failure).toMatchObject({
      code: 'VIGIL_DECODE_WRONG_TYPE',
      reason: 'field "features.age": expected a number, got "41"',
    });
  });
});
