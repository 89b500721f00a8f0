import type { DecodeFailure } from './dead-letter';
import {
  type JsonObject,
  isObject,
  isWellFormed,
  malformedText,
  missingField,
  outOfRange,
  own,
  readId,
  readTimestamp,
  wrongType,
} from './event-fields';
import { DEFAULT_VERSION, MISSING_GROUP } from './prediction-batch';
import {
  Text,
  attributionValue,
  derivedPrediction,
  kindOf,
  numericFeature,
  outcomeValue,
  scoreValue,
  textValue,
  versionValue,
} from './prediction-field-rules';
import type { StagedPrediction } from './staged-prediction';

/*
 * The parse path: a prediction event `JSON.parse` gave, staged by the field rules (prediction-field-rules.ts), or
 * the dead letter's reason. It decides every event the scan path leaves to it, and words every refusal.
 */

/** Reads every field of `event` (whose `model` is the staged model) into `s`, or says what is wrong. */
export function stageParsed(s: StagedPrediction, event: JsonObject, latestTs: number): DecodeFailure | undefined {
  s.start.fill(-1);
  s.groupStart.fill(-1);
  s.versionStart = -1;
  const id = readId(event);
  if (typeof id !== 'string') return id;
  s.id = id;
  const ts = readTimestamp(own(event, 'ts'), 'ts');
  if (typeof ts !== 'number') return ts;
  if (ts > latestTs)
    return outOfRange(
      'ts',
      `a time before ${new Date(latestTs).toISOString()} (the clock plus maxFutureMs)`,
      own(event, 'ts'),
    );
  s.ts = ts;
  return (
    stageFeatures(s, own(event, 'features')) ??
    stageOutcome(s, event) ??
    stageGroups(s, own(event, 'groups')) ??
    stageAttributions(s, own(event, 'attributions'))
  );
}

/**
 * `attributions`: absent or null carries none; keys that are not features of the model are ignored, as in
 * `features`; a value follows `attributionValue`.
 */
function stageAttributions(s: StagedPrediction, attributions: unknown): DecodeFailure | undefined {
  s.attributions.fill(Number.NaN);
  if (attributions === undefined || attributions === null) return undefined;
  if (!isObject(attributions)) return wrongType('attributions', 'an object', attributions);
  for (let i = 0; i < s.featureNames.length; i++) {
    const name = s.featureNames[i]!;
    const value = own(attributions, name);
    const a = attributionValue(kindOf(value), numberOf(value));
    if (typeof a !== 'number') return a.failure(`attributions.${name}`, value);
    s.attributions[i] = a;
  }
  return undefined;
}

/**
 * Keys that are not features of the model are not analysed, only noted (`unknownNames`, counted per batch); a
 * feature's value follows `numericFeature` or `textValue`.
 */
function stageFeatures(s: StagedPrediction, features: unknown): DecodeFailure | undefined {
  s.clearUnknown();
  if (features === undefined || features === null) return missingField('features', features);
  if (!isObject(features)) return wrongType('features', 'an object', features);
  const count = s.featureNames.length;
  for (const key of Object.keys(features)) if (!s.featureSet.has(key)) s.unknownNames.push(key);
  for (let i = 0; i < count; i++) {
    const name = s.featureNames[i]!;
    const value = own(features, name);
    s.absent[i] = value === undefined ? 1 : 0;
    const kind = kindOf(value);
    // Rules take a number: keeping the argument a number whatever the value keeps them fast.
    const n = numberOf(value);
    if (s.numeric[i]) {
      const number = numericFeature(kind, n);
      if (typeof number !== 'number') return number.failure(`features.${name}`, value);
      s.numbers[i] = number;
    } else {
      const text = textValue(kind, n);
      if (text === Text.Verbatim) {
        if (!isWellFormed(value as string)) return malformedText(`features.${name}`, value as string);
        s.strings[i] = value as string;
      } else if (text === Text.Written) {
        s.strings[i] = String(value);
      } else if (text === Text.Missing) {
        s.strings[i] = null;
      } else {
        return text.failure(`features.${name}`, value);
      }
    }
  }
  return undefined;
}

function stageOutcome(s: StagedPrediction, event: JsonObject): DecodeFailure | undefined {
  const version = own(event, 'version');
  const text = versionValue(kindOf(version), numberOf(version));
  if (text === Text.Verbatim) {
    if (!isWellFormed(version as string)) return malformedText('version', version as string);
    s.version = version as string;
  } else if (text === Text.Written) {
    s.version = String(version);
  } else if (text === Text.Missing) {
    s.version = DEFAULT_VERSION;
  } else {
    return text.failure('version', version);
  }

  const scoreField = own(event, 'score');
  const score = scoreValue(kindOf(scoreField), numberOf(scoreField), s.binary);
  if (typeof score !== 'number') return score.failure('score', scoreField);
  s.score = score;

  const predictionField = own(event, 'prediction');
  const prediction = outcomeValue(kindOf(predictionField), numberOf(predictionField), s.binary);
  if (typeof prediction !== 'number') return prediction.failure('prediction', predictionField);
  s.prediction = derivedPrediction(prediction, s.score, s.binary, s.model.threshold);

  const labelField = own(event, 'label');
  const label = outcomeValue(kindOf(labelField), numberOf(labelField), s.binary);
  if (typeof label !== 'number') return label.failure('label', labelField);
  s.label = label;
  return undefined;
}

/** An attribute that is absent or null, or a `groups` that is absent or null, is the group "(missing)". */
function stageGroups(s: StagedPrediction, groups: unknown): DecodeFailure | undefined {
  if (groups === undefined || groups === null) {
    s.missingGroups();
    return undefined;
  }
  if (!isObject(groups)) return wrongType('groups', 'an object', groups);
  for (let g = 0; g < s.groupAttributes.length; g++) {
    const attribute = s.groupAttributes[g]!;
    const value = own(groups, attribute);
    const text = textValue(kindOf(value), numberOf(value));
    if (text === Text.Verbatim) {
      if (!isWellFormed(value as string)) return malformedText(`groups.${attribute}`, value as string);
      s.groups[g] = value as string;
    } else if (text === Text.Written) {
      s.groups[g] = String(value);
    } else if (text === Text.Missing) {
      s.groups[g] = MISSING_GROUP;
    } else {
      return text.failure(`groups.${attribute}`, value);
    }
  }
  return undefined;
}

/** The number a rule is given with a value's kind: the value when it is a number (else unused). */
function numberOf(value: unknown): number {
  return typeof value === 'number' ? value : 0;
}
